"""Reads about learning records: completion previews, a person's learning, and certificate checks."""

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation

from learningcity.accounts.validators import normalise_mobile
from learningcity.catalogue.models import CompletionRule, Offering
from learningcity.core.text import fold_digits
from learningcity.enrolment.models import Enrolment, EnrolmentStatus
from learningcity.enrolment.selectors import enrolments_of

from .codes import normalise_code
from .models import Certificate, Feedback, LearningRecord

# Statuses the completion page lists: those still to decide, then those already decided.
DECIDED_STATUSES = (EnrolmentStatus.COMPLETED, EnrolmentStatus.NOT_COMPLETED)
MAX_CHAIN = 50


# --- Completion ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class SessionCounts:
    """How many sessions an offering has, how many have begun, and its first and last day."""

    total: int
    held: int
    first_day: dt.date | None
    last_day: dt.date | None


@dataclass
class CompletionRow:
    """One learner on the completion page: attendance against the offering's rule."""

    enrolment: Enrolment
    attended: int
    held: int
    total: int
    required: int
    rule: str
    # True/False for the attendance rule; None for assessed offerings (staff decide).
    meets_rule: bool | None
    has_feedback: bool = field(default=False)

    @property
    def decided(self) -> bool:
        return self.enrolment.status in DECIDED_STATUSES


def sessions_of(offering: Offering) -> SessionCounts:
    """One query: the offering's sessions, counted, with the local dates of the first and the last."""
    now = timezone.now()
    starts = list(offering.sessions.order_by("starts_at").values_list("starts_at", flat=True))
    days = [timezone.localtime(start).date() for start in starts]
    return SessionCounts(
        total=len(starts), held=sum(1 for start in starts if start <= now),
        first_day=days[0] if days else None, last_day=days[-1] if days else None,
    )


def sessions_required(offering: Offering, total: int) -> int:
    """The fewest sessions that meet the attendance rule (at least `attendance_percent` of all sessions)."""
    if total == 0:
        return 0
    # ceil(percent * total / 100) in whole numbers, so exactly at the threshold counts.
    return -(-offering.attendance_percent * total // 100)


def meets_attendance_rule(offering: Offering, *, attended: int, total: int) -> bool:
    """At least `attendance_percent` % of the offering's sessions; an offering without sessions has no rule to meet."""
    return total > 0 and attended * 100 >= offering.attendance_percent * total


def attended_count(enrolment: Enrolment) -> int:
    return enrolment.attendance.filter(present=True).count()


def offering_completion_preview(*, offering: Offering, include_decided: bool = False) -> list[CompletionRow]:
    """Each confirmed learner (and, on request, those already decided) with sessions attended against the rule.

    Two queries whatever the number of learners: the sessions, and the enrolments with their
    attendance counted in the database.
    """
    counts = sessions_of(offering)
    statuses = [EnrolmentStatus.CONFIRMED, *(DECIDED_STATUSES if include_decided else ())]
    enrolments = (
        Enrolment.objects.filter(offering=offering, status__in=statuses)
        .select_related("citizen")
        .annotate(attended=Count("attendance", filter=Q(attendance__present=True)))
        .order_by("citizen__name", "pk")
    )
    required = sessions_required(offering, counts.total)
    rows = []
    for enrolment in enrolments:
        if offering.completion_rule == CompletionRule.ATTENDANCE:
            meets = meets_attendance_rule(offering, attended=enrolment.attended, total=counts.total)
        else:
            meets = None
        rows.append(CompletionRow(
            enrolment=enrolment, attended=enrolment.attended, held=counts.held, total=counts.total,
            required=required, rule=offering.completion_rule, meets_rule=meets,
        ))
    return rows


def offering_for_completion(*, offerings: QuerySet[Offering], pk: int) -> Offering | None:
    """One offering (from those the person may decide) with its programme and provider."""
    return offerings.select_related("programme__institution", "city", "venue").filter(pk=pk).first()


# --- A person's learning ---------------------------------------------------------------------------

def enrolments_current_of(citizen) -> list[Enrolment]:
    """The person's places that hold a seat or a place in a queue, soonest first, each with `.position`.

    The enrolment app's `enrolments_of` is the one definition of a waitlist position (1 = next).
    """
    enrolments = enrolments_of(citizen, active_only=True)
    return sorted(enrolments, key=lambda e: (e.offering.starts_on is None, e.offering.starts_on or dt.date.min, e.pk))


def records_valid() -> QuerySet[LearningRecord]:
    """Records that stand: neither superseded by a correction nor voided."""
    return LearningRecord.objects.filter(voided_reason="", superseded_by__isnull=True)


def records_of(citizen) -> QuerySet[LearningRecord]:
    """A person's learning record, newest first, with certificates and whether feedback was given.

    Not filtered by city: the record is the person's, lifelong, wherever they learnt.
    """
    return (
        records_valid().filter(citizen=citizen)
        .select_related("certificate")
        .annotate(has_feedback=Exists(Feedback.objects.filter(enrolment=OuterRef("enrolment"))))
        .order_by("-completed_on", "-pk")
    )


def record_of(citizen, pk: int) -> LearningRecord | None:
    """One of the person's standing records, or None (also for anyone else's)."""
    if not getattr(citizen, "is_authenticated", False):
        return None
    return records_of(citizen).select_related("citizen", "city").filter(pk=pk).first()


@dataclass(frozen=True)
class DomainHours:
    slug: str
    name_fa: str
    name_en: str
    hours: Decimal
    share: int  # percent of the largest domain, for the bar's length

    @property
    def name(self) -> str:
        language = (translation.get_language() or "fa")[:2]
        return (self.name_en or self.name_fa) if language == "en" else (self.name_fa or self.name_en)


def hours_total(records) -> Decimal:
    return sum((record.hours for record in records), Decimal(0))


def hours_by_domain(records) -> list[DomainHours]:
    """Hours per learning domain, most first; a programme in two domains counts towards both."""
    totals: dict[str, dict] = {}
    for record in records:
        for domain in record.domains or []:
            slug = domain.get("slug") or ""
            row = totals.setdefault(slug, {"name_fa": domain.get("name_fa", ""), "name_en": domain.get("name_en", ""),
                                           "hours": Decimal(0)})
            row["hours"] += record.hours
    if not totals:
        return []
    most = max(row["hours"] for row in totals.values()) or Decimal(1)
    rows = [
        DomainHours(slug=slug, name_fa=row["name_fa"], name_en=row["name_en"], hours=row["hours"],
                    share=int(round(row["hours"] * 100 / most)))
        for slug, row in totals.items()
    ]
    return sorted(rows, key=lambda row: (-row.hours, row.name_en))


def enrolment_for_feedback(citizen, pk: int) -> Enrolment | None:
    """The person's own enrolment, with its programme, or None (also for anyone else's)."""
    if not getattr(citizen, "is_authenticated", False):
        return None
    return (
        Enrolment.objects.filter(citizen=citizen, pk=pk)
        .select_related("offering__programme__institution")
        .first()
    )


def feedback_given(enrolment: Enrolment) -> bool:
    return Feedback.objects.filter(enrolment=enrolment).exists()


# --- Verification --------------------------------------------------------------------------------

class VerificationState:
    VALID = "valid"
    UNKNOWN = "unknown"
    VOIDED = "voided"
    SUPERSEDED = "superseded"
    REVOKED = "revoked"


@dataclass(frozen=True)
class Verification:
    """What a certificate's code says: whether it stands, and if so, what it certifies.

    `latest` is the newest version of the certificate's record: the one that stands now, or the
    row that voided it.
    """

    state: str
    code: str
    certificate: Certificate | None = None
    latest: LearningRecord | None = None

    @property
    def valid(self) -> bool:
        return self.state == VerificationState.VALID

    @property
    def record(self) -> LearningRecord | None:
        return self.certificate.record if self.certificate else None

    @property
    def withdrawn_at(self) -> dt.datetime | None:
        """When the certificate stopped verifying because it (or its record) was withdrawn."""
        if self.state == VerificationState.VOIDED and self.latest is not None:
            return self.latest.recorded_at
        if self.state == VerificationState.REVOKED:
            return self.certificate.revoked_at
        return None

    @property
    def reason(self) -> str:
        if self.state == VerificationState.VOIDED and self.latest is not None:
            return self.latest.voided_reason
        if self.state == VerificationState.REVOKED:
            return self.certificate.revoked_reason
        return ""

    @property
    def replaced_at(self) -> dt.datetime | None:
        """When a correction replaced the certificate's record (and so the certificate)."""
        if self.state != VerificationState.SUPERSEDED:
            return None
        following = _successor(self.certificate.record)
        return following.recorded_at if following is not None else None


def certificate_verification(code: str) -> Verification:
    """Look a typed code up. A certificate stands unless revoked, or its record was voided or corrected.

    A voided record explains itself first (the void says why), then a revoked certificate, then a
    correction.
    """
    normalised = normalise_code(code)
    if normalised is None:
        return Verification(state=VerificationState.UNKNOWN, code=(code or "")[:32])
    certificate = (
        Certificate.objects.select_related("record__citizen", "record__city", "record__superseded_by")
        .filter(code=normalised)
        .first()
    )
    if certificate is None:
        return Verification(state=VerificationState.UNKNOWN, code=normalised)
    record = certificate.record
    head = _latest_version(record)
    state = certificate_state(certificate, record=record, latest=head)
    return Verification(state=state, code=normalised, certificate=certificate, latest=head)


def certificate_state(certificate: Certificate, *, record: LearningRecord, latest: LearningRecord) -> str:
    """Whether a certificate verifies, given its record and the newest version of that record."""
    if record.voided_reason or latest.voided_reason:
        return VerificationState.VOIDED
    if certificate.revoked_at is not None:
        return VerificationState.REVOKED
    if latest.pk != record.pk:
        return VerificationState.SUPERSEDED
    return VerificationState.VALID


def _successor(record: LearningRecord) -> LearningRecord | None:
    try:
        return record.superseded_by
    except LearningRecord.DoesNotExist:
        return None


def _latest_version(record: LearningRecord) -> LearningRecord:
    """Follow corrections to the record that stands now (or the one that voided it)."""
    current = record
    for _step in range(MAX_CHAIN):
        following = _successor(current)
        if following is None:
            return current
        current = following
    return current


def verify_path(code: str, language: str | None = None) -> str:
    with translation.override(language or translation.get_language() or settings.LANGUAGE_CODE):
        return reverse("records:verify", kwargs={"code": code})


def site_root(city) -> str:
    """The address the city's site is served at, for links in messages sent outside a request."""
    if city is not None and city.domain:
        return f"https://{city.domain}"
    return settings.SITE_URL.rstrip("/")


def verify_url(code: str, *, request=None, city=None, language: str | None = None) -> str:
    """The public verification page of a certificate, as an absolute address."""
    path = verify_path(code, language)
    if request is not None:
        return request.build_absolute_uri(path)
    return f"{site_root(city)}{path}"


# --- Staff: one record and its history, the records of an offering and of the city ------------------

MAX_HISTORY = 200
MAX_SEARCH_WORDS = 6
_PERSIAN_LETTERS = str.maketrans({"\u064a": "\u06cc", "\u0649": "\u06cc", "\u0643": "\u06a9"})
_ARABIC_LETTERS = str.maketrans({"\u06cc": "\u064a", "\u06a9": "\u0643"})
_WORD_BREAKS = re.compile(r"[\s\u200c]+")


class RecordState:
    STANDING = "standing"
    CORRECTED = "corrected"
    VOIDED = "voided"


@dataclass
class RecordVersion:
    """One row of a record's history, with its certificate (if any) and whether that still verifies."""

    record: LearningRecord
    certificate: Certificate | None
    certificate_state: str | None
    is_current: bool

    @property
    def is_void(self) -> bool:
        return bool(self.record.voided_reason)


@dataclass
class RecordHistory:
    """A record's versions, oldest first: the completion, its corrections, and a void if there was one."""

    versions: list[RecordVersion]
    shown: LearningRecord
    latest: LearningRecord

    @property
    def state(self) -> str:
        if self.latest.voided_reason:
            return RecordState.VOIDED
        return RecordState.STANDING if self.latest.pk == self.shown.pk else RecordState.CORRECTED

    @property
    def standing(self) -> bool:
        return self.state == RecordState.STANDING

    @property
    def certificate(self) -> Certificate | None:
        """The certificate of the version that stands (None once voided)."""
        if not self.standing:
            return None
        return next((v.certificate for v in self.versions if v.is_current), None)

    @property
    def successor(self) -> LearningRecord | None:
        """The version that replaced the one shown (a correction or the void)."""
        return next((v.record for v in self.versions if v.record.supersedes_id == self.shown.pk), None)


def record_in_city(*, pk: int, city) -> LearningRecord | None:
    """Any version of a record of `city`, with the learner and where it was learnt; check the policy."""
    if city is None:
        return None
    return (
        LearningRecord.objects.select_related("citizen", "city", "institution", "enrolment", "recorded_by")
        .filter(pk=pk, city=city)
        .first()
    )


def record_history(record: LearningRecord) -> RecordHistory:
    """Every version of `record`'s chain, in one query.

    All versions share the learner, provider, programme and enrolment (a correction copies them), so
    the chain is read among those rows and put in order by following `supersedes`.
    """
    rows = list(
        LearningRecord.objects.filter(
            citizen_id=record.citizen_id, institution_id=record.institution_id, programme_id=record.programme_id,
            enrolment_id=record.enrolment_id, city_id=record.city_id,
        )
        .select_related("certificate", "recorded_by")
        .order_by("pk")[:MAX_HISTORY]
    )
    by_pk = {row.pk: row for row in rows}
    following = {row.supersedes_id: row for row in rows if row.supersedes_id}
    first = by_pk.get(record.pk, record)
    while first.supersedes_id in by_pk:
        first = by_pk[first.supersedes_id]
    chain = [first]
    while chain[-1].pk in following and len(chain) < MAX_HISTORY:
        chain.append(following[chain[-1].pk])
    latest = chain[-1]
    versions = []
    for row in chain:
        certificate = row.certificate if _has_certificate(row) else None
        state = certificate_state(certificate, record=row, latest=latest) if certificate else None
        versions.append(RecordVersion(record=row, certificate=certificate, certificate_state=state,
                                      is_current=row.pk == latest.pk))
    return RecordHistory(versions=versions, shown=by_pk.get(record.pk, record), latest=latest)


def _has_certificate(record: LearningRecord) -> bool:
    try:
        return record.certificate is not None
    except Certificate.DoesNotExist:
        return False


def latest_records_of_offering(offering: Offering) -> dict[int, LearningRecord]:
    """Enrolment id -> the newest version of its record (standing, or the row that voided it); one query."""
    rows = (
        LearningRecord.objects.filter(enrolment__offering=offering, superseded_by__isnull=True)
        .only("pk", "enrolment_id", "voided_reason")
        .order_by("pk")
    )
    return {row.enrolment_id: row for row in rows}


def _spellings(word: str) -> set[str]:
    """A word as typed, with Persian and with Arabic yeh and kaf: names are stored as people typed them."""
    return {word, word.translate(_PERSIAN_LETTERS), word.translate(_ARABIC_LETTERS)}


def _word_matches(word: str) -> Q:
    matches = Q()
    for spelling in _spellings(word):
        matches |= (Q(citizen__name__icontains=spelling) | Q(title_fa__icontains=spelling)
                    | Q(title_en__icontains=spelling))
    digits = fold_digits(word)
    try:
        matches |= Q(citizen__mobile=normalise_mobile(digits))
    except ValidationError:
        if digits.isdigit():
            matches |= Q(citizen__mobile__contains=digits) | Q(title_fa__contains=digits)
    return matches


def records_in_city(*, city, query: str = "", state: str = RecordState.STANDING) -> QuerySet[LearningRecord]:
    """The newest version of each record of `city` (standing, voided, or both with state=""), newest first.

    Every word of `query` must occur in the learner's name or mobile number or in the programme title
    as recorded; Arabic and Persian spellings of yeh and kaf find each other.
    """
    rows = LearningRecord.objects.filter(city=city, superseded_by__isnull=True)
    if state == RecordState.STANDING:
        rows = rows.filter(voided_reason="")
    elif state == RecordState.VOIDED:
        rows = rows.exclude(voided_reason="")
    for word in [w for w in _WORD_BREAKS.split(query or "") if w][:MAX_SEARCH_WORDS]:
        rows = rows.filter(_word_matches(word))
    return rows.select_related("citizen", "certificate").order_by("-completed_on", "-pk")
