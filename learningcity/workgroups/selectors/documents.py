"""Reads for documents: a target's documents, one document through the policy, and attachment targets."""

from django.db.models import QuerySet

from .. import permissions
from ..models import Document, Meeting, PlanResult, WorkingGroup

__all__ = ["document_target", "document_visible_to", "documents_of"]

TARGET_FIELDS = ("group", "meeting", "result")


def documents_of(*, group: WorkingGroup | None = None, meeting: Meeting | None = None,
                 result: PlanResult | None = None) -> QuerySet[Document]:
    """The documents attached to one target, newest first; the caller has checked the target is visible."""
    if group is not None:
        documents = Document.objects.filter(group=group)
    elif meeting is not None:
        documents = Document.objects.filter(meeting=meeting)
    elif result is not None:
        documents = Document.objects.filter(result=result)
    else:
        return Document.objects.none()
    return documents.select_related("uploaded_by").order_by("-uploaded_at", "-id")


def document_visible_to(user, *, pk: int, city) -> Document | None:
    """The document if it is in `city` and the person may see what it is attached to; else None (a 404)."""
    if city is None:
        return None
    document = (
        Document.objects.select_related(
            "city", "uploaded_by", "group__city", "meeting__group__city", "result__objective__plan__city",
            "result__objective__working_group__city",
        )
        .filter(pk=pk, city=city)
        .first()
    )
    if document is None or not permissions.can_see_document(user, document):
        return None
    return document


def document_target(user, *, city, field: str, pk: int) -> WorkingGroup | Meeting | PlanResult | None:
    """The group, meeting or result (by `field`) a document could be attached to, if the person may see it."""
    if city is None or field not in TARGET_FIELDS:
        return None
    if field == "group":
        group = WorkingGroup.objects.select_related("city").filter(city=city, pk=pk).first()
        return group if group is not None and permissions.can_see_group(user, group) else None
    if field == "meeting":
        meeting = Meeting.objects.select_related("group__city").filter(group__city=city, pk=pk).first()
        return meeting if meeting is not None and permissions.can_see_meeting(user, meeting) else None
    result = (
        PlanResult.objects.select_related("objective__plan__city", "objective__working_group__city")
        .filter(objective__plan__city=city, pk=pk)
        .first()
    )
    return result if result is not None and permissions.can_see_plan(user, result.objective.plan) else None
