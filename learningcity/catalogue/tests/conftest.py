"""Fixtures for the learning-domain pages."""

import pytest

from learningcity.core.permissions import Role
from learningcity.factories import CitizenFactory, LearningDomainFactory, RoleAssignmentFactory

ROLES = ["anonymous", "citizen", "institution_editor", "institution_admin", "secretariat", "other_secretariat",
         "superuser"]


@pytest.fixture
def anonymous(db):
    return None


@pytest.fixture
def other_secretariat(other_city):
    user = CitizenFactory(city=other_city)
    RoleAssignmentFactory(user=user, role=Role.SECRETARIAT, city=other_city)
    return user


@pytest.fixture
def literacy(city):
    """A top-level domain with two sub-domains."""
    root = LearningDomainFactory(city=city, slug="literacy", name_fa="سواد", name_en="Literacy",
                                 description_fa="خواندن و نوشتن", description_en="Reading and writing", position=1)
    LearningDomainFactory(city=city, slug="media-literacy", parent=root, name_fa="سواد رسانه‌ای",
                          name_en="Media literacy", description_en="Reading the news critically")
    LearningDomainFactory(city=city, slug="digital-literacy", parent=root, name_fa="سواد دیجیتال",
                          name_en="Digital literacy")
    return root


@pytest.fixture
def client_as(client):
    def login(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return login
