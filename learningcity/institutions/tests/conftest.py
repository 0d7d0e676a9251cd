"""Fixtures for the partner pages: people in every role the permission matrix names."""

import pytest

from learningcity.core.permissions import Role
from learningcity.factories import CitizenFactory, InstitutionFactory, RoleAssignmentFactory

ROLES = ["anonymous", "citizen", "institution_editor", "institution_admin", "secretariat", "other_secretariat",
         "superuser"]


@pytest.fixture
def other_secretariat(other_city):
    """The secretariat of another city (Hamedan): nobody in particular in Kermanshah."""
    user = CitizenFactory(city=other_city, name="دبیرخانه همدان")
    RoleAssignmentFactory(user=user, role=Role.SECRETARIAT, city=other_city)
    return user


@pytest.fixture
def other_institution(city):
    """A partner of the same city that none of the staff fixtures work for."""
    return InstitutionFactory(city=city, name_fa="مؤسسه دیگر", name_en="Another institute")


@pytest.fixture
def anonymous(db):
    return None


@pytest.fixture
def client_as(client):
    """`client_as(user)`: the test client logged in as `user` (or anonymous for None)."""

    def login(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return login
