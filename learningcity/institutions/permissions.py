"""The institutions policy: who may edit which institution, manage its staff, set accreditation."""

from django.db.models import QuerySet

from learningcity.accounts.permissions import has_city_capability
from learningcity.core.permissions import Capability, capabilities_of

from .models import Institution, StaffMembership


def staff_roles(user, institution: Institution) -> set[str]:
    if not getattr(user, "is_authenticated", False):
        return set()
    cache = user.__dict__.setdefault("_staff_roles", {})
    if institution.pk not in cache:
        cache[institution.pk] = set(
            StaffMembership.objects.filter(user=user, institution=institution).values_list("role", flat=True)
        )
    return cache[institution.pk]


def can(user, capability: str | Capability, institution: Institution) -> bool:
    """May `user` do `capability` to `institution`? City-wide roles first, then the staff list."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if has_city_capability(user, capability, institution.city):
        return True
    if capability == Capability.EDIT_INSTITUTION_PROFILE and has_city_capability(
        user, Capability.MANAGE_INSTITUTIONS, institution.city
    ):
        return True
    return capability in capabilities_of(staff_roles(user, institution))


def institutions_for(user, capability: str | Capability, city) -> QuerySet[Institution]:
    """The institutions of `city` on which `user` may do `capability`."""
    institutions = Institution.objects.filter(city=city)
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return institutions.none()
    if has_city_capability(user, capability, city) or (
        capability == Capability.EDIT_INSTITUTION_PROFILE
        and has_city_capability(user, Capability.MANAGE_INSTITUTIONS, city)
    ):
        return institutions
    roles = [role for role, caps in _role_caps().items() if capability in caps]
    return institutions.filter(staff__user=user, staff__role__in=roles).distinct()


def _role_caps():
    from learningcity.core.permissions import ROLE_CAPABILITIES

    from .models import StaffRole

    return {role: ROLE_CAPABILITIES[role] for role in StaffRole.values}
