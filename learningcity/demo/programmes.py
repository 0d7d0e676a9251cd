"""The demo catalogue: Kermanshah's programmes, their venues and dated offerings, through the services.

The data file (`data/kermanshah_programmes.json`) gives each offering's first session as a number of days
from today, so the demo is always current: some runs finished months ago, some are under way, some open
for enrolment now and some later in the year. Enrolment opens 30 days before the first session (at 8:00,
Tehran time) and closes when it starts.

Loading twice changes nothing, on the same day or another: a programme is known by its partner and its
Persian title, an offering by its place in the programme's list (the n-th offering of the data file is the
programme's n-th offering, in the order they were created), a venue by its Persian name within its partner.
What is missing is added; what exists is left exactly as it is.

Institutions draft; the secretariat publishes. Programmes of partners whose accreditation is pending stay
drafts (the services refuse to submit them), as they would in the city.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from learningcity.catalogue.models import (
    Audience,
    AudienceKind,
    Format,
    LearningDomain,
    Offering,
    Programme,
    ProgrammeStatus,
    Session,
    Venue,
)
from learningcity.catalogue.services import (
    offering_create,
    programme_approve,
    programme_create,
    programme_submit,
    venue_create,
)
from learningcity.cities.models import City, District
from learningcity.institutions.models import Accreditation, Institution

from .clock import DemoClock

DATA_FILE = "kermanshah_programmes.json"
WINDOW_DAYS = 30
WINDOW_OPENS_AT = dt.time(8, 0)
# A programme is published two weeks before its first run opens for enrolment; an offering is scheduled
# three days before its window opens (both never later than the demo's present).
PUBLISHED_BEFORE_WINDOW = dt.timedelta(days=14)
SCHEDULED_BEFORE_WINDOW = dt.timedelta(days=3)

PROGRAMME_TEXT_FIELDS = (
    "title_fa", "title_en", "description_fa", "description_en", "outcomes_fa", "outcomes_en",
    "prerequisites_fa", "prerequisites_en", "accessibility_fa", "accessibility_en",
)
PROGRAMME_CHOICE_FIELDS = ("level", "language", "format", "fee_rials", "key_features", "sdg_targets")


@dataclass(frozen=True)
class Schedule:
    """When an offering meets and when its enrolment window is open, on a given day."""

    sessions: tuple[tuple[dt.datetime, dt.datetime], ...]
    opens_at: dt.datetime
    closes_at: dt.datetime


def local(day: dt.date, time: dt.time) -> dt.datetime:
    """An aware datetime at `time` on `day` in the city's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, time))


def schedule_for(spec: dict, today: dt.date) -> Schedule:
    """The sessions and the enrolment window of one offering of the data file, counted from `today`."""
    hour, minute = (int(part) for part in spec["weekday_time"].split(":"))
    first_day = today + dt.timedelta(days=spec["start_offset_days"])
    length = dt.timedelta(minutes=spec["session_minutes"])
    sessions = []
    for number in range(spec["sessions"]):
        start = local(first_day + dt.timedelta(days=number * spec["every_days"]), dt.time(hour, minute))
        sessions.append((start, start + length))
    opens_at = local(first_day - dt.timedelta(days=WINDOW_DAYS), WINDOW_OPENS_AT)
    return Schedule(sessions=tuple(sessions), opens_at=opens_at, closes_at=sessions[0][0])


@dataclass
class NewOffering:
    """An offering this run added, with what the replay of the year needs to know about it."""

    offering: Offering
    programme: Programme
    sessions: list[Session]
    key: str  # partner | Persian title | run number: seeds this offering's random choices


def _hours(value) -> Decimal:
    return Decimal(str(value))


def _venue(
    spec: dict | None, institution: Institution, districts: dict[int, District], venues: dict[tuple[int, str], Venue],
    result,
) -> Venue | None:
    """The partner's venue of that Persian name, added the first time it is named."""
    if not spec:
        return None
    key = (institution.pk, spec["name_fa"].strip())
    venue = venues.get(key)
    if venue is None:
        venue = venue_create(
            institution=institution, actor=None, name_fa=spec["name_fa"], name_en=spec.get("name_en") or "",
            address_fa=spec.get("address_fa") or "", address_en=spec.get("address_en") or "",
            district=districts.get(spec.get("district")), latitude=spec.get("latitude"),
            longitude=spec.get("longitude"),
        )
        venues[key] = venue
        result.created["venue"] += 1
    return venue


def _may_publish(institution: Institution) -> bool:
    return institution.is_active and institution.accreditation == Accreditation.ACCREDITED


def load_programmes(
    result, *, city: City, districts: dict[int, District], partners: dict[str, Institution], rows: list[dict],
    today: dt.date, clock: DemoClock, approver,
) -> list[NewOffering]:
    """Add the programmes, venues and offerings of `rows` that are missing; returns the offerings added.

    `approver` is the secretariat officer who publishes (None: the system). Steps are dated as they would
    have happened, never after the start of `today`.
    """
    present = timezone.make_aware(dt.datetime.combine(today, dt.time.min)) - dt.timedelta(minutes=1)
    domains = {domain.slug: domain for domain in LearningDomain.objects.filter(city=city)}
    audiences = {audience.code: audience for audience in Audience.objects.all()}
    programmes = {
        (programme.institution_id, programme.title_fa): programme
        for programme in Programme.objects.filter(city=city)
    }
    venues = {(venue.institution_id, venue.name_fa): venue for venue in Venue.objects.filter(city=city)}
    offering_counts: dict[int, int] = {}
    for programme_id in Offering.objects.filter(city=city).values_list("programme_id", flat=True):
        offering_counts[programme_id] = offering_counts.get(programme_id, 0) + 1

    added: list[NewOffering] = []
    for row in rows:
        institution = partners.get(row["institution"])
        if institution is None:
            result.skipped["programme"] += 1
            continue
        schedules = [schedule_for(spec, today) for spec in row["offerings"]]
        programme = programmes.get((institution.pk, row["title_fa"]))
        if programme is None:
            chosen = [domains[slug] for slug in row["domains"] if slug in domains and domains[slug].is_active]
            if not chosen:
                result.skipped["programme"] += 1
                continue
            first_window = min((schedule.opens_at for schedule in schedules), default=present)
            with clock.at(min(first_window - PUBLISHED_BEFORE_WINDOW, present)):
                programme = programme_create(
                    institution=institution, actor=None, hours=_hours(row["hours"]), domains=chosen,
                    life_stages=[audiences[c] for c in row["life_stages"]
                                 if c in audiences and audiences[c].kind == AudienceKind.LIFE_STAGE],
                    target_groups=[audiences[c] for c in row["target_groups"]
                                   if c in audiences and audiences[c].kind == AudienceKind.TARGET_GROUP],
                    **{name: row.get(name) or "" for name in PROGRAMME_TEXT_FIELDS},
                    **{name: row[name] for name in PROGRAMME_CHOICE_FIELDS},
                )
                if _may_publish(institution):
                    programme_submit(programme=programme, actor=None)
                    programme = programme_approve(programme=programme, actor=approver)
            programmes[(institution.pk, programme.title_fa)] = programme
            result.created["programme"] += 1
            if programme.status != ProgrammeStatus.PUBLISHED:
                result.created["programme_draft"] += 1

        for index, (spec, schedule) in enumerate(zip(row["offerings"], schedules, strict=True)):
            if index < offering_counts.get(programme.pk, 0):
                continue  # the programme's index-th offering is there already
            venue = _venue(spec.get("venue"), institution, districts, venues, result)
            online = (spec.get("online_url") or "") if programme.format in (Format.ONLINE, Format.HYBRID) else ""
            with clock.at(min(schedule.opens_at - SCHEDULED_BEFORE_WINDOW, present)):
                offering = offering_create(
                    programme=programme, actor=None, capacity=spec["capacity"], venue=venue, online_url=online,
                    enrolment_opens_at=schedule.opens_at, enrolment_closes_at=schedule.closes_at,
                    sessions=list(schedule.sessions), waitlist_policy=spec["waitlist_policy"],
                    offer_hours=spec["offer_hours"], completion_rule=spec["completion_rule"],
                    attendance_percent=spec["attendance_percent"],
                )
            offering_counts[programme.pk] = offering_counts.get(programme.pk, 0) + 1
            result.created["offering"] += 1
            result.created["session"] += len(schedule.sessions)
            added.append(NewOffering(
                offering=offering, programme=programme, sessions=list(offering.sessions.order_by("starts_at")),
                key=f"{institution.slug}|{programme.title_fa}|{index}",
            ))
    return added
