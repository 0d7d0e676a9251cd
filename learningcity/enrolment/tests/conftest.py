"""Fixtures for enrolment: an open offering, people in every role, and helpers to enrol them."""

import pytest
from django.core import mail

from learningcity.catalogue.models import WaitlistPolicy
from learningcity.core.permissions import Role
from learningcity.core.sms import MemorySmsBackend
from learningcity.enrolment.services import enrolment_request
from learningcity.factories import (
    CitizenFactory,
    InstitutionFactory,
    OfferingFactory,
    ProgrammeFactory,
    RoleAssignmentFactory,
    StaffMembershipFactory,
)

ROLES = ["anonymous", "citizen", "learner", "other_staff", "institution_editor", "institution_admin", "secretariat",
         "other_secretariat", "superuser"]


@pytest.fixture
def anonymous(db):
    return None


@pytest.fixture
def programme(institution):
    return ProgrammeFactory(institution=institution, title_fa="سواد رسانه‌ای برای والدین",
                            title_en="Media literacy for parents")


@pytest.fixture
def offering(programme):
    """Open for enrolment now, two seats, the next person confirmed automatically when a seat frees."""
    return OfferingFactory(programme=programme, capacity=2, waitlist_policy=WaitlistPolicy.AUTO_CONFIRM)


@pytest.fixture
def offer_offering(programme):
    """Two seats; a freed seat is offered to the next person for 24 hours."""
    return OfferingFactory(programme=programme, capacity=2, waitlist_policy=WaitlistPolicy.OFFER, offer_hours=24)


@pytest.fixture
def make_citizen(city):
    """New citizens of the city; they read English unless told otherwise, so tests can quote what they read."""

    def make(**kwargs):
        kwargs.setdefault("preferred_language", "en")
        return CitizenFactory(city=city, **kwargs)

    return make


@pytest.fixture
def learner(make_citizen):
    """A citizen who will hold a confirmed seat in the offering (see `enrolled`)."""
    return make_citizen(name="مریم احمدی", email="maryam@example.org")


@pytest.fixture
def enrolled(offering, learner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        enrolment, _created = enrolment_request(offering=offering, citizen=learner, acting_user=learner)
    MemorySmsBackend.outbox.clear()
    mail.outbox.clear()
    return enrolment


@pytest.fixture
def other_staff(city):
    """An admin of another institution of the same city: nobody at this offering's provider."""
    other = InstitutionFactory(city=city, name_fa="مؤسسه دیگر", name_en="Another institute")
    user = CitizenFactory(city=city, name="کارمند دیگر")
    StaffMembershipFactory(institution=other, user=user, role=Role.INSTITUTION_ADMIN)
    return user


@pytest.fixture
def other_secretariat(other_city):
    user = CitizenFactory(city=other_city, name="دبیرخانه همدان")
    RoleAssignmentFactory(user=user, role=Role.SECRETARIAT, city=other_city)
    return user


@pytest.fixture
def client_as(client):
    def login(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return login


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """`with on_commit(): ...` runs the notifications queued by the services, as a real commit would."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run
