"""Reads about learning records: completion previews, a person's learning, and certificate checks."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation

from learningcity.catalogue.models import CompletionRule, Offering
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
    """What a certificate's code says: whether it stands, and if so, what it certifies."""

    state: str
    code: str
    certificate: Certificate | None = None

    @property
    def valid(self) -> bool:
        return self.state == VerificationState.VALID

    @property
    def record(self) -> LearningRecord | None:
        return self.certificate.record if self.certificate else None


def certificate_verification(code: str) -> Verification:
    """Look a typed code up. A certificate stands unless revoked, or its record was voided or corrected."""
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
    if certificate.revoked_at is not None:
        return Verification(state=VerificationState.REVOKED, code=normalised, certificate=certificate)
    record = certificate.record
    if record.voided_reason:
        return Verification(state=VerificationState.VOIDED, code=normalised, certificate=certificate)
    head = _latest_version(record)
    if head.pk != record.pk:
        state = VerificationState.VOIDED if head.voided_reason else VerificationState.SUPERSEDED
        return Verification(state=state, code=normalised, certificate=certificate)
    return Verification(state=VerificationState.VALID, code=normalised, certificate=certificate)


def _latest_version(record: LearningRecord) -> LearningRecord:
    """Follow corrections to the record that stands now (or the one that voided it)."""
    current = record
    for _step in range(MAX_CHAIN):
        try:
            following = current.superseded_by
        except LearningRecord.DoesNotExist:
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
