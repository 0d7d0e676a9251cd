"""Fixtures and helpers shared by the programme, console and API-write tests (imported with `*`; no tests here)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from learningcity.catalogue import services
from learningcity.catalogue.models import Audience
from learningcity.core.permissions import Role
from learningcity.factories import (
    CitizenFactory,
    InstitutionFactory,
    LearningDomainFactory,
    StaffMembershipFactory,
    VenueFactory,
)


def at(days: int, hour: int = 17, minute: int = 0) -> dt.datetime:
    """A local time `days` from today."""
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def weekly_sessions(count: int = 3, first_day: int = 10) -> list[tuple[dt.datetime, dt.datetime]]:
    return [(at(first_day + 7 * week), at(first_day + 7 * week, 19)) for week in range(count)]


def offering_fields(venue, **extra) -> dict:
    fields = {
        "capacity": 10, "enrolment_opens_at": at(-1, 8), "enrolment_closes_at": at(9, 23), "venue": venue,
        "sessions": weekly_sessions(),
    }
    fields.update(extra)
    return fields


def make_draft(institution, domains=(), actor=None, **extra):
    fields = {"title_fa": "سواد رسانه‌ای برای والدین", "title_en": "Media literacy for parents",
              "description_fa": "خبر، شایعه و راستی‌آزمایی", "hours": Decimal("12"), "domains": list(domains)}
    fields.update(extra)
    return services.programme_create(institution=institution, actor=actor, **fields)


@pytest.fixture
def domain(city):
    return LearningDomainFactory(city=city, slug="media-literacy", name_fa="سواد رسانه‌ای", name_en="Media literacy")


@pytest.fixture
def second_domain(city):
    return LearningDomainFactory(city=city, slug="digital-skills", name_fa="مهارت دیجیتال", name_en="Digital skills")


@pytest.fixture
def seniors(db):
    return Audience.objects.get(code="seniors")


@pytest.fixture
def women(db):
    return Audience.objects.get(code="women")


@pytest.fixture
def venue(institution):
    return VenueFactory(city=institution.city, institution=institution, name_fa="سالن کتابخانه",
                        name_en="Library hall")


@pytest.fixture
def other_institution(city):
    return InstitutionFactory(city=city, name_en="Other institute", name_fa="مؤسسه دیگر")


@pytest.fixture
def other_admin(other_institution):
    user = CitizenFactory(city=other_institution.city)
    StaffMembershipFactory(institution=other_institution, user=user, role=Role.INSTITUTION_ADMIN)
    return user


@pytest.fixture
def draft(institution, domain):
    return make_draft(institution, [domain])


@pytest.fixture
def submitted(draft):
    return services.programme_submit(programme=draft, actor=None)


@pytest.fixture
def published(submitted):
    return services.programme_approve(programme=submitted, actor=None)


@pytest.fixture
def offering(published, venue):
    return services.offering_create(programme=published, actor=None, **offering_fields(venue))
