"""Synthetic programmes, offerings and enrolments at national scale (`learningcity generate --programmes
M --enrolments K`), for benchmarks and load tests.

Programmes: titles and texts come from templates over the city's learning domains and audiences, in
Persian and English ("کارگاه سواد رسانه‌ای برای نوجوانان" / "Workshop: Media literacy for teenagers"),
offered by the city's accredited partners, published, with one to five dated offerings each (three on
average) spread from six months ago to six months ahead, each with its sessions and, when it meets in
person, a venue of its partner in one of the city's districts. Every programme's search key is the one
`programme_search_text` would compute (normalised word by word, with a cache, for speed).

Enrolments: K requests spread over the seed's offerings whose enrolment window had opened when they were
generated, more to popular offerings than to others, each from a different synthetic citizen (the 099...
block of `--citizens`; real people and demo accounts are never touched). In each offering the first
requests hold seats up to the capacity and the rest wait, in the order of their `requested_at`; the
offering's counters are set from the same numbers in the same transaction, under the offering's lock.

Deterministic: programme `i` of seed `S` draws from its own `random.Random`, so a seed always gives the
same programmes, whatever the batch size, and a larger run completes a smaller one. The reference
`(S01-000123)` at the end of the English title says which seed and index a programme is; a re-run skips
programmes that exist and offerings that already have enrolments, so running the same command twice adds
nothing. Rows go in with COPY on PostgreSQL and executemany on SQLite, a batch per transaction; one
``demo.generate`` audit entry records the run.
"""

import datetime as dt
import functools
import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from learningcity.accounts.models import CitizenProfile
from learningcity.catalogue import search
from learningcity.catalogue.models import (
    Audience,
    AudienceKind,
    CompletionRule,
    Format,
    KeyFeatureArea,
    LearningDomain,
    Level,
    Offering,
    OfferingStatus,
    Programme,
    ProgrammeStatus,
    Sdg4Target,
    Session,
    TeachingLanguage,
    Venue,
    WaitlistPolicy,
)
from learningcity.cities.models import City, District
from learningcity.core.text import normalise_for_search
from learningcity.enrolment.models import Enrolment, EnrolmentStatus
from learningcity.institutions.models import Accreditation, Institution

from .synthetic import MAX_SEED, MOBILE_PREFIX, GenerationError

MAX_PROGRAMMES_PER_SEED = 1_000_000
MAX_ENROLMENTS = 50_000_000
DEFAULT_PROGRAMME_BATCH = 2_000
DEFAULT_OFFERING_BATCH = 5_000
REFERENCE = re.compile(r" \(S(\d{2})-(\d{6})\)$")
WINDOW_DAYS = 30
SPREAD_DAYS = 180

# (Persian, English) ways to name a programme; "{topic}" is a learning domain's name.
FORMS: tuple[tuple[str, str], ...] = (
    ("کارگاه {topic}", "Workshop: {topic}"),
    ("دورهٔ مقدماتی {topic}", "Introductory course: {topic}"),
    ("دورهٔ پیشرفتهٔ {topic}", "Advanced course: {topic}"),
    ("آموزش {topic}", "Learning {topic}"),
    ("مهارت‌های {topic}", "{topic} skills"),
    ("باشگاه {topic}", "{topic} club"),
    ("مدرسهٔ تابستانی {topic}", "{topic} summer school"),
    ("گام‌به‌گام با {topic}", "Step by step: {topic}"),
    ("حلقهٔ یادگیری {topic}", "{topic} learning circle"),
    ("کلاس عملی {topic}", "Hands-on class: {topic}"),
)
AUDIENCE_PHRASES: tuple[tuple[str, str], ...] = (("برای {name}", "for {name}"), ("ویژهٔ {name}", "for {name}"))
PLACE_PHRASE = ("در {district}", "in {district}")
DESCRIPTIONS: tuple[tuple[str, str], ...] = (
    ("این برنامه برای {audience} است و {topic} را در {hours} ساعت، با تمرین‌های عملی و به زبان ساده آموزش "
     "می‌دهد. {provider} آن را در شبکهٔ شهر یادگیرندهٔ کرمانشاه برگزار می‌کند.",
     "This programme is for {audience_en} and teaches {topic_en} in {hours} hours, in plain words and with "
     "hands-on practice. {provider_en} runs it in Kermanshah's learning-city network."),
    ("شرکت‌کنندگان در گروه‌های کوچک با مفاهیم اصلی {topic} آشنا می‌شوند و آموخته‌ها را در زندگی روزمره و "
     "کار به کار می‌بندند. مدرسان {provider} در پایان هر جلسه به پرسش‌ها پاسخ می‌دهند.",
     "In small groups, participants learn the key ideas of {topic_en} and put them to use at home and at "
     "work. {provider_en}'s tutors answer questions at the end of each session."),
    ("{provider} با این دوره فرصتی برای یادگیری {topic} در کنار دیگر شهروندان فراهم کرده است؛ "
     "پیش‌نیازی ندارد و برای {audience} مناسب است.",
     "{provider_en} offers this course as a chance to learn {topic_en} alongside other citizens; it needs no "
     "prior knowledge and suits {audience_en}."),
)
OUTCOMES: tuple[tuple[str, str], ...] = (
    ("شناخت مفاهیم اصلی {topic}", "Understand the key ideas of {topic_en}"),
    ("به‌کارگیری {topic} در زندگی روزمره", "Use {topic_en} in everyday life"),
    ("گفت‌وگو و کار گروهی دربارهٔ {topic}", "Discuss {topic_en} and work on it in a group"),
    ("یافتن منابع معتبر برای ادامهٔ یادگیری", "Find reliable sources to keep learning"),
    ("آماده‌سازی یک کار عملی کوچک", "Prepare a small practical project"),
)
ACCESSIBILITY = (
    ("کلاس در طبقهٔ همکف است و برای کاربران ویلچر دسترسی دارد.",
     "The classroom is on the ground floor with wheelchair access."),
    ("", ""),
    ("جزوه‌ها با قلم درشت هم در دسترس است.", "Handouts are also available in large print."),
)
VENUE_NAME = ("مرکز آموزشی {district}، {provider}", "{provider}, {district} learning centre")
START_TIMES = (dt.time(9, 0), dt.time(10, 0), dt.time(16, 0), dt.time(17, 0), dt.time(18, 0))


def reference(seed: int, index: int) -> str:
    """What the English title of programme `index` of `seed` ends with."""
    return f" (S{seed:02d}-{index:06d})"


@functools.lru_cache(maxsize=200_000)
def _normalised_word(word: str) -> str:
    return normalise_for_search(word)


def search_key(parts: list[str]) -> str:
    """`normalise_for_search(" ".join(parts))`, word by word with a cache.

    The normaliser changes characters one by one and collapses white space, and no word joins across
    white space, so normalising each word and joining them with one space gives the same key.
    """
    words = (_normalised_word(word) for part in parts if part for word in part.split())
    return " ".join(word for word in words if word)


# --- what the generator reads from the city ------------------------------------------------------------


@dataclass(frozen=True)
class CatalogueContext:
    """The city's partners, learning domains, audiences, districts and venues the synthetic programmes use."""

    city: City
    institutions: tuple[Institution, ...]
    domains: tuple[LearningDomain, ...]
    life_stages: tuple[Audience, ...]
    target_groups: tuple[Audience, ...]
    districts: tuple[District, ...]
    venues: dict[tuple[int, int], int]  # (institution id, district id) -> venue id
    # The partners that already teach in a domain (from the city's own programmes) offer its synthetic ones.
    providers: dict[int, tuple[Institution, ...]]

    @classmethod
    def for_city(cls, city: City, *, now: dt.datetime, result: "CatalogueResult | None" = None) -> "CatalogueContext":
        institutions = tuple(
            Institution.objects.filter(city=city, is_active=True, accreditation=Accreditation.ACCREDITED)
            .order_by("slug")
        )
        domains = tuple(
            LearningDomain.objects.filter(city=city, is_active=True, parent__isnull=False).order_by("slug")
        ) or tuple(LearningDomain.objects.filter(city=city, is_active=True).order_by("slug"))
        districts = tuple(District.objects.filter(city=city).order_by("number"))
        if not institutions:
            raise GenerationError(
                f"{city.name_en} has no accredited partners to offer programmes; load them first "
                "(for Kermanshah: `learningcity demo`)."
            )
        if not domains:
            raise GenerationError(f"{city.name_en} has no learning domains; load them first (`learningcity demo`).")
        if not districts:
            raise GenerationError(f"{city.name_en} has no districts; load them first (`learningcity demo`).")
        audiences = list(Audience.objects.order_by("kind", "position", "pk"))
        venues = _venue_pool(city, institutions, districts, now=now, result=result)
        by_id = {institution.pk: institution for institution in institutions}
        teaching: dict[int, set[int]] = {}
        pairs = Programme.domains.through.objects.filter(
            programme__city=city, programme__institution__in=institutions, learningdomain__in=domains,
        ).exclude(programme__title_en__regex=REFERENCE.pattern)
        for domain_id, institution_id in pairs.values_list("learningdomain_id", "programme__institution_id"):
            teaching.setdefault(domain_id, set()).add(institution_id)
        providers = {
            domain.pk: tuple(sorted((by_id[i] for i in teaching.get(domain.pk, ())), key=lambda i: i.slug))
            or institutions
            for domain in domains
        }
        return cls(
            city=city, institutions=institutions, domains=domains, districts=districts, venues=venues,
            providers=providers,
            life_stages=tuple(a for a in audiences if a.kind == AudienceKind.LIFE_STAGE),
            target_groups=tuple(a for a in audiences if a.kind == AudienceKind.TARGET_GROUP),
        )


def _centre(district: District) -> tuple[float, float] | None:
    """Roughly the middle of a district (the mean of its boundary's corners)."""
    try:
        ring = district.boundary["coordinates"][0]
        return (sum(p[1] for p in ring) / len(ring), sum(p[0] for p in ring) / len(ring))
    except (TypeError, KeyError, IndexError, ZeroDivisionError):
        return None


def _venue_pool(city, institutions, districts, *, now, result) -> dict[tuple[int, int], int]:
    """One learning centre per partner and district, added once (venues are few: plain inserts)."""
    existing = {(v.institution_id, v.name_fa): v for v in Venue.objects.filter(city=city, institution__in=institutions)}
    pool: dict[tuple[int, int], int] = {}
    missing: list[Venue] = []
    for institution in institutions:
        for district in districts:
            name_fa = VENUE_NAME[0].format(district=district.name_fa, provider=institution.name_fa)[:200]
            venue = existing.get((institution.pk, name_fa))
            if venue is None:
                rng = random.Random(f"venue:{institution.slug}:{district.number}")  # noqa: S311 - synthetic data
                centre = _centre(district)
                latitude = longitude = None
                if centre is not None:
                    latitude = Decimal(f"{centre[0] + rng.uniform(-0.004, 0.004):.6f}")
                    longitude = Decimal(f"{centre[1] + rng.uniform(-0.004, 0.004):.6f}")
                venue = Venue(
                    city=city, institution=institution, district=district, name_fa=name_fa,
                    name_en=VENUE_NAME[1].format(district=district.name_en, provider=institution.name_en)[:200],
                    address_fa=f"کرمانشاه، {district.name_fa}" if city.slug == "kermanshah" else district.name_fa,
                    address_en=f"{district.name_en}, {city.name_en}", latitude=latitude, longitude=longitude,
                )
                missing.append(venue)
            pool[(institution.pk, district.pk)] = venue
    if missing:
        with transaction.atomic():
            Venue.objects.bulk_create(missing)
        if result is not None:
            result.venues += len(missing)
    if any(v.pk is None for v in pool.values()):  # databases that return no ids from bulk inserts
        ids = {(v.institution_id, v.name_fa): v.pk for v in Venue.objects.filter(city=city)}
        return {key: ids[(v.institution_id, v.name_fa)] for key, v in pool.items()}
    return {key: v.pk for key, v in pool.items()}


# --- one synthetic programme -----------------------------------------------------------------------------


@dataclass
class SyntheticOffering:
    venue_id: int | None
    online_url: str
    capacity: int
    opens_at: dt.datetime
    closes_at: dt.datetime
    waitlist_policy: str
    offer_hours: int
    completion_rule: str
    sessions: list[tuple[dt.datetime, dt.datetime]]


@dataclass
class SyntheticProgramme:
    index: int
    institution: Institution
    fields: dict
    domains: list[LearningDomain]
    life_stages: list[Audience]
    target_groups: list[Audience]
    offerings: list[SyntheticOffering] = field(default_factory=list)


def _pick(rng: random.Random, items, weights=None):
    return rng.choices(items, weights=weights)[0] if weights else items[int(rng.random() * len(items))]


def synthetic_programme(context: CatalogueContext, *, seed: int, index: int, today: dt.date) -> SyntheticProgramme:
    """Programme `index` of `seed`: its own random draws, so any subset can be made alone."""
    rng = random.Random(seed * 10_000_000 + index)  # noqa: S311 - synthetic data, not secrets
    domains = rng.sample(context.domains, 2 if rng.random() < 0.25 and len(context.domains) > 1 else 1)
    institution = _pick(rng, context.providers[domains[0].pk])
    stages = rng.sample(context.life_stages, min(len(context.life_stages), 1 + int(rng.random() < 0.4)))
    groups = rng.sample(context.target_groups, min(len(context.target_groups), _pick(rng, (0, 0, 0, 1, 1, 2))))
    audience = _pick(rng, [*stages, *groups]) if rng.random() < 0.8 and (stages or groups) else None
    topic_fa, topic_en = domains[0].name_fa, domains[0].name_en
    form_fa, form_en = _pick(rng, FORMS)
    title_fa, title_en = form_fa.format(topic=topic_fa), form_en.format(topic=topic_en)
    if title_en[0].islower():
        title_en = title_en[0].upper() + title_en[1:]
    if audience is not None:
        phrase_fa, phrase_en = _pick(rng, AUDIENCE_PHRASES)
        title_fa += " " + phrase_fa.format(name=audience.name_fa)
        title_en += " " + phrase_en.format(name=audience.name_en.lower())
    place = _pick(rng, context.districts) if rng.random() < 0.3 else None
    if place is not None:
        title_fa += " " + PLACE_PHRASE[0].format(district=place.name_fa)
        title_en += " " + PLACE_PHRASE[1].format(district=place.name_en)
    title_fa = title_fa[:200]
    title_en = title_en[: 200 - len(reference(seed, index))] + reference(seed, index)

    sessions = _pick(rng, (3, 4, 6, 6, 8, 8, 10, 12))
    minutes = _pick(rng, (90, 120, 120, 180))
    hours = Decimal(sessions * minutes) / Decimal(60)
    hours = hours.quantize(Decimal("0.1"))
    names = {
        "topic": topic_fa, "topic_en": topic_en.lower(), "provider": institution.name_fa,
        "provider_en": institution.name_en, "hours": str(hours.normalize()),
        "audience": audience.name_fa if audience else "همهٔ شهروندان",
        "audience_en": audience.name_en.lower() if audience else "all citizens",
    }
    description_fa, description_en = (text.format(**names) for text in _pick(rng, DESCRIPTIONS))
    outcomes = rng.sample(OUTCOMES, 2 + int(rng.random() < 0.5))
    access_fa, access_en = _pick(rng, ACCESSIBILITY)
    programme_format = _pick(rng, (Format.IN_PERSON, Format.ONLINE, Format.HYBRID), (75, 10, 15))
    fields = {
        "title_fa": title_fa, "title_en": title_en,
        "description_fa": description_fa, "description_en": description_en,
        "outcomes_fa": "\n".join(line.format(**names) for line, _en in outcomes),
        "outcomes_en": "\n".join(line.format(**names) for _fa, line in outcomes),
        "level": _pick(rng, (Level.ALL, Level.INTRODUCTORY, Level.INTERMEDIATE, Level.ADVANCED), (4, 4, 2, 1)),
        "language": _pick(rng, (TeachingLanguage.PERSIAN, TeachingLanguage.KURDISH, TeachingLanguage.ENGLISH),
                          (85, 10, 5)),
        "format": programme_format,
        "fee_rials": 0 if rng.random() < 0.6 else 500_000 * rng.randint(1, 40),
        "hours": hours,
        "prerequisites_fa": "", "prerequisites_en": "",
        "accessibility_fa": access_fa, "accessibility_en": access_en,
        "key_features": sorted(rng.sample(KeyFeatureArea.values, 2)),
        "sdg_targets": sorted(rng.sample(Sdg4Target.values, 1 + int(rng.random() < 0.5))),
    }
    programme = SyntheticProgramme(index=index, institution=institution, fields=fields, domains=domains,
                                   life_stages=stages, target_groups=groups)
    runs = _pick(rng, (1, 2, 3, 4, 5), (1, 2, 4, 2, 1))
    for run in range(runs):
        first_day = today + dt.timedelta(days=rng.randint(-SPREAD_DAYS, SPREAD_DAYS))
        start_time = _pick(rng, START_TIMES)
        every = _pick(rng, (7, 7, 7, 3, 14))
        starts = [
            timezone.make_aware(dt.datetime.combine(first_day + dt.timedelta(days=n * every), start_time))
            for n in range(sessions)
        ]
        district = place or _pick(rng, context.districts)
        in_person = programme_format in (Format.IN_PERSON, Format.HYBRID)
        policy = WaitlistPolicy.OFFER if rng.random() < 0.2 else WaitlistPolicy.AUTO_CONFIRM
        programme.offerings.append(SyntheticOffering(
            venue_id=context.venues[(institution.pk, district.pk)] if in_person else None,
            online_url=(f"https://meet.example.org/s{seed:02d}-{index:06d}-{run + 1}"
                        if programme_format != Format.IN_PERSON else ""),
            capacity=_pick(rng, (10, 12, 15, 20, 20, 25, 30, 40, 60)),
            opens_at=timezone.make_aware(
                dt.datetime.combine(first_day - dt.timedelta(days=WINDOW_DAYS), dt.time(8, 0))
            ),
            closes_at=starts[0], waitlist_policy=policy, offer_hours=24 if rng.random() < 0.5 else 48,
            completion_rule=CompletionRule.ASSESSMENT if rng.random() < 0.2 else CompletionRule.ATTENDANCE,
            sessions=[(start, start + dt.timedelta(minutes=minutes)) for start in starts],
        ))
    return programme


def programme_search_parts(programme: SyntheticProgramme) -> list[str]:
    """The texts `programme_search_text` reads, in its order (domains and audiences in their model order)."""
    f, institution = programme.fields, programme.institution
    parts = [f["title_fa"], f["title_en"], f["description_fa"], f["description_en"], f["outcomes_fa"],
             f["outcomes_en"], institution.name_fa, institution.name_en]
    for domain in sorted(programme.domains, key=lambda d: (d.position, d.name_en, d.pk)):
        parts += [domain.name_fa, domain.name_en]
    audiences = sorted([*programme.life_stages], key=lambda a: (a.kind, a.position, a.pk))
    audiences += sorted(programme.target_groups, key=lambda a: (a.kind, a.position, a.pk))
    for audience in audiences:
        parts += [audience.name_fa, audience.name_en]
    return parts


# --- writing rows ---------------------------------------------------------------------------------------

PROGRAMME_FIELDS = (
    "id", "created_at", "updated_at", "city", "institution", "title_fa", "title_en", "description_fa",
    "description_en", "outcomes_fa", "outcomes_en", "level", "language", "format", "fee_rials", "hours",
    "prerequisites_fa", "prerequisites_en", "accessibility_fa", "accessibility_en", "key_features", "sdg_targets",
    "status", "review_note", "submitted_at", "published_at", "search_key", "rating_count", "rating_sum",
)
OFFERING_FIELDS = (
    "id", "created_at", "updated_at", "programme", "city", "venue", "online_url", "capacity", "enrolment_opens_at",
    "enrolment_closes_at", "waitlist_policy", "offer_hours", "completion_rule", "attendance_percent", "status",
    "cancel_reason", "starts_on", "ends_on", "confirmed_count", "offered_count", "waitlist_count",
)
SESSION_FIELDS = ("offering", "starts_at", "ends_at", "venue", "online_url")
ENROLMENT_FIELDS = ("offering", "citizen", "status", "priority", "requested_at", "confirmed_at", "offer_expires_at",
                    "ended_at", "reminder_sent_at")


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _columns(model, names) -> str:
    return ", ".join(connection.ops.quote_name(model._meta.get_field(name).column) for name in names)


def _m2m(name: str):
    through = Programme._meta.get_field(name).remote_field.through
    target = [f for f in through._meta.concrete_fields if f.is_relation and f.related_model is not Programme][0]
    return through, ("programme", target.name)


class _CatalogueWriter:
    """Inserts batches of programmes (with their audiences, domains, offerings and sessions) and enrolments."""

    method = ""

    def __init__(self, *, city: City, now: dt.datetime):
        self.city_id = city.pk
        self.now = now
        self.relations = {name: _m2m(name) for name in ("domains", "life_stages", "target_groups")}

    def programme_rows(self, programmes: list[SyntheticProgramme], ids: list[int]) -> list[tuple]:
        rows = []
        for pid, programme in zip(ids, programmes, strict=True):
            f = programme.fields
            rows.append((
                pid, self.now, self.now, self.city_id, programme.institution.pk, f["title_fa"], f["title_en"],
                f["description_fa"], f["description_en"], f["outcomes_fa"], f["outcomes_en"], f["level"],
                f["language"], f["format"], f["fee_rials"], f["hours"], f["prerequisites_fa"], f["prerequisites_en"],
                f["accessibility_fa"], f["accessibility_en"], f["key_features"], f["sdg_targets"],
                ProgrammeStatus.PUBLISHED.value, "", self.now, self.now,
                search_key(programme_search_parts(programme)), 0, 0,
            ))
        return rows

    def offering_rows(self, programmes, programme_ids, offering_ids) -> tuple[list[tuple], list[tuple]]:
        offerings, sessions = [], []
        numbers = iter(offering_ids)
        for pid, programme in zip(programme_ids, programmes, strict=True):
            for offering in programme.offerings:
                oid = next(numbers)
                offerings.append((
                    oid, self.now, self.now, pid, self.city_id, offering.venue_id, offering.online_url,
                    offering.capacity, offering.opens_at, offering.closes_at, offering.waitlist_policy,
                    offering.offer_hours, offering.completion_rule, 75, OfferingStatus.SCHEDULED.value, "",
                    timezone.localdate(offering.sessions[0][0]), timezone.localdate(offering.sessions[-1][1]), 0, 0, 0,
                ))
                sessions += [(oid, start, end, None, "") for start, end in offering.sessions]
        return offerings, sessions

    def relation_rows(self, programmes, ids):
        """(through model, its two columns, rows) for the domains, life stages and target groups."""
        for name, (through, names) in self.relations.items():
            rows = [(pid, item.pk) for pid, p in zip(ids, programmes, strict=True) for item in getattr(p, name)]
            yield through, names, rows

    def write_programmes(self, programmes: list[SyntheticProgramme]) -> tuple[int, int]:
        raise NotImplementedError

    def write_enrolments(self, rows: list[tuple], counts: list[tuple[int, int, int]]) -> None:
        raise NotImplementedError


def _copy_time(value: dt.datetime | None) -> str:
    return value.isoformat() if value is not None else "\\N"


class PostgresCatalogueWriter(_CatalogueWriter):
    """COPY; ids from the tables' own sequences, so concurrent writes elsewhere are safe."""

    method = "copy"

    def _ids(self, cursor, model, count: int) -> list[int]:
        if not count:
            return []
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                       [model._meta.db_table, count])
        return [row[0] for row in cursor.fetchall()]

    @staticmethod
    def _copy(cursor, model, names, rows) -> None:
        with cursor.copy(f"COPY {_table(model)} ({_columns(model, names)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    @staticmethod
    def _copy_text(cursor, model, names, text: str) -> None:
        with cursor.copy(f"COPY {_table(model)} ({_columns(model, names)}) FROM STDIN") as copy:
            copy.write(text.encode())

    def write_programmes(self, programmes):
        with connection.cursor() as cursor:
            # One set-based refresh of the search table at the end, not one per COPY.
            search.defer_search_entries(cursor)
            programme_ids = self._ids(cursor, Programme, len(programmes))
            offering_ids = self._ids(cursor, Offering, sum(len(p.offerings) for p in programmes))
            self._copy(cursor, Programme, PROGRAMME_FIELDS, [
                (*row[:20], json.dumps(row[20]), json.dumps(row[21]), *row[22:])
                for row in self.programme_rows(programmes, programme_ids)
            ])
            for through, names, rows in self.relation_rows(programmes, programme_ids):
                self._copy_text(cursor, through, names, "".join(f"{a}\t{b}\n" for a, b in rows))
            offerings, sessions = self.offering_rows(programmes, programme_ids, offering_ids)
            self._copy(cursor, Offering, OFFERING_FIELDS, offerings)
            # Numbers and timestamps only: nothing needs COPY escaping.
            self._copy_text(cursor, Session, SESSION_FIELDS, "".join(
                f"{oid}\t{start.isoformat()}\t{end.isoformat()}\t\\N\t\n" for oid, start, end, _v, _u in sessions
            ))
            search.refresh_search_entries(cursor, programme_ids)
        return len(offerings), len(sessions)

    def lock_unfilled(self, offering_ids: list[int]) -> set[int]:
        """Lock the offerings; those that already have enrolments are left alone."""
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id FROM {_table(Offering)} WHERE id = ANY(%s) ORDER BY id FOR UPDATE",  # noqa: S608
                           [offering_ids])
            cursor.execute(
                f"SELECT DISTINCT offering_id FROM {_table(Enrolment)} WHERE offering_id = ANY(%s)",  # noqa: S608
                [offering_ids],
            )
            filled = {row[0] for row in cursor.fetchall()}
        return set(offering_ids) - filled

    def write_enrolments(self, rows, counts):
        with connection.cursor() as cursor:
            self._copy_text(cursor, Enrolment, ENROLMENT_FIELDS, "".join(
                f"{oid}\t{cid}\t{status}\t0\t{requested.isoformat()}\t{_copy_time(confirmed)}\t\\N\t\\N\t\\N\n"
                for oid, cid, status, requested, confirmed in rows
            ))
            ids, confirmed, waiting = (list(column) for column in zip(*counts, strict=True))
            search.defer_search_entries(cursor)
            cursor.execute(
                f"UPDATE {_table(Offering)} AS o SET confirmed_count = c.confirmed, offered_count = 0, "  # noqa: S608
                "waitlist_count = c.waiting FROM unnest(%s::bigint[], %s::integer[], %s::integer[]) "
                "AS c(id, confirmed, waiting) WHERE o.id = c.id",
                [ids, confirmed, waiting],
            )
            # Seats left changed for these programmes: one refresh of their search rows.
            cursor.execute(f"SELECT DISTINCT programme_id FROM {_table(Offering)} WHERE id = ANY(%s)",  # noqa: S608
                           [ids])
            search.refresh_search_entries(cursor, [row[0] for row in cursor.fetchall()])


class SqliteCatalogueWriter(_CatalogueWriter):
    """executemany with explicit ids, taken after the highest id ever used while holding the write lock."""

    method = "executemany"

    def _insert(self, cursor, model, names, rows) -> None:
        fields = [model._meta.get_field(name) for name in names]
        marks = ", ".join(["%s"] * len(names))
        prepared = [
            tuple(None if v is None else f.get_db_prep_save(v, connection) for f, v in zip(fields, row, strict=True))
            for row in rows
        ]
        # Table and column names come from the models, never from input.
        cursor.executemany(f"INSERT INTO {_table(model)} ({_columns(model, names)}) VALUES ({marks})",  # noqa: S608
                           prepared)

    def _next_id(self, cursor, model) -> int:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {_table(model)}")  # noqa: S608
        highest = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [model._meta.db_table])
        row = cursor.fetchone()
        return max(highest, row[0] if row else 0) + 1

    def write_programmes(self, programmes):
        with connection.cursor() as cursor:
            first = self._next_id(cursor, Programme)
            programme_ids = list(range(first, first + len(programmes)))
            first = self._next_id(cursor, Offering)
            offering_ids = list(range(first, first + sum(len(p.offerings) for p in programmes)))
            self._insert(cursor, Programme, PROGRAMME_FIELDS, self.programme_rows(programmes, programme_ids))
            for through, names, rows in self.relation_rows(programmes, programme_ids):
                self._insert(cursor, through, names, rows)
            offerings, sessions = self.offering_rows(programmes, programme_ids, offering_ids)
            self._insert(cursor, Offering, OFFERING_FIELDS, offerings)
            self._insert(cursor, Session, SESSION_FIELDS, sessions)
        return len(offerings), len(sessions)

    def lock_unfilled(self, offering_ids: list[int]) -> set[int]:
        # The transaction already holds SQLite's write lock (IMMEDIATE): no one else writes meanwhile.
        filled = set(
            Enrolment.objects.filter(offering_id__in=offering_ids).values_list("offering_id", flat=True).distinct()
        )
        return set(offering_ids) - filled

    def write_enrolments(self, rows, counts):
        with connection.cursor() as cursor:
            self._insert(cursor, Enrolment, ENROLMENT_FIELDS, [
                (oid, cid, status, 0, requested, confirmed, None, None, None)
                for oid, cid, status, requested, confirmed in rows
            ])
            cursor.executemany(
                f"UPDATE {_table(Offering)} SET confirmed_count = %s, offered_count = 0, "  # noqa: S608
                "waitlist_count = %s WHERE id = %s",
                [(confirmed, waiting, oid) for oid, confirmed, waiting in counts],
            )


def writer_for(**kwargs) -> _CatalogueWriter:
    if connection.vendor == "postgresql":
        return PostgresCatalogueWriter(**kwargs)
    if connection.vendor == "sqlite":
        return SqliteCatalogueWriter(**kwargs)
    raise GenerationError(f"Generating programmes is not supported on {connection.vendor}.")


# --- the runs ---------------------------------------------------------------------------------------------


@dataclass
class CatalogueResult:
    method: str = ""
    programmes_requested: int = 0
    programmes: int = 0
    programmes_skipped: int = 0
    offerings: int = 0
    sessions: int = 0
    venues: int = 0
    enrolments_requested: int = 0
    enrolments: int = 0
    confirmed: int = 0
    waitlisted: int = 0
    offerings_filled: int = 0
    offerings_skipped: int = 0
    programme_seconds: float = 0.0
    enrolment_seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.programmes or self.venues or self.enrolments)

    def audit_changes(self) -> dict:
        changes = {"method": self.method}
        if self.programmes_requested:
            changes["programmes"] = {
                "requested": self.programmes_requested, "created": self.programmes,
                "skipped": self.programmes_skipped, "offerings": self.offerings, "sessions": self.sessions,
                "venues": self.venues,
            }
        if self.enrolments_requested:
            changes["enrolments"] = {
                "requested": self.enrolments_requested, "created": self.enrolments, "confirmed": self.confirmed,
                "waitlisted": self.waitlisted, "offerings": self.offerings_filled,
                "offerings_already_filled": self.offerings_skipped,
            }
        return changes


def _seed_programmes(city: City, seed: int) -> dict[int, int]:
    """Index -> id of the seed's synthetic programmes in `city`."""
    found = {}
    marker = f" (S{seed:02d}-"
    for pk, title in Programme.objects.filter(city=city, title_en__contains=marker).values_list("pk", "title_en"):
        match = REFERENCE.search(title)
        if match and int(match.group(1)) == seed:
            found[int(match.group(2))] = pk
    return found


def generate_programmes(
    *, city: City, count: int, seed: int, batch_size: int = DEFAULT_PROGRAMME_BATCH,
    progress: Callable[[int], None] | None = None, today: dt.date | None = None, result: CatalogueResult | None = None,
) -> CatalogueResult:
    """Add programmes 0..count-1 of `seed` that are missing, a batch per transaction."""
    if not 0 <= seed <= MAX_SEED:
        raise GenerationError(f"The seed must be between 0 and {MAX_SEED}.")
    if not 1 <= count <= MAX_PROGRAMMES_PER_SEED:
        raise GenerationError(f"One seed makes at most {MAX_PROGRAMMES_PER_SEED:,} programmes; use more seeds.")
    if batch_size < 1:
        raise GenerationError("The batch size must be at least 1.")
    result = result or CatalogueResult()
    started = timezone.now()
    today = today or timezone.localdate()
    context = CatalogueContext.for_city(city, now=started, result=result)
    present = _seed_programmes(city, seed)
    result.programmes_requested = count
    result.programmes_skipped = sum(1 for index in present if index < count)
    if progress is not None and result.programmes_skipped:
        progress(result.programmes_skipped)
    writer = writer_for(city=city, now=started)
    result.method = writer.method
    missing = [index for index in range(count) if index not in present]
    for start in range(0, len(missing), batch_size):
        batch = [synthetic_programme(context, seed=seed, index=index, today=today)
                 for index in missing[start:start + batch_size]]
        with transaction.atomic():
            offerings, sessions = writer.write_programmes(batch)
        result.programmes += len(batch)
        result.offerings += offerings
        result.sessions += sessions
        if progress is not None:
            progress(len(batch))
    result.programme_seconds = (timezone.now() - started).total_seconds()
    return result


def _citizen_ids(city: City) -> list[int]:
    """Synthetic citizens of `city` (the 099... block), never real people or demo accounts."""
    return list(
        CitizenProfile.objects.filter(city=city, user__mobile__startswith=MOBILE_PREFIX, user__is_active=True)
        .order_by("user_id").values_list("user_id", flat=True)
    )


def _shares(weights: list[float], total: int) -> list[int]:
    """`total` split in proportion to `weights`, in whole numbers (largest remainders first, then order)."""
    weight = sum(weights)
    exact = [total * w / weight for w in weights]
    shares = [int(x) for x in exact]
    left = total - sum(shares)
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(exact[i] - shares[i]), i))
    for i in by_remainder[:left]:
        shares[i] += 1
    return shares


def generate_enrolments(
    *, city: City, count: int, seed: int, batch_size: int = DEFAULT_OFFERING_BATCH,
    progress: Callable[[int], None] | None = None, result: CatalogueResult | None = None,
) -> CatalogueResult:
    """Spread `count` enrolments over the seed's offerings whose window had opened when they were generated."""
    if not 0 <= seed <= MAX_SEED:
        raise GenerationError(f"The seed must be between 0 and {MAX_SEED}.")
    if not 1 <= count <= MAX_ENROLMENTS:
        raise GenerationError(f"Ask for between 1 and {MAX_ENROLMENTS:,} enrolments.")
    if batch_size < 1:
        raise GenerationError("The batch size must be at least 1.")
    result = result or CatalogueResult()
    started = timezone.now()
    result.enrolments_requested = count
    programmes = _seed_programmes(city, seed)
    if not programmes:
        raise GenerationError(
            f"Seed {seed} has no synthetic programmes in {city.name_en}; add them first (--programmes M)."
        )
    index_of = {pk: index for index, pk in programmes.items()}
    rows = (
        Offering.objects.filter(city=city, programme__title_en__contains=f" (S{seed:02d}-",
                                status=OfferingStatus.SCHEDULED)
        .values_list("pk", "programme_id", "capacity", "enrolment_opens_at", "enrolment_closes_at", "created_at")
        .iterator(chunk_size=20_000)
    )
    offerings = sorted(
        (row for row in rows if row[1] in index_of and row[3] < row[5]),  # window open when generated
        key=lambda row: (index_of[row[1]], row[0]),
    )
    if not offerings:
        raise GenerationError(f"None of seed {seed}'s offerings had opened for enrolment when they were generated.")
    citizens = _citizen_ids(city)
    if not citizens:
        raise GenerationError(
            f"{city.name_en} has no synthetic citizens to enrol; add them first (--citizens N)."
        )
    # How popular each offering is: its own draw, so the same offerings always attract the same share.
    weights = []
    for pk, programme_id, *_rest in offerings:
        rng = random.Random(f"popularity:{seed}:{index_of[programme_id]}:{pk}")  # noqa: S311 - synthetic data
        weights.append(_pick(rng, (0.3, 0.6, 1.0, 1.0, 1.5, 2.5, 4.0)))
    demand = _shares(weights, count)
    if max(demand) > len(citizens):
        raise GenerationError(
            f"An offering would need {max(demand):,} different citizens but there are {len(citizens):,}; "
            "add citizens (--citizens N) or programmes, or ask for fewer enrolments."
        )
    writer = writer_for(city=city, now=started)
    result.method = writer.method
    for start in range(0, len(offerings), batch_size):
        batch = [(row, wanted) for row, wanted in zip(offerings[start:start + batch_size],
                                                      demand[start:start + batch_size], strict=True) if wanted]
        done = sum(demand[start:start + batch_size])
        with transaction.atomic():
            unfilled = writer.lock_unfilled([row[0] for row, _wanted in batch]) if batch else set()
            enrolments, counts = [], []
            for (pk, programme_id, capacity, opens_at, closes_at, created_at), wanted in batch:
                if pk not in unfilled:
                    result.offerings_skipped += 1
                    continue
                rng = random.Random(f"enrolments:{seed}:{index_of[programme_id]}:{pk}")  # noqa: S311
                people = rng.sample(range(len(citizens)), wanted)
                step = (min(closes_at, created_at) - opens_at) / (wanted + 1)
                seated = min(wanted, capacity)
                for number, person in enumerate(people):
                    requested = (opens_at + step * (number + 1)).replace(microsecond=0) + dt.timedelta(
                        microseconds=number)
                    if number < seated:
                        enrolments.append((pk, citizens[person], EnrolmentStatus.CONFIRMED.value, requested, requested))
                    else:
                        enrolments.append((pk, citizens[person], EnrolmentStatus.WAITLISTED.value, requested, None))
                counts.append((pk, seated, wanted - seated))
                result.confirmed += seated
                result.waitlisted += wanted - seated
                result.offerings_filled += 1
            if enrolments:
                writer.write_enrolments(enrolments, counts)
        result.enrolments += len(enrolments)
        if progress is not None:
            progress(done)
    result.enrolment_seconds = (timezone.now() - started).total_seconds()
    return result
