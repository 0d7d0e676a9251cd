"""Reads about people, with what each role may see built in."""

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from learningcity.core.models import AuditEntry

from .models import ApiToken, CitizenProfile, RoleAssignment, User


def citizen_count(*, city) -> int:
    """One definition of "registered learners": active accounts with a citizen profile in the city."""
    return CitizenProfile.objects.filter(city=city, user__is_active=True).count()


def people_of_city(*, city) -> QuerySet[User]:
    return User.objects.filter(profile__city=city).select_related("profile", "profile__district")


def roles_held(user) -> list[dict]:
    """Every role the person holds: city, country and network roles, and institution staff posts."""
    assignments = RoleAssignment.objects.filter(user=user).select_related("city").order_by("granted_at")
    held = [
        {"role": assignment.role, "label": assignment.get_role_display(),
         "where": str(assignment.city) if assignment.city else (assignment.country or _("network"))}
        for assignment in assignments
    ]
    # Institutions sit above accounts in the dependency order, so read their memberships by name only.
    staff = getattr(user, "staff_memberships", None)
    if staff is not None:
        for membership in staff.select_related("institution").order_by("pk"):
            held.append({"role": membership.role, "label": membership.get_role_display(),
                         "where": str(membership.institution)})
    return held


def personal_data_of(user) -> dict:
    """Everything the platform holds about one person (architecture 4.7), and nothing about others."""
    profile = CitizenProfile.objects.filter(user=user).select_related("city", "district").first()
    return {
        "exported_at": timezone.now(),
        "account": {
            "id": user.pk, "mobile": user.mobile, "name": user.name, "email": user.email,
            "national_code": user.national_code, "preferred_language": user.preferred_language,
            "is_active": user.is_active, "date_joined": user.date_joined, "last_login": user.last_login,
        },
        "citizen_profile": None if profile is None else {
            "city": profile.city.slug,
            "district": None if profile.district is None else {
                "number": profile.district.number, "name_fa": profile.district.name_fa,
                "name_en": profile.district.name_en,
            },
            "birth_year": profile.birth_year, "sex": profile.sex,
            "has_disability": profile.has_disability, "statistics_consent_at": profile.statistics_consent_at,
        },
        "roles": [{"role": r["role"], "where": r["where"]} for r in roles_held(user)],
        "api_tokens": list(
            ApiToken.objects.filter(user=user).order_by("created_at")
            .values("prefix", "created_at", "expires_at", "last_used_at", "revoked_at")
        ),
        "audit_entries": list(
            AuditEntry.objects.filter(actor=user).order_by("at", "id")
            .values("at", "action", "object_repr", "changes")
        ),
    }
