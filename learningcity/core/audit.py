"""Writing audit entries: every service calls `audit_record` inside its own transaction."""

import datetime as dt
import decimal
import uuid
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.forms.models import model_to_dict

from .models import AuditEntry

# Fields whose values never go into the log (only the fact that they changed).
SECRET_FIELDS = {"password", "key_hash", "national_code"}


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    if hasattr(value, "name") and hasattr(value, "url"):  # files
        return value.name or ""
    return value


def snapshot(instance: models.Model) -> dict[str, Any]:
    """The audit-relevant field values of a record, before it changes."""
    # Editable fields only: timestamps and derived keys (search_key) are bookkeeping, not changes.
    data = model_to_dict(instance)
    return {key: _plain(value) for key, value in data.items()}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list]:
    changes: dict[str, list] = {}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old != new:
            changes[key] = ["***", "***"] if key in SECRET_FIELDS else [old, new]
    return changes


def audit_record(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    changes: dict | None = None,
    city=None,
    label: str | None = None,
) -> AuditEntry:
    """Append one entry; call inside the transaction that made the change."""
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    if city is None and obj is not None:
        city = getattr(obj, "city", None)
    return AuditEntry.objects.create(
        actor=actor_obj,
        actor_label=(str(actor_obj) if actor_obj else (label or "system"))[:200],
        action=action,
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=str(obj)[:300] if obj is not None else "",
        changes=changes or {},
        city=city,
    )


def audit_created(*, actor, obj: models.Model, action: str | None = None, **kwargs) -> AuditEntry:
    after = snapshot(obj)
    changes = {k: ["***" if k in SECRET_FIELDS else None, "***" if k in SECRET_FIELDS else v]
               for k, v in after.items() if v not in (None, "", [], {})}
    return audit_record(actor=actor, action=action or f"{obj._meta.model_name}.create", obj=obj,
                        changes=changes, **kwargs)


def audit_updated(*, actor, obj: models.Model, before: dict, action: str | None = None, **kwargs):
    """Log an update with the fields that changed; nothing is logged when nothing changed."""
    changes = diff(before, snapshot(obj))
    if not changes:
        return None
    return audit_record(actor=actor, action=action or f"{obj._meta.model_name}.update", obj=obj,
                        changes=changes, **kwargs)
