"""Waitlist priority groups and enrolling someone on their behalf, from the staff's attendee list: who may,
what bad input says, and where the person ends up in the queue."""

import re

import pytest
from django.utils import timezone, translation

from learningcity.catalogue.models import OfferingStatus
from learningcity.core.errors import Conflict, DomainError, NotAllowed
from learningcity.core.models import AuditEntry
from learningcity.core.sms import MemorySmsBackend
from learningcity.core.text import persian_digits
from learningcity.enrolment import services
from learningcity.enrolment.models import Enrolment, EnrolmentStatus
from learningcity.enrolment.selectors import offering_enrolment_for
from learningcity.factories import (
    CitizenFactory,
    EnrolmentFactory,
    InstitutionFactory,
    OfferingFactory,
    ProgrammeFactory,
)

from .conftest import ROLES

pytestmark = pytest.mark.django_db

MANAGERS = {"institution_editor", "institution_admin", "secretariat", "superuser"}
S = EnrolmentStatus


def attendees_url(offering, lang="fa"):
    return f"/{lang}/enrolments/offerings/{offering.pk}/attendees/"


def priority_url(enrolment, lang="fa"):
    return f"/{lang}/enrolments/{enrolment.pk}/priority/"


def behalf_url(offering, lang="fa"):
    return f"/{lang}/enrolments/offerings/{offering.pk}/enrol-on-behalf/"


def fa(msgid, **values):
    with translation.override("fa"):
        text = translation.gettext(msgid)
    return text % values if values else text


def queue(body: str) -> list[int]:
    """The waiting enrolments' ids in the order the waitlist table shows them."""
    table = body.split('data-list="waiting"')[1].split("</table>")[0]
    return [int(pk) for pk in re.findall(r'data-enrolment="(\d+)"', table)]


def position_in(body: str, enrolment) -> str:
    row = body.split(f'data-enrolment="{enrolment.pk}"')[1].split("</tr>")[0]
    return re.search(r"data-position>([^<]*)<", row).group(1)


@pytest.fixture
def waiting(offering, make_citizen):
    """The offering's two seats taken, then three people waiting in the order they asked: A, B, C."""
    for _ in range(2):
        citizen = make_citizen()
        services.enrolment_request(offering=offering, citizen=citizen, acting_user=citizen)
    people = []
    for name in ("الف", "ب", "پ"):
        citizen = make_citizen(name=f"منتظر {name}")
        people.append(services.enrolment_request(offering=offering, citizen=citizen, acting_user=citizen)[0])
    assert [p.status for p in people] == [S.WAITLISTED] * 3
    return people


@pytest.fixture
def waiting_person(waiting):
    return waiting[2].citizen


# --- who may ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [*ROLES, "waiting_person"])
def test_only_the_staff_who_run_the_offering_and_the_secretariat_change_a_priority_group(
    request, client_as, role, waiting, institution_editor, institution_admin
):
    client = client_as(request.getfixturevalue(role))
    target = waiting[2]

    response = client.post(priority_url(target), {"priority": "3"})

    target.refresh_from_db()
    if role in MANAGERS:
        assert response.status_code == 302 and target.priority == 3
    else:
        assert response.status_code == 404 and target.priority == 0
        assert not AuditEntry.objects.filter(action="enrolment.priority").exists()


@pytest.mark.parametrize("role", ROLES)
def test_only_the_staff_who_run_the_offering_and_the_secretariat_enrol_someone_on_their_behalf(
    request, client_as, role, offering, make_citizen, institution_editor, institution_admin
):
    person = make_citizen()
    client = client_as(request.getfixturevalue(role))

    response = client.post(behalf_url(offering), {"behalf-mobile": person.mobile, "behalf-priority": "0"})

    enrolled = Enrolment.objects.filter(citizen=person).exists()
    if role in MANAGERS:
        assert response.status_code == 302 and enrolled
    else:
        assert response.status_code == 404 and not enrolled


@pytest.mark.parametrize("role", ROLES)
def test_the_priority_forms_are_shown_only_to_those_who_may_use_them(
    request, client_as, role, waiting, institution_editor, institution_admin
):
    response = client_as(request.getfixturevalue(role)).get(attendees_url(waiting[0].offering))
    if response.status_code == 404:
        assert role not in MANAGERS
        return
    body = response.content.decode()
    assert (f'action="/fa/enrolments/{waiting[0].pk}/priority/"' in body) == (role in MANAGERS)
    assert (f'action="/fa/enrolments/offerings/{waiting[0].offering_id}/enrol-on-behalf/"' in body) == (
        role in MANAGERS)


def test_the_service_refuses_people_who_do_not_run_the_offering(waiting, other_staff, learner):
    for person in (other_staff, learner, waiting[2].citizen, None):
        with pytest.raises(NotAllowed):
            services.enrolment_set_priority(enrolment=waiting[2], priority=2, acting_user=person)
    assert Enrolment.objects.get(pk=waiting[2].pk).priority == 0


# --- what people see ----------------------------------------------------------------------------


def test_the_attendee_list_shows_each_waiting_persons_position_and_group(client_as, institution_admin, waiting):
    body = client_as(institution_admin).get(attendees_url(waiting[0].offering)).content.decode()
    assert queue(body) == [w.pk for w in waiting]
    assert [position_in(body, w) for w in waiting] == ["۱", "۲", "۳"]
    assert body.count('data-priority="0"') == 3


def test_moving_someone_into_a_higher_group_moves_them_up_the_queue_on_the_page(
    client_as, institution_admin, waiting
):
    client = client_as(institution_admin)
    first, second, third = waiting

    response = client.post(priority_url(third), {"priority": "۲"}, follow=True)

    body = response.content.decode()
    assert response.redirect_chain[-1][0] == attendees_url(third.offering)
    assert queue(body) == [third.pk, first.pk, second.pk]
    assert position_in(body, third) == "۱" and position_in(body, first) == "۲"
    assert 'data-priority="2"' in body.split(f'data-enrolment="{third.pk}"')[1].split("</tr>")[0]
    assert "منتظر پ" in body and persian_digits(1) in body  # the message names the person and the new place

    # And back: the first come, first served order returns.
    body = client.post(priority_url(third), {"priority": "0"}, follow=True).content.decode()
    assert queue(body) == [first.pk, second.pk, third.pk]


def test_the_message_after_a_change_says_the_group_and_the_place(client_as, institution_admin, waiting):
    body = client_as(institution_admin).post(priority_url(waiting[1], "en"), {"priority": "4"},
                                             follow=True).content.decode()
    assert "منتظر ب is in priority group 4, number 1 on the waitlist." in body


def test_a_promotion_after_a_cancellation_follows_the_priority_group(institution_admin, waiting, offering):
    first, second, third = waiting
    services.enrolment_set_priority(enrolment=third, priority=1, acting_user=institution_admin)
    confirmed = Enrolment.objects.filter(offering=offering, status=S.CONFIRMED).first()

    services.enrolment_cancel(enrolment=confirmed, acting_user=institution_admin)

    assert Enrolment.objects.get(pk=third.pk).status == S.CONFIRMED
    assert Enrolment.objects.get(pk=first.pk).status == S.WAITLISTED


def test_the_waiting_person_sees_their_new_position(client_as, institution_admin, waiting):
    third = waiting[2]
    services.enrolment_set_priority(enrolment=third, priority=5, acting_user=institution_admin)

    assert offering_enrolment_for(third.citizen, third.offering).position == 1


# --- bad input and refusals ----------------------------------------------------------------------


@pytest.mark.parametrize("value", ["10", "-1", "abc", "", "۱۰"])
def test_a_group_outside_0_to_9_is_refused_with_a_clear_message(client_as, institution_admin, waiting, value):
    response = client_as(institution_admin).post(priority_url(waiting[2]), {"priority": value}, follow=True)
    body = response.content.decode()
    assert fa("Choose a priority group between 0 and %(max)d.", max=services.MAX_PRIORITY) in body
    assert Enrolment.objects.get(pk=waiting[2].pk).priority == 0


def test_the_service_checks_the_group_too(institution_admin, waiting):
    for value in (10, -1, "x", None):
        with pytest.raises(DomainError) as error:
            services.enrolment_set_priority(enrolment=waiting[2], priority=value, acting_user=institution_admin)
        assert error.value.field == "priority"


def test_someone_with_a_seat_has_no_priority_group_to_change(client_as, institution_admin, enrolled):
    body = client_as(institution_admin).post(priority_url(enrolled, "en"), {"priority": "3"},
                                             follow=True).content.decode()
    assert "Only people on the waitlist have a priority group; مریم احمدی is not waiting." in body
    assert Enrolment.objects.get(pk=enrolled.pk).priority == 0


def test_no_priority_changes_once_the_offering_is_cancelled(institution_admin, waiting, offering):
    services.offering_cancel(offering=offering, acting_user=institution_admin, reason="سالن در دسترس نیست")
    with pytest.raises(Conflict):
        services.enrolment_set_priority(enrolment=waiting[2], priority=3, acting_user=institution_admin)


def test_an_enrolment_of_another_offering_in_another_city_is_not_found(client_as, secretariat, other_city):
    far = EnrolmentFactory(
        offering=OfferingFactory(programme=ProgrammeFactory(institution=InstitutionFactory(city=other_city))),
        citizen=CitizenFactory(city=other_city), status=S.WAITLISTED,
    )
    assert client_as(secretariat).post(priority_url(far), {"priority": "2"}).status_code == 404
    assert Enrolment.objects.get(pk=far.pk).priority == 0


# --- the service's bookkeeping --------------------------------------------------------------------


def test_a_change_is_audited_under_the_offerings_lock_and_the_same_group_changes_nothing(
    institution_admin, waiting, monkeypatch
):
    locked = []
    real_lock = services._lock_offering

    def spy(offering_id, **kwargs):
        locked.append(offering_id)
        return real_lock(offering_id, **kwargs)

    monkeypatch.setattr(services, "_lock_offering", spy)
    third = waiting[2]

    result = services.enrolment_set_priority(enrolment=third, priority=3, acting_user=institution_admin)
    again = services.enrolment_set_priority(enrolment=third, priority=3, acting_user=institution_admin)

    assert locked == [third.offering_id, third.offering_id]
    assert result.position == 1 and again.position == 1
    [entry] = AuditEntry.objects.filter(action="enrolment.priority")
    assert entry.actor == institution_admin and entry.changes["priority"] == [0, 3]


# --- enrolling someone on their behalf ---------------------------------------------------------------


def test_staff_enrol_someone_by_mobile_in_persian_digits_into_a_priority_group(
    client_as, institution_admin, waiting, make_citizen, on_commit
):
    person = make_citizen(name="نسرین یاری")
    typed = persian_digits(f"{person.mobile[:4]} {person.mobile[4:7]} {person.mobile[7:]}")

    with on_commit():
        response = client_as(institution_admin).post(
            behalf_url(waiting[0].offering), {"behalf-mobile": typed, "behalf-priority": "۳"}, follow=True
        )

    enrolment = Enrolment.objects.get(citizen=person)
    assert enrolment.status == S.WAITLISTED and enrolment.priority == 3
    body = response.content.decode()
    assert queue(body)[0] == enrolment.pk  # ahead of everyone in group 0
    assert "نسرین یاری" in body
    assert any(sms.to == person.mobile for sms in MemorySmsBackend.outbox)
    entry = AuditEntry.objects.get(action="enrolment.request", object_id=str(enrolment.pk))
    assert entry.actor == institution_admin


def test_staff_enrol_someone_into_a_free_seat(client_as, institution_admin, offering, make_citizen):
    person = make_citizen(name="کاوه")
    body = client_as(institution_admin).post(
        behalf_url(offering, "en"), {"behalf-mobile": person.mobile, "behalf-priority": "0"}, follow=True
    ).content.decode()
    assert Enrolment.objects.get(citizen=person).status == S.CONFIRMED
    assert "کاوه has a confirmed seat." in body


def test_enrolling_someone_twice_keeps_their_one_place(client_as, institution_admin, enrolled):
    client = client_as(institution_admin)
    body = client.post(behalf_url(enrolled.offering, "en"),
                       {"behalf-mobile": enrolled.citizen.mobile, "behalf-priority": "0"}, follow=True).content.decode()
    assert "already has a place in this offering" in body
    assert Enrolment.objects.filter(citizen=enrolled.citizen).count() == 1


@pytest.mark.parametrize(("mobile", "message"), [
    ("09999999999", "No one has an account with this mobile number. Ask them to sign up first."),
    ("12345", "Enter an Iranian mobile number such as 09121234567."),
    ("", "This field is required."),
])
def test_a_mobile_number_without_an_account_is_refused_on_the_form(client_as, institution_admin, offering, mobile,
                                                                    message):
    response = client_as(institution_admin).post(behalf_url(offering), {"behalf-mobile": mobile,
                                                                        "behalf-priority": "0"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="id_behalf-mobile_error"' in body and fa(message) in body
    assert f'value="{mobile}"' in body or not mobile  # what was typed stays in the field
    assert not Enrolment.objects.exists()


def test_a_bad_priority_on_the_enrol_form_is_refused(client_as, institution_admin, offering, make_citizen):
    person = make_citizen()
    response = client_as(institution_admin).post(behalf_url(offering), {"behalf-mobile": person.mobile,
                                                                        "behalf-priority": "12"})
    body = response.content.decode()
    assert 'id="id_behalf-priority_error"' in body
    assert fa("Choose a priority group between 0 and %(max)d.", max=services.MAX_PRIORITY) in body
    assert not Enrolment.objects.exists()


def test_the_services_refusal_shows_on_the_form_when_enrolment_has_closed(client_as, institution_admin, offering,
                                                                          make_citizen):
    type(offering).objects.filter(pk=offering.pk).update(enrolment_closes_at=timezone.now())
    person = make_citizen()
    body = client_as(institution_admin).post(behalf_url(offering, "en"), {"behalf-mobile": person.mobile,
                                                                          "behalf-priority": "0"}).content.decode()
    assert "Enrolment for this offering closed on" in body and "alert-danger" in body
    assert not Enrolment.objects.filter(citizen=person).exists()


def test_no_enrolling_on_behalf_once_the_offering_is_cancelled(client_as, institution_admin, offering, make_citizen):
    type(offering).objects.filter(pk=offering.pk).update(status=OfferingStatus.CANCELLED)
    person = make_citizen()
    response = client_as(institution_admin).post(behalf_url(offering), {"behalf-mobile": person.mobile,
                                                                        "behalf-priority": "0"})
    assert response.status_code == 200
    assert not Enrolment.objects.filter(citizen=person).exists()


# --- query bounds ----------------------------------------------------------------------------------


def test_the_attendee_list_with_a_long_waitlist_stays_within_the_query_budget(
    client_as, institution_admin, offering, make_citizen, django_assert_max_num_queries
):
    for _ in range(2 + 40):
        citizen = make_citizen()
        services.enrolment_request(offering=offering, citizen=citizen, acting_user=citizen)
    client = client_as(institution_admin)

    with django_assert_max_num_queries(20):
        response = client.get(attendees_url(offering))

    assert len(queue(response.content.decode())) == 40
