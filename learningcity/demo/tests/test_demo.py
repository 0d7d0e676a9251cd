"""`learningcity demo`: Kermanshah, the networks' registry, partners, domains and demo accounts."""

import datetime as dt
import hashlib
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command

from learningcity.accounts.models import RoleAssignment, User
from learningcity.accounts.permissions import has_city_capability
from learningcity.catalogue.models import LearningDomain
from learningcity.cities.models import City, District, Network, NetworkMembership, PopulationFigure
from learningcity.cities.selectors import cities_in_networks, city_population, district_geojson
from learningcity.core.models import AuditEntry
from learningcity.core.permissions import Capability, Role
from learningcity.demo.loaders import DEMO_ACCOUNTS, DEMO_PASSWORD, load_demo
from learningcity.institutions import permissions as institution_permissions
from learningcity.institutions.models import Institution, InstitutionContact, InstitutionType, StaffMembership

PROJECT_APPS = {"core", "cities", "accounts", "institutions", "catalogue", "auth", "contenttypes"}


def database_fingerprint() -> dict[str, tuple[int, str]]:
    """Row count and a checksum of every value of every table the project owns."""
    fingerprint = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label not in PROJECT_APPS:
            continue
        rows = list(model.objects.order_by("pk").values_list())
        fingerprint[model._meta.label] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return fingerprint


@pytest.fixture
def demo(db):
    return load_demo()


def test_kermanshah_hosts_the_platform_with_eight_districts_and_their_population(demo):
    city = City.objects.get(slug="kermanshah")
    assert city.hosts_platform
    assert city.population_year == 1405
    districts = District.objects.filter(city=city)
    assert districts.count() == 8
    assert all(d.boundary["type"] == "Polygon" and d.boundary_is_approximate for d in districts)
    assert len(district_geojson(city)["features"]) == 8
    figures = PopulationFigure.objects.filter(district__city=city)
    assert figures.count() == 8 * 2 * 8
    assert set(figures.values_list("year", "is_estimate")) == {(1405, True)}
    assert city_population(city) == 1_005_008


def test_memberships_are_dated_facts_and_exactly_three_cities_hold_both_titles(demo):
    kermanshah = City.objects.get(slug="kermanshah")
    assert set(kermanshah.memberships.values_list("network", "field", "since", "year_unverified")) == {
        (Network.GNLC, "", dt.date(2025, 12, 1), False),
        (Network.UCCN, "gastronomy", dt.date(2021, 11, 8), False),
    }
    both = cities_in_networks(networks=[Network.GNLC, Network.UCCN])
    assert {c.slug for c in both} == {"kermanshah", "isfahan", "kashan"}
    registry = City.objects.filter(hosts_platform=False)
    assert registry.count() == 15
    assert set(registry.values_list("country", flat=True)) == {"IR"}
    shiraz = NetworkMembership.objects.get(city__slug="shiraz")
    assert (shiraz.since, shiraz.year_unverified) == (dt.date(2016, 1, 1), True)
    assert shiraz.since_precision == "year"  # only the year is known: pages show the year alone
    kashan = NetworkMembership.objects.get(city__slug="kashan", network=Network.UCCN)
    assert kashan.since == dt.date(2025, 10, 31)


def test_partners_of_every_type_are_added_through_the_service(demo):
    partners = Institution.objects.filter(city__slug="kermanshah")
    assert partners.count() == 36
    assert set(partners.values_list("type", flat=True)) == set(InstitutionType.values)
    assert all(p.search_key for p in partners)
    assert partners.get(slug="parnian-sewing-fashion-institute").accreditation == "suspended"
    assert partners.get(slug="razi-university").district.number == 3
    assert AuditEntry.objects.filter(action="institution.create").count() == 36
    contacts = InstitutionContact.objects.filter(institution__city__slug="kermanshah")
    assert contacts.count() >= 5
    assert all(c.is_public and not c.phone and not c.email for c in contacts)


def test_the_learning_domain_tree_keeps_its_order(demo):
    domains = LearningDomain.objects.filter(city__slug="kermanshah")
    top = list(domains.filter(parent=None).order_by("position").values_list("slug", flat=True))
    assert len(top) == 10 and top[0] == "literacy" and top[-1] == "language-learning"
    assert domains.get(slug="literacy-media").parent.slug == "literacy"
    assert domains.count() == 52


def test_every_demo_account_can_log_in_and_holds_its_role(demo):
    city = City.objects.get(slug="kermanshah")
    for account in DEMO_ACCOUNTS:
        user = authenticate(mobile=account.mobile, password=DEMO_PASSWORD)
        assert user is not None, account.key
        assert user.name == account.name
        assert user.profile.city == city
    admin = User.objects.get(mobile="09120000001")
    assert admin.is_superuser and admin.is_staff
    secretariat = User.objects.get(mobile="09120000002")
    assert has_city_capability(secretariat, Capability.MANAGE_INSTITUTIONS, city)
    razi = Institution.objects.get(slug="razi-university")
    editor = User.objects.get(mobile="09120000004")
    assert institution_permissions.can(editor, Capability.MANAGE_PROGRAMMES, razi)
    assert not institution_permissions.can(editor, Capability.MANAGE_INSTITUTION_STAFF, razi)
    institute = StaffMembership.objects.get(user__mobile="09120000005").institution
    assert institute.type == InstitutionType.PRIVATE_TRAINING_INSTITUTE
    assert RoleAssignment.objects.filter(user__mobile="09120000010", role=Role.NATIONAL_COMMISSION_OFFICER,
                                         country="IR", city=None).exists()
    for mobile, role in (("09120000011", Role.JURY_REVIEWER), ("09120000012", Role.NETWORK_COORDINATOR)):
        assert RoleAssignment.objects.filter(user__mobile=mobile, role=role, city=None, country="").exists()
    citizens = User.objects.filter(mobile__in=["09120000007", "09120000008", "09120000009"])
    assert {(u.profile.district.number, u.profile.sex) for u in citizens} == {(2, "female"), (5, "male"),
                                                                              (7, "female")}
    assert all(1940 < u.profile.birth_year < 2010 for u in citizens)


def test_a_second_run_changes_nothing(db):
    out = StringIO()
    call_command("demo", stdout=out)
    before = database_fingerprint()
    audit_entries = AuditEntry.objects.count()

    again = StringIO()
    call_command("demo", stdout=again)

    assert AuditEntry.objects.count() == audit_entries
    assert database_fingerprint() == before
    assert "nothing changed" in again.getvalue()
    # The accounts table is printed every time, with the password.
    for text in (out.getvalue(), again.getvalue()):
        assert DEMO_PASSWORD in text
        assert all(account.mobile in text for account in DEMO_ACCOUNTS)


def test_the_demo_tops_up_what_is_missing_and_keeps_edits(demo):
    razi = Institution.objects.get(slug="razi-university")
    Institution.objects.filter(pk=razi.pk).update(name_en="Razi University of Kermanshah")
    Institution.objects.filter(slug="red-crescent-kermanshah").delete()
    StaffMembership.objects.filter(user__mobile="09120000004").update(role=Role.INSTITUTION_ADMIN)

    result = load_demo()

    assert result.created == {"institution": 1, "institution_contact": 1}
    assert Institution.objects.get(pk=razi.pk).name_en == "Razi University of Kermanshah"
    assert StaffMembership.objects.get(user__mobile="09120000004").role == Role.INSTITUTION_ADMIN
    assert Institution.objects.filter(city__slug="kermanshah").count() == 36
