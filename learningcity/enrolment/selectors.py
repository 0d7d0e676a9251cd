"""Reads about enrolments: a person's places and waitlist positions, attendee lists, check-in lists."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import F, Prefetch, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from learningcity.catalogue.models import Offering, ProgrammeStatus, Session

from .models import ACTIVE_STATUSES, Attendance, Enrolment, EnrolmentStatus

# First the priority group, then first come, first served; the id settles identical timestamps.
WAITLIST_ORDER = ("-priority", "requested_at", "id")
# Who a check-in list is for: people holding a seat, and those whose result is already recorded.
ATTENDING_STATUSES = (EnrolmentStatus.CONFIRMED, EnrolmentStatus.COMPLETED, EnrolmentStatus.NOT_COMPLETED)

_OFFERING_RELATED = ("programme", "programme__institution", "programme__institution__city", "city", "venue",
                     "venue__district")


def offering_visible(*, pk: int, city) -> Offering | None:
    """An offering of a published programme in `city`, as the public may see it; else None."""
    if city is None:
        return None
    return (
        Offering.objects.select_related(*_OFFERING_RELATED)
        .filter(pk=pk, city=city, programme__status=ProgrammeStatus.PUBLISHED)
        .first()
    )


def offering_to_enrol(*, pk: int, city) -> Offering | None:
    """`offering_visible` with only what an enrolment request reads (the API's hot path: no venue or provider)."""
    if city is None:
        return None
    return (
        Offering.objects.select_related("programme", "city")
        .filter(pk=pk, city=city, programme__status=ProgrammeStatus.PUBLISHED)
        .first()
    )


def offering_in_city(*, pk: int, city) -> Offering | None:
    """Any offering of `city`, whatever its programme's state (for the staff pages; check the policy)."""
    if city is None:
        return None
    return Offering.objects.select_related(*_OFFERING_RELATED).filter(pk=pk, city=city).first()


def session_in_city(*, pk: int, city) -> Session | None:
    """A session of an offering of `city`, with its offering, programme and institution."""
    if city is None:
        return None
    return (
        Session.objects.select_related(*(f"offering__{name}" for name in _OFFERING_RELATED))
        .filter(pk=pk, offering__city=city)
        .first()
    )


def waitlist_position(enrolment: Enrolment) -> int | None:
    """1 for the next person to get a seat; None when the enrolment is not on the waitlist."""
    if enrolment.status != EnrolmentStatus.WAITLISTED:
        return None
    ahead = Enrolment.objects.filter(offering_id=enrolment.offering_id, status=EnrolmentStatus.WAITLISTED).filter(
        Q(priority__gt=enrolment.priority)
        | Q(priority=enrolment.priority, requested_at__lt=enrolment.requested_at)
        | Q(priority=enrolment.priority, requested_at=enrolment.requested_at, id__lt=enrolment.id)
    )
    return ahead.count() + 1


def waitlist_positions(enrolments: Iterable[Enrolment]) -> dict[int, int]:
    """Positions of many waiting enrolments at once (enrolment id -> position), in one query."""
    offering_ids = {e.offering_id for e in enrolments if e.status == EnrolmentStatus.WAITLISTED}
    if not offering_ids:
        return {}
    ranked = (
        Enrolment.objects.filter(offering_id__in=offering_ids, status=EnrolmentStatus.WAITLISTED)
        .annotate(position=Window(RowNumber(), partition_by=[F("offering_id")],
                                  order_by=[F("priority").desc(), F("requested_at").asc(), F("id").asc()]))
        .values_list("id", "position")
    )
    return dict(ranked)


def with_positions(enrolments: list[Enrolment]) -> list[Enrolment]:
    """Set `.position` on each enrolment (None unless waiting); one query for the whole list."""
    positions = waitlist_positions(enrolments)
    for enrolment in enrolments:
        enrolment.position = positions.get(enrolment.pk)
    return enrolments


def offering_enrolment_for(citizen, offering: Offering) -> Enrolment | None:
    """The person's active place in this offering (confirmed, waiting or offered), with `.position`; else None."""
    if not getattr(citizen, "is_authenticated", False):
        return None
    enrolment = Enrolment.objects.filter(offering=offering, citizen=citizen, status__in=ACTIVE_STATUSES).first()
    if enrolment is not None:
        enrolment.offering = offering
        enrolment.position = waitlist_position(enrolment)
    return enrolment


def latest_enrolment_for(citizen, offering: Offering) -> Enrolment | None:
    """The person's most recent place in this offering, active or ended (e.g. an offer that expired)."""
    if not getattr(citizen, "is_authenticated", False):
        return None
    return Enrolment.objects.filter(offering=offering, citizen=citizen).order_by("-requested_at", "-id").first()


def enrolments_of(citizen, *, active_only: bool = False) -> list[Enrolment]:
    """Every place a person holds or held, newest first, for "My learning" and GET /me/enrolments.

    Each enrolment comes with its offering, programme, institution (provider), venue and the venue's
    district loaded, the offering's sessions prefetched in order, and `.position` set: the person's
    place on the waitlist (1 = next) while waiting, else None. Three queries whatever the length.
    Pass `active_only=True` for the current places only (confirmed, waiting, offered).
    """
    enrolments = (
        Enrolment.objects.filter(citizen=citizen)
        .select_related(*(f"offering__{name}" for name in _OFFERING_RELATED))
        .prefetch_related(Prefetch("offering__sessions", queryset=Session.objects.order_by("starts_at", "id")))
        .order_by("-requested_at", "-id")
    )
    if active_only:
        enrolments = enrolments.filter(status__in=ACTIVE_STATUSES)
    return with_positions(list(enrolments))


@dataclass
class Attendees:
    """Who holds a seat, who has one on offer and who waits (in queue order, with positions)."""

    confirmed: list[Enrolment] = field(default_factory=list)
    offered: list[Enrolment] = field(default_factory=list)
    waiting: list[Enrolment] = field(default_factory=list)

    def __iter__(self):
        yield from self.confirmed
        yield from self.offered
        yield from self.waiting

    def __len__(self) -> int:
        return len(self.confirmed) + len(self.offered) + len(self.waiting)


def attendees_of(offering: Offering) -> Attendees:
    """The offering's active places for its staff: one query, waiting people numbered 1, 2, 3 ..."""
    result = Attendees()
    rows = (
        Enrolment.objects.filter(offering=offering, status__in=ACTIVE_STATUSES)
        .select_related("citizen")
        .order_by(*WAITLIST_ORDER)
    )
    for enrolment in rows:
        enrolment.offering = offering
        enrolment.position = None
        if enrolment.status == EnrolmentStatus.CONFIRMED:
            result.confirmed.append(enrolment)
        elif enrolment.status == EnrolmentStatus.OFFERED:
            result.offered.append(enrolment)
        else:
            enrolment.position = len(result.waiting) + 1
            result.waiting.append(enrolment)
    result.confirmed.sort(key=lambda e: (e.confirmed_at or e.requested_at, e.pk))
    return result


def expected_at(session: Session) -> list[int]:
    """The enrolment ids a session's check-in is for (one light query)."""
    return list(
        Enrolment.objects.filter(offering_id=session.offering_id, status__in=ATTENDING_STATUSES)
        .order_by("citizen__name", "id").values_list("id", flat=True)
    )


def check_in_list(session: Session) -> list[tuple[Enrolment, Attendance | None]]:
    """The people expected at a session, each with what was recorded for them so far (or None)."""
    marks = {a.enrolment_id: a for a in Attendance.objects.filter(session=session)}
    enrolments = (
        Enrolment.objects.filter(offering_id=session.offering_id, status__in=ATTENDING_STATUSES)
        .select_related("citizen")
        .order_by("citizen__name", "id")
    )
    return [(enrolment, marks.get(enrolment.pk)) for enrolment in enrolments]


def sessions_of(offering: Offering) -> QuerySet[Session]:
    return offering.sessions.order_by("starts_at", "id")
