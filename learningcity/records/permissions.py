"""The records policy: who may decide completions, correct records, and see whose learning.

Completion is decided by the provider's staff who hold `record_attendance` on the offering's
institution, or by the city secretariat (who approve programmes, and so may settle a completion a
partner cannot). A learner sees only their own record; the public sees only what a certificate's
verification page shows.
"""

from django.db.models import QuerySet

from learningcity.accounts.permissions import has_city_capability
from learningcity.catalogue.models import Offering
from learningcity.core.permissions import Capability
from learningcity.institutions.permissions import can, institutions_for

from .models import LearningRecord

# The city-wide capability that makes someone "the secretariat" for completions and corrections.
SECRETARIAT_CAPABILITY = Capability.APPROVE_PROGRAMMES


def is_secretariat(user, city) -> bool:
    return city is not None and has_city_capability(user, SECRETARIAT_CAPABILITY, city)


def can_decide_completion(user, offering: Offering) -> bool:
    """May `user` complete (or mark not completed) the learners of `offering`?"""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if is_secretariat(user, offering.city):
        return True
    return can(user, Capability.RECORD_ATTENDANCE, offering.programme.institution)


def can_amend_record(user, record: LearningRecord) -> bool:
    """May `user` void or correct `record`? The provider's staff who record completions, or the secretariat."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if is_secretariat(user, record.city):
        return True
    return can(user, Capability.RECORD_ATTENDANCE, record.institution)


def offerings_for_completion(user, city) -> QuerySet[Offering]:
    """The offerings of `city` whose completions `user` may decide (none for anyone else)."""
    offerings = Offering.objects.filter(city=city)
    if city is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return offerings.none()
    if is_secretariat(user, city):
        return offerings
    institutions = institutions_for(user, Capability.RECORD_ATTENDANCE, city)
    return offerings.filter(programme__institution__in=institutions)


def owns_enrolment(user, enrolment) -> bool:
    return getattr(user, "is_authenticated", False) and enrolment.citizen_id == user.pk
