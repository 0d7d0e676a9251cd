from learningcity.core.permissions import Capability

from .permissions import has_city_capability


def roles(request):
    """What the navigation may offer this person."""
    city = getattr(request, "city", None)
    user = getattr(request, "user", None)
    return {"can_manage": bool(city and user and has_city_capability(user, Capability.VIEW_AUDIT_LOG, city))}
