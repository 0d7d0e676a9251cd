"""Writes to the learning record: completion, corrections and voids (append-only), and feedback.

Each service is one transaction with an audit entry; the learner hears about it once the
transaction commits, in their preferred language.
"""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from learningcity.catalogue.models import CompletionRule, Offering, OfferingStatus, Programme
from learningcity.core.audit import audit_created, audit_record, audit_updated, snapshot
from learningcity.core.errors import Conflict, DomainError, NotAllowed
from learningcity.core.jalali import format_date
from learningcity.core.tasks import deliver_email, deliver_sms
from learningcity.core.text import persian_digits
from learningcity.enrolment.models import Enrolment, EnrolmentStatus

from . import permissions
from .codes import new_code
from .models import Certificate, Feedback, LearningRecord, Outcome
from .selectors import (
    meets_attendance_rule,
    offering_completion_preview,
    records_valid,
    sessions_of,
    sessions_required,
    verify_url,
)

CODE_ATTEMPTS = 8
CORRECTABLE_FIELDS = (
    "title_fa", "title_en", "provider_fa", "provider_en", "domains", "hours", "started_on", "completed_on", "outcome",
)
ANSWERS = ("yes", "partly", "no")
MAX_HOURS = Decimal("99999.9")


# --- Completion ----------------------------------------------------------------------------------

def _standing_record_of(enrolment: Enrolment) -> LearningRecord | None:
    return records_valid().filter(enrolment=enrolment).select_related("certificate").first()


def _domains_of(programme: Programme) -> list[dict]:
    return [
        {"slug": d.slug, "name_fa": d.name_fa, "name_en": d.name_en}
        for d in programme.domains.order_by("position", "name_en", "pk")
    ]


def _issue_certificate(record: LearningRecord) -> Certificate:
    """A certificate with a fresh code; a (very unlikely) clash with a taken code just draws again."""
    for _attempt in range(CODE_ATTEMPTS):
        code = new_code()
        if Certificate.objects.filter(code=code).exists():
            continue
        try:
            with transaction.atomic():
                return Certificate.objects.create(record=record, code=code)
        except IntegrityError:
            continue
    raise Conflict(gettext_lazy("Could not issue a certificate code. Please try again."))


def _n(value: int) -> str:
    """A number in the digits of the active language."""
    return persian_digits(value) if (translation.get_language() or "fa").startswith("fa") else str(value)


def _decide(offering: Offering, *, attended: int, total: int, passed: bool | None, name: str) -> bool:
    """Whether the learner completes: the offering's rule, or the assessor's explicit decision."""
    if offering.completion_rule == CompletionRule.ASSESSMENT:
        if passed is None:
            raise DomainError(gettext_lazy("This offering is assessed: say whether the learner passed."),
                              field="passed")
        return passed
    meets = meets_attendance_rule(offering, attended=attended, total=total)
    if passed is None:
        return meets
    if passed and not meets:
        raise DomainError(
            _("%(name)s attended %(attended)s of %(total)s sessions; completing needs at least %(required)s.") % {
                "name": name, "attended": _n(attended), "total": _n(total),
                "required": _n(sessions_required(offering, total)),
            }, field="passed",
        )
    return passed


def enrolment_complete(*, enrolment: Enrolment, actor, passed: bool | None = None) -> LearningRecord | None:
    """Decide one learner's completion; on completion append a learning record and issue a certificate.

    `passed` is required for assessed offerings. For the attendance rule, None applies the rule,
    False marks the learner not completed, and True is refused unless the rule is met. Deciding
    again what was already decided changes nothing and returns the same record.
    """
    offering = enrolment.offering
    if not permissions.can_decide_completion(actor, offering):
        raise NotAllowed(gettext_lazy("You cannot record completion for this offering."))
    with transaction.atomic():
        # The offering first, then the enrolment: the same order as the enrolment services, so a
        # cancellation and a completion of the same seat cannot both win.
        offering = (
            Offering.objects.select_for_update(of=("self",)).select_related("programme__institution", "city")
            .get(pk=offering.pk)
        )
        locked = Enrolment.objects.select_for_update().select_related("citizen").get(pk=enrolment.pk)
        if offering.status == OfferingStatus.CANCELLED:
            raise DomainError(gettext_lazy("This offering was cancelled; nobody can complete it."))
        if locked.status == EnrolmentStatus.COMPLETED:
            if passed is False:
                raise Conflict(gettext_lazy("This learner has already completed. To undo it, void the record."))
            return _standing_record_of(locked)
        if locked.status not in (EnrolmentStatus.CONFIRMED, EnrolmentStatus.NOT_COMPLETED):
            raise DomainError(gettext_lazy("Only learners with a confirmed seat can complete."))
        counts = sessions_of(offering)
        attended = locked.attendance.filter(present=True).count()
        completes = _decide(offering, attended=attended, total=counts.total, passed=passed, name=locked.citizen.name)
        previous = locked.status
        if not completes:
            if previous == EnrolmentStatus.NOT_COMPLETED:
                return None
            _set_status(locked, offering, EnrolmentStatus.NOT_COMPLETED, actor, attended, counts.total)
            return None
        _set_status(locked, offering, EnrolmentStatus.COMPLETED, actor, attended, counts.total)
        today = timezone.localdate()
        completed_on = min(counts.last_day, today) if counts.last_day else today
        started_on = min(counts.first_day or offering.starts_on or completed_on, completed_on)
        programme, institution = offering.programme, offering.programme.institution
        record = LearningRecord(
            citizen=locked.citizen, city=offering.city, enrolment=locked, programme=programme,
            institution=institution, title_fa=programme.title_fa, title_en=programme.title_en,
            provider_fa=institution.name_fa, provider_en=institution.name_en, domains=_domains_of(programme),
            hours=programme.hours, started_on=started_on, completed_on=completed_on,
            outcome=Outcome.PASSED if offering.completion_rule == CompletionRule.ASSESSMENT else Outcome.COMPLETED,
            recorded_by=_person(actor),
        )
        _check(record)
        record.save()
        certificate = _issue_certificate(record)
        audit_created(actor=actor, obj=record, action="record.create")
        transaction.on_commit(lambda: _notify(record, certificate, "completed"))
    return record


def _set_status(enrolment: Enrolment, offering: Offering, status: str, actor, attended: int, total: int) -> None:
    """Move an enrolment to its outcome, under the offering's lock."""
    previous = enrolment.status
    enrolment.status = status
    enrolment.ended_at = timezone.now()
    enrolment.save(update_fields=["status", "ended_at"])
    # Completed and not-completed learners still hold their seat (enrolment.models.HOLDS_SEAT): no recount.
    audit_record(actor=actor, action=f"enrolment.{status}", obj=enrolment, city=offering.city,
                 changes={"status": [previous, status], "attended": [None, f"{attended}/{total}"]})


def offering_complete_all(*, offering: Offering, actor) -> int:
    """Complete, in one transaction, every confirmed learner who meets the attendance rule; returns how many.

    Learners below the rule keep their seat, so late attendance can still be recorded; mark them
    not completed one by one.
    """
    if not permissions.can_decide_completion(actor, offering):
        raise NotAllowed(gettext_lazy("You cannot record completion for this offering."))
    if offering.completion_rule != CompletionRule.ATTENDANCE:
        raise DomainError(gettext_lazy("This offering is assessed: decide for each learner whether they passed."))
    completed = 0
    with transaction.atomic():
        for row in offering_completion_preview(offering=offering):
            if row.meets_rule:
                enrolment_complete(enrolment=row.enrolment, actor=actor)
                completed += 1
        audit_record(actor=actor, action="offering.complete_all", obj=offering,
                     changes={"completed": [None, completed]})
    return completed


# --- Corrections and voids: a new row supersedes the old one ---------------------------------------

def _person(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _check(record: LearningRecord) -> None:
    try:
        # `domains` may be an empty list (a programme without domains); its shape is checked below.
        record.full_clean(exclude=["domains"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        name, messages = next(iter(exc.message_dict.items()))
        raise DomainError(messages[0], field=name) from exc
    if record.hours is None or record.hours <= 0 or record.hours > MAX_HOURS:
        raise DomainError(gettext_lazy("Hours must be more than zero."), field="hours")
    if record.started_on > record.completed_on:
        raise DomainError(gettext_lazy("The start cannot be after the completion."), field="started_on")
    if record.completed_on > timezone.localdate():
        raise DomainError(gettext_lazy("The completion date cannot be in the future."), field="completed_on")
    if not isinstance(record.domains, list) or not all(
        isinstance(d, dict) and isinstance(d.get("slug"), str) and set(d) <= {"slug", "name_fa", "name_en"}
        for d in record.domains
    ):
        raise DomainError(gettext_lazy("Give the learning domains as a list of slug and names."), field="domains")


def _standing_locked(record: LearningRecord, actor) -> LearningRecord:
    if not permissions.can_amend_record(actor, record):
        raise NotAllowed(gettext_lazy("You cannot change this learning record."))
    locked = LearningRecord.objects.select_for_update().get(pk=record.pk)
    if locked.voided_reason:
        raise Conflict(gettext_lazy("This record was voided; it cannot change."))
    if LearningRecord.objects.filter(supersedes=locked).exists():
        raise Conflict(gettext_lazy("This record was already corrected; change the newest version."))
    return locked


def _copy(record: LearningRecord, actor, **changes) -> LearningRecord:
    values = {name: getattr(record, name) for name in CORRECTABLE_FIELDS}
    values.update(changes)
    return LearningRecord(
        citizen_id=record.citizen_id, city_id=record.city_id, enrolment_id=record.enrolment_id,
        programme_id=record.programme_id, institution_id=record.institution_id, supersedes=record,
        recorded_by=_person(actor), **values,
    )


def _save_successor(successor: LearningRecord) -> None:
    try:
        with transaction.atomic():
            successor.save()
    except IntegrityError as exc:
        # Two corrections of the same row at once: the one-to-one `supersedes` lets only one through.
        raise Conflict(gettext_lazy("This record was already corrected; change the newest version.")) from exc


def record_void(*, record: LearningRecord, actor, reason: str) -> LearningRecord:
    """Withdraw a record (e.g. recorded for the wrong person): a new row marks it void; the old row stays."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(gettext_lazy("Say why the record is voided."), field="reason")
    if len(reason) > 500:
        raise DomainError(gettext_lazy("Write at most %(max)d characters.") % {"max": 500}, field="reason")
    with transaction.atomic():
        locked = _standing_locked(record, actor)
        void = _copy(locked, actor)
        void.voided_reason = reason
        _save_successor(void)
        audit_created(actor=actor, obj=void, action="record.void")
        # The standing version's certificate is withdrawn with it, for the same reason, in this transaction.
        certificate = Certificate.objects.select_for_update().filter(record=locked, revoked_at__isnull=True).first()
        if certificate is not None:
            _revoke(certificate, actor=actor, reason=reason, city=void.city)
        transaction.on_commit(lambda: _notify(void, None, "voided"))
    return void


def record_correct(*, record: LearningRecord, actor, **fields) -> LearningRecord:
    """Correct a record: a new row with the changes and a new certificate; the old certificate stops verifying."""
    unknown = set(fields) - set(CORRECTABLE_FIELDS)
    if unknown:
        raise DomainError(gettext_lazy("Unknown field."), field=sorted(unknown)[0])
    if "hours" in fields:
        try:
            fields["hours"] = Decimal(str(fields["hours"]))
        except (InvalidOperation, ValueError) as exc:
            raise DomainError(gettext_lazy("Hours must be more than zero."), field="hours") from exc
    for name in ("started_on", "completed_on"):
        if name in fields and not isinstance(fields[name], dt.date):
            raise DomainError(gettext_lazy("Enter a valid date."), field=name)
    with transaction.atomic():
        locked = _standing_locked(record, actor)
        changed = {name: value for name, value in fields.items() if getattr(locked, name) != value}
        if not changed:
            raise DomainError(gettext_lazy("Nothing to correct: every value is as recorded."))
        successor = _copy(locked, actor, **changed)
        _check(successor)
        _save_successor(successor)
        certificate = _issue_certificate(successor)
        audit_created(actor=actor, obj=successor, action="record.correct")
        transaction.on_commit(lambda: _notify(successor, certificate, "corrected"))
    return successor


# --- Certificates: withdrawn while the learning stays on the record ----------------------------------

def _revoke(certificate: Certificate, *, actor, reason: str, city) -> None:
    before = snapshot(certificate)
    certificate.revoked_at = timezone.now()
    certificate.revoked_reason = reason
    certificate.save(update_fields=["revoked_at", "revoked_reason"])
    audit_updated(actor=actor, obj=certificate, before=before, action="certificate.revoke", city=city)


def certificate_revoke(*, certificate: Certificate, actor, reason: str) -> Certificate:
    """Withdraw a certificate (e.g. a copy was misused): its code stops verifying, the record stays.

    Only the certificate of the version that stands can be withdrawn; older ones already no longer
    verify. The learner is told why. Voiding a record withdraws its certificate too (`record_void`).
    """
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(gettext_lazy("Say why the certificate is withdrawn."), field="reason")
    if len(reason) > 500:
        raise DomainError(gettext_lazy("Write at most %(max)d characters.") % {"max": 500}, field="reason")
    record = LearningRecord.objects.select_related("citizen", "city", "institution").get(pk=certificate.record_id)
    if not permissions.can_amend_record(actor, record):
        raise NotAllowed(gettext_lazy("You cannot change this learning record."))
    with transaction.atomic():
        # The record first, then its certificate: the order `record_void` and `record_correct` lock in.
        list(LearningRecord.objects.select_for_update().filter(pk=record.pk).values_list("pk", flat=True))
        locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if locked.revoked_at is not None:
            raise Conflict(_("This certificate was already withdrawn on %(date)s.")
                           % {"date": format_date(locked.revoked_at)})
        if not records_valid().filter(pk=record.pk).exists():
            raise Conflict(gettext_lazy("This certificate no longer verifies: its record was corrected or voided."))
        _revoke(locked, actor=actor, reason=reason, city=record.city)
        locked.record = record
        transaction.on_commit(lambda: _notify_certificate_revoked(locked))
    return locked


def _notify_certificate_revoked(certificate: Certificate) -> None:
    """Tell the learner their certificate was withdrawn and why, in their language."""
    record = certificate.record
    learner = record.citizen
    language = learner.preferred_language or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {"name": learner.get_short_name(), "title": record.title, "reason": certificate.revoked_reason}
        subject = _("Your certificate was withdrawn: %(title)s") % context
        body = _("%(name)s, your certificate for “%(title)s” was withdrawn and no longer verifies. "
                 "Reason: %(reason)s. The learning itself stays on your record.") % context
    deliver_sms.delay(learner.mobile, body)
    if learner.email:
        deliver_email.delay(subject, body, [learner.email])


# --- Feedback ------------------------------------------------------------------------------------

def feedback_give(
    *, enrolment: Enrolment, citizen, rating: int, learnt_what_expected: str, will_use: str, comment: str = "",
) -> Feedback:
    """The learner rates a programme they completed, once; the programme's rating totals follow."""
    if not getattr(citizen, "is_authenticated", False) or enrolment.citizen_id != citizen.pk:
        raise NotAllowed(gettext_lazy("Only the learner can give feedback on their own learning."))
    try:
        rating = int(rating)
    except (TypeError, ValueError) as exc:
        raise DomainError(gettext_lazy("Choose a rating from 1 to 5."), field="rating") from exc
    if not 1 <= rating <= 5:
        raise DomainError(gettext_lazy("Choose a rating from 1 to 5."), field="rating")
    for name, value in (("learnt_what_expected", learnt_what_expected), ("will_use", will_use)):
        if value not in ANSWERS:
            raise DomainError(gettext_lazy("Choose one of the answers."), field=name)
    comment = (comment or "").strip()
    if len(comment) > 1000:
        raise DomainError(gettext_lazy("Write at most %(max)d characters.") % {"max": 1000}, field="comment")
    with transaction.atomic():
        locked = Enrolment.objects.select_for_update().select_related("offering").get(pk=enrolment.pk)
        if locked.status != EnrolmentStatus.COMPLETED:
            raise DomainError(gettext_lazy("You can rate a programme once you have completed it."))
        if Feedback.objects.filter(enrolment=locked).exists():
            raise Conflict(gettext_lazy("You have already given feedback on this programme. Thank you!"))
        feedback = Feedback(
            enrolment=locked, programme_id=locked.offering.programme_id, rating=rating,
            learnt_what_expected=learnt_what_expected, will_use=will_use, comment=comment,
        )
        try:
            with transaction.atomic():
                feedback.save()
        except IntegrityError as exc:
            raise Conflict(gettext_lazy("You have already given feedback on this programme. Thank you!")) from exc
        Programme.objects.filter(pk=feedback.programme_id).update(
            rating_count=F("rating_count") + 1, rating_sum=F("rating_sum") + rating
        )
        audit_created(actor=citizen, obj=feedback, action="feedback.give", city=locked.offering.city)
    return feedback


# --- Telling the learner -------------------------------------------------------------------------

def _notify(record: LearningRecord, certificate: Certificate | None, event: str) -> None:
    """A text message (and an email when we have an address), in the learner's language."""
    learner = record.citizen
    language = learner.preferred_language or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {"name": learner.get_short_name(), "title": record.title}
        if certificate is not None:
            context["url"] = verify_url(certificate.code, city=record.city, language=language)
        if event == "completed":
            subject = _("Certificate of completion: %(title)s") % context
            body = _("Congratulations, %(name)s! You have completed “%(title)s”. It is on your learning record. "
                     "Check or share your certificate: %(url)s") % context
        elif event == "corrected":
            subject = _("Your learning record was corrected: %(title)s") % context
            body = _("%(name)s, your record of “%(title)s” was corrected and has a new certificate: %(url)s") % context
        else:
            context["reason"] = record.voided_reason
            subject = _("A learning record was withdrawn: %(title)s") % context
            body = _("%(name)s, your record of “%(title)s” was withdrawn. Reason: %(reason)s") % context
    deliver_sms.delay(learner.mobile, body)
    if learner.email:
        deliver_email.delay(subject, body, [learner.email])
