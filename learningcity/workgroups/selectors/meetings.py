"""Reads for meetings: a group's meetings (upcoming and past) and one meeting with its agenda,
attendance, minutes and decisions. Visibility is built in: meetings are for the group's members and
the secretariat (permissions.can_see_meeting); every read is a fixed, small number of queries.
"""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from learningcity.core.permissions import Capability

from .. import permissions
from ..models import (
    AgendaItem,
    AttendanceStatus,
    Decision,
    GroupMember,
    Meeting,
    MeetingAttendance,
    MeetingStatus,
    WorkingGroup,
)

__all__ = [
    "agenda_of",
    "attendance_of",
    "attendance_sheet",
    "decisions_of",
    "group_for_meetings",
    "meeting_in_group",
    "meetings_past",
    "meetings_upcoming",
]

MAX_UPCOMING = 50


def group_for_meetings(user, city, slug: str) -> WorkingGroup | None:
    """The group whose meetings `user` may see (a member or the secretariat), or None."""
    if city is None:
        return None
    group = WorkingGroup.objects.select_related("city").filter(city=city, slug=slug).first()
    if group is None or not permissions.can(user, Capability.VIEW_GROUP, group):
        return None
    return group


def _with_counts(meetings: QuerySet[Meeting]) -> QuerySet[Meeting]:
    return meetings.annotate(
        decision_count=Count("decisions", distinct=True),
        invitee_count=Count("attendance", distinct=True),
        present_count=Count("attendance", filter=Q(attendance__status=AttendanceStatus.PRESENT), distinct=True),
    )


def meetings_upcoming(group: WorkingGroup, *, limit: int = MAX_UPCOMING) -> list[Meeting]:
    """Scheduled meetings that have not ended yet, soonest first."""
    meetings = Meeting.objects.filter(group=group, status=MeetingStatus.SCHEDULED, ends_at__gte=timezone.now())
    return list(_with_counts(meetings).order_by("starts_at", "pk")[:limit])


def meetings_past(group: WorkingGroup) -> QuerySet[Meeting]:
    """Everything else: held, cancelled, or scheduled but over; newest first (page it)."""
    meetings = Meeting.objects.filter(group=group).exclude(status=MeetingStatus.SCHEDULED, ends_at__gte=timezone.now())
    return _with_counts(meetings).order_by("-starts_at", "-pk")


def meeting_in_group(user, group: WorkingGroup, pk: int) -> Meeting | None:
    """One meeting of `group` that `user` may see, with who approved its minutes and its documents count."""
    meeting = (
        Meeting.objects.filter(group=group, pk=pk)
        .select_related("minutes_approved_by", "created_by")
        .annotate(document_count=Count("documents", distinct=True))
        .first()
    )
    if meeting is None:
        return None
    meeting.group = group  # already loaded (with its city); saves a query per use
    if not permissions.can_see_meeting(user, meeting):
        return None
    return meeting


def agenda_of(meeting: Meeting) -> list[AgendaItem]:
    return list(AgendaItem.objects.filter(meeting=meeting).order_by("position", "pk"))


def decisions_of(meeting: Meeting) -> list[Decision]:
    """The meeting's decisions in the order they were numbered."""
    return list(
        Decision.objects.filter(meeting=meeting).select_related("agenda_item", "recorded_by").order_by("year", "number")
    )


@dataclass(frozen=True)
class Attendee:
    """One person on a meeting's attendance list: who, for which institution, in which seat, and whether they came."""

    user: object
    status: str
    status_label: str
    institution: object | None
    role_label: str
    invited: bool

    @property
    def name(self) -> str:
        return self.user.name


def _seats_by_user(group: WorkingGroup, user_ids) -> dict[int, GroupMember]:
    """Each person's seat in the group: the current one, else their latest (so past minutes still name it)."""
    seats: dict[int, GroupMember] = {}
    rows = (GroupMember.objects.filter(group=group, user_id__in=list(user_ids)).select_related("institution")
            .order_by("user_id", "joined_on", "pk"))
    for seat in rows:
        held = seats.get(seat.user_id)
        if held is None or held.left_on is not None:
            seats[seat.user_id] = seat
    return seats


def _attendee(user, status: str, seat: GroupMember | None, invited: bool) -> Attendee:
    return Attendee(
        user=user, status=status, status_label=AttendanceStatus(status).label,
        institution=seat.institution if seat else None,
        role_label=seat.get_role_display() if seat else "", invited=invited,
    )


def attendance_of(meeting: Meeting) -> list[Attendee]:
    """Everyone invited (or marked), with the institution they represent; by name."""
    rows = list(MeetingAttendance.objects.filter(meeting=meeting).select_related("user"))
    seats = _seats_by_user(meeting.group, (row.user_id for row in rows))
    people = [_attendee(row.user, row.status, seats.get(row.user_id), True) for row in rows]
    return sorted(people, key=lambda person: (person.user.name, person.user.pk))


def attendance_sheet(meeting: Meeting) -> list[Attendee]:
    """The attendance form's list: the invitees, then current members who were not invited (they may come)."""
    invitees = attendance_of(meeting)
    invited = {person.user.pk for person in invitees}
    others = (GroupMember.objects.filter(group=meeting.group, left_on__isnull=True, user__is_active=True)
              .exclude(user_id__in=invited).select_related("user", "institution").order_by("user__name", "pk"))
    return invitees + [_attendee(seat.user, AttendanceStatus.INVITED, seat, False) for seat in others]
