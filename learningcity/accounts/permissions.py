"""The accounts policy: which city-, country- and network-wide capabilities a person holds."""

from django.db.models import Q

from learningcity.core.permissions import Capability, capabilities_of

from .models import RoleAssignment


def roles_in_city(user, city) -> set[str]:
    if not getattr(user, "is_authenticated", False):
        return set()
    cache = user.__dict__.setdefault("_city_roles", {})
    key = city.pk if city else None
    if key not in cache:
        # The city's roles and the person's city-independent ones (country, network) in one query.
        cache[key] = set(
            RoleAssignment.objects.filter(Q(city=city) | Q(city__isnull=True), user=user).values_list("role", flat=True)
        )
    return cache[key]


def has_city_capability(user, capability: str | Capability, city) -> bool:
    """May this person do `capability` across `city`? Superusers may do everything."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return capability in capabilities_of(roles_in_city(user, city))
