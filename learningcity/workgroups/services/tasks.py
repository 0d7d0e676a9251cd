"""Writes about tasks: create and edit them, move their status and progress, comment, and send weekly digests.

Each service is one transaction with an audit entry. The owner hears at once when a task is given
to them; everything else that happens to tasks reaches people once a week, in one digest per person,
instead of one message per change.
"""

import datetime as dt
import re

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from learningcity.core.audit import audit_created, audit_record, audit_updated, diff, snapshot
from learningcity.core.errors import DomainError, NotAllowed
from learningcity.core.jalali import format_date, parse_jalali_date, uses_jalali
from learningcity.core.permissions import Capability
from learningcity.core.tasks import deliver_email, deliver_sms
from learningcity.core.text import fold_digits, persian_digits
from learningcity.institutions.models import Institution, StaffMembership, StaffRole
from learningcity.records.selectors import site_root

from .. import permissions
from ..inputs import in_window, window_values
from ..models import (
    TASK_TRANSITIONS,
    Decision,
    DigestReceipt,
    GroupMember,
    GroupRole,
    Task,
    TaskStatus,
    TaskUpdate,
    WorkingGroup,
)
from ..selectors.tasks import DIGEST_MIN_INTERVAL, Digest, digests_due

__all__ = ["digests_send", "task_comment", "task_create", "task_progress", "task_update"]

C = Capability
TITLE_MAX = Task._meta.get_field("title").max_length
TEXT_MAX = Task._meta.get_field("description").max_length
COMMENT_MAX = TaskUpdate._meta.get_field("comment").max_length
_WHOLE = re.compile(r"-?[0-9]{1,9}")


# --- Checking what people typed -------------------------------------------------------------------

def _title(value) -> str:
    title = " ".join(str(value or "").split())
    if not title:
        raise DomainError(gettext_lazy("Give the task a title."), field="title")
    if len(title) > TITLE_MAX:
        raise DomainError(_("Write at most %(max)d characters.") % {"max": TITLE_MAX}, field="title")
    return title


def _text(value, *, field: str, limit: int) -> str:
    text = str(value or "").strip()
    if len(text) > limit:
        raise DomainError(_("Write at most %(max)d characters.") % {"max": limit}, field=field)
    return text


def _deadline(value) -> dt.date:
    """A date, or text: Jalali (`1405/09/03`, any digits) or ISO (`2026-11-24`)."""
    if isinstance(value, dt.datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    if not text:
        raise DomainError(gettext_lazy("Give the task a deadline."), field="deadline")
    try:
        return parse_jalali_date(text)
    except ValueError:
        pass
    try:
        return dt.date.fromisoformat(fold_digits(text).replace("/", "-"))
    except ValueError:
        raise DomainError(gettext_lazy("Enter the deadline as a Jalali date like 1405/09/03."),
                          field="deadline") from None


def _check_window(deadline: dt.date) -> None:
    """A deadline within ten years of today, either way: anything further is a typing mistake."""
    if not in_window(deadline):
        raise DomainError(
            _("The deadline must be within ten years of today: between %(first)s and %(last)s.") % window_values(),
            field="deadline", code="deadline_out_of_range",
        )


def _meeting_day(decision: Decision) -> dt.date:
    return timezone.localdate(decision.meeting.starts_at)


def _check_deadline(deadline: dt.date, decision: Decision | None) -> None:
    if decision is None:
        return
    meeting_day = _meeting_day(decision)
    if deadline < meeting_day:
        raise DomainError(
            _("The deadline cannot be before the meeting that took decision %(code)s (%(date)s).") % {
                "code": _digits(decision.code), "date": format_date(meeting_day),
            }, field="deadline", code="deadline_before_meeting",
        )


def _digits(value) -> str:
    return persian_digits(value) if uses_jalali() else str(value)


def _check_decision(decision: Decision | None, group: WorkingGroup) -> None:
    if decision is not None and decision.group_id != group.pk:
        raise DomainError(gettext_lazy("Choose a decision of this working group."), field="decision")


def _check_owner(owner, group: WorkingGroup) -> tuple:
    """(owner_user, owner_institution) for a person with a seat that may do tasks, or a partner of the city."""
    if isinstance(owner, Institution):
        if owner.city_id != group.city_id:
            raise DomainError(gettext_lazy("Choose a partner institution of this city."), field="owner")
        if not owner.is_active:
            raise DomainError(_("%(name)s is no longer an active partner.") % {"name": owner.name}, field="owner")
        return None, owner
    if isinstance(owner, get_user_model()):
        role = (
            GroupMember.objects.filter(group=group, user=owner, left_on__isnull=True)
            .values_list("role", flat=True).first()
        )
        if role is None or not owner.is_active:
            raise DomainError(
                _("%(name)s has no seat in this working group; only its members can own its tasks.")
                % {"name": owner}, field="owner", code="owner_without_seat",
            )
        if role == GroupRole.OBSERVER:
            # Observers may not update tasks, so a task they owned could never move.
            raise DomainError(_("%(name)s is an observer in this working group; observers cannot own tasks.")
                              % {"name": owner}, field="owner")
        return owner, None
    raise DomainError(gettext_lazy("Choose a person or a partner institution as the owner."), field="owner")


def _progress(value) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise DomainError(gettext_lazy("Enter the progress as a whole number from 0 to 100."), field="progress")
    if isinstance(value, int):
        number = value
    else:
        text = fold_digits(str(value)).strip().rstrip("%٪").strip()
        if not _WHOLE.fullmatch(text):
            raise DomainError(gettext_lazy("Enter the progress as a whole number from 0 to 100."),
                              field="progress", code="progress_not_a_number")
        number = int(text)
    if not 0 <= number <= 100:
        raise DomainError(gettext_lazy("Progress must be between 0 and 100 percent."), field="progress",
                          code="progress_out_of_range")
    return number


def _status(value) -> str | None:
    if value is None or value == "":
        return None
    if value not in TaskStatus.values:
        raise DomainError(gettext_lazy("Choose a status from the list."), field="status")
    return str(value)


def _out_of_order(current: str, wanted: str) -> DomainError:
    allowed = [TaskStatus(s).label for s in TaskStatus.values if s in TASK_TRANSITIONS[current]]
    return DomainError(
        _("Out of order: a task that is “%(current)s” cannot become “%(wanted)s”. It can become: %(allowed)s.") % {
            "current": TaskStatus(current).label, "wanted": TaskStatus(wanted).label,
            "allowed": ("، " if uses_jalali() else ", ").join(str(label) for label in allowed),
        }, field="status", code="out_of_order",
    )


# --- Create and edit ------------------------------------------------------------------------------

def task_create(*, group: WorkingGroup, actor, title: str, owner, deadline, description: str = "",
                decision: Decision | None = None) -> Task:
    """Give the group a task, owned by a member or a partner institution, optionally from one of its decisions."""
    if not permissions.can(actor, C.MANAGE_TASKS, group):
        raise NotAllowed(gettext_lazy("You cannot create tasks in this working group."))
    title = _title(title)
    description = _text(description, field="description", limit=TEXT_MAX)
    deadline = _deadline(deadline)
    _check_window(deadline)
    _check_decision(decision, group)
    _check_deadline(deadline, decision)
    owner_user, owner_institution = _check_owner(owner, group)
    with transaction.atomic():
        task = Task.objects.create(
            group=group, decision=decision, title=title, description=description, owner_user=owner_user,
            owner_institution=owner_institution, deadline=deadline, created_by=_person(actor),
        )
        audit_created(actor=actor, obj=task, action="task.create", city=group.city)
        transaction.on_commit(lambda: _notify_assigned(task, actor), robust=True)
    return task


def task_update(*, task: Task, actor, title: str | None = None, description: str | None = None, owner=None,
                deadline=None) -> Task:
    """Edit a task's title, description, owner or deadline (None leaves a field as it is)."""
    group = task.group
    if not permissions.can(actor, C.MANAGE_TASKS, group):
        raise NotAllowed(gettext_lazy("You cannot edit tasks in this working group."))
    changes: dict = {}
    if title is not None:
        changes["title"] = _title(title)
    if description is not None:
        changes["description"] = _text(description, field="description", limit=TEXT_MAX)
    if deadline is not None:
        changes["deadline"] = _deadline(deadline)
    if owner is not None:
        changes["owner_user"], changes["owner_institution"] = _check_owner(owner, group)
    with transaction.atomic():
        locked = Task.objects.select_for_update(of=("self",)).select_related("decision__meeting").get(pk=task.pk)
        if "deadline" in changes and changes["deadline"] != locked.deadline:
            _check_window(changes["deadline"])
            _check_deadline(changes["deadline"], locked.decision)
        before = snapshot(locked)
        for name, value in changes.items():
            setattr(locked, name, value)
        new_owner = (locked.owner_user_id, locked.owner_institution_id) != (
            before["owner_user"], before["owner_institution"])
        if changes:
            locked.save(update_fields=[*changes, "updated_at"])
        audit_updated(actor=actor, obj=locked, before=before, action="task.update", city=group.city)
        if new_owner:
            transaction.on_commit(lambda: _notify_assigned(locked, actor), robust=True)
    locked.group = group
    return locked


# --- Status, progress and comments ----------------------------------------------------------------

def task_progress(*, task: Task, actor, status: str | None = None, progress=None, comment: str = "") -> TaskUpdate:
    """Move a task's status and/or progress, with an optional comment; the change joins the task's timeline.

    Status moves follow TASK_TRANSITIONS; "done" sets progress to 100 and the time it was done,
    reopening clears that time; progress on a task not started yet starts it.
    """
    if not permissions.can_update_task(actor, task):
        raise NotAllowed(gettext_lazy("You cannot update this task."))
    wanted = _status(status)
    progress = _progress(progress)
    comment = _text(comment, field="comment", limit=COMMENT_MAX)
    with transaction.atomic():
        locked = Task.objects.select_for_update().get(pk=task.pk)
        before = snapshot(locked)
        old_status, old_progress = locked.status, locked.progress
        new_status = wanted or old_status
        if new_status != old_status and new_status not in TASK_TRANSITIONS[old_status]:
            raise _out_of_order(old_status, new_status)
        new_progress = old_progress if progress is None else progress
        if new_status == TaskStatus.DONE:
            if progress is not None and progress != 100 and old_status == TaskStatus.DONE:
                raise DomainError(gettext_lazy("A done task stays at 100%. Reopen it to change its progress."),
                                  field="progress")
            new_progress = 100
        elif old_status == TaskStatus.NOT_STARTED and wanted is None and new_progress > 0:
            new_status = TaskStatus.IN_PROGRESS  # work has begun
        if new_status == old_status and new_progress == old_progress and not comment:
            raise DomainError(gettext_lazy("Nothing to record: change the status or the progress, or write a comment."),
                              code="nothing_changed")
        locked.status, locked.progress = new_status, new_progress
        if new_status == TaskStatus.DONE and old_status != TaskStatus.DONE:
            locked.done_at = timezone.now()
        elif new_status != TaskStatus.DONE:
            locked.done_at = None
        entry = TaskUpdate(task=locked, author=_person(actor), comment=comment)
        if new_status != old_status:
            entry.status_before, entry.status_after = old_status, new_status
        if new_progress != old_progress:
            entry.progress_before, entry.progress_after = old_progress, new_progress
        entry.save()
        if (new_status, new_progress) != (old_status, old_progress):
            locked.save(update_fields=["status", "progress", "done_at", "updated_at"])
        changes = diff(before, snapshot(locked))
        if comment:
            changes["comment"] = [None, comment]
        audit_record(actor=actor, action="task.progress", obj=locked, changes=changes, city=task.group.city)
    locked.group = task.group
    return entry


def task_comment(*, task: Task, actor, comment: str) -> TaskUpdate:
    """Add a comment to a task's timeline (no message goes out: it will be in the weekly digest)."""
    if not permissions.can_comment_on_task(actor, task):
        raise NotAllowed(gettext_lazy("You cannot comment on this task."))
    comment = _text(comment, field="comment", limit=COMMENT_MAX)
    if not comment:
        raise DomainError(gettext_lazy("Write a comment first."), field="comment")
    with transaction.atomic():
        entry = TaskUpdate.objects.create(task=task, author=_person(actor), comment=comment)
        audit_record(actor=actor, action="task.comment", obj=task, changes={"comment": [None, comment]},
                     city=task.group.city)
    return entry


def _person(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


# --- Telling the owner ----------------------------------------------------------------------------

def _assignees(task: Task) -> list:
    """Who hears that a task is theirs: the person, or the institution's people seated in the group
    (else its admins on the platform)."""
    if task.owner_user_id:
        return [task.owner_user]
    User = get_user_model()
    seated = User.objects.filter(
        is_active=True, group_seats__group_id=task.group_id, group_seats__left_on__isnull=True,
        group_seats__institution_id=task.owner_institution_id,
    ).distinct()
    people = list(seated)
    if not people:
        admins = StaffMembership.objects.filter(institution_id=task.owner_institution_id, role=StaffRole.ADMIN)
        people = list(User.objects.filter(is_active=True, pk__in=admins.values("user_id")))
    return people


def _notify_assigned(task: Task, actor) -> None:
    """A text message and, when they gave one, an email, in each recipient's language."""
    task = Task.objects.select_related("group__city", "owner_user", "owner_institution").get(pk=task.pk)
    for person in _assignees(task):
        if getattr(actor, "pk", None) == person.pk:
            continue  # nobody needs telling about a task they gave themselves
        language = person.preferred_language or settings.LANGUAGE_CODE
        with translation.override(language):
            values = {
                "title": task.title, "group": task.group.name, "deadline": format_date(task.deadline),
                "url": f"{site_root(task.group.city)}{task.get_absolute_url()}",
                "institution": task.owner_institution.name if task.owner_institution_id else "",
            }
            subject = _("New task for you: %(title)s") % values
            if task.owner_institution_id:
                body = _("The working group %(group)s has given %(institution)s, which you represent, the task "
                         "“%(title)s”. Deadline: %(deadline)s. %(url)s") % values
            else:
                body = _("The working group %(group)s has given you the task “%(title)s”. "
                         "Deadline: %(deadline)s. %(url)s") % values
        if person.mobile:
            deliver_sms.delay(person.mobile, body)
        if person.email:
            deliver_email.delay(subject, body, [person.email])


# --- The weekly digest ----------------------------------------------------------------------------

def _digest_message(digest: Digest) -> tuple[str, str, str]:
    """(subject, email text, short text message) in the person's language."""
    person = digest.user
    language = person.preferred_language or settings.LANGUAGE_CODE
    with translation.override(language):
        root = site_root(_city_of(digest))
        context = {"digest": digest, "person": person, "root": root, "sections": digest.sections}
        subject = _("Your working groups this week (%(date)s)") % {"date": format_date(digest.now)}
        body = render_to_string("workgroups/digest/email.txt", context)
        counts = {
            "changes": _digits(digest.count("update") + digest.count("comment") + digest.count("decision")),
            "new": _digits(digest.count("new_task")), "late": _digits(digest.count("overdue")),
            "meetings": _digits(digest.count("meeting")),
        }
        summary = _("Your working groups this week: %(changes)s updates, %(new)s new tasks for you, "
                    "%(late)s overdue, %(meetings)s meetings coming up. %(url)s") % {
            **counts, "url": f"{root}{reverse('workgroups:my_tasks')}"}
    return subject, body, summary


def _city_of(digest: Digest):
    for section in digest.sections:
        return section.group.city
    return None


def digests_send(*, now: dt.datetime | None = None, dry_run: bool = False) -> int:
    """Send each person one weekly digest of their working groups; returns how many were sent.

    People with nothing new are skipped; a second run within the hour sends nobody anything again.
    An email when the person gave an address, else a short text message. `dry_run` only counts.
    """
    now = now or timezone.now()
    digests = digests_due(now=now)
    if dry_run:
        return len(digests)
    sent = 0
    for digest in digests:
        subject, body, summary = _digest_message(digest)
        person = digest.user
        try:
            with transaction.atomic():
                receipt = DigestReceipt.objects.select_for_update().filter(user=person).first()
                if receipt is not None and receipt.sent_at > now - DIGEST_MIN_INTERVAL:
                    continue  # another run got there first
                if receipt is None:
                    DigestReceipt.objects.create(user=person, sent_at=now, items=digest.items)
                else:
                    receipt.sent_at, receipt.items = now, digest.items
                    receipt.save(update_fields=["sent_at", "items"])
                if person.email:
                    transaction.on_commit(lambda s=subject, b=body, e=person.email: deliver_email.delay(s, b, [e]),
                                          robust=True)
                elif person.mobile:
                    transaction.on_commit(lambda m=person.mobile, t=summary: deliver_sms.delay(m, t), robust=True)
        except IntegrityError:
            continue  # a parallel run created this person's receipt
        sent += 1
    if sent:
        audit_record(actor=None, action="workgroup.digest", label="weekly digest",
                     changes={"sent": [None, sent], "at": [None, now.isoformat()]})
    return sent
