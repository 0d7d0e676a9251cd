"""The catalogue's public API reads: programme search with facets, one programme, one offering."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from learningcity.catalogue.models import Format, OfferingStatus, ProgrammeStatus
from learningcity.factories import LearningDomainFactory

from .test_search_support import district, make_offering, make_programme, today

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(city):
    arts = LearningDomainFactory(city=city, slug="arts", name_en="Arts")
    music = LearningDomainFactory(city=city, slug="music", parent=arts, name_en="Music")
    two, five = district(city, 2), district(city, 5)
    photo = make_programme(city, "کارگاه عکاسی", title_en="Photography workshop", domains=[arts],
                           life_stages=["youth"], fee_rials=0)
    make_offering(photo, place=two, days=5, capacity=12, confirmed=4, waiting=0)
    tanbur = make_programme(city, "کارگاه تنبور", title_en="Tanbur workshop", domains=[music],
                            life_stages=["adults"], fee_rials=900_000, format=Format.ONLINE)
    make_offering(tanbur, place=five, days=30, capacity=8, confirmed=8, waiting=3)
    make_programme(city, "کارگاه پیش\u200cنویس", status=ProgrammeStatus.DRAFT)
    return {"photo": photo, "tanbur": tanbur, "arts": arts, "music": music}


def get(client, path, **params):
    return client.get(f"/api/v1{path}", params)


def test_search_returns_published_programmes_with_public_urls_offerings_and_facets(client, catalogue):
    response = get(client, "/programmes", q="کارگاه")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2 and body["page"] == 1 and body["pages"] == 1
    by_id = {item["id"]: item for item in body["results"]}
    photo = by_id[catalogue["photo"].pk]
    assert photo["url"] == f"http://testserver/fa/programmes/{catalogue['photo'].pk}/"
    assert photo["title_en"] == "Photography workshop" and photo["is_free"] is True
    assert photo["domains"] == ["arts"] and photo["life_stages"] == ["youth"]
    assert photo["institution"]["url"].startswith("http://testserver/")
    [summary] = photo["offerings"]
    assert summary["capacity"] == 12 and summary["seats_left"] == 8 and summary["waitlist_length"] == 0
    assert summary["district"] == 2 and summary["starts_on"] == (today() + dt.timedelta(days=5)).isoformat()
    facets = body["facets"]
    assert facets["domain"] == {"arts": 2, "music": 1}
    assert facets["district"] == {"2": 1, "5": 1}
    assert facets["life_stage"]["youth"] == 1 and facets["life_stage"]["children"] == 0
    assert facets["format"] == {"in_person": 1, "online": 1, "hybrid": 0}
    assert facets["free"] == {"true": 1, "false": 1}
    assert facets["has_seats"] == {"true": 1}


def test_filters_narrow_the_results_and_each_facet_ignores_its_own_filter(client, catalogue):
    body = get(client, "/programmes", domain="arts", free="true").json()
    assert [item["id"] for item in body["results"]] == [catalogue["photo"].pk]
    assert body["facets"]["free"] == {"true": 1, "false": 1}  # in arts: one free, one paid
    assert body["facets"]["domain"] == {"arts": 1, "music": 0}  # free ones per domain
    assert get(client, "/programmes", domain="arts", free="false").json()["count"] == 2  # false: no filter
    assert [i["id"] for i in get(client, "/programmes", district="2").json()["results"]] == [catalogue["photo"].pk]
    assert [i["id"] for i in get(client, "/programmes", life_stage="adults").json()["results"]] == [
        catalogue["tanbur"].pk]
    assert [i["id"] for i in get(client, "/programmes", format="online").json()["results"]] == [
        catalogue["tanbur"].pk]
    assert [i["id"] for i in get(client, "/programmes", has_seats="true").json()["results"]] == [
        catalogue["photo"].pk]


def test_start_dates_are_iso_dates(client, catalogue):
    middle = (today() + dt.timedelta(days=10)).isoformat()
    after = get(client, "/programmes", starts_after=middle).json()
    assert [item["id"] for item in after["results"]] == [catalogue["tanbur"].pk]
    before = get(client, "/programmes", starts_before=middle).json()
    assert [item["id"] for item in before["results"]] == [catalogue["photo"].pk]


@pytest.mark.parametrize("params, field", [
    ({"page": "0"}, "page"), ({"page": "two"}, "page"), ({"free": "maybe"}, "free"),
    ({"starts_after": "1405/09/01"}, "starts_after"), ({"starts_before": "2026-02-30"}, "starts_before"),
    ({"district": "99"}, "district"), ({"district": "north"}, "district"), ({"domain": "cooking"}, "domain"),
    ({"life_stage": "aliens"}, "life_stage"), ({"format": "smoke-signals"}, "format"), ({"q": "x" * 300}, "q"),
    ({"sort": "random"}, "sort"),
])
def test_bad_parameters_are_a_400_with_a_code_and_message(client, catalogue, params, field):
    response = get(client, "/programmes", **params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and body["message"] and body.get("field") == field


def test_pages_of_twenty_and_a_page_past_the_end_is_empty(client, city):
    for n in range(23):
        make_programme(city, f"کلاس {n}")
    first = get(client, "/programmes").json()
    second = get(client, "/programmes", page="2").json()
    assert first["count"] == 23 and first["pages"] == 2
    assert len(first["results"]) == 20 and len(second["results"]) == 3
    assert get(client, "/programmes", page="9").json()["results"] == []


def test_one_programme_with_its_offerings_seats_waitlist_and_sessions(client, catalogue):
    tanbur = catalogue["tanbur"]
    cancelled = make_offering(tanbur, days=12, status=OfferingStatus.CANCELLED, sessions=1)
    response = get(client, f"/programmes/{tanbur.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["url"] == f"http://testserver/fa/programmes/{tanbur.pk}/"
    assert body["rating_average"] is None and body["domains"] == ["music"]
    offerings = {item["id"]: item for item in body["offerings"]}
    assert offerings[cancelled.pk]["status"] == "cancelled"
    [full] = [item for item in body["offerings"] if item["status"] == "scheduled"]
    assert (full["capacity"], full["seats_left"], full["waitlist_length"]) == (8, 0, 3)
    assert len(full["sessions"]) == 3 and full["sessions"][0]["starts_at"].endswith("Z")
    assert full["url"].endswith(f"/programmes/{tanbur.pk}/#offering-{full['id']}")


def test_one_offering(client, catalogue):
    offering = catalogue["photo"].offerings.get()
    body = get(client, f"/offerings/{offering.pk}").json()
    assert body["id"] == offering.pk and body["programme_id"] == catalogue["photo"].pk
    assert body["seats_left"] == 8 and body["venue"]["district"] == 2 and len(body["sessions"]) == 3


def test_unknown_unpublished_and_other_cities_ids_are_a_404_json(client, city, other_city, catalogue):
    draft = make_programme(city, "پیش\u200cنویس", status=ProgrammeStatus.SUBMITTED)
    draft_offering = make_offering(draft)
    theirs = make_programme(other_city, "برنامه همدان")
    their_offering = make_offering(theirs)
    for path in (f"/programmes/{draft.pk}", "/programmes/999999", f"/programmes/{theirs.pk}",
                 f"/offerings/{draft_offering.pk}", "/offerings/999999", f"/offerings/{their_offering.pk}"):
        response = get(client, path)
        assert response.status_code == 404, path
        assert response.json()["code"] == "not_found"
    hamedan = client.get(f"/api/v1/programmes/{theirs.pk}", HTTP_HOST="hamedan.example.org")
    assert hamedan.status_code == 200
    listed = client.get("/api/v1/programmes", HTTP_HOST="hamedan.example.org").json()
    assert [item["id"] for item in listed["results"]] == [theirs.pk]


def test_the_reads_are_in_the_openapi_spec(client, db):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "get" in paths["/api/v1/programmes"]
    assert "get" in paths["/api/v1/programmes/{programme_id}"]
    assert "get" in paths["/api/v1/offerings/{offering_id}"]
    names = {p["name"] for p in paths["/api/v1/programmes"]["get"]["parameters"]}
    assert {"q", "domain", "district", "life_stage", "format", "free", "starts_after", "starts_before",
            "page"} <= names


def test_the_search_makes_the_same_few_queries_for_few_or_many_results(client, city, catalogue,
                                                                     django_assert_max_num_queries):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert get(client, "/programmes", q="کارگاه").status_code == 200
        return len(queries)

    get(client, "/programmes")
    with django_assert_max_num_queries(15):
        few = count()
    for n in range(15):
        make_offering(make_programme(city, f"کارگاه {n}", domains=[catalogue["arts"]], life_stages=["youth"]))
    with django_assert_max_num_queries(15):
        assert count() == few
