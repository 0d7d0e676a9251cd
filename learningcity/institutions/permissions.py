"""The institutions policy: who may edit which institution, manage its staff, set accreditation."""

from django.db.models import QuerySet

from learningcity.accounts.permissions import has_city_capability
from learningcity.core.permissions import Capability, capabilities_of

from .models import Institution, StaffMembership

# City-wide capabilities that include an institution-level one: the secretariat, who may add and edit
# any partner, may edit every profile; who gives people roles in the city may manage any staff list.
CITY_WIDE_GRANTS: dict[str, str] = {
    Capability.EDIT_INSTITUTION_PROFILE: Capability.MANAGE_INSTITUTIONS,
    Capability.MANAGE_INSTITUTION_STAFF: Capability.MANAGE_PEOPLE,
}


def staff_roles(user, institution: Institution) -> set[str]:
    if not getattr(user, "is_authenticated", False):
        return set()
    cache = user.__dict__.setdefault("_staff_roles", {})
    if institution.pk not in cache:
        cache[institution.pk] = set(
            StaffMembership.objects.filter(user=user, institution=institution).values_list("role", flat=True)
        )
    return cache[institution.pk]


def forget_cached_roles(user) -> None:
    """After a change to someone's staff roles within a request, read them afresh."""
    user.__dict__.pop("_staff_roles", None)


def _granted_city_wide(user, capability: str | Capability, city) -> bool:
    if has_city_capability(user, capability, city):
        return True
    wider = CITY_WIDE_GRANTS.get(capability)
    return wider is not None and has_city_capability(user, wider, city)


def can(user, capability: str | Capability, institution: Institution) -> bool:
    """May `user` do `capability` to `institution`? City-wide roles first, then the staff list."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if _granted_city_wide(user, capability, institution.city):
        return True
    return capability in capabilities_of(staff_roles(user, institution))


def institutions_for(user, capability: str | Capability, city) -> QuerySet[Institution]:
    """The institutions of `city` on which `user` may do `capability`."""
    institutions = Institution.objects.filter(city=city)
    if city is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return institutions.none()
    if _granted_city_wide(user, capability, city):
        return institutions
    roles = [role for role, caps in _role_caps().items() if capability in caps]
    staffed = StaffMembership.objects.filter(user=user, role__in=roles).values("institution")
    return institutions.filter(pk__in=staffed)


def may_add_institutions(user, city) -> bool:
    return city is not None and has_city_capability(user, Capability.MANAGE_INSTITUTIONS, city)


def may_open_manage(user, city) -> bool:
    """The manage page is for the secretariat and for anyone who may edit at least one partner."""
    if city is None:
        return False
    return may_add_institutions(user, city) or institutions_for(
        user, Capability.EDIT_INSTITUTION_PROFILE, city
    ).exists()


def _role_caps():
    from learningcity.core.permissions import ROLE_CAPABILITIES

    from .models import StaffRole

    return {role: ROLE_CAPABILITIES[role] for role in StaffRole.values}
