"""Writes for meetings: scheduling, the agenda, invitations, attendance, minutes, approval and decisions.

A meeting moves scheduled -> held (or scheduled -> cancelled); its minutes move draft -> approved,
and approval by the group's chair locks the meeting: its minutes, attendance, agenda and decisions
never change again. Every service locks the meeting row first and checks its state under that lock,
so an approval and a late change to the same meeting cannot both win; decision numbers are drawn
under a lock on the group row, so two decisions recorded at once get distinct numbers.
Invitees hear about invitations, changes and cancellations once the transaction commits, in their
own language, with Jalali dates on Persian messages.
"""

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from learningcity.core.audit import audit_created, audit_record, audit_updated, snapshot
from learningcity.core.errors import Conflict, DomainError, NotAllowed, NotFound
from learningcity.core.i18n import localized
from learningcity.core.jalali import format_datetime, jalali_year_of, uses_jalali
from learningcity.core.permissions import Capability
from learningcity.core.tasks import deliver_email, deliver_sms
from learningcity.core.text import persian_digits
from learningcity.records.selectors import site_root

from .. import permissions
from ..inputs import moment_in_window, window_values
from ..models import (
    AgendaItem,
    AttendanceStatus,
    Decision,
    GroupMember,
    Meeting,
    MeetingAttendance,
    MeetingStatus,
    MinutesStatus,
    WorkingGroup,
)

__all__ = [
    "agenda_item_add",
    "agenda_item_move",
    "agenda_item_remove",
    "agenda_item_update",
    "agenda_reorder",
    "attendance_record",
    "decision_record",
    "meeting_cancel",
    "meeting_invite",
    "meeting_mark_held",
    "meeting_schedule",
    "meeting_update",
    "minutes_approve",
    "minutes_save",
]

C = Capability
MEETING_FIELDS = ("title_fa", "title_en", "starts_at", "ends_at", "place_fa", "place_en", "online_url")
# A change to any of these is news to the invitees.
LOGISTICS_FIELDS = ("starts_at", "ends_at", "place_fa", "place_en", "online_url")
MAX_DURATION = dt.timedelta(hours=12)
MAX_AGENDA_ITEMS = 50
MAX_CANCEL_REASON = 500
MARKS = (AttendanceStatus.PRESENT, AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED)
MOVES = {"up": -1, "down": 1}

APPROVED_LOCKED = gettext_lazy("The minutes of this meeting are approved, and approved minutes cannot be changed.")
CANCELLED_LOCKED = gettext_lazy("This meeting was cancelled; nothing in it can change.")


# --- Plumbing --------------------------------------------------------------------------------------

def _require(actor, capability: str, group: WorkingGroup, message) -> None:
    if not permissions.can(actor, capability, group):
        raise NotAllowed(message)


def _clean(obj, *, exclude: Sequence[str] = ()) -> None:
    """The model's own checks (lengths, link format), as the first message on the field it is about."""
    try:
        obj.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(messages[0], field=field) from exc


def _locked(meeting: Meeting) -> Meeting:
    """The meeting's row, locked for the rest of the transaction, with its group."""
    locked = Meeting.objects.select_for_update(of=("self",)).select_related("group__city").filter(pk=meeting.pk).first()
    if locked is None:
        raise NotFound(gettext_lazy("This meeting no longer exists."))
    return locked


def _ensure_open(meeting: Meeting) -> None:
    """Minutes, attendance, agenda and decisions may change: not cancelled, minutes not approved."""
    if meeting.status == MeetingStatus.CANCELLED:
        raise Conflict(CANCELLED_LOCKED)
    if meeting.minutes_status == MinutesStatus.APPROVED:
        raise Conflict(APPROVED_LOCKED)


def _text(value, field: str, *, required: bool, message=None) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise DomainError(message or gettext_lazy("This field is required."), field=field)
    return text


def _within(text: str, model, field: str, *, error_field: str | None = None) -> None:
    """Text fields' lengths, which the model's own checks leave to the form."""
    limit = model._meta.get_field(field).max_length
    if limit and len(text) > limit:
        raise DomainError(_("Write at most %(max)s characters.") % {"max": _number(limit)},
                          field=error_field or field)


def _check_times(starts_at, ends_at, *, must_be_future: bool) -> None:
    for name, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if not isinstance(value, dt.datetime) or timezone.is_naive(value):
            raise DomainError(gettext_lazy("Enter a valid date and time."), field=name)
    for name, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        # Also keeps out moments the database and the calendar cannot convert (9999-12-31T20:00-05:00).
        if not moment_in_window(value):
            raise DomainError(_("A meeting must be within ten years of today: between %(first)s and %(last)s.")
                              % window_values(), field=name, code="meeting_out_of_range")
    if ends_at <= starts_at:
        raise DomainError(gettext_lazy("The meeting must end after it starts."), field="ends_at")
    if ends_at - starts_at > MAX_DURATION:
        raise DomainError(gettext_lazy("A meeting can last at most 12 hours."), field="ends_at")
    if must_be_future and starts_at <= timezone.now():
        raise DomainError(gettext_lazy("A meeting cannot be scheduled in the past."), field="starts_at")


def _check_place(meeting: Meeting) -> None:
    if not (meeting.place_fa or meeting.place_en or meeting.online_url):
        raise DomainError(gettext_lazy("Give a place or an online meeting link."), field="place_fa")


# --- Notifications -----------------------------------------------------------------------------------

INVITED, CHANGED, CANCELLED = "invited", "changed", "cancelled"


def _ics_url(meeting: Meeting, language: str) -> str:
    with translation.override(language):
        path = reverse("workgroups:meeting_ics", kwargs={"slug": meeting.group.slug, "pk": meeting.pk})
    return f"{site_root(meeting.group.city)}{path}"


def _message(kind: str, meeting: Meeting, language: str, reason: str) -> tuple[str, str]:
    """(email subject, text) in the active language."""
    values = {
        "title": localized(meeting, "title", language),
        "group": localized(meeting.group, "name", language),
        "start": format_datetime(meeting.starts_at, language),
        "place": localized(meeting, "place", language) or meeting.online_url,
        "ics": _ics_url(meeting, language),
        "reason": reason,
    }
    if kind == INVITED:
        return (_("Invitation: %(title)s") % values,
                _("You are invited to “%(title)s” of %(group)s on %(start)s at %(place)s. "
                  "Add it to your calendar: %(ics)s") % values)
    if kind == CHANGED:
        return (_("Meeting changed: %(title)s") % values,
                _("“%(title)s” of %(group)s has changed: it is now on %(start)s at %(place)s. "
                  "Updated calendar entry: %(ics)s") % values)
    if reason:
        return (_("Meeting cancelled: %(title)s") % values,
                _("“%(title)s” of %(group)s on %(start)s is cancelled. Reason: %(reason)s") % values)
    return (_("Meeting cancelled: %(title)s") % values,
            _("“%(title)s” of %(group)s on %(start)s is cancelled.") % values)


def _notify(kind: str, meeting: Meeting, people: Iterable, *, reason: str = "") -> None:
    """Queue one text message (and an email when there is an address) per person, after the commit."""
    for person in people:
        language = (person.preferred_language or settings.LANGUAGE_CODE)[:2]
        with translation.override(language):
            subject, body = _message(kind, meeting, language, reason)
        mobile, email = person.mobile, person.email
        # One callback per channel: a text gateway that is down does not stop the email, nor the change.
        if mobile:
            transaction.on_commit(lambda mobile=mobile, body=body: deliver_sms.delay(mobile, body), robust=True)
        if email:
            transaction.on_commit(
                lambda subject=subject, body=body, email=email: deliver_email.delay(subject, body, [email]),
                robust=True,
            )


def _invitees(meeting: Meeting) -> list:
    return [row.user for row in meeting.attendance.select_related("user").filter(user__is_active=True)]


# --- Scheduling ------------------------------------------------------------------------------------

def meeting_schedule(
    *,
    group: WorkingGroup,
    actor,
    title_fa: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    title_en: str = "",
    place_fa: str = "",
    place_en: str = "",
    online_url: str = "",
    agenda: Sequence[str] = (),
    invite: bool = False,
) -> Meeting:
    """Schedule a meeting of `group` with a place or an online link; optionally its agenda and invitations."""
    _require(actor, C.SCHEDULE_MEETINGS, group, gettext_lazy("You cannot schedule meetings of this working group."))
    if not group.is_active:
        raise DomainError(gettext_lazy("This working group is no longer active; it cannot meet."))
    meeting = Meeting(
        group=group,
        title_fa=_text(title_fa, "title_fa", required=True, message=gettext_lazy("Give the meeting a title.")),
        title_en=_text(title_en, "title_en", required=False),
        starts_at=starts_at, ends_at=ends_at,
        place_fa=_text(place_fa, "place_fa", required=False),
        place_en=_text(place_en, "place_en", required=False),
        online_url=_text(online_url, "online_url", required=False),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _check_times(starts_at, ends_at, must_be_future=True)
    _check_place(meeting)
    _clean(meeting, exclude=["group", "created_by", "minutes_approved_by"])
    items = [text for text in (_text(t, "agenda", required=False) for t in agenda) if text]
    if len(items) > MAX_AGENDA_ITEMS:
        raise DomainError(gettext_lazy("An agenda can have at most 50 items."), field="agenda")
    for text in items:
        _clean(AgendaItem(title=text, position=1), exclude=["meeting"])
    with transaction.atomic():
        meeting.save()
        audit_created(actor=actor, obj=meeting, action="meeting.schedule", city=group.city)
        for position, text in enumerate(items, start=1):
            item = AgendaItem.objects.create(meeting=meeting, position=position, title=text)
            audit_created(actor=actor, obj=item, action="meeting.agenda_add", city=group.city)
        if invite:
            _invite(meeting, actor, None)
    return meeting


def meeting_update(*, meeting: Meeting, actor, **fields) -> Meeting:
    """Change a scheduled meeting's title, time or place; invitees hear about a new time or place."""
    group = meeting.group
    _require(actor, C.SCHEDULE_MEETINGS, group, gettext_lazy("You cannot change meetings of this working group."))
    unknown = set(fields) - set(MEETING_FIELDS)
    if unknown:
        raise DomainError(gettext_lazy("Unknown field."), field=sorted(unknown)[0])
    with transaction.atomic():
        locked = _locked(meeting)
        if locked.status == MeetingStatus.CANCELLED:
            raise Conflict(CANCELLED_LOCKED)
        if locked.status == MeetingStatus.HELD:
            raise Conflict(gettext_lazy("This meeting was held; its title, time and place can no longer change."))
        before = snapshot(locked)
        old = {name: getattr(locked, name) for name in MEETING_FIELDS}
        for name, value in fields.items():
            if name in ("starts_at", "ends_at"):
                setattr(locked, name, value)
            else:
                setattr(locked, name, _text(value, name, required=name == "title_fa",
                                            message=gettext_lazy("Give the meeting a title.")))
        _check_times(locked.starts_at, locked.ends_at, must_be_future=False)
        now = timezone.now()
        if locked.starts_at != old["starts_at"] and locked.starts_at <= now:
            raise DomainError(gettext_lazy("A meeting cannot be scheduled in the past."), field="starts_at")
        if locked.ends_at != old["ends_at"] and locked.ends_at <= now:
            raise DomainError(gettext_lazy("A meeting cannot be scheduled in the past."), field="ends_at")
        _check_place(locked)
        _clean(locked, exclude=["group", "created_by", "minutes_approved_by"])
        changed = [name for name in MEETING_FIELDS if old[name] != getattr(locked, name)]
        if not changed:
            return locked
        locked.save(update_fields=[*changed, "updated_at"])
        audit_updated(actor=actor, obj=locked, before=before, action="meeting.update", city=group.city)
        if set(changed) & set(LOGISTICS_FIELDS):
            _notify(CHANGED, locked, _invitees(locked))
    return locked


def meeting_cancel(*, meeting: Meeting, actor, reason: str = "") -> Meeting:
    """Call off a scheduled meeting and tell everyone invited (with the reason, when one is given)."""
    group = meeting.group
    _require(actor, C.SCHEDULE_MEETINGS, group, gettext_lazy("You cannot cancel meetings of this working group."))
    reason = _text(reason, "reason", required=False)
    if len(reason) > MAX_CANCEL_REASON:
        raise DomainError(_("Write at most %(max)s characters.") % {"max": _number(MAX_CANCEL_REASON)},
                          field="reason")
    with transaction.atomic():
        locked = _locked(meeting)
        if locked.status == MeetingStatus.CANCELLED:
            raise Conflict(gettext_lazy("This meeting is already cancelled."))
        if locked.status == MeetingStatus.HELD:
            raise Conflict(gettext_lazy("This meeting was held; a held meeting cannot be cancelled."))
        if locked.decisions.exists():
            raise Conflict(gettext_lazy("Decisions were recorded at this meeting; it cannot be cancelled."))
        locked.status = MeetingStatus.CANCELLED
        locked.save(update_fields=["status", "updated_at"])
        audit_record(actor=actor, action="meeting.cancel", obj=locked, city=group.city,
                     changes={"status": [MeetingStatus.SCHEDULED, MeetingStatus.CANCELLED], "reason": [None, reason]})
        _notify(CANCELLED, locked, _invitees(locked), reason=reason)
    return locked


def meeting_mark_held(*, meeting: Meeting, actor) -> Meeting:
    """Record that a scheduled meeting took place (once it has started), so its minutes can be approved."""
    group = meeting.group
    _require(actor, C.WRITE_MINUTES, group,
             gettext_lazy("You cannot keep the record of this working group's meetings."))
    with transaction.atomic():
        locked = _locked(meeting)
        if locked.status == MeetingStatus.CANCELLED:
            raise Conflict(gettext_lazy("This meeting was cancelled; it cannot be marked as held."))
        if locked.status == MeetingStatus.HELD:
            raise Conflict(gettext_lazy("This meeting is already marked as held."))
        if locked.starts_at > timezone.now():
            raise DomainError(gettext_lazy("This meeting has not started yet; it cannot be marked as held."))
        locked.status = MeetingStatus.HELD
        locked.save(update_fields=["status", "updated_at"])
        audit_record(actor=actor, action="meeting.held", obj=locked, city=group.city,
                     changes={"status": [MeetingStatus.SCHEDULED, MeetingStatus.HELD]})
    return locked


# --- The agenda ------------------------------------------------------------------------------------

def _may_edit_agenda(actor, meeting: Meeting) -> None:
    _require(actor, C.SCHEDULE_MEETINGS, meeting.group,
             gettext_lazy("You cannot change the agenda of this working group's meetings."))


def _agenda_in_order(meeting: Meeting) -> list[AgendaItem]:
    return list(AgendaItem.objects.filter(meeting=meeting).order_by("position", "pk"))


def _renumber(items: list[AgendaItem]) -> None:
    """Places 1, 2, 3, ... in list order; only the rows whose place changed are written."""
    for place, item in enumerate(items, start=1):
        if item.position != place:
            item.position = place
            item.save(update_fields=["position"])


def _clean_item(item: AgendaItem) -> None:
    item.title = _text(item.title, "title", required=True, message=gettext_lazy("Write the agenda item."))
    item.notes = _text(item.notes, "notes", required=False)
    _within(item.notes, AgendaItem, "notes")
    _clean(item, exclude=["meeting"])


def agenda_item_add(*, meeting: Meeting, actor, title: str, notes: str = "") -> AgendaItem:
    """Add an item at the end of a meeting's agenda."""
    _may_edit_agenda(actor, meeting)
    item = AgendaItem(title=title, notes=notes, position=1)
    _clean_item(item)
    with transaction.atomic():
        locked = _locked(meeting)
        _ensure_open(locked)
        items = _agenda_in_order(locked)
        if len(items) >= MAX_AGENDA_ITEMS:
            raise DomainError(gettext_lazy("An agenda can have at most 50 items."), field="title")
        item.meeting = locked
        item.position = len(items) + 1
        item.save()
        audit_created(actor=actor, obj=item, action="meeting.agenda_add", city=locked.group.city)
    return item


def _item_locked(item: AgendaItem) -> tuple[Meeting, AgendaItem]:
    meeting = _locked(item.meeting)
    fresh = AgendaItem.objects.filter(pk=item.pk, meeting=meeting).first()
    if fresh is None:
        raise NotFound(gettext_lazy("This agenda item no longer exists."))
    return meeting, fresh


def agenda_item_update(*, item: AgendaItem, actor, title: str, notes: str = "") -> AgendaItem:
    """Reword an agenda item or its notes."""
    _may_edit_agenda(actor, item.meeting)
    with transaction.atomic():
        meeting, fresh = _item_locked(item)
        _ensure_open(meeting)
        before = snapshot(fresh)
        fresh.title, fresh.notes = title, notes
        _clean_item(fresh)
        changed = [name for name in ("title", "notes") if before[name] != getattr(fresh, name)]
        if changed:
            fresh.save(update_fields=changed)
            audit_updated(actor=actor, obj=fresh, before=before, action="meeting.agenda_update",
                          city=meeting.group.city)
    return fresh


def agenda_item_remove(*, item: AgendaItem, actor) -> None:
    """Take an item off the agenda; the ones after it move up. Items with decisions stay."""
    _may_edit_agenda(actor, item.meeting)
    with transaction.atomic():
        meeting, fresh = _item_locked(item)
        _ensure_open(meeting)
        if fresh.decisions.exists():
            raise Conflict(gettext_lazy("Decisions were recorded under this agenda item; it cannot be removed."))
        audit_record(actor=actor, action="meeting.agenda_remove", obj=fresh, city=meeting.group.city,
                     changes={k: [v, None] for k, v in snapshot(fresh).items() if v not in (None, "")})
        fresh.delete()
        _renumber(_agenda_in_order(meeting))


def agenda_item_move(*, item: AgendaItem, actor, direction: str) -> AgendaItem:
    """Move an agenda item one place up or down."""
    _may_edit_agenda(actor, item.meeting)
    if direction not in MOVES:
        raise DomainError(gettext_lazy("Choose what to do."), field="direction")
    with transaction.atomic():
        meeting, fresh = _item_locked(item)
        _ensure_open(meeting)
        items = _agenda_in_order(meeting)
        index = next(i for i, row in enumerate(items) if row.pk == fresh.pk)
        target = index + MOVES[direction]
        if not 0 <= target < len(items):
            raise DomainError(gettext_lazy("This item is already first.") if direction == "up"
                              else gettext_lazy("This item is already last."), field="direction")
        items[index], items[target] = items[target], items[index]
        _renumber(items)
        audit_record(actor=actor, action="meeting.agenda_move", obj=fresh, city=meeting.group.city,
                     changes={"position": [index + 1, target + 1]})
    return fresh


def agenda_reorder(*, meeting: Meeting, actor, order: Sequence[int]) -> list[AgendaItem]:
    """Put the whole agenda in a new order: `order` lists every item's id exactly once."""
    _may_edit_agenda(actor, meeting)
    try:
        wanted = [int(pk) for pk in order]
    except (TypeError, ValueError) as exc:
        raise DomainError(gettext_lazy("Give every agenda item exactly once."), field="order") from exc
    with transaction.atomic():
        locked = _locked(meeting)
        _ensure_open(locked)
        items = {item.pk: item for item in _agenda_in_order(locked)}
        if sorted(wanted) != sorted(items):
            raise DomainError(gettext_lazy("Give every agenda item exactly once."), field="order")
        before = [item.pk for item in items.values()]
        ordered = [items[pk] for pk in wanted]
        _renumber(ordered)
        if before != wanted:
            audit_record(actor=actor, action="meeting.agenda_reorder", obj=locked, city=locked.group.city,
                         changes={"agenda": [before, wanted]})
    return ordered


# --- Invitations and attendance ---------------------------------------------------------------------

def _invite(meeting: Meeting, actor, users: Iterable | None) -> list[MeetingAttendance]:
    """Invite under the meeting's lock; people already invited are skipped."""
    seats = GroupMember.objects.filter(group_id=meeting.group_id, left_on__isnull=True, user__is_active=True)
    members = {seat.user_id: seat.user for seat in seats.select_related("user")}
    if users is None:
        chosen = list(members.values())
    else:
        chosen = list({user.pk: user for user in users}.values())
        strangers = [user for user in chosen if user.pk not in members]
        if strangers:
            raise DomainError(_("%(name)s has no seat in this working group.") % {"name": strangers[0].name},
                              field="users")
    already = set(MeetingAttendance.objects.filter(meeting=meeting).values_list("user_id", flat=True))
    new = [MeetingAttendance(meeting=meeting, user=user) for user in chosen if user.pk not in already]
    if not new:
        return []
    MeetingAttendance.objects.bulk_create(new)
    audit_record(actor=actor, action="meeting.invite", obj=meeting, city=meeting.group.city,
                 changes={"invited": [None, sorted(row.user.name for row in new)]})
    _notify(INVITED, meeting, [row.user for row in new])
    return new


def meeting_invite(*, meeting: Meeting, actor, users: Iterable | None = None) -> list[MeetingAttendance]:
    """Invite the group's current members (or the members given) who are not invited yet; each is told.

    Returns the new invitations; inviting again only reaches people added to the group since.
    """
    _require(actor, C.SCHEDULE_MEETINGS, meeting.group,
             gettext_lazy("You cannot invite people to this working group's meetings."))
    with transaction.atomic():
        locked = _locked(meeting)
        if locked.status == MeetingStatus.CANCELLED:
            raise Conflict(gettext_lazy("This meeting was cancelled; nobody can be invited to it."))
        if locked.status == MeetingStatus.HELD or locked.ends_at <= timezone.now():
            raise Conflict(gettext_lazy("This meeting is over; invitations can no longer be sent."))
        return _invite(locked, actor, users)


def attendance_record(*, meeting: Meeting, actor, marks: Mapping) -> list[MeetingAttendance]:
    """Mark invitees (or members who came uninvited) present, absent or excused.

    `marks` maps a person (or their id) to a status. Apologies ("excused") may come before the
    meeting; present and absent only once it has started. Returns the rows that changed.
    """
    group = meeting.group
    _require(actor, C.WRITE_MINUTES, group,
             gettext_lazy("You cannot record attendance at this working group's meetings."))
    wanted: dict[int, str] = {}
    for person, status in marks.items():
        pk = getattr(person, "pk", person)
        if status not in MARKS:
            raise DomainError(gettext_lazy("Choose present, absent or excused."), field="marks")
        try:
            wanted[int(pk)] = status
        except (TypeError, ValueError) as exc:
            raise DomainError(gettext_lazy("Choose people from the list."), field="marks") from exc
    with transaction.atomic():
        locked = _locked(meeting)
        _ensure_open(locked)
        if locked.starts_at > timezone.now() and any(s != AttendanceStatus.EXCUSED for s in wanted.values()):
            raise DomainError(gettext_lazy(
                "This meeting has not started yet: only apologies (excused) can be recorded before it starts."
            ), field="marks")
        rows = {row.user_id: row for row in MeetingAttendance.objects.select_for_update()
                .select_related("user").filter(meeting=locked)}
        members = dict(GroupMember.objects.filter(group_id=group.pk, left_on__isnull=True, user_id__in=list(wanted))
                       .values_list("user_id", "user__name"))
        changed: list[MeetingAttendance] = []
        changes: dict[str, list] = {}
        for pk, status in wanted.items():
            row = rows.get(pk)
            if row is None:
                if pk not in members:
                    raise DomainError(gettext_lazy("Only invitees and members of the group can be marked."),
                                      field="marks")
                row = MeetingAttendance(meeting=locked, user_id=pk, status=status)
                row.save()
                changes[members[pk]] = [None, status]
                changed.append(row)
            elif row.status != status:
                changes[row.user.name] = [row.status, status]
                row.status = status
                row.save(update_fields=["status"])
                changed.append(row)
        if changes:
            audit_record(actor=actor, action="meeting.attendance", obj=locked, city=group.city, changes=changes)
    return changed


# --- Minutes ---------------------------------------------------------------------------------------

def minutes_save(*, meeting: Meeting, actor, text: str) -> Meeting:
    """Save the minutes as a draft; they can be saved as often as needed until the chair approves them."""
    group = meeting.group
    _require(actor, C.WRITE_MINUTES, group, gettext_lazy("You cannot write the minutes of this working group."))
    text = str(text or "").strip()
    _within(text, Meeting, "minutes")
    with transaction.atomic():
        locked = _locked(meeting)
        _ensure_open(locked)
        if locked.minutes == text:
            return locked
        before = len(locked.minutes)
        locked.minutes = text
        locked.save(update_fields=["minutes", "updated_at"])
        # The text itself lives on the meeting; the log keeps who saved and how much, not every draft.
        audit_record(actor=actor, action="meeting.minutes_save", obj=locked, city=group.city,
                     changes={"minutes_characters": [before, len(text)]})
    return locked


def minutes_approve(*, meeting: Meeting, actor) -> Meeting:
    """The chair approves the minutes of a held meeting; from then on the meeting's record cannot change."""
    group = meeting.group
    _require(actor, C.APPROVE_MINUTES, group,
             gettext_lazy("Only the chair of the working group can approve its minutes."))
    with transaction.atomic():
        locked = _locked(meeting)
        if locked.minutes_status == MinutesStatus.APPROVED:
            raise Conflict(gettext_lazy("These minutes are already approved."))
        if locked.status == MeetingStatus.CANCELLED:
            raise Conflict(gettext_lazy("This meeting was cancelled; it has no minutes to approve."))
        if locked.status != MeetingStatus.HELD:
            raise Conflict(gettext_lazy("Mark the meeting as held before approving its minutes."))
        if not locked.minutes.strip():
            raise DomainError(gettext_lazy("Write the minutes before approving them."), field="minutes")
        unmarked = locked.attendance.filter(status=AttendanceStatus.INVITED).count()
        if unmarked:
            raise DomainError(_(
                "Record the attendance of every invitee before approving the minutes (%(count)s not marked yet)."
            ) % {"count": _number(unmarked)})
        locked.minutes_status = MinutesStatus.APPROVED
        locked.minutes_approved_at = timezone.now()
        locked.minutes_approved_by = actor
        locked.save(update_fields=["minutes_status", "minutes_approved_at", "minutes_approved_by", "updated_at"])
        audit_record(actor=actor, action="meeting.minutes_approve", obj=locked, city=group.city,
                     changes={"minutes_status": [MinutesStatus.DRAFT, MinutesStatus.APPROVED]})
    return locked


def _number(value: int) -> str:
    return persian_digits(value) if uses_jalali() else str(value)


# --- Decisions -------------------------------------------------------------------------------------

def _lock_numbering(group: WorkingGroup) -> None:
    """One decision at a time is numbered per group, so two recorded at once never share a number."""
    list(WorkingGroup.objects.select_for_update().filter(pk=group.pk).values_list("pk", flat=True))


def _next_decision_number(group: WorkingGroup, year: int) -> int:
    highest = Decision.objects.filter(group=group, year=year).aggregate(top=Max("number"))["top"]
    return (highest or 0) + 1


def decision_record(*, meeting: Meeting, actor, text: str, agenda_item: AgendaItem | None = None) -> Decision:
    """Record a resolution of the meeting, numbered per group and Jalali year of the meeting ("1405/3")."""
    group = meeting.group
    _require(actor, C.RECORD_DECISIONS, group, gettext_lazy("You cannot record decisions of this working group."))
    text = _text(text, "text", required=True, message=gettext_lazy("Write the decision."))
    _within(text, Decision, "text")
    with transaction.atomic():
        locked = _locked(meeting)
        if locked.status == MeetingStatus.CANCELLED:
            raise Conflict(gettext_lazy("This meeting was cancelled; no decision can be recorded at it."))
        if locked.minutes_status == MinutesStatus.APPROVED:
            raise Conflict(APPROVED_LOCKED)
        if locked.starts_at > timezone.now():
            # A decision is taken at the meeting; one "recorded" ahead of it would also block cancelling it.
            raise DomainError(gettext_lazy("This meeting has not started yet; decisions can be recorded once it has "
                                           "started."), code="meeting_not_started")
        if agenda_item is not None and not AgendaItem.objects.filter(pk=agenda_item.pk, meeting=locked).exists():
            raise DomainError(gettext_lazy("Choose an item on this meeting's agenda."), field="agenda_item")
        year = jalali_year_of(timezone.localtime(locked.starts_at).date())
        decision = Decision(group=locked.group, meeting=locked, agenda_item=agenda_item, year=year, number=1,
                            text=text, recorded_by=actor if getattr(actor, "is_authenticated", False) else None)
        _clean(decision, exclude=["group", "meeting", "agenda_item", "recorded_by"])
        _lock_numbering(locked.group)
        decision.number = _next_decision_number(locked.group, year)
        try:
            # The lock makes a clash impossible; the unique constraint is the last line, and a clear refusal.
            with transaction.atomic():
                decision.save()
        except IntegrityError as exc:
            raise Conflict(gettext_lazy("Another decision took this number just now. Please try again.")) from exc
        audit_created(actor=actor, obj=decision, action="meeting.decision_record", city=group.city)
    return decision
