"""PostgreSQL's search table (migration 0005): whoever writes, searches see the change at once, and a search
over the table counts, orders and maps exactly what the ORM over the programme tables does (SQLite's way)."""

import datetime as dt
import random
from dataclasses import replace
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from learningcity.catalogue import search, selectors, services
from learningcity.catalogue.models import Format, Offering, OfferingStatus, Programme, ProgrammeStatus, TeachingLanguage
from learningcity.catalogue.selectors import PAGE_SIZE, ProgrammeFilters, ProgrammeSearch
from learningcity.enrolment.services import enrolment_cancel, enrolment_request
from learningcity.factories import CitizenFactory, LearningDomainFactory, VenueFactory

from .test_console_support import *  # noqa: F403
from .test_console_support import make_draft
from .test_search_support import ON_POSTGRES, district, make_offering, make_programme, today

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not ON_POSTGRES, reason="the search table is PostgreSQL's; SQLite searches the programme "
                                               "tables (the ORM side of the comparison below)"),
]


def found(city, **filters) -> ProgrammeSearch:
    return ProgrammeSearch(city=city, filters=ProgrammeFilters(**filters))


def listed(city, **filters) -> list[int]:
    return [p.pk for p in found(city, **filters).results()]


def district_count(city, number: int, **filters) -> int:
    return next(d["count"] for d in found(city, **filters).district_facets() if d["number"] == number)


def version() -> int:
    with connection.cursor() as cursor:
        return search.table_version(cursor)


# --- the table follows every write ------------------------------------------------------------------------

def test_publishing_editing_archiving_and_deleting_reach_the_search(city, institution, domain):
    draft = make_draft(institution, [domain], title_fa="کارگاه سفالگری", title_en="Pottery")
    assert listed(city, query="سفالگری") == []  # a draft is not in the catalogue
    services.programme_submit(programme=draft, actor=None)
    published = services.programme_approve(programme=draft, actor=None)
    assert listed(city, query="سفالگری") == [published.pk]

    services.programme_update(programme=published, actor=None, title_fa="کارگاه خوشنویسی")
    assert listed(city, query="سفالگری") == []
    assert listed(city, query="خوشنویسی") == [published.pk]
    assert found(city, query="خوشنویسی", domain=domain.slug).total == 1

    services.programme_archive(programme=published, actor=None)
    assert listed(city, query="خوشنویسی") == []

    gone = make_programme(city, "کارگاه نجوم")
    assert listed(city, query="نجوم") == [gone.pk]
    gone.delete()
    assert listed(city, query="نجوم") == []


def test_offering_dates_venues_and_cancelling_reach_the_district_counts(city):
    three, five = district(city, 3), district(city, 5)
    programme = make_programme(city, "کارگاه سفالگری")
    offering = make_offering(programme, place=three, days=7)
    assert district_count(city, 3) == 1 and listed(city, district=3) == [programme.pk]

    services.venue_update(venue=offering.venue, actor=None, district=five)
    assert district_count(city, 3) == 0 and listed(city, district=5) == [programme.pk]

    services.offering_update(offering=offering, actor=None, sessions=[
        {"starts_at": offering.sessions.first().starts_at + dt.timedelta(days=30),
         "ends_at": offering.sessions.first().ends_at + dt.timedelta(days=30)}])
    assert listed(city, starts_after=today() + dt.timedelta(days=20)) == [programme.pk]
    assert listed(city, starts_before=today() + dt.timedelta(days=20)) == []

    Offering.objects.filter(pk=offering.pk).update(status=OfferingStatus.CANCELLED)
    assert district_count(city, 5) == 0 and listed(city, district=5) == []
    assert listed(city) == [programme.pk]  # still in the catalogue, with nothing upcoming


def test_a_district_renumbered_is_found_by_its_new_number(city):
    place = district(city, 3)
    programme = make_programme(city, "کارگاه سفالگری")
    make_offering(programme, place=place)
    place.number = 9
    place.save(update_fields=["number"])
    assert listed(city, district=9) == [programme.pk]
    assert district_count(city, 9) == 1


def test_domains_and_life_stages_set_later_reach_the_counts(city):
    arts = LearningDomainFactory(city=city, slug="arts")
    programme = make_programme(city, "کارگاه سفالگری")
    assert found(city, domain="arts").total == 0
    programme.domains.set([arts])
    programme.life_stages.set(programme.life_stages.model.objects.filter(code="seniors"))
    search_ = found(city, domain="arts")
    assert search_.total == 1
    assert {f["value"]: f["count"] for f in search_.life_stage_facets()}["seniors"] == 1
    programme.domains.clear()
    assert found(city, domain="arts").total == 0


def test_the_last_seat_taken_and_given_back_through_the_enrolment_service_reaches_the_seat_count(city):
    programme = make_programme(city, "کارگاه سفالگری")
    offering = make_offering(programme, capacity=1)
    citizen = CitizenFactory(city=city)
    assert found(city).summary["has_seats"] == 1

    enrolment, _created = enrolment_request(offering=offering, citizen=citizen, acting_user=citizen)
    assert found(city).summary["has_seats"] == 0
    assert listed(city, has_seats=True) == []

    enrolment_cancel(enrolment=enrolment, acting_user=citizen)
    assert listed(city, has_seats=True) == [programme.pk]


def test_one_update_of_many_offerings_or_programmes_reaches_every_one_of_them(city):
    programmes = [make_programme(city, f"کارگاه سفالگری {n}") for n in range(3)]
    for programme in programmes:
        make_offering(programme, capacity=2)
    assert found(city).summary["has_seats"] == 3
    Offering.objects.filter(programme__in=programmes[:2]).update(confirmed_count=F("capacity"))
    assert found(city).summary["has_seats"] == 1
    Programme.objects.filter(pk__in=[p.pk for p in programmes]).update(format=Format.ONLINE)
    assert found(city).summary["format"][Format.ONLINE] == 3


def test_a_seat_taken_while_others_stay_free_leaves_the_version_and_the_cached_searches_alone(city):
    offering = make_offering(make_programme(city, "کارگاه سفالگری"), capacity=10)
    before = version()
    Offering.objects.filter(pk=offering.pk).update(confirmed_count=9)
    assert version() == before
    Offering.objects.filter(pk=offering.pk).update(confirmed_count=10)
    assert version() > before


# --- the cache --------------------------------------------------------------------------------------------

def _statements(city, **filters) -> int:
    """How many statements over the search table one search runs."""
    with CaptureQueriesContext(connection) as queries:
        search_ = found(city, **filters)
        list(search_.results())
        search_.district_facets()
    return sum(search.ENTRY_TABLE in q["sql"] and "WITH m AS" in q["sql"] for q in queries)


def test_a_repeated_search_is_answered_from_the_cache_until_something_it_shows_changes(city):
    programme = make_programme(city, "کارگاه سفالگری")
    assert _statements(city, query="سفالگری") == 1
    assert _statements(city, query="سفالگری") == 0
    assert _statements(city, query="سفالگری", free=True) == 1  # another search is another entry
    make_offering(programme, place=district(city, 4))
    assert _statements(city, query="سفالگری") == 1
    assert district_count(city, 4, query="سفالگری") == 1


def test_without_a_cache_every_search_runs_its_statement(city, monkeypatch):
    make_programme(city, "کارگاه سفالگری")
    monkeypatch.setattr(selectors, "SEARCH_CACHE_SECONDS", 0)
    assert _statements(city, query="سفالگری") == 1
    assert _statements(city, query="سفالگری") == 1


def test_a_bulk_loader_may_defer_the_table_and_bring_it_up_to_date_once(city):
    with connection.cursor() as cursor:
        search.defer_search_entries(cursor)
    programme = make_programme(city, "کارگاه سفالگری")
    make_offering(programme, place=district(city, 2))
    assert listed(city, query="سفالگری") == []  # written, but the loader has not refreshed the table yet
    with connection.cursor() as cursor:
        search.refresh_search_entries(cursor, [programme.pk])
    assert listed(city, query="سفالگری", district=2) == [programme.pk]
    other = make_programme(city, "کارگاه نجوم")  # no longer deferred: the triggers are back at work
    assert listed(city, query="نجوم") == [other.pk]


# --- the migration ------------------------------------------------------------------------------------------

def test_the_migration_fills_the_table_for_programmes_published_before_it(city):
    from importlib import import_module

    migration = import_module("learningcity.catalogue.migrations.0005_programme_search_entries")
    programme = make_programme(city, "کارگاه سفالگری")
    make_offering(programme, place=district(city, 2))
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {search.ENTRY_TABLE}")  # noqa: S608
    assert listed(city, query="سفالگری") == []
    with connection.cursor() as cursor:
        cursor.execute(next(s for s in migration.POSTGRESQL_FORWARDS if s.startswith("SELECT catalogue_search")))
    assert listed(city, query="سفالگری", district=2) == [programme.pk]


# --- the table counts and orders exactly like the programme tables ---------------------------------------

WORDS = ["سفالگری", "خوشنویسی", "نجوم", "کتاب خانه", "کتابخانه", "عکاسی", "تنبور", "باغبانی شهری"]
QUERIES = ["", "سفالگری", "کتابخانه", "عکاسی -تنبور", "نجوم or تنبور", "کارگاه", "سفالگر", "خوشنوسی"]


def _catalogue(city, seed: int) -> None:
    """A small random catalogue: programmes of every kind, offerings past, upcoming, cancelled and full, in
    districts with small and large numbers (beyond the 62 the table's masks hold), at venues with and
    without a district or coordinates."""
    rng = random.Random(seed)
    places = [district(city, number) for number in (0, 1, 5, 61, 62, 70)]
    venues = [VenueFactory(city=city, district=place) for place in places]
    venues += [VenueFactory(city=city, district=None), VenueFactory(city=city, district=places[2], latitude=None,
                                                                    longitude=None)]
    root = LearningDomainFactory(city=city, slug="arts", position=1)
    domains = [root, LearningDomainFactory(city=city, slug="music", parent=root),
               LearningDomainFactory(city=city, slug="health", position=2)]
    for n in range(36):
        words = rng.sample(WORDS, rng.choice([1, 2]))
        programme = make_programme(
            city, f"کارگاه {' '.join(words)} {n}", status=rng.choice([ProgrammeStatus.PUBLISHED] * 5 +
                                                                     [ProgrammeStatus.DRAFT]),
            format=rng.choice(Format.values), language=rng.choice(TeachingLanguage.values[:3]),
            fee_rials=rng.choice([0, 0, 500_000]), published_at=None if n == 3 else dt.datetime(
                2026, 1, 1 + n % 20, tzinfo=dt.UTC),
            life_stages=rng.sample(["children", "adults", "seniors"], rng.choice([0, 1, 2])),
        )
        programme.domains.set(rng.sample(domains, rng.choice([0, 1, 1, 2])))
        for _ in range(rng.choice([0, 1, 2, 3, 3])):
            capacity = rng.choice([1, 5])
            make_offering(programme, venue=rng.choice(venues), days=rng.randrange(-20, 60), capacity=capacity,
                          confirmed=rng.choice([0, capacity]), sessions=1,
                          status=rng.choice([OfferingStatus.SCHEDULED] * 4 + [OfferingStatus.CANCELLED]))


def _filter_sets() -> list[ProgrammeFilters]:
    soon, later = today() + dt.timedelta(days=10), today() + dt.timedelta(days=30)
    base = [ProgrammeFilters(query=q) for q in QUERIES]
    extra = [
        {"district": 5}, {"district": 61}, {"district": 62}, {"district": 70}, {"district": 0}, {"has_seats": True},
        {"district": 5, "has_seats": True}, {"district": 70, "has_seats": True}, {"starts_after": soon},
        {"starts_before": later}, {"starts_after": soon, "starts_before": later, "district": 1},
        {"starts_before": later, "has_seats": True}, {"domain": "arts"}, {"domain": "music", "free": True},
        {"life_stage": "adults", "format": Format.ONLINE}, {"language": TeachingLanguage.KURDISH},
        {"domain": "nothing-like-this"}, {"district": 5, "starts_after": soon, "domain": "health",
                                          "life_stage": "children"},
    ]
    return base + [replace(base[i % 3], **fields) for i, fields in enumerate(extra)]


def _everything(search_: ProgrammeSearch, sort: str) -> dict:
    """All a person can see of one search: counts, facets, the map and the whole list in order."""
    results = search_.results(sort=sort)
    return {
        "summary": search_.summary, "fuzzy": search_.fuzzy,
        "domains": [f["count"] for f in search_.domain_facets()],
        "districts": [(f["number"], f["count"]) for f in search_.district_facets()],
        "life_stages": [f["count"] for f in search_.life_stage_facets()],
        "map": [v["pk"] for v in search_.map_points()],
        "results": [p.pk for p in results],
        "middle": [p.pk for p in results[3:9]],
    }


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_search_table_counts_orders_and_maps_like_the_programme_tables(city, seed, monkeypatch):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 4)  # so later pages are read by statements of their own
    _catalogue(city, seed)
    assert Programme.objects.filter(status=ProgrammeStatus.PUBLISHED).count() > PAGE_SIZE
    for filters in _filter_sets():
        for sort in (search.Sort.RELEVANCE, search.Sort.SOONEST, search.Sort.NEWEST):
            by_table = ProgrammeSearch(city=city, filters=filters, sort=sort, use_search_table=True)
            by_orm = ProgrammeSearch(city=city, filters=filters, sort=sort, use_search_table=False)
            assert _everything(by_table, sort) == _everything(by_orm, sort), (filters, sort)


def test_sorting_by_distance_reads_every_result_of_the_table(city):
    west, east = district(city, 1, lon=47.00), district(city, 2, lon=47.20)
    far = make_programme(city, "کارگاه دور")
    make_offering(far, place=east, latitude="34.310000", longitude="47.200000")
    close = make_programme(city, "کارگاه نزدیک")
    make_offering(close, place=west, latitude="34.310000", longitude="47.001000")
    search_ = ProgrammeSearch(city=city, filters=ProgrammeFilters(query="کارگاه"), sort=search.Sort.NEAREST)
    centres = {d["pk"]: d["centroid"] for d in search_.district_facets(with_centres=True)}
    ordered = search_.results(sort=search.Sort.NEAREST, near=centres[west.pk], district_centroids=centres)
    assert [p.pk for p in ordered] == [close.pk, far.pk]


def test_an_offering_at_a_venue_without_coordinates_counts_but_is_not_on_the_map(city):
    programme = make_programme(city, "کارگاه سفالگری")
    make_offering(programme, venue=VenueFactory(city=city, district=district(city, 2), latitude=None,
                                                longitude=None), capacity=3)
    make_offering(programme, venue=VenueFactory(city=city, latitude=Decimal("34.3"), longitude=Decimal("47.1")))
    search_ = found(city, query="سفالگری")
    assert district_count(city, 2, query="سفالگری") == 1
    assert len(search_.map_points()) == 1
