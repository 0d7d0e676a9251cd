"""The enrolment API: enrol (201, or 200 for a place already held), my enrolments, cancel, answer an offer;
every refusal is 4xx JSON with a code and a message in the language asked for."""

import datetime as dt

import pytest
from django.utils import timezone

from conftest import PASSWORD
from learningcity.accounts.services import token_issue
from learningcity.catalogue.models import OfferingStatus, ProgrammeStatus
from learningcity.enrolment import services
from learningcity.enrolment.models import Enrolment, EnrolmentStatus
from learningcity.factories import OfferingFactory, ProgrammeFactory

S = EnrolmentStatus


def auth(user) -> dict:
    _token, key = token_issue(mobile=user.mobile, password=PASSWORD)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def error(response, status):
    assert response.status_code == status, response.content
    data = response.json()
    assert data["code"] and data["message"]
    return data


def enrol(client, offering, user, **extra):
    return client.post(f"/api/v1/offerings/{offering.pk}/enrolments", **auth(user), **extra)


def test_enrolling_answers_201_with_the_status_and_a_repeat_answers_200_with_the_same(client, offering, citizen):
    first = enrol(client, offering, citizen)
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["status"] == "confirmed" and body["position"] is None
    again = enrol(client, offering, citizen)
    assert again.status_code == 200 and again.json() == body
    assert Enrolment.objects.count() == 1


def test_a_full_offering_puts_the_person_on_the_waitlist_with_a_position(client, offering, make_citizen):
    for _ in range(2):
        assert enrol(client, offering, make_citizen()).json()["status"] == "confirmed"
    response = enrol(client, offering, make_citizen())
    assert response.status_code == 201
    assert response.json()["status"] == "waitlisted" and response.json()["position"] == 1


def test_enrolling_needs_a_token(client, offering):
    error(client.post(f"/api/v1/offerings/{offering.pk}/enrolments"), 401)
    error(client.post(f"/api/v1/offerings/{offering.pk}/enrolments", HTTP_AUTHORIZATION="Bearer nope"), 401)
    assert not Enrolment.objects.exists()


def test_an_unknown_or_unpublished_offering_is_404(client, offering, citizen):
    error(client.post("/api/v1/offerings/999999/enrolments", **auth(citizen)), 404)
    draft = OfferingFactory(programme=ProgrammeFactory(institution=offering.programme.institution,
                                                       status=ProgrammeStatus.DRAFT))
    error(enrol(client, draft, citizen), 404)
    assert not Enrolment.objects.exists()


@pytest.mark.parametrize("setup, code", [
    (lambda o: setattr(o, "enrolment_closes_at", timezone.now() - dt.timedelta(hours=1)), "window_closed"),
    (lambda o: setattr(o, "enrolment_opens_at", timezone.now() + dt.timedelta(hours=1)), "window_closed"),
    (lambda o: setattr(o, "status", OfferingStatus.CANCELLED), "offering_cancelled"),
    (lambda o: setattr(o, "status", OfferingStatus.FINISHED), "offering_finished"),
])
def test_refusals_are_409_with_a_code_and_a_message(client, offering, citizen, setup, code):
    setup(offering)
    offering.save()
    data = error(enrol(client, offering, citizen, HTTP_ACCEPT_LANGUAGE="en"), 409)
    assert data["code"] == code
    assert not Enrolment.objects.exists()


def test_the_cap_is_409_cap_reached(settings, client, programme, citizen):
    settings.ENROLMENT_CAP = 1
    assert enrol(client, OfferingFactory(programme=programme), citizen).status_code == 201
    data = error(enrol(client, OfferingFactory(programme=programme), citizen, HTTP_ACCEPT_LANGUAGE="en"), 409)
    assert data["code"] == "cap_reached" and "You already have 1 active enrolment in this city" in data["message"]


def test_my_enrolments_lists_places_with_positions(client, offering, programme, make_citizen, citizen,
                                                   django_assert_max_num_queries):
    for _ in range(2):
        enrol(client, offering, make_citizen())
    enrol(client, offering, citizen)
    other = OfferingFactory(programme=programme)
    enrol(client, other, citizen)
    headers = auth(citizen)
    with django_assert_max_num_queries(15):
        response = client.get("/api/v1/me/enrolments", **headers)
    assert response.status_code == 200
    rows = {row["offering"]: row for row in response.json()}
    assert rows[offering.pk]["status"] == "waitlisted" and rows[offering.pk]["position"] == 1
    assert rows[other.pk]["status"] == "confirmed" and rows[other.pk]["position"] is None
    assert rows[other.pk]["programme"] == programme.pk and rows[other.pk]["provider"]


def test_cancelling_my_enrolment_and_someone_elses_is_404(client, offering, citizen, make_citizen):
    mine = enrol(client, offering, citizen).json()
    stranger = make_citizen()
    error(client.delete(f"/api/v1/enrolments/{mine['id']}", **auth(stranger)), 404)
    assert Enrolment.objects.get(pk=mine["id"]).status == S.CONFIRMED
    response = client.delete(f"/api/v1/enrolments/{mine['id']}", **auth(citizen))
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert client.delete(f"/api/v1/enrolments/{mine['id']}", **auth(citizen)).status_code == 200


def test_accepting_and_declining_an_offer(client, offer_offering, make_citizen):
    people = [make_citizen() for _ in range(4)]
    places = [enrol(client, offer_offering, person).json() for person in people]
    client.delete(f"/api/v1/enrolments/{places[0]['id']}", **auth(people[0]))
    response = client.post(f"/api/v1/enrolments/{places[2]['id']}/accept", **auth(people[2]))
    assert response.status_code == 200 and response.json()["status"] == "confirmed"
    client.delete(f"/api/v1/enrolments/{places[1]['id']}", **auth(people[1]))
    error(client.post(f"/api/v1/enrolments/{places[3]['id']}/accept", **auth(people[2])), 404)
    response = client.post(f"/api/v1/enrolments/{places[3]['id']}/decline", **auth(people[3]))
    assert response.status_code == 200 and response.json()["status"] == "declined"
    data = error(client.post(f"/api/v1/enrolments/{places[3]['id']}/accept", **auth(people[3]),
                             HTTP_ACCEPT_LANGUAGE="en"), 409)
    assert data["code"] == "no_offer"


def test_an_expired_offer_cannot_be_accepted(client, offer_offering, make_citizen):
    people = [make_citizen() for _ in range(3)]
    places = [enrol(client, offer_offering, person).json() for person in people]
    services.enrolment_cancel(enrolment=Enrolment.objects.get(pk=places[0]["id"]), acting_user=people[0])
    Enrolment.objects.filter(pk=places[2]["id"]).update(offer_expires_at=timezone.now() - dt.timedelta(minutes=5))
    data = error(client.post(f"/api/v1/enrolments/{places[2]['id']}/accept", **auth(people[2])), 409)
    assert data["code"] == "offer_expired"
    assert Enrolment.objects.get(pk=places[2]["id"]).status == S.EXPIRED


def test_the_openapi_schema_documents_the_enrolment_answers(client, city):
    spec = client.get("/api/v1/openapi.json").json()
    post = spec["paths"]["/api/v1/offerings/{offering_id}/enrolments"]["post"]
    assert {"200", "201", "401", "404", "409"} <= set(post["responses"])
    assert "waitlisted" in post["description"]
    assert set(spec["paths"]["/api/v1/enrolments/{enrolment_id}"]) >= {"delete"}
    assert "get" in spec["paths"]["/api/v1/me/enrolments"]
    assert "post" in spec["paths"]["/api/v1/enrolments/{enrolment_id}/accept"]
    assert "post" in spec["paths"]["/api/v1/enrolments/{enrolment_id}/decline"]
