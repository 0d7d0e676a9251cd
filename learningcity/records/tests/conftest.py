"""Fixtures for the learning record: a finished offering with sessions, learners, attendance."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from learningcity.catalogue.models import CompletionRule
from learningcity.core.permissions import Role
from learningcity.enrolment.models import Attendance, EnrolmentStatus
from learningcity.factories import (
    CitizenFactory,
    EnrolmentFactory,
    InstitutionFactory,
    LearningDomainFactory,
    OfferingFactory,
    ProgrammeFactory,
    RoleAssignmentFactory,
    StaffMembershipFactory,
)

ROLES = ["anonymous", "owner", "other_citizen", "institution_editor", "institution_admin", "other_staff",
         "secretariat", "other_secretariat"]


@pytest.fixture
def anonymous(db):
    return None


@pytest.fixture
def client_as(client):
    def login(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return login


@pytest.fixture
def media_literacy(city):
    return LearningDomainFactory(city=city, slug="media-literacy", name_fa="سواد رسانه‌ای", name_en="Media literacy",
                                 position=1)


@pytest.fixture
def citizenship(city):
    return LearningDomainFactory(city=city, slug="citizenship", name_fa="شهروندی", name_en="Citizenship", position=2)


@pytest.fixture
def programme(institution, media_literacy, citizenship):
    institution.name_fa = "کتابخانه عمومی شهید بهشتی"
    institution.name_en = "Shahid Beheshti Public Library"
    institution.save(update_fields=["name_fa", "name_en"])
    return ProgrammeFactory(
        institution=institution, title_fa="سواد رسانه‌ای برای خانواده‌ها", title_en="Media literacy for families",
        hours=Decimal("12.0"), domains=[media_literacy, citizenship],
    )


def _finished_offering(programme, **fields):
    """Four weekly sessions, the last one six days ago."""
    today = timezone.localdate()
    return OfferingFactory(
        programme=programme, starts_on=today - dt.timedelta(days=27), ends_on=today - dt.timedelta(days=6),
        enrolment_opens_at=timezone.now() - dt.timedelta(days=60),
        enrolment_closes_at=timezone.now() - dt.timedelta(days=28), sessions=4, **fields,
    )


@pytest.fixture
def offering(programme):
    """A finished offering of four sessions whose rule is 75% attendance (three sessions)."""
    return _finished_offering(programme, attendance_percent=75, confirmed_count=0)


@pytest.fixture
def assessed_offering(programme):
    return _finished_offering(programme, completion_rule=CompletionRule.ASSESSMENT)


@pytest.fixture
def learner(city):
    return CitizenFactory(city=city, name="زهرا احمدی", email="zahra@example.org")


@pytest.fixture
def owner(learner):
    return learner


@pytest.fixture
def other_citizen(city):
    return CitizenFactory(city=city, name="علی رضایی")


@pytest.fixture
def other_staff(city):
    """Staff of another partner, who may record attendance there but not here."""
    user = CitizenFactory(city=city)
    StaffMembershipFactory(institution=InstitutionFactory(city=city), user=user, role=Role.INSTITUTION_ADMIN)
    return user


@pytest.fixture
def other_secretariat(other_city):
    user = CitizenFactory(city=other_city)
    RoleAssignmentFactory(user=user, role=Role.SECRETARIAT, city=other_city)
    return user


def enrol(offering, citizen, *, attended: int = 0):
    """A confirmed seat with `attended` of the sessions marked present (the rest absent)."""
    enrolment = EnrolmentFactory(offering=offering, citizen=citizen, status=EnrolmentStatus.CONFIRMED)
    type(offering).objects.filter(pk=offering.pk).update(confirmed_count=offering.enrolments.filter(
        status=EnrolmentStatus.CONFIRMED).count())
    for index, session in enumerate(offering.sessions.order_by("starts_at")):
        Attendance.objects.create(session=session, enrolment=enrolment, present=index < attended)
    return enrolment


@pytest.fixture
def enrolment(offering, learner):
    return enrol(offering, learner, attended=4)


@pytest.fixture
def completed(enrolment, institution_admin):
    """The learner completed: a record with a certificate."""
    from learningcity.records.services import enrolment_complete

    return enrolment_complete(enrolment=enrolment, actor=institution_admin)
