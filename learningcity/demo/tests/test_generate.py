"""`learningcity generate`: synthetic citizens, the same for the same seed, shaped like the city."""

from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import connection

from learningcity.accounts.models import CitizenProfile, RoleAssignment, User
from learningcity.cities.models import PopulationFigure
from learningcity.core.models import AuditEntry
from learningcity.core.permissions import Role
from learningcity.demo.loaders import DEMO_ACCOUNTS, DemoLoadResult, load_city, load_districts
from learningcity.demo.synthetic import (
    PopulationSampler,
    generate_citizens,
    mobile_for,
    synthetic_citizens,
)
from learningcity.factories import CityFactory


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
    assert not User.objects.filter(mobile__startswith="099").exists()


def test_a_city_without_population_figures_is_refused(db):
    CityFactory(slug="empty")
    with pytest.raises(CommandError, match="no population figures"):
        call_command("generate", "--citizens", "10", "--city", "empty", "--no-progress")
