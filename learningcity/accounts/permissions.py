"""The accounts policy: which city-, country- and network-wide capabilities a person holds."""

from learningcity.core.permissions import Capability, capabilities_of

from .models import RoleAssignment


def roles_in_city(user, city) -> set[str]:
    if not getattr(user, "is_authenticated", False):
        return set()
    cache = user.__dict__.setdefault("_city_roles", {})
    key = city.pk if city else None
    if key not in cache:
        cache[key] = set(
            RoleAssignment.objects.filter(user=user, city=city).values_list("role", flat=True)
        ) | set(RoleAssignment.objects.filter(user=user, city__isnull=True).values_list("role", flat=True))
    return cache[key]


def has_city_capability(user, capability: str | Capability, city) -> bool:
    """May this person do `capability` across `city`? Superusers may do everything."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return capability in capabilities_of(roles_in_city(user, city))
