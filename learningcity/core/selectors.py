from django.db.models import QuerySet

from .models import AuditEntry


def audit_entries(*, city, action: str = "", actor: str = "") -> QuerySet[AuditEntry]:
    """The city's audit log (and platform-wide entries about its people), newest first."""
    entries = AuditEntry.objects.filter(city=city).select_related("content_type")
    if action:
        entries = entries.filter(action__startswith=action)
    if actor:
        entries = entries.filter(actor_label__icontains=actor)
    return entries.order_by("-at", "-id")
