"""What the learner is told when their place changes: a text message, and an email when they gave one.

Each message is written in the person's preferred language (Jalali dates and Persian digits in
Persian) and queued with `transaction.on_commit`, so nobody hears about a change that was rolled
back; delivery runs through the Celery tasks of `learningcity.core.tasks`, and a gateway failure
never undoes the change (robust callbacks).
"""

from collections.abc import Iterable

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from learningcity.catalogue.models import Offering
from learningcity.core.i18n import localized
from learningcity.core.jalali import format_datetime, uses_jalali
from learningcity.core.tasks import deliver_email, deliver_sms
from learningcity.core.text import persian_digits

from .models import Enrolment

CONFIRMED = "confirmed"
WAITLISTED = "waitlisted"
PROMOTED = "promoted"
OFFERED = "offered"
OFFER_EXPIRED = "offer_expired"
WITHDRAWN = "withdrawn"
CANCELLED_BY_STAFF = "cancelled_by_staff"
REMINDER = "reminder"


def _number(value, language: str) -> str:
    return persian_digits(value) if uses_jalali(language) else str(value)


def _first_session(offering: Offering):
    cache = offering.__dict__.setdefault("_first_session_cache", {})
    if "first" not in cache:
        cache["first"] = offering.sessions.order_by("starts_at", "id").first()
    return cache["first"]


def _place(offering: Offering, session, language: str) -> str:
    venue = (session.venue if session and session.venue_id else None) or offering.venue
    if venue is not None:
        return localized(venue, "name", language)
    return _("online")


def _message(kind: str, enrolment: Enrolment, language: str, reason: str = "") -> tuple[str, str]:
    """(email subject, message text) in the active language."""
    offering = enrolment.offering
    programme = localized(offering.programme, "title", language)
    provider = localized(offering.programme.institution, "name", language)
    session = _first_session(offering)
    start = format_datetime(session.starts_at, language) if session else ""
    values = {"programme": programme, "start": start, "provider": provider}
    if kind == CONFIRMED:
        return (_("Your seat is confirmed"),
                _("Your seat in “%(programme)s” is confirmed. First session: %(start)s.") % values)
    if kind == WAITLISTED:
        values["position"] = _number(getattr(enrolment, "position", None) or "–", language)
        return (_("You are on the waitlist"),
                _("You are on the waitlist for “%(programme)s”, number %(position)s in the queue. "
                  "We will tell you as soon as a seat is free.") % values)
    if kind == PROMOTED:
        return (_("A seat is now yours"),
                _("Good news: a seat in “%(programme)s” is now yours. First session: %(start)s.") % values)
    if kind == OFFERED:
        values["deadline"] = format_datetime(enrolment.offer_expires_at, language)
        return (_("A seat is free for you"),
                _("A seat in “%(programme)s” is free for you. Accept it by %(deadline)s, "
                  "or it goes to the next person waiting.") % values)
    if kind == OFFER_EXPIRED:
        values["deadline"] = format_datetime(enrolment.offer_expires_at, language)
        return (_("Your offered seat has expired"),
                _("The seat offered to you in “%(programme)s” was not accepted by %(deadline)s "
                  "and has gone to the next person.") % values)
    if kind == WITHDRAWN:
        values["reason"] = reason
        return (_("An offering was cancelled"),
                _("%(provider)s has cancelled “%(programme)s” (first session %(start)s). "
                  "Reason: %(reason)s") % values)
    if kind == CANCELLED_BY_STAFF:
        return (_("Your place was cancelled"),
                _("%(provider)s has cancelled your place in “%(programme)s”.") % values)
    if kind == REMINDER:
        values["place"] = _place(offering, session, language)
        return (_("Your course starts tomorrow"),
                _("Reminder: “%(programme)s” starts tomorrow, %(start)s, at %(place)s.") % values)
    raise ValueError(kind)


def notify(kind: str, enrolments: Iterable[Enrolment], *, reason: str = "") -> None:
    """Queue one message of `kind` to each enrolment's learner, once the transaction commits.

    Only the enrolments' ids (and waitlist positions) are queued: the messages are written by the
    background task (`tasks.send_enrolment_notices`), so no request spends its time, or a row lock,
    composing them. A waiting enrolment should carry `.position`.
    """
    notices = [(enrolment.pk, getattr(enrolment, "position", None)) for enrolment in enrolments]
    if notices:
        from .tasks import send_enrolment_notices

        transaction.on_commit(lambda: send_enrolment_notices.delay(kind, notices, reason), robust=True)


def send(kind: str, notices: list[tuple[int, int | None]], reason: str = "") -> int:
    """Write and queue the messages for (enrolment id, position) pairs; returns how many learners were told."""
    positions = dict(notices)
    enrolments = Enrolment.objects.filter(pk__in=positions).select_related(
        "citizen", "offering", "offering__programme", "offering__programme__institution", "offering__venue"
    )
    told = 0
    for enrolment in enrolments:
        enrolment.position = positions[enrolment.pk]
        citizen = enrolment.citizen
        language = citizen.preferred_language or "fa"
        with translation.override(language):
            subject, body = _message(kind, enrolment, language, reason)
        _queue(mobile=citizen.mobile, email=citizen.email, subject=str(subject), body=str(body))
        told += 1
    return told


def _queue(*, mobile: str, email: str, subject: str, body: str) -> None:
    # One callback per channel: a text gateway that is down does not stop the email, and vice versa.
    if mobile:
        transaction.on_commit(lambda: deliver_sms.delay(mobile, body), robust=True)
    if email:
        transaction.on_commit(lambda: deliver_email.delay(subject, body, [email]), robust=True)
