"""Fixtures shared by the whole suite: a city, people in each role, an institution."""

import pytest

from learningcity.cities.selectors import forget_host_cache
from learningcity.core.permissions import Role
from learningcity.factories import (
    CitizenFactory,
    CityFactory,
    InstitutionFactory,
    RoleAssignmentFactory,
    StaffMembershipFactory,
    UserFactory,
)

PASSWORD = "a-Strong-pass-2026"


@pytest.fixture(autouse=True)
def _fresh_host_cache():
    forget_host_cache()
    yield
    forget_host_cache()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and cached figures never leak from one test into another."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _clear_sms_outbox():
    from learningcity.core.sms import MemorySmsBackend

    MemorySmsBackend.outbox.clear()
    yield


@pytest.fixture
def city(db):
    """Kermanshah, the default city (settings.DEFAULT_CITY_SLUG)."""
    return CityFactory(slug="kermanshah", name_fa="کرمانشاه", name_en="Kermanshah")


@pytest.fixture
def other_city(db):
    return CityFactory(slug="hamedan", name_fa="همدان", name_en="Hamedan", domain="hamedan.example.org")


@pytest.fixture
def citizen(city):
    return CitizenFactory(city=city)


@pytest.fixture
def secretariat(city):
    user = CitizenFactory(city=city, name="دبیرخانه شهر")
    RoleAssignmentFactory(user=user, role=Role.SECRETARIAT, city=city)
    return user


@pytest.fixture
def institution(city):
    return InstitutionFactory(city=city)


@pytest.fixture
def institution_admin(institution):
    user = CitizenFactory(city=institution.city)
    StaffMembershipFactory(institution=institution, user=user, role=Role.INSTITUTION_ADMIN)
    return user


@pytest.fixture
def institution_editor(institution):
    user = CitizenFactory(city=institution.city)
    StaffMembershipFactory(institution=institution, user=user, role=Role.INSTITUTION_EDITOR)
    return user


@pytest.fixture
def superuser(db):
    return UserFactory(is_superuser=True, is_staff=True)
