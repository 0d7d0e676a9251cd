"""Reads about working groups and their seats, with the policy built in and a bounded number of queries."""

import datetime as dt

from django.db.models import (
    Case,
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from learningcity.catalogue.models import KeyFeatureArea, LearningDomain
from learningcity.core.permissions import Capability
from learningcity.institutions.models import Institution
from learningcity.institutions.selectors import PUBLIC_STATES

from .. import permissions
from ..models import (
    Decision,
    GroupMember,
    GroupRole,
    Meeting,
    MeetingStatus,
    MinutesStatus,
    Task,
    TaskStatus,
    WorkingGroup,
)

__all__ = [
    "groups_listed_for",
    "group_visible_to",
    "member_institutions_of",
    "published_decisions_of",
    "seats_of_group",
    "former_seats_of_group",
    "next_meetings_of",
    "partners_to_represent",
    "key_features_of",
]

# Chair first, then secretary, members and observers (the codes do not sort that way).
ROLE_ORDER = Case(*(When(role=role, then=Value(i)) for i, role in enumerate(GroupRole.values)),
                  output_field=IntegerField())
NEXT_MEETINGS = 3


def _per_group(rows: QuerySet, aggregate) -> Coalesce:
    """A count per group as a subquery, so several counts never multiply each other's rows."""
    counted = (rows.filter(group=OuterRef("pk")).order_by().values("group")
               .annotate(n=aggregate).values("n")[:1])
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _with_counts(groups: QuerySet[WorkingGroup]) -> QuerySet[WorkingGroup]:
    """Current members, partners they represent, open tasks and, of those, overdue ones, per group."""
    current = GroupMember.objects.filter(left_on__isnull=True)
    open_tasks = Task.objects.exclude(status=TaskStatus.DONE)
    return groups.annotate(
        member_count=_per_group(current, Count("pk")),
        institution_count=_per_group(current.filter(institution__isnull=False), Count("institution", distinct=True)),
        open_task_count=_per_group(open_tasks, Count("pk")),
        overdue_task_count=_per_group(open_tasks.filter(deadline__lt=timezone.localdate()), Count("pk")),
    )


def groups_listed_for(*, user, city) -> list[WorkingGroup]:
    """The groups this person may see, active first, with counts of members, partners and open tasks.

    Each group also says the person's seat (`seat_role`) and whether they may see inside it
    (`may_see_inside`: meetings, tasks, the open-task count). Three queries, however many groups.
    """
    groups = list(
        _with_counts(permissions.groups_visible_to(user, city))
        .select_related("city")
        .prefetch_related(Prefetch("domains", queryset=LearningDomain.objects.order_by("position", "name_en")))
        .order_by("-is_active", "name_fa", "pk")
    )
    seats = permissions.seats_of(user)
    labels = dict(GroupRole.choices)
    for group in groups:
        group.seat_role = seats.get(group.pk)
        group.seat_label = labels.get(group.seat_role, "")
        group.may_see_inside = permissions.can(user, Capability.VIEW_GROUP, group)
    return groups


def group_visible_to(*, user, city, slug: str) -> WorkingGroup | None:
    """One group of the city this person may see (a members-only group only with a seat), or None."""
    return (
        _with_counts(permissions.groups_visible_to(user, city))
        .filter(slug=slug)
        .select_related("city")
        .prefetch_related(Prefetch("domains", queryset=LearningDomain.objects.order_by("position", "name_en")))
        .first()
    )


def member_institutions_of(group: WorkingGroup, *, seats: list[GroupMember] | None = None) -> list[Institution]:
    """The partners the group's current members represent, each once, by name.

    Given the current `seats` (from `seats_of_group`), they are read from those without another query.
    `is_listed` says whether the partner has a public page to link to (not suspended or withdrawn).
    """
    if seats is not None:
        unique = {seat.institution.pk: seat.institution for seat in seats if seat.institution is not None}
        institutions = sorted(unique.values(), key=lambda institution: (institution.name_fa, institution.pk))
    else:
        represented = GroupMember.objects.filter(group=group, left_on__isnull=True, institution__isnull=False)
        institutions = list(
            Institution.objects.filter(pk__in=represented.values("institution")).order_by("name_fa", "pk")
        )
    for institution in institutions:
        institution.is_listed = institution.is_active and institution.accreditation in PUBLIC_STATES
    return institutions


def published_decisions_of(group: WorkingGroup) -> QuerySet[Decision]:
    """The group's decisions that are public: those of meetings whose minutes the chair approved, newest first."""
    return (
        Decision.objects.filter(group=group, meeting__minutes_status=MinutesStatus.APPROVED)
        .select_related("meeting")
        .order_by("-year", "-number", "-pk")
    )


def seats_of_group(group: WorkingGroup) -> QuerySet[GroupMember]:
    """The group's current members: chair, secretary, members, observers; then by name."""
    return (
        GroupMember.objects.filter(group=group, left_on__isnull=True)
        .select_related("user", "institution")
        .annotate(role_order=ROLE_ORDER)
        .order_by("role_order", "user__name", "pk")
    )


def former_seats_of_group(group: WorkingGroup) -> QuerySet[GroupMember]:
    """People who have left the group, most recent first (their seats stay on record)."""
    return (
        GroupMember.objects.filter(group=group, left_on__isnull=False)
        .select_related("user", "institution")
        .order_by("-left_on", "-pk")
    )


def next_meetings_of(group: WorkingGroup, *, now: dt.datetime) -> list[Meeting]:
    """The group's next scheduled meetings (one under way included), soonest first."""
    meetings = list(
        Meeting.objects.filter(group=group, status=MeetingStatus.SCHEDULED, ends_at__gte=now)
        .order_by("starts_at", "pk")[:NEXT_MEETINGS]
    )
    for meeting in meetings:
        meeting.group = group  # their addresses name the group: no query per meeting
    return meetings


def partners_to_represent(*, city) -> QuerySet[Institution]:
    """The partners a seat may represent: the city's active partners the public directory lists."""
    return Institution.objects.filter(city=city, is_active=True, accreditation__in=PUBLIC_STATES).order_by(
        "name_fa", "pk"
    )


def key_features_of(group: WorkingGroup) -> list[dict]:
    """The group's UNESCO key features with their labels, in the framework's order."""
    labels = dict(KeyFeatureArea.choices)
    return [{"code": code, "label": labels[code]} for code in group.key_features or () if code in labels]
