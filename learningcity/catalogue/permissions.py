"""The catalogue policy (for now: who may edit the learning-domain taxonomy)."""

from learningcity.accounts.permissions import has_city_capability
from learningcity.core.permissions import Capability


def can_manage_domains(user, city) -> bool:
    return has_city_capability(user, Capability.MANAGE_DOMAINS, city)
