"""`learningcity generate`: synthetic citizens shaped like the city, programmes with offerings and
sessions, and enrolments; the same for the same seed, and nothing twice."""

import datetime as dt
from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone

from learningcity.accounts.models import CitizenProfile, RoleAssignment, User
from learningcity.catalogue.models import Offering, Programme, ProgrammeStatus, Session
from learningcity.catalogue.services import programme_search_keys_rebuild
from learningcity.cities.models import District, PopulationFigure
from learningcity.core.models import AuditEntry
from learningcity.core.permissions import Role
from learningcity.core.text import normalise_for_search
from learningcity.demo.loaders import (
    DEMO_ACCOUNTS,
    DemoLoadResult,
    load_city,
    load_districts,
    load_domains,
    load_partners,
)
from learningcity.demo.synthetic import (
    GenerationError,
    PopulationSampler,
    generate_citizens,
    mobile_for,
    synthetic_citizens,
)
from learningcity.demo.synthetic_catalogue import generate_enrolments, generate_programmes
from learningcity.enrolment.models import Enrolment, EnrolmentStatus
from learningcity.enrolment.selectors import waitlist_position
from learningcity.factories import CitizenFactory, CityFactory


@pytest.fixture
def kermanshah(db):
    """The demo city with its districts and population table (no partners or accounts: faster)."""
    result = DemoLoadResult()
    city = load_city(result)
    load_districts(result, city)
    return city


def citizens_of(seed: int, count: int) -> list[tuple]:
    """What a person would notice about the synthetic citizens of a seed, in mobile-number order."""
    block = CitizenProfile.objects.filter(user__mobile__gte=mobile_for(seed, 0),
                                          user__mobile__lt=mobile_for(seed, count))
    return list(
        block.order_by("user__mobile")
        .values_list("user__mobile", "user__name", "district__number", "sex", "birth_year")
    )


def forget(seed: int) -> None:
    User.objects.filter(mobile__startswith=mobile_for(seed, 0)[:5]).delete()


def test_the_same_seed_gives_the_same_citizens_and_another_seed_other_ones(kermanshah):
    generate_citizens(city=kermanshah, count=300, seed=7)
    first = citizens_of(7, 300)
    forget(7)
    generate_citizens(city=kermanshah, count=300, seed=7, batch_size=13)
    assert citizens_of(7, 300) == first
    assert len(first) == 300

    generate_citizens(city=kermanshah, count=300, seed=8)
    other = citizens_of(8, 300)
    assert [row[1:] for row in other] != [row[1:] for row in first]
    assert {row[0][:5] for row in other} == {"09908"}


def test_rows_are_written_with_copy_on_postgresql(kermanshah):
    result = generate_citizens(city=kermanshah, count=50, seed=2, batch_size=20)
    assert result.method == ("copy" if connection.vendor == "postgresql" else "executemany")
    assert result.created == 50


def test_every_synthetic_person_is_a_citizen_of_the_city_who_cannot_log_in(kermanshah):
    generate_citizens(city=kermanshah, count=40, seed=3)
    people = User.objects.filter(mobile__startswith="09903")
    assert people.count() == 40
    profiles = CitizenProfile.objects.filter(user__in=people, city=kermanshah, district__city=kermanshah)
    assert profiles.count() == 40
    assert RoleAssignment.objects.filter(user__in=people, role=Role.CITIZEN, city=kermanshah).count() == 40
    person = people.first()
    assert not person.has_usable_password()
    assert authenticate(mobile=person.mobile, password="") is None
    assert person.is_active and not person.is_staff and person.national_code is None
    assert len(person.name.split(" ")) >= 2
    # Synthetic numbers never collide with the demo accounts.
    assert not people.filter(mobile__in=[a.mobile for a in DEMO_ACCOUNTS]).exists()


def test_districts_sexes_and_ages_follow_the_population_table(kermanshah):
    generate_citizens(city=kermanshah, count=2000, seed=11)
    figures = PopulationFigure.objects.filter(district__city=kermanshah)
    total = sum(f.count for f in figures)
    expected_district = Counter()
    for figure in figures:
        expected_district[figure.district.number] += figure.count / total
    profiles = CitizenProfile.objects.filter(user__mobile__startswith="09911")
    drawn = Counter(profiles.values_list("district__number", flat=True))
    for number, share in expected_district.items():
        assert abs(drawn[number] / 2000 - share) < 0.04, number
    sexes = Counter(profiles.values_list("sex", flat=True))
    assert set(sexes) == {"female", "male"}
    assert abs(sexes["female"] / 2000 - 0.5) < 0.05
    reference_year = 1405 + 621
    ages = [reference_year - year for year in profiles.values_list("birth_year", flat=True)]
    children = sum(f.count for f in figures if f.age_band in ("0-4", "5-14")) / total
    assert abs(sum(age < 15 for age in ages) / 2000 - children) < 0.04
    assert min(ages) >= 0 and max(ages) <= 99


def test_running_the_same_command_again_adds_nothing(kermanshah):
    out = StringIO()
    call_command("generate", "--citizens", "120", "--seed", "4", "--no-progress", stdout=out)
    assert "Added 120 synthetic citizens" in out.getvalue()
    rows = citizens_of(4, 120)

    again = StringIO()
    call_command("generate", "--citizens", "120", "--seed", "4", "--no-progress", stdout=again)

    assert "already there" in again.getvalue()
    assert citizens_of(4, 120) == rows
    assert User.objects.filter(mobile__startswith="09904").count() == 120
    entries = AuditEntry.objects.filter(action="demo.generate")
    assert entries.count() == 1
    assert entries.get().changes["created"] == 120


def test_a_larger_run_completes_a_smaller_one_with_the_same_people(kermanshah):
    generate_citizens(city=kermanshah, count=60, seed=5)
    result = generate_citizens(city=kermanshah, count=100, seed=5, batch_size=7)
    assert (result.created, result.skipped) == (40, 60)
    grown = citizens_of(5, 100)
    forget(5)
    generate_citizens(city=kermanshah, count=100, seed=5)
    assert citizens_of(5, 100) == grown


def test_the_sampler_alone_is_deterministic(kermanshah):
    sampler = PopulationSampler.for_city(kermanshah)
    one = list(synthetic_citizens(seed=1, count=500, sampler=sampler))
    two = list(synthetic_citizens(seed=1, count=500, sampler=sampler))
    assert one == two
    assert len({row[2] for row in one}) > 200  # names vary


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--citizens", "10", "--city", "nowhere"], "no city"),
        (["--citizens", "10", "--seed", "100"], "seed must be between"),
        (["--citizens", "0"], "at most"),
        (["--citizens", "1000001"], "at most"),
        (["--citizens", "10", "--batch", "0"], "batch size"),
    ],
)
def test_bad_arguments_are_refused_with_a_clear_message(kermanshah, arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("generate", *arguments, "--no-progress")
    assert not User.objects.filter(mobile__startswith="09900").exists()  # no learners of the replayed year (seed 0)


def test_a_city_without_population_figures_is_refused(db):
    CityFactory(slug="empty")
    with pytest.raises(CommandError, match="no population figures"):
        call_command("generate", "--citizens", "10", "--city", "empty", "--no-progress")


# --- synthetic programmes and enrolments (`--programmes M --enrolments K`) -------------------------------


@pytest.fixture
def kermanshah_partners(kermanshah):
    """The demo city with its learning domains and partners (what synthetic programmes are made of)."""
    result = DemoLoadResult()
    load_domains(result, kermanshah)
    load_partners(result, kermanshah, {d.number: d for d in District.objects.filter(city=kermanshah)})
    return kermanshah


def programmes_of(seed: int):
    return Programme.objects.filter(title_en__contains=f" (S{seed:02d}-")


def catalogue_of(seed: int) -> list[tuple]:
    """What a person would notice about a seed's programmes and their offerings, in reference order."""
    rows = []
    for programme in programmes_of(seed).select_related("institution").prefetch_related(
        "domains", "life_stages", "target_groups", "offerings__sessions", "offerings__venue"
    ):
        rows.append((
            programme.title_en, programme.title_fa, programme.institution.slug, programme.description_fa,
            programme.outcomes_en, programme.format, programme.fee_rials, programme.hours, programme.search_key,
            sorted(d.slug for d in programme.domains.all()), sorted(a.code for a in programme.life_stages.all()),
            sorted(a.code for a in programme.target_groups.all()),
            sorted(
                (o.capacity, o.starts_on, o.ends_on, o.enrolment_opens_at, o.venue.name_fa if o.venue else "",
                 o.online_url, o.waitlist_policy, [(s.starts_at, s.ends_at) for s in o.sessions.all()])
                for o in programme.offerings.all()
            ),
        ))
    return sorted(rows)


def enrolments_of(seed: int) -> list[tuple]:
    return sorted(
        Enrolment.objects.filter(offering__programme__title_en__contains=f" (S{seed:02d}-")
        .values_list("offering__programme__title_en", "offering__starts_on", "citizen__mobile", "status",
                     "requested_at")
    )


def forget_catalogue(seed: int) -> None:
    Enrolment.objects.filter(offering__programme__in=programmes_of(seed)).delete()
    Offering.objects.filter(programme__in=programmes_of(seed)).delete()
    programmes_of(seed).delete()


def test_synthetic_programmes_are_published_searchable_and_the_same_for_a_seed(kermanshah_partners):
    today = dt.date(2026, 11, 25)
    result = generate_programmes(city=kermanshah_partners, count=40, seed=5, today=today)
    first = catalogue_of(5)
    assert len(first) == result.programmes == 40
    forget_catalogue(5)
    generate_programmes(city=kermanshah_partners, count=40, seed=5, today=today, batch_size=7)
    assert catalogue_of(5) == first

    programmes = programmes_of(5)
    assert set(programmes.values_list("status", flat=True)) == {ProgrammeStatus.PUBLISHED}
    assert not programmes.exclude(institution__accreditation="accredited").exists()
    assert all(p.title_fa and p.description_fa and p.description_en and p.search_key for p in programmes)
    assert programme_search_keys_rebuild(programmes) == 0  # exactly the key the services would write
    offerings = Offering.objects.filter(programme__in=programmes)
    assert 2 <= offerings.count() / 40 <= 4
    assert Session.objects.filter(offering__in=offerings).count() == result.sessions
    for offering in offerings.select_related("programme", "venue__district").prefetch_related("sessions"):
        sessions = list(offering.sessions.all())
        assert offering.starts_on == timezone.localdate(sessions[0].starts_at)
        assert offering.ends_on == timezone.localdate(sessions[-1].ends_at)
        assert offering.enrolment_closes_at == sessions[0].starts_at > offering.enrolment_opens_at
        if offering.programme.format == "online":
            assert offering.venue is None and offering.online_url
        else:
            assert offering.venue.district.city == kermanshah_partners
            assert offering.venue.institution_id == offering.programme.institution_id
    assert len(set(offerings.values_list("venue__district__number", flat=True)) - {None}) >= 6


def test_programme_search_finds_synthetic_programmes_by_their_normalised_words(kermanshah_partners):
    generate_programmes(city=kermanshah_partners, count=30, seed=9)
    programme = programmes_of(9).first()
    words = programme.title_fa.replace("\u200c", " ").split()
    assert all(normalise_for_search(word) in programme.search_key for word in words)
    assert programme.institution.name_en.casefold() in programme.search_key


def test_a_larger_programme_run_completes_a_smaller_one_with_the_same_programmes(kermanshah_partners):
    today = dt.date(2026, 11, 25)
    generate_programmes(city=kermanshah_partners, count=10, seed=6, today=today)
    result = generate_programmes(city=kermanshah_partners, count=25, seed=6, today=today, batch_size=4)
    assert (result.programmes, result.programmes_skipped) == (15, 10)
    grown = catalogue_of(6)
    forget_catalogue(6)
    generate_programmes(city=kermanshah_partners, count=25, seed=6, today=today)
    assert catalogue_of(6) == grown


def test_enrolments_fill_seats_first_then_a_waitlist_in_order_with_matching_counters(kermanshah_partners):
    generate_citizens(city=kermanshah_partners, count=300, seed=12)
    generate_programmes(city=kermanshah_partners, count=30, seed=12)
    result = generate_enrolments(city=kermanshah_partners, count=1500, seed=12, batch_size=9)
    enrolments = Enrolment.objects.filter(offering__programme__in=programmes_of(12))
    assert enrolments.count() == result.enrolments == 1500
    assert result.waitlisted > 0 and result.confirmed > 0
    assert set(enrolments.values_list("citizen__mobile", flat=True)) <= {mobile_for(12, i) for i in range(300)}
    offerings = Offering.objects.filter(programme__in=programmes_of(12)).annotate(
        seated=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.CONFIRMED)),
        waiting=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.WAITLISTED)),
        people=Count("enrolments__citizen", distinct=True), total=Count("enrolments"),
    )
    full = 0
    for offering in offerings:
        assert (offering.confirmed_count, offering.offered_count, offering.waitlist_count) == (
            offering.seated, 0, offering.waiting)
        assert offering.seated <= offering.capacity
        assert offering.people == offering.total  # one place per person per offering
        if offering.waiting:
            full += 1
            assert offering.seated == offering.capacity
            rows = list(offering.enrolments.order_by("requested_at"))
            assert [e.status for e in rows] == sorted((e.status for e in rows), key=lambda s: s != "confirmed")
            positions = [waitlist_position(e) for e in rows if e.status == EnrolmentStatus.WAITLISTED]
            assert positions == list(range(1, offering.waiting + 1))
        if offering.total:
            assert offering.enrolment_opens_at < offering.created_at  # its window had opened
            first, last = offering.enrolments.order_by("requested_at")[:1].get(), offering.enrolments.latest(
                "requested_at")
            assert offering.enrolment_opens_at <= first.requested_at <= last.requested_at
            assert last.requested_at < min(offering.enrolment_closes_at, offering.created_at)
    assert full >= 1


def test_enrolments_are_the_same_for_a_seed_and_a_rerun_adds_none(kermanshah_partners):
    generate_citizens(city=kermanshah_partners, count=200, seed=13)
    generate_programmes(city=kermanshah_partners, count=20, seed=13)
    generate_enrolments(city=kermanshah_partners, count=400, seed=13)
    first = enrolments_of(13)
    again = generate_enrolments(city=kermanshah_partners, count=400, seed=13)
    assert again.enrolments == 0 and again.offerings_skipped > 0
    assert enrolments_of(13) == first
    Enrolment.objects.filter(offering__programme__in=programmes_of(13)).delete()
    Offering.objects.filter(programme__in=programmes_of(13)).update(confirmed_count=0, waitlist_count=0)
    generate_enrolments(city=kermanshah_partners, count=400, seed=13, batch_size=3)
    assert enrolments_of(13) == first


def test_enrolments_never_touch_real_people_or_demo_accounts(kermanshah_partners):
    person = CitizenFactory(city=kermanshah_partners)
    generate_citizens(city=kermanshah_partners, count=50, seed=14)
    generate_programmes(city=kermanshah_partners, count=10, seed=14)
    generate_enrolments(city=kermanshah_partners, count=100, seed=14)
    assert not Enrolment.objects.filter(citizen=person).exists()
    assert not Enrolment.objects.exclude(citizen__mobile__startswith="099").exists()


def test_the_command_adds_everything_once_with_one_audit_entry(kermanshah_partners):
    arguments = ["--citizens", "150", "--programmes", "12", "--enrolments", "200", "--seed", "15", "--no-progress"]
    out = StringIO()
    call_command("generate", *arguments, stdout=out)
    text = out.getvalue()
    assert "Added 150 synthetic citizens" in text
    assert "Added 12 synthetic programmes" in text
    assert "Added 200 enrolments" in text
    entry = AuditEntry.objects.get(action="demo.generate")
    assert entry.changes["created"] == 150
    assert entry.changes["programmes"]["created"] == 12
    assert entry.changes["enrolments"]["created"] == 200
    counts = (Programme.objects.count(), Offering.objects.count(), Session.objects.count(), Enrolment.objects.count())

    again = StringIO()
    call_command("generate", *arguments, stdout=again)

    assert "already there" in again.getvalue()
    assert (Programme.objects.count(), Offering.objects.count(), Session.objects.count(),
            Enrolment.objects.count()) == counts
    assert AuditEntry.objects.filter(action="demo.generate").count() == 1


def test_rows_of_the_catalogue_are_written_with_copy_on_postgresql(kermanshah_partners):
    generate_citizens(city=kermanshah_partners, count=40, seed=16)
    result = generate_programmes(city=kermanshah_partners, count=5, seed=16)
    generate_enrolments(city=kermanshah_partners, count=30, seed=16, result=result)
    assert result.method == ("copy" if connection.vendor == "postgresql" else "executemany")
    assert result.enrolments == 30


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ([], "Say what to generate"),
        (["--programmes", "0"], "at most"),
        (["--programmes", "10", "--seed", "100"], "seed must be between"),
        (["--programmes", "10", "--batch", "0"], "batch size"),
        (["--enrolments", "10", "--seed", "17"], "no synthetic programmes"),
        (["--enrolments", "0"], "between 1 and"),
    ],
)
def test_bad_catalogue_arguments_are_refused_with_a_clear_message(kermanshah_partners, arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("generate", *arguments, "--no-progress")
    assert not programmes_of(17).exists() and not Programme.objects.exists()


def test_programmes_need_partners_and_enrolments_need_citizens(kermanshah_partners):
    generate_programmes(city=kermanshah_partners, count=5, seed=18)
    with pytest.raises(GenerationError, match="no synthetic citizens"):
        generate_enrolments(city=kermanshah_partners, count=5, seed=18)
    empty = CityFactory(slug="empty")
    with pytest.raises(GenerationError, match="no accredited partners"):
        generate_programmes(city=empty, count=5, seed=18)


def test_the_demo_can_load_its_catalogue_without_replaying_the_year(db):
    """`learningcity demo --no-activity` (quick, for browser tests) and `--no-programmes`."""
    out = StringIO()
    call_command("demo", "--no-programmes", stdout=out)
    assert not Programme.objects.exists()
    call_command("demo", "--no-activity", stdout=out)
    assert Programme.objects.count() == 169
    assert Offering.objects.count() == 365
    assert not Enrolment.objects.exists()
    assert not User.objects.filter(mobile__startswith="09900").exists()  # no learners of the replayed year (seed 0)
    again = StringIO()
    call_command("demo", "--no-activity", stdout=again)
    assert "nothing changed" in again.getvalue()
