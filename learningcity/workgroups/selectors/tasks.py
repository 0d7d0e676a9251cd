"""Reads about tasks: a group's tasks, one task and its timeline, "my tasks" across groups, and weekly digests.

Every list is annotated with `overdue` (not done and past its deadline) so pages and messages can
highlight late work without computing it row by row, and every page reads a bounded number of rows.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db.models import BooleanField, Case, Count, Q, QuerySet, Value, When
from django.utils import timezone

from learningcity.institutions.models import Institution, StaffMembership

from ..inputs import parse_id
from ..models import (
    Decision,
    DigestReceipt,
    GroupMember,
    GroupRole,
    Meeting,
    MeetingStatus,
    Task,
    TaskStatus,
    TaskUpdate,
    WorkingGroup,
)

__all__ = [
    "decision_for_task",
    "digests_due",
    "group_task_counts",
    "group_tasks_page",
    "my_tasks",
    "task_in_group",
    "task_owner_choices",
    "task_timeline",
    "tasks_of_group",
]

MY_TASKS_PER_PAGE = 50
GROUP_TASKS_PER_PAGE = 50
MAX_TIMELINE = 500
DIGEST_WINDOW = dt.timedelta(days=7)
DIGEST_MEETINGS_AHEAD = dt.timedelta(days=7)
DIGEST_MAX_PER_SECTION = 30
# A second run within this time of a person's last digest sends them nothing (the weekly job may be retried).
DIGEST_MIN_INTERVAL = dt.timedelta(hours=1)


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def _late(today: dt.date) -> Q:
    return Q(deadline__lt=today) & ~Q(status=TaskStatus.DONE)


def _with_overdue(tasks: QuerySet[Task], today: dt.date) -> QuerySet[Task]:
    """Annotate `overdue`, and order late work first, then open work by deadline, then done work."""
    return tasks.annotate(
        overdue=Case(When(_late(today), then=Value(True)), default=Value(False), output_field=BooleanField()),
        rank=Case(When(_late(today), then=Value(0)), When(status=TaskStatus.DONE, then=Value(2)), default=Value(1)),
    ).order_by("rank", "deadline", "id")


def _listed(tasks: QuerySet[Task]) -> QuerySet[Task]:
    return tasks.select_related("group", "owner_user", "owner_institution", "decision")


def _counts(tasks: QuerySet[Task], today: dt.date) -> dict[str, int]:
    """{status: n, ..., "overdue": n, "all": n} in one query."""
    aggregates = {status: Count("id", filter=Q(status=status)) for status in TaskStatus.values}
    aggregates["overdue"] = Count("id", filter=_late(today))
    aggregates["all"] = Count("id")
    return tasks.order_by().aggregate(**aggregates)


def _page(tasks: QuerySet[Task], number, per_page: int, count: int) -> Page:
    paginator = Paginator(tasks, per_page)
    paginator.__dict__["count"] = count  # already known from the counts query: skip a COUNT(*)
    return paginator.get_page(number)


# --- A group's tasks ------------------------------------------------------------------------------

def tasks_of_group(group: WorkingGroup, *, status: str = "", owner: str = "", overdue: bool = False,
                   today: dt.date | None = None) -> QuerySet[Task]:
    """The group's tasks, late ones first; `owner` is "user:<id>" or "institution:<id>" (as in the owner choices)."""
    today = _today(today)
    tasks = Task.objects.filter(group=group)
    if status in TaskStatus.values:
        tasks = tasks.filter(status=status)
    kind, _sep, raw = (owner or "").partition(":")
    pk = parse_id(raw)
    if pk is not None:
        if kind == "user":
            tasks = tasks.filter(owner_user_id=pk)
        elif kind == "institution":
            tasks = tasks.filter(owner_institution_id=pk)
    if overdue:
        tasks = tasks.filter(_late(today))
    return _listed(_with_overdue(tasks, today))


def group_task_counts(group: WorkingGroup, *, today: dt.date | None = None) -> dict[str, int]:
    return _counts(Task.objects.filter(group=group), _today(today))


def group_tasks_page(group: WorkingGroup, *, status: str = "", owner: str = "", overdue: bool = False, page=1,
                     per_page: int = GROUP_TASKS_PER_PAGE, today: dt.date | None = None) -> tuple[Page, dict]:
    """One page of the group's tasks (filtered) and the counts per status over all of them."""
    today = _today(today)
    counts = group_task_counts(group, today=today)
    tasks = tasks_of_group(group, status=status, owner=owner, overdue=overdue, today=today)
    status = status if status in TaskStatus.values else ""
    if owner or (status and overdue):
        total = tasks.count()
    else:
        total = counts["overdue"] if overdue else counts[status or "all"]
    return _page(tasks, page, per_page, total), counts


def task_in_group(group: WorkingGroup, pk: int, *, today: dt.date | None = None) -> Task | None:
    """One task of the group with what its page shows (decision, meeting, owner), or None."""
    return (
        _with_overdue(Task.objects.filter(group=group, pk=pk), _today(today))
        .select_related("group__city", "decision__meeting", "owner_user", "owner_institution", "created_by")
        .first()
    )


def task_timeline(task: Task) -> list[TaskUpdate]:
    """The task's updates and comments, newest first."""
    return list(task.updates.select_related("author").order_by("-at", "-id")[:MAX_TIMELINE])


def task_owner_choices(group: WorkingGroup) -> tuple[list[GroupMember], list[Institution]]:
    """Who may own the group's tasks: its current members (not observers), and the city's active partners."""
    members = list(
        GroupMember.objects.filter(group=group, left_on__isnull=True).exclude(role=GroupRole.OBSERVER)
        .select_related("user", "institution").order_by("user__name", "id")
    )
    institutions = list(Institution.objects.filter(city_id=group.city_id, is_active=True).order_by("name_fa", "id"))
    return members, institutions


def decision_for_task(group: WorkingGroup, pk) -> Decision | None:
    """A decision of the group to turn into a task (from `?decision=<id>`), or None."""
    pk = parse_id(pk)
    if pk is None:
        return None
    return Decision.objects.filter(group=group, pk=pk).select_related("meeting").first()


# --- My tasks --------------------------------------------------------------------------------------

def _institutions_of(user) -> list[int]:
    """Institutions the person acts for: those they represent in a current seat, or are on the staff of."""
    seats = GroupMember.objects.filter(user=user, left_on__isnull=True, institution__isnull=False)
    staff = StaffMembership.objects.filter(user=user)
    return list(seats.order_by().values_list("institution_id", flat=True).union(
        staff.order_by().values_list("institution_id", flat=True)))


def _owned_by(user_ids, institution_ids) -> Q:
    return Q(owner_user_id__in=list(user_ids)) | Q(owner_institution_id__in=list(institution_ids))


@dataclass
class MyTasks:
    """One page of a person's tasks, with counts over all of them."""

    page: Page
    counts: dict[str, int]          # per status, "overdue" and "all", within the chosen group
    groups: list[dict]              # [{"group": WorkingGroup, "count": n}] for the group filter
    group: WorkingGroup | None      # the chosen group, if any


def my_tasks(user, *, city=None, group: int | str | None = None, status: str = "", overdue: bool = False,
             page=1, per_page: int = MY_TASKS_PER_PAGE, today: dt.date | None = None) -> MyTasks:
    """Tasks owned by the person, or by institutions they represent or work for, across all groups.

    Late tasks come first. Four queries whatever the number of tasks: the person's institutions, the
    counts per group and status (one GROUP BY), the groups' names, and the page itself.
    """
    today = _today(today)
    if not getattr(user, "is_authenticated", False):
        return MyTasks(page=Paginator([], per_page).get_page(1), counts=_counts(Task.objects.none(), today),
                       groups=[], group=None)
    tasks = Task.objects.filter(_owned_by([user.pk], _institutions_of(user)))
    if city is not None:
        tasks = tasks.filter(group__city=city)
    rows = list(tasks.order_by().values("group_id", "status")
                .annotate(n=Count("id"), late=Count("id", filter=_late(today))))
    by_id = WorkingGroup.objects.in_bulk({row["group_id"] for row in rows})
    per_group: dict[int, int] = defaultdict(int)
    for row in rows:
        per_group[row["group_id"]] += row["n"]
    groups = sorted(({"group": by_id[pk], "count": n} for pk, n in per_group.items()),
                    key=lambda row: (row["group"].name, row["group"].pk))
    group_id = parse_id(group)
    chosen = by_id.get(group_id) if group_id is not None else None
    if chosen is not None:
        tasks = tasks.filter(group=chosen)
        rows = [row for row in rows if row["group_id"] == chosen.pk]
    counts = dict.fromkeys([*TaskStatus.values, "overdue", "all"], 0)
    for row in rows:
        counts[row["status"]] += row["n"]
        counts["overdue"] += row["late"]
        counts["all"] += row["n"]
    status = status if status in TaskStatus.values else ""
    if status:
        tasks = tasks.filter(status=status)
    if overdue:
        tasks = tasks.filter(_late(today))
    total = tasks.count() if status and overdue else counts["overdue"] if overdue else counts[status or "all"]
    listed = _listed(_with_overdue(tasks, today))
    return MyTasks(page=_page(listed, page, per_page, total), counts=counts, groups=groups, group=chosen)


# --- The weekly digest -----------------------------------------------------------------------------

@dataclass
class DigestChange:
    """One thing that happened: a task update or comment, a task newly assigned, or a decision."""

    kind: str            # "update", "comment", "new_task" or "decision"
    at: dt.datetime
    obj: object          # the TaskUpdate, Task or Decision


@dataclass
class DigestSection:
    """What one working group has for the person, newest changes first."""

    group: WorkingGroup
    changes: list[DigestChange] = field(default_factory=list)
    meetings: list[Meeting] = field(default_factory=list)      # coming up, soonest first
    overdue: list[Task] = field(default_factory=list)          # the person's late tasks, oldest deadline first
    latest: dt.datetime | None = None

    @property
    def size(self) -> int:
        return len(self.changes) + len(self.meetings) + len(self.overdue)


@dataclass
class Digest:
    """One person's weekly digest: sections per group, the group with the newest change first."""

    user: object
    since: dt.datetime
    now: dt.datetime
    sections: list[DigestSection]
    new: int                    # items the person has not been told about (0 means: do not send)

    @property
    def items(self) -> int:
        return sum(section.size for section in self.sections)

    def count(self, kind: str) -> int:
        if kind == "meeting":
            return sum(len(s.meetings) for s in self.sections)
        if kind == "overdue":
            return sum(len(s.overdue) for s in self.sections)
        return sum(1 for s in self.sections for c in s.changes if c.kind == kind)


def _digest_recipients() -> list:
    """People with a current seat, and people owning open tasks."""
    seated = GroupMember.objects.filter(left_on__isnull=True).values("user_id")
    owners = Task.objects.exclude(status=TaskStatus.DONE).filter(owner_user__isnull=False).values("owner_user_id")
    return list(get_user_model().objects.filter(Q(pk__in=seated) | Q(pk__in=owners), is_active=True).order_by("pk"))


def digests_due(*, now: dt.datetime | None = None) -> list[Digest]:
    """Each person's digest of what changed since their last one (or the last 7 days); people with nothing
    new are left out.

    A constant number of queries for everyone together; per person the rows are filtered in memory.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    people = _digest_recipients()
    if not people:
        return []
    ids = [person.pk for person in people]
    sent = dict(DigestReceipt.objects.filter(user_id__in=ids).values_list("user_id", "sent_at"))
    people = [person for person in people if not (sent.get(person.pk) and sent[person.pk] > now - DIGEST_MIN_INTERVAL)]
    if not people:
        return []
    ids = [person.pk for person in people]
    since_of = {pk: sent.get(pk) or now - DIGEST_WINDOW for pk in ids}
    earliest = min(since_of.values())

    seat_groups: dict[int, set[int]] = defaultdict(set)
    acts_for: dict[int, set[int]] = defaultdict(set)
    for user_id, group_id, institution_id in GroupMember.objects.filter(
        user_id__in=ids, left_on__isnull=True, group__is_active=True
    ).values_list("user_id", "group_id", "institution_id"):
        seat_groups[user_id].add(group_id)
        if institution_id:
            acts_for[user_id].add(institution_id)
    for user_id, institution_id in StaffMembership.objects.filter(user_id__in=ids).values_list(
        "user_id", "institution_id"
    ):
        acts_for[user_id].add(institution_id)
    all_groups = set().union(*seat_groups.values()) if seat_groups else set()
    all_institutions = set().union(*acts_for.values()) if acts_for else set()
    owned = _owned_by(ids, all_institutions)

    updates = list(
        TaskUpdate.objects.filter(at__gt=earliest, at__lte=now)
        .filter(Q(task__group_id__in=all_groups) | Q(task__owner_user_id__in=ids)
                | Q(task__owner_institution_id__in=all_institutions))
        .select_related("task__group__city", "author").order_by("-at", "-id")
    )
    new_tasks = list(
        Task.objects.filter(owned, created_at__gt=earliest, created_at__lte=now)
        .select_related("group__city", "decision", "owner_institution").order_by("-created_at", "-id")
    )
    decisions = list(
        Decision.objects.filter(group_id__in=all_groups, recorded_at__gt=earliest, recorded_at__lte=now)
        .select_related("group__city", "meeting").order_by("-recorded_at", "-id")
    )
    meetings = list(
        Meeting.objects.filter(group_id__in=all_groups, status=MeetingStatus.SCHEDULED, starts_at__gt=now,
                               starts_at__lte=now + DIGEST_MEETINGS_AHEAD)
        .select_related("group__city").order_by("starts_at", "id")
    )
    late = list(
        Task.objects.filter(owned).filter(_late(today)).select_related("group__city", "owner_institution")
        .order_by("deadline", "id")
    )

    digests = []
    for person in people:
        digest = _digest_of(person, since=since_of[person.pk], now=now, groups=seat_groups[person.pk],
                            institutions=acts_for[person.pk], updates=updates, new_tasks=new_tasks,
                            decisions=decisions, meetings=meetings, late=late)
        if digest.new:
            digests.append(digest)
    return digests


def _owns(task: Task, user_id: int, institutions: set[int]) -> bool:
    return task.owner_user_id == user_id or task.owner_institution_id in institutions


def _digest_of(person, *, since, now, groups, institutions, updates, new_tasks, decisions, meetings, late) -> Digest:
    sections: dict[int, DigestSection] = {}
    new = 0

    def section(group: WorkingGroup) -> DigestSection:
        if group.pk not in sections:
            sections[group.pk] = DigestSection(group=group)
        return sections[group.pk]

    def add(kind: str, at: dt.datetime, obj, group: WorkingGroup) -> None:
        target = section(group)
        if len(target.changes) < DIGEST_MAX_PER_SECTION:
            target.changes.append(DigestChange(kind=kind, at=at, obj=obj))
        target.latest = max(target.latest or at, at)

    for update in updates:
        task = update.task
        if update.at <= since or update.author_id == person.pk:
            continue
        if task.group_id in groups or _owns(task, person.pk, institutions):
            changed = update.status_after or update.progress_after is not None
            add("update" if changed else "comment", update.at, update, task.group)
            new += 1
    for task in new_tasks:
        if task.created_at <= since or task.created_by_id == person.pk or not _owns(task, person.pk, institutions):
            continue
        add("new_task", task.created_at, task, task.group)
        new += 1
    for decision in decisions:
        if decision.recorded_at <= since or decision.recorded_by_id == person.pk or decision.group_id not in groups:
            continue
        add("decision", decision.recorded_at, decision, decision.group)
        new += 1
    for meeting in meetings:
        if meeting.group_id not in groups:
            continue
        section(meeting.group).meetings.append(meeting)
        # Told last week already, unless it was scheduled since or has just come within the week ahead.
        if meeting.created_at > since or meeting.starts_at > since + DIGEST_MEETINGS_AHEAD:
            new += 1
    since_day = timezone.localdate(since)
    for task in late:
        if not _owns(task, person.pk, institutions):
            continue
        target = section(task.group)
        if len(target.overdue) < DIGEST_MAX_PER_SECTION:
            target.overdue.append(task)
        if task.deadline >= since_day:  # became late since the last digest
            new += 1

    for target in sections.values():
        target.changes.sort(key=lambda change: (change.at, getattr(change.obj, "pk", 0)), reverse=True)
    # Groups with the newest change first; groups with only meetings or late tasks after them, by name.
    ordered = sorted(sections.values(), key=lambda s: (s.group.name, s.group.pk))
    ordered.sort(key=lambda s: s.latest or dt.datetime.min.replace(tzinfo=dt.UTC), reverse=True)
    return Digest(user=person, since=since, now=now, sections=ordered, new=new)
