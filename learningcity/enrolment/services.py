"""Writes about enrolments: ask for a place, cancel it, answer a seat offer, expire offers, cancel an
offering, change its seats, send reminders and take attendance.

Seats are never oversold (architecture 4.2): every service that changes who holds a seat runs in one
transaction that first locks the offering's row, then decides on the enrolment rows themselves
(confirmed + outstanding offers < capacity), writes them, and rewrites the offering's read-side
counters from the same numbers before the lock is released. On PostgreSQL the lock is
`SELECT ... FOR UPDATE`; on SQLite the IMMEDIATE transaction mode already serialises writers. A
conditional unique constraint is the last line of defence against a double enrolment.
"""

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from learningcity.catalogue.models import Offering, OfferingStatus, ProgrammeStatus, Session, WaitlistPolicy
from learningcity.core.audit import audit_created, audit_record, audit_updated, snapshot
from learningcity.core.errors import Conflict, DomainError, NotAllowed, NotFound
from learningcity.core.jalali import format_datetime

from . import notifications, permissions
from .models import ACTIVE_STATUSES, HOLDS_SEAT, Attendance, Enrolment, EnrolmentStatus
from .selectors import ATTENDING_STATUSES, WAITLIST_ORDER, waitlist_position

MAX_PRIORITY = 9
MAX_CAPACITY = 100_000
REASON_MAX_LENGTH = Offering._meta.get_field("cancel_reason").max_length
# Reminders go out in the daytime only (local hours), never as a text message at two in the morning.
REMINDER_HOURS = (9, 21)


# --- the lock and the counts ------------------------------------------------------------------


def _lock_offering(offering_id: int, *, fields: tuple[str, ...] | None = None) -> Offering:
    """The offering, its row locked until the transaction ends: every seat decision happens behind it.

    With `fields`, only those columns are read (the enrolment request's short path). A module-level
    function so that the control test can swap it for a version without the lock and show that the
    race appears (tests/test_concurrency.py); nothing else may replace it.
    """
    query = Offering.objects.select_for_update(of=("self",))
    if fields:
        return query.only(*fields).get(pk=offering_id)
    return query.select_related("programme", "programme__institution", "city").get(pk=offering_id)


def _counts(offering: Offering) -> dict[str, int]:
    """Seats held, seats on offer and people waiting, counted on the enrolment rows (one query)."""
    return Enrolment.objects.filter(offering_id=offering.pk).aggregate(
        confirmed=Count("id", filter=Q(status__in=HOLDS_SEAT)),
        offered=Count("id", filter=Q(status=EnrolmentStatus.OFFERED)),
        waiting=Count("id", filter=Q(status=EnrolmentStatus.WAITLISTED)),
    )


def _free_seats(offering: Offering, counts: dict[str, int]) -> int:
    return offering.capacity - counts["confirmed"] - counts["offered"]


def _store_counts(offering: Offering, counts: dict[str, int]) -> None:
    """Rewrite the offering's read-side counters from the row counts, under the lock."""
    offering.confirmed_count = counts["confirmed"]
    offering.offered_count = counts["offered"]
    offering.waitlist_count = counts["waiting"]
    Offering.objects.filter(pk=offering.pk).update(
        confirmed_count=counts["confirmed"], offered_count=counts["offered"], waitlist_count=counts["waiting"]
    )


def _lock_person(person) -> None:
    """Serialise one person's own requests, so two at once into different offerings cannot pass the cap."""
    list(get_user_model().objects.select_for_update().filter(pk=person.pk).values_list("pk", flat=True))


def _fill_free_seats(offering: Offering, counts: dict[str, int], now: dt.datetime) -> None:
    """Give free seats to the people waiting, in queue order, by the offering's policy; tell them.

    Automatic confirmation makes the next person confirmed; the offer policy offers them the seat
    for `offer_hours`. Updates `counts` in place. Call under the offering's lock.
    """
    free = _free_seats(offering, counts)
    if free <= 0 or counts["waiting"] == 0 or offering.status != OfferingStatus.SCHEDULED:
        return
    chosen = list(
        Enrolment.objects.filter(offering_id=offering.pk, status=EnrolmentStatus.WAITLISTED)
        .select_related("citizen")
        .order_by(*WAITLIST_ORDER)[:free]
    )
    confirmed, offered = [], []
    for enrolment in chosen:
        enrolment.offering = offering
        before = snapshot(enrolment)
        if offering.waitlist_policy == WaitlistPolicy.OFFER:
            enrolment.status = EnrolmentStatus.OFFERED
            enrolment.offer_expires_at = now + dt.timedelta(hours=max(offering.offer_hours, 1))
            enrolment.save(update_fields=["status", "offer_expires_at"])
            counts["offered"] += 1
            offered.append(enrolment)
        else:
            enrolment.status = EnrolmentStatus.CONFIRMED
            enrolment.confirmed_at = now
            enrolment.save(update_fields=["status", "confirmed_at"])
            counts["confirmed"] += 1
            confirmed.append(enrolment)
        counts["waiting"] -= 1
        # The promotion is the system's doing, whoever freed the seat.
        audit_updated(actor=None, obj=enrolment, before=before, action="enrolment.promote", city=offering.city)
    notifications.notify(notifications.PROMOTED, confirmed)
    notifications.notify(notifications.OFFERED, offered)


def _refetch(enrolment: Enrolment, offering: Offering) -> Enrolment:
    """The enrolment as it is now, read under the offering's lock."""
    current = Enrolment.objects.select_related("citizen").get(pk=enrolment.pk)
    current.offering = offering
    return current


# --- asking for a place ---------------------------------------------------------------------


def _check_open(offering: Offering) -> None:
    if offering.status == OfferingStatus.CANCELLED:
        raise Conflict(_("This offering was cancelled by its provider, so no one can enrol in it."),
                       code="offering_cancelled")
    if offering.status == OfferingStatus.FINISHED:
        raise Conflict(_("This offering has already finished."), code="offering_finished")


def _check_window(offering: Offering, now: dt.datetime) -> None:
    if now < offering.enrolment_opens_at:
        raise Conflict(_("Enrolment for this offering opens on %(opens)s.")
                       % {"opens": format_datetime(offering.enrolment_opens_at)}, code="window_closed")
    if now >= offering.enrolment_closes_at:
        raise Conflict(_("Enrolment for this offering closed on %(closes)s.")
                       % {"closes": format_datetime(offering.enrolment_closes_at)}, code="window_closed")


def _active_in_city(citizen, city, today: dt.date):
    """The person's places that count toward the cap: active, in a running offering of `city`."""
    return Enrolment.objects.filter(
        citizen=citizen, status__in=ACTIVE_STATUSES, offering__city=city, offering__status=OfferingStatus.SCHEDULED,
    ).filter(Q(offering__ends_on__isnull=True) | Q(offering__ends_on__gte=today))


def _active_enrolment(offering: Offering, citizen) -> Enrolment | None:
    enrolment = Enrolment.objects.filter(offering_id=offering.pk, citizen=citizen, status__in=ACTIVE_STATUSES).first()
    if enrolment is not None:
        enrolment.offering = offering
        enrolment.citizen = citizen
        enrolment.position = waitlist_position(enrolment)
    return enrolment


def enrolment_request(*, offering: Offering, citizen, acting_user, priority: int = 0) -> tuple[Enrolment, bool]:
    """Ask for a place in `offering` for `citizen`: a seat if one is free, else a place on the waitlist.

    Returns `(enrolment, created)`. A person who already holds an active place in the offering gets
    that place back unchanged (`created` is False), so a double click or a repeated request makes one
    enrolment. `acting_user` is the citizen themself, staff who run the offering (who may also put
    someone in a priority group), or None for the system (the demo loader). Refusals are domain
    errors with codes: offering_cancelled, offering_finished, not_published, window_closed, cap_reached.
    The returned enrolment carries `.position` while waiting.
    """
    if not permissions.may_enrol(citizen):
        raise NotAllowed(_("This account cannot enrol."), code="forbidden")
    on_behalf = acting_user is not None and acting_user.pk != citizen.pk
    if on_behalf and not permissions.may_manage_offering(acting_user, offering):
        raise NotAllowed(_("You can only enrol yourself."), code="forbidden")
    try:
        priority = int(priority)
    except (TypeError, ValueError):
        raise DomainError(_("Choose a priority group between 0 and %(max)d.") % {"max": MAX_PRIORITY},
                          field="priority") from None
    if priority and acting_user is not None and not on_behalf:
        raise NotAllowed(_("Only the provider can put someone in a priority group."), code="forbidden")
    if not 0 <= priority <= MAX_PRIORITY:
        raise DomainError(_("Choose a priority group between 0 and %(max)d.") % {"max": MAX_PRIORITY},
                          field="priority")
    try:
        return _enrolment_request(offering=offering, citizen=citizen, acting_user=acting_user, priority=priority)
    except IntegrityError:
        # Only reachable if two requests of one person were not serialised (the lock is the rule;
        # the constraint the last line of defence): the other request's place is the answer.
        existing = Enrolment.objects.filter(
            offering_id=offering.pk, citizen=citizen, status__in=ACTIVE_STATUSES
        ).select_related("citizen").first()
        if existing is None:
            raise
        existing.position = waitlist_position(existing)
        return existing, False


def _places_held(citizen, city_id: int, today: dt.date) -> list[tuple[int, int, bool]]:
    """The person's active places in the city's offerings: (enrolment id, offering id, counts toward the cap).

    One query; a place counts toward the cap while its offering is scheduled and not over (as `_active_in_city`).
    """
    rows = Enrolment.objects.filter(citizen=citizen, status__in=ACTIVE_STATUSES, offering__city_id=city_id).values_list(
        "id", "offering_id", "offering__status", "offering__ends_on"
    )
    return [
        (pk, offering_id, status == OfferingStatus.SCHEDULED and (ends_on is None or ends_on >= today))
        for pk, offering_id, status, ends_on in rows
    ]


# The offering's columns a seat decision needs; the lock reads only these (the rest comes from the caller's copy).
_SEAT_FIELDS = ("status", "capacity", "enrolment_opens_at", "enrolment_closes_at", "waitlist_policy", "offer_hours",
                "confirmed_count", "offered_count", "waitlist_count", "programme_id", "city_id", "venue_id",
                "starts_on", "ends_on")


def _seat_counts(locked: Offering) -> dict[str, int]:
    """Seats held, on offer and people waiting, from the locked offering's counters (no row count)."""
    return {"confirmed": locked.confirmed_count, "offered": locked.offered_count, "waiting": locked.waitlist_count}


def _enrolment_request(*, offering: Offering, citizen, acting_user, priority: int) -> tuple[Enrolment, bool]:
    """The seat decision, kept short where it is serialised.

    The person's own lock, their places and the cap are settled first, without the offering's lock, so
    requests for the same offering queue only for the few statements that decide and write the seat: the
    decision reads the offering's counters (kept exact by every service under this same lock) instead of
    counting its enrolment rows.
    """
    with transaction.atomic():
        _lock_person(citizen)
        today = timezone.localdate()
        held = _places_held(citizen, offering.city_id, today)
        existing_id = next((pk for pk, offering_id, _counts in held if offering_id == offering.pk), None)
        if existing_id is None and sum(1 for *_rest, counts in held if counts) >= settings.ENROLMENT_CAP:
            # Say first what would stop anyone (read from the caller's copy; nothing is written here).
            _check_open(offering)
            if offering.programme.status != ProgrammeStatus.PUBLISHED:
                raise NotFound(_("This programme is not open for enrolment."), code="not_published")
            _check_window(offering, timezone.now())
            cap = settings.ENROLMENT_CAP
            raise Conflict(
                ngettext(
                    "You already have %(cap)d active enrolment in this city, the most one person may hold. "
                    "Cancel it to enrol in another.",
                    "You already have %(cap)d active enrolments in this city, the most one person may hold. "
                    "Cancel one to enrol in another.",
                    cap,
                ) % {"cap": cap},
                code="cap_reached",
            )
        locked = _lock_offering(offering.pk, fields=_SEAT_FIELDS)
        for name in ("programme", "city", "venue"):
            # The caller's related objects (for the messages) ride along; the seat columns are fresh.
            if name in offering._state.fields_cache and name not in locked._state.fields_cache:
                locked._state.fields_cache[name] = offering._state.fields_cache[name]
        _check_open(locked)
        if existing_id is not None:
            # Idempotent before anything else: a repeated request after the window closed still finds its place.
            existing = Enrolment.objects.get(pk=existing_id)
            existing.offering = locked
            existing.citizen = citizen
            existing.position = waitlist_position(existing)
            return existing, False
        if offering.programme.status != ProgrammeStatus.PUBLISHED:
            raise NotFound(_("This programme is not open for enrolment."), code="not_published")
        # Taken under the lock, so the queue's order (requested_at) is the order the lock granted.
        now = timezone.now()
        _check_window(locked, now)
        counts = _seat_counts(locked)
        if _free_seats(locked, counts) > 0 and counts["waiting"]:
            # Someone is already waiting for a seat that is free (e.g. after the capacity grew): they come first.
            counts = _counts(locked)
            _fill_free_seats(locked, counts, now)
        seat = _free_seats(locked, counts) > 0
        enrolment = Enrolment(
            offering=locked, citizen=citizen, priority=priority, requested_at=now,
            status=EnrolmentStatus.CONFIRMED if seat else EnrolmentStatus.WAITLISTED,
            confirmed_at=now if seat else None,
        )
        enrolment.save(force_insert=True)
        counts["confirmed" if seat else "waiting"] += 1
        _store_counts(locked, counts)
        if seat:
            enrolment.position = None
        elif priority == 0:
            # The lowest group, and the newest request: everyone already waiting is ahead.
            enrolment.position = counts["waiting"]
        else:
            enrolment.position = waitlist_position(enrolment)
        audit_created(actor=acting_user, obj=enrolment, action="enrolment.request", city=locked.city,
                      label="system")
        notifications.notify(notifications.CONFIRMED if seat else notifications.WAITLISTED, [enrolment])
    return enrolment, True


# --- the learner's answers ----------------------------------------------------------------------


def enrolment_cancel(*, enrolment: Enrolment, acting_user) -> Enrolment:
    """The learner (or staff who run the offering) gives up a place; a freed seat goes to the next person.

    Cancelling a place that is already cancelled changes nothing (a double click).
    """
    if not permissions.may_cancel_enrolment(acting_user, enrolment):
        raise NotAllowed(_("You can only cancel your own enrolments."), code="forbidden")
    now = timezone.now()
    with transaction.atomic():
        offering = _lock_offering(enrolment.offering_id)
        current = _refetch(enrolment, offering)
        if current.status == EnrolmentStatus.CANCELLED:
            return current
        if current.status not in ACTIVE_STATUSES:
            raise Conflict(_("This place has already ended: %(status)s.") % {"status": current.get_status_display()},
                           code="not_active")
        before = snapshot(current)
        current.status = EnrolmentStatus.CANCELLED
        current.ended_at = now
        current.save(update_fields=["status", "ended_at"])
        audit_updated(actor=acting_user, obj=current, before=before, action="enrolment.cancel", city=offering.city)
        counts = _counts(offering)
        _fill_free_seats(offering, counts, now)
        _store_counts(offering, counts)
        if acting_user.pk != current.citizen_id:
            notifications.notify(notifications.CANCELLED_BY_STAFF, [current])
    return current


def _expire(offers: list[Enrolment], offering: Offering, now: dt.datetime) -> None:
    """Offers whose time ran out: expired, the learner told; then the seats go on. Under the lock."""
    for enrolment in offers:
        before = snapshot(enrolment)
        enrolment.status = EnrolmentStatus.EXPIRED
        enrolment.ended_at = now
        enrolment.save(update_fields=["status", "ended_at"])
        audit_updated(actor=None, obj=enrolment, before=before, action="enrolment.expire", city=offering.city)
    notifications.notify(notifications.OFFER_EXPIRED, offers)
    counts = _counts(offering)
    _fill_free_seats(offering, counts, now)
    _store_counts(offering, counts)


def offer_accept(*, enrolment: Enrolment, acting_user, now: dt.datetime | None = None) -> Enrolment:
    """The learner takes the seat offered to them, before the offer's deadline."""
    if not permissions.may_answer_offer(acting_user, enrolment):
        raise NotAllowed(_("Only the person a seat is offered to can answer the offer."), code="forbidden")
    now = now or timezone.now()
    with transaction.atomic():
        offering = _lock_offering(enrolment.offering_id)
        current = _refetch(enrolment, offering)
        if current.status == EnrolmentStatus.CONFIRMED:
            return current  # accepted already (a double click)
        if current.status != EnrolmentStatus.OFFERED:
            raise Conflict(_("There is no seat on offer to you in this offering."), code="no_offer")
        expired = current.offer_expires_at is not None and current.offer_expires_at <= now
        if expired:
            # The periodic task had not got to it yet: expire it now, and the seat moves on.
            _expire([current], offering, now)
        else:
            before = snapshot(current)
            current.status = EnrolmentStatus.CONFIRMED
            current.confirmed_at = now
            current.save(update_fields=["status", "confirmed_at"])
            audit_updated(actor=acting_user, obj=current, before=before, action="enrolment.accept",
                          city=offering.city)
            counts = _counts(offering)
            _store_counts(offering, counts)
            notifications.notify(notifications.CONFIRMED, [current])
    if expired:
        raise Conflict(_("Sorry, the time to accept this seat ran out on %(deadline)s; it has gone to the next "
                         "person.") % {"deadline": format_datetime(current.offer_expires_at)}, code="offer_expired")
    return current


def offer_decline(*, enrolment: Enrolment, acting_user) -> Enrolment:
    """The learner turns down the seat offered to them; it goes to the next person waiting."""
    if not permissions.may_answer_offer(acting_user, enrolment):
        raise NotAllowed(_("Only the person a seat is offered to can answer the offer."), code="forbidden")
    now = timezone.now()
    with transaction.atomic():
        offering = _lock_offering(enrolment.offering_id)
        current = _refetch(enrolment, offering)
        if current.status == EnrolmentStatus.DECLINED:
            return current
        if current.status != EnrolmentStatus.OFFERED:
            raise Conflict(_("There is no seat on offer to you in this offering."), code="no_offer")
        before = snapshot(current)
        current.status = EnrolmentStatus.DECLINED
        current.ended_at = now
        current.save(update_fields=["status", "ended_at"])
        audit_updated(actor=acting_user, obj=current, before=before, action="enrolment.decline", city=offering.city)
        counts = _counts(offering)
        _fill_free_seats(offering, counts, now)
        _store_counts(offering, counts)
    return current


# --- periodic work -------------------------------------------------------------------------


def offers_expire(*, now: dt.datetime | None = None) -> int:
    """Expire every seat offer whose deadline has passed and pass the seats on; returns how many expired.

    Each offering is handled in its own transaction under its own lock, so one busy offering never
    holds up the others.
    """
    now = now or timezone.now()
    offering_ids = list(
        Enrolment.objects.filter(status=EnrolmentStatus.OFFERED, offer_expires_at__lte=now)
        .order_by().values_list("offering_id", flat=True).distinct()
    )
    expired = 0
    for offering_id in offering_ids:
        with transaction.atomic():
            offering = _lock_offering(offering_id)
            due = list(
                Enrolment.objects.filter(offering_id=offering_id, status=EnrolmentStatus.OFFERED,
                                         offer_expires_at__lte=now).select_related("citizen")
            )
            for enrolment in due:
                enrolment.offering = offering
            if due:
                _expire(due, offering, now)
                expired += len(due)
    return expired


def session_reminders_send(*, now: dt.datetime | None = None) -> int:
    """Remind each confirmed learner, once, the day before their offering's first session.

    Runs hourly; sends only in the daytime. Each reminder is claimed with a conditional update of
    `reminder_sent_at` before it is queued, so two workers never send the same one twice.
    """
    now = now or timezone.now()
    local = timezone.localtime(now)
    if not REMINDER_HOURS[0] <= local.hour < REMINDER_HOURS[1]:
        return 0
    tomorrow = local.date() + dt.timedelta(days=1)
    start = timezone.make_aware(dt.datetime.combine(tomorrow, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(tomorrow + dt.timedelta(days=1), dt.time.min))
    starting = (
        Offering.objects.filter(status=OfferingStatus.SCHEDULED)
        .annotate(first_session=Min("sessions__starts_at"))
        .filter(first_session__gte=start, first_session__lt=end)
        .values("pk")
    )
    due = list(
        Enrolment.objects.filter(offering__in=starting, status=EnrolmentStatus.CONFIRMED,
                                 reminder_sent_at__isnull=True)
        .select_related("citizen", "offering", "offering__programme", "offering__programme__institution",
                        "offering__venue", "offering__city")
        .order_by("offering_id", "id")
    )
    sent = 0
    reminded: dict[int, list[int]] = {}
    with transaction.atomic():
        for enrolment in due:
            claimed = Enrolment.objects.filter(
                pk=enrolment.pk, status=EnrolmentStatus.CONFIRMED, reminder_sent_at__isnull=True
            ).update(reminder_sent_at=now)
            if claimed:
                notifications.notify(notifications.REMINDER, [enrolment])
                reminded.setdefault(enrolment.offering_id, []).append(enrolment.pk)
                sent += 1
        offerings = {e.offering_id: e.offering for e in due}
        for offering_id, enrolment_ids in reminded.items():
            audit_record(actor=None, action="enrolment.remind", obj=offerings[offering_id],
                         changes={"reminded": [None, enrolment_ids]}, label="system")
    return sent


# --- the provider's side ----------------------------------------------------------------------


def offering_cancel(*, offering: Offering, acting_user, reason: str) -> Offering:
    """Staff who run the offering (or the secretariat) cancel it: every active place is withdrawn
    and every learner is told why."""
    if not permissions.may_manage_offering(acting_user, offering):
        raise NotAllowed(_("You cannot cancel this offering."), code="forbidden")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the offering is cancelled; everyone enrolled will read it."),
                          field="reason", code="reason_required")
    if len(reason) > REASON_MAX_LENGTH:
        raise DomainError(_("Write at most %(max)d characters.") % {"max": REASON_MAX_LENGTH}, field="reason")
    now = timezone.now()
    with transaction.atomic():
        locked = _lock_offering(offering.pk)
        if locked.status == OfferingStatus.CANCELLED:
            raise Conflict(_("This offering is already cancelled."), code="offering_cancelled")
        if locked.status == OfferingStatus.FINISHED:
            raise Conflict(_("This offering has already finished."), code="offering_finished")
        before = snapshot(locked)
        locked.status = OfferingStatus.CANCELLED
        locked.cancel_reason = reason
        locked.save(update_fields=["status", "cancel_reason", "updated_at"])
        audit_updated(actor=acting_user, obj=locked, before=before, action="offering.cancel")
        withdrawn = list(
            Enrolment.objects.filter(offering_id=locked.pk, status__in=ACTIVE_STATUSES).select_related("citizen")
        )
        Enrolment.objects.filter(pk__in=[e.pk for e in withdrawn]).update(
            status=EnrolmentStatus.WITHDRAWN, ended_at=now
        )
        for enrolment in withdrawn:
            was = enrolment.status
            enrolment.offering = locked
            enrolment.status = EnrolmentStatus.WITHDRAWN
            enrolment.ended_at = now
            audit_record(actor=acting_user, action="enrolment.withdraw", obj=enrolment, city=locked.city,
                         changes={"status": [was, EnrolmentStatus.WITHDRAWN.value]})
        _store_counts(locked, {"confirmed": 0, "offered": 0, "waiting": 0})
        notifications.notify(notifications.WITHDRAWN, withdrawn, reason=reason)
    return locked


def offering_set_capacity(*, offering: Offering, capacity: int, acting_user) -> Offering:
    """Change an offering's seats: more seats go straight to the people waiting; never fewer than are taken."""
    if not permissions.may_manage_offering(acting_user, offering):
        raise NotAllowed(_("You cannot change this offering."), code="forbidden")
    try:
        capacity = int(capacity)
    except (TypeError, ValueError):
        raise DomainError(_("Enter a whole number of seats."), field="capacity") from None
    if not 1 <= capacity <= MAX_CAPACITY:
        raise DomainError(_("Enter a number of seats between 1 and %(max)d.") % {"max": MAX_CAPACITY},
                          field="capacity")
    now = timezone.now()
    with transaction.atomic():
        locked = _lock_offering(offering.pk)
        _check_open(locked)
        counts = _counts(locked)
        taken = counts["confirmed"] + counts["offered"]
        if capacity < taken:
            raise Conflict(
                ngettext("%(taken)d seat is already taken or on offer, so the offering cannot have fewer seats.",
                         "%(taken)d seats are already taken or on offer, so the offering cannot have fewer seats.",
                         taken) % {"taken": taken},
                field="capacity", code="capacity_below_taken",
            )
        before = snapshot(locked)
        locked.capacity = capacity
        locked.save(update_fields=["capacity", "updated_at"])
        audit_updated(actor=acting_user, obj=locked, before=before, action="offering.capacity")
        _fill_free_seats(locked, counts, now)
        _store_counts(locked, counts)
    return locked


def attendance_record_many(*, session: Session, marks: dict[int, bool], acting_user) -> int:
    """Record who was at a session (enrolment id -> present); returns how many marks changed.

    Idempotent: a mark that is already recorded the same way changes nothing and is not logged.
    One audit entry for the session names every change.
    """
    offering = session.offering
    if not permissions.may_record_attendance(acting_user, offering):
        raise NotAllowed(_("You cannot take attendance for this offering."), code="forbidden")
    if offering.status == OfferingStatus.CANCELLED:
        raise Conflict(_("This offering was cancelled; there is no attendance to take."), code="offering_cancelled")
    if timezone.localdate(session.starts_at) > timezone.localdate():
        raise Conflict(_("Attendance can be taken from the day of the session on."), code="session_not_started")
    if not marks:
        return 0
    with transaction.atomic():
        enrolments = {
            e.pk: e for e in Enrolment.objects.select_for_update()
            .filter(pk__in=list(marks), offering_id=session.offering_id)
        }
        if set(marks) - set(enrolments):
            raise NotFound(_("This person is not enrolled in this offering."), code="not_found")
        for enrolment in enrolments.values():
            if enrolment.status not in ATTENDING_STATUSES:
                raise Conflict(_("Attendance is only taken for people with a confirmed seat."),
                               code="not_attending")
        existing = {a.enrolment_id: a for a in Attendance.objects.filter(session=session, enrolment_id__in=marks)}
        created, updated, changes = [], [], {}
        for enrolment_id, present in marks.items():
            present = bool(present)
            mark = existing.get(enrolment_id)
            if mark is None:
                created.append(Attendance(session=session, enrolment_id=enrolment_id, present=present,
                                          recorded_by=acting_user))
                changes[str(enrolment_id)] = [None, present]
            elif mark.present != present:
                changes[str(enrolment_id)] = [mark.present, present]
                mark.present, mark.recorded_by = present, acting_user
                mark.recorded_at = timezone.now()
                updated.append(mark)
        if created:
            Attendance.objects.bulk_create(created)
        if updated:
            Attendance.objects.bulk_update(updated, ["present", "recorded_by", "recorded_at"])
        if changes:
            audit_record(actor=acting_user, action="attendance.record", obj=session, city=offering.city,
                         changes=changes)
    return len(changes)


def attendance_record(*, session: Session, enrolment: Enrolment, present: bool, acting_user) -> Attendance:
    """Record whether one learner was at a session; recording the same again changes nothing."""
    if enrolment.offering_id != session.offering_id:
        raise NotFound(_("This person is not enrolled in this offering."), code="not_found")
    attendance_record_many(session=session, marks={enrolment.pk: present}, acting_user=acting_user)
    return Attendance.objects.get(session=session, enrolment=enrolment)


# --- the waitlist's priority groups -----------------------------------------------------------


def enrolment_set_priority(*, enrolment: Enrolment, priority: int, acting_user) -> Enrolment:
    """Staff who run the offering move a waiting person into a priority group (0 = everyone, higher first).

    Only a place on the waitlist has a group that matters; the queue's order is always read as
    `selectors.WAITLIST_ORDER` (group, then first come), so changing the group under the offering's
    lock is what moves the person. Setting the group they are already in changes nothing. The
    returned enrolment carries its new `.position`.
    """
    if not permissions.may_manage_offering(acting_user, enrolment.offering):
        raise NotAllowed(_("Only the provider can put someone in a priority group."), code="forbidden")
    try:
        priority = int(priority)
    except (TypeError, ValueError):
        raise DomainError(_("Choose a priority group between 0 and %(max)d.") % {"max": MAX_PRIORITY},
                          field="priority") from None
    if not 0 <= priority <= MAX_PRIORITY:
        raise DomainError(_("Choose a priority group between 0 and %(max)d.") % {"max": MAX_PRIORITY},
                          field="priority")
    with transaction.atomic():
        offering = _lock_offering(enrolment.offering_id)
        _check_open(offering)
        current = _refetch(enrolment, offering)
        if current.status != EnrolmentStatus.WAITLISTED:
            raise Conflict(_("Only people on the waitlist have a priority group; %(name)s is not waiting.")
                           % {"name": current.citizen.name}, code="not_waiting")
        if current.priority != priority:
            before = snapshot(current)
            current.priority = priority
            current.save(update_fields=["priority"])
            audit_updated(actor=acting_user, obj=current, before=before, action="enrolment.priority",
                          city=offering.city)
        current.position = waitlist_position(current)
    return current
