"""Reads of the catalogue: the learning-domain taxonomy (one query, a tree in memory), and the public
programme search, its facet counts, programme pages, offerings and the sessions calendar."""

import datetime as dt
import math
from collections import Counter
from dataclasses import dataclass, field, replace
from types import SimpleNamespace

from django.db.models import (
    Aggregate,
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Field,
    FloatField,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from learningcity.cities.models import District
from learningcity.core.i18n import localized

from . import search
from .models import (
    Audience,
    Format,
    LearningDomain,
    Offering,
    OfferingStatus,
    Programme,
    ProgrammeStatus,
    Session,
    TeachingLanguage,
    Venue,
)


@dataclass
class DomainNode:
    domain: LearningDomain
    children: list["DomainNode"] = field(default_factory=list)
    depth: int = 0


def domains_of(*, city, include_inactive: bool = False) -> QuerySet[LearningDomain]:
    domains = LearningDomain.objects.filter(city=city)
    if not include_inactive:
        domains = domains.filter(is_active=True)
    return domains.order_by("position", "name_en")


def domain_tree(*, city, include_inactive: bool = False) -> list[DomainNode]:
    """Top-level domains with their children, in the secretariat's order."""
    nodes = {d.pk: DomainNode(d) for d in domains_of(city=city, include_inactive=include_inactive)}
    roots: list[DomainNode] = []
    for node in nodes.values():
        parent = nodes.get(node.domain.parent_id)
        if parent is not None:
            parent.children.append(node)
        elif node.domain.parent_id is None:
            roots.append(node)

    def mark(items, depth):
        for item in items:
            item.depth = depth
            mark(item.children, depth + 1)

    mark(roots, 0)
    return roots


def domain_with_context(*, city, slug: str, include_inactive: bool = False):
    """One domain of the city as a tree node (with its sub-domains) and its broader domains, top first.

    `(None, [])` when the city has no such domain (or, for the public, only a retired one). One query.
    """
    tree = domain_tree(city=city, include_inactive=include_inactive)
    by_pk = {node.domain.pk: node for node in flatten(tree)}
    node = next((n for n in by_pk.values() if n.domain.slug == slug), None)
    if node is None:
        return None, []
    ancestors: list[LearningDomain] = []
    parent = by_pk.get(node.domain.parent_id)
    while parent is not None:
        ancestors.insert(0, parent.domain)
        parent = by_pk.get(parent.domain.parent_id)
    return node, ancestors


def flatten(tree: list[DomainNode]) -> list[DomainNode]:
    out: list[DomainNode] = []
    for node in tree:
        out.append(node)
        out.extend(flatten(node.children))
    return out


def top_level_domain_count(*, city) -> int:
    """One definition of "learning domains" on public pages: top-level domains in use."""
    return LearningDomain.objects.filter(city=city, is_active=True, parent__isnull=True).count()


# --- programmes: the public catalogue, its search, facets, calendar and pages ---------------------------

PAGE_SIZE = 20
MAP_POINTS_LIMIT = 500
CALENDAR_SESSIONS_LIMIT = 2000


def programmes_public(*, city) -> QuerySet[Programme]:
    """What the public may see of the catalogue: the city's published programmes."""
    return Programme.objects.filter(city=city, status=ProgrammeStatus.PUBLISHED)


def upcoming_offerings(*, today: dt.date) -> QuerySet[Offering]:
    """Offerings still to come: scheduled, first session today or later."""
    return Offering.objects.filter(status=OfferingStatus.SCHEDULED, starts_on__gte=today)


@dataclass(frozen=True)
class ProgrammeFilters:
    """What a person searches for; every part optional. Dates are Gregorian (the form converts Jalali)."""

    query: str = ""
    domain: str = ""  # slug; the domain and its sub-domains
    district: int | None = None  # number of the district of an upcoming offering's venue
    life_stage: str = ""  # Audience.code
    format: str = ""
    language: str = ""
    free: bool = False
    has_seats: bool = False  # an upcoming scheduled offering with seats left
    starts_after: dt.date | None = None
    starts_before: dt.date | None = None

    @property
    def has_offering_filter(self) -> bool:
        return bool(self.district or self.starts_after or self.starts_before or self.has_seats)


def _subtree_ids(node: DomainNode) -> list[int]:
    return [item.domain.pk for item in flatten([node])]


class _ArrayOfIds(Aggregate):
    """PostgreSQL's array_agg over ids, returned as a Python list (psycopg reads arrays as lists)."""

    function = "ARRAY_AGG"
    output_field = Field()
    allow_distinct = True


class _BoolOr(Aggregate):
    """PostgreSQL's bool_or: whether any row of the group meets a condition."""

    function = "BOOL_OR"
    output_field = BooleanField()


LIFE_STAGES = search.LIFE_STAGES


class ProgrammeSearch:
    """One search of the public catalogue: its matches, counts per filter option, results and map points.

    Every count of a filter's options is taken over the matches with every *other* filter applied, so
    each option says how many programmes choosing it would show. When a query finds nothing and the
    database can (PostgreSQL), the search switches to similar words (`fuzzy`).

    Cost: the text match runs once. The summary query (counts of the single-valued options) evaluates
    each filter's EXISTS once per matching programme and, on PostgreSQL, returns the matching ids,
    which every later query reads by primary key instead of matching the text again.
    """

    def __init__(self, *, city, filters: ProgrammeFilters, tree: list[DomainNode] | None = None,
                 today: dt.date | None = None):
        self.city = city
        self.filters = filters
        self.today = today or timezone.localdate()
        self.parsed = search.parse_query(filters.query)
        self.tree = domain_tree(city=city) if tree is None else tree
        self.nodes = flatten(self.tree)
        self.subtrees = {node.domain.pk: _subtree_ids(node) for node in self.nodes}
        self.fuzzy = False
        self._summary: dict | None = None
        self._ids: list[int] | None = None  # the matching programmes, once the summary has read them
        self._groups: list[dict] | None = None  # the summary's groups with their ids (PostgreSQL)
        self._flags: dict | None = None
        self._facts: dict[int, dict] = {}  # per matching programme: its upcoming offerings' answers

    # conditions ----------------------------------------------------------------------------------------
    def matched(self) -> QuerySet[Programme]:
        """The city's published programmes the query finds (all of them without a query)."""
        programmes = programmes_public(city=self.city)
        if not self.parsed:
            return programmes
        if self._ids is not None:
            return programmes.filter(search.engine_for().among(self._ids)) if self._ids else programmes.none()
        return search.matching(programmes, self.parsed, fuzzy=self.fuzzy)

    def offerings(self, filters: ProgrammeFilters) -> QuerySet[Offering]:
        """The upcoming offerings that meet the offering filters (district, start dates, seats left)."""
        offerings = upcoming_offerings(today=self.today)
        if filters.district:
            offerings = offerings.filter(venue__district__number=filters.district)
        if filters.starts_after:
            offerings = offerings.filter(starts_on__gte=filters.starts_after)
        if filters.starts_before:
            offerings = offerings.filter(starts_on__lte=filters.starts_before)
        if filters.has_seats:
            offerings = offerings.filter(capacity__gt=F("confirmed_count") + F("offered_count"))
        return offerings

    def _exists(self, key: tuple) -> Exists:
        kind, *values = key
        if kind == "domain":
            ids = next((self.subtrees[n.domain.pk] for n in self.nodes if n.domain.slug == values[0]), [])
            return Exists(Programme.domains.through.objects.filter(
                programme_id=OuterRef("pk"), learningdomain_id__in=ids))
        if kind == "life_stage":
            return Exists(Programme.life_stages.through.objects.filter(
                programme_id=OuterRef("pk"), audience__code=values[0]))
        district, after, before, seats = values
        filters = ProgrammeFilters(district=district, starts_after=after, starts_before=before, has_seats=seats)
        return Exists(self.offerings(filters).filter(programme_id=OuterRef("pk")))

    @staticmethod
    def _exists_keys(filters: ProgrammeFilters, *, offerings: bool = True) -> list[tuple]:
        """The filters that need an EXISTS over another table, as hashable keys."""
        keys = []
        if filters.domain:
            keys.append(("domain", filters.domain))
        if filters.life_stage:
            keys.append(("life_stage", filters.life_stage))
        if offerings and filters.has_offering_filter:
            keys.append(("offerings", filters.district, filters.starts_after, filters.starts_before,
                         filters.has_seats))
        return keys

    def programme_q(self, filters: ProgrammeFilters, *, offerings: bool = True) -> Q:
        """The filters as one condition on programmes (the query itself is in `matched`)."""
        condition = Q()
        for key in self._exists_keys(filters, offerings=offerings):
            condition &= Q(self._exists(key))
        if filters.format:
            condition &= Q(format=filters.format)
        if filters.language:
            condition &= Q(language=filters.language)
        if filters.free:
            condition &= Q(fee_rials=0)
        return condition

    # counts --------------------------------------------------------------------------------------------
    @property
    def summary(self) -> dict:
        """The number of results and the counts of the single-valued filters' options, in one query."""
        if self._summary is None:
            self._summary = self._aggregate()
            if not self._summary["total"] and self.parsed.clauses and search.supports_fuzzy():
                self.fuzzy = True
                self._summary = self._aggregate()
        return self._summary

    def _aggregate(self) -> dict:
        """One GROUP BY over the matches: format, language, free and each EXISTS the counts need, evaluated
        once per programme; the counts of every option are then sums over those few groups."""
        f = self.filters
        variants: dict[str, ProgrammeFilters] = {
            "total": f, "format_all": replace(f, format=""), "language_all": replace(f, language=""),
            "domain_all": replace(f, domain=""), "district_all": replace(f, district=None),
            "life_stage_all": replace(f, life_stage=""), "free": replace(f, free=True),
            "paid": replace(f, free=False), "has_seats": replace(f, has_seats=True),
            **{f"format:{value}": replace(f, format=value) for value in Format.values},
            **{f"language:{value}": replace(f, language=value) for value in TeachingLanguage.values},
        }
        flags: dict[tuple, str] = {}
        for variant in variants.values():
            for key in self._exists_keys(variant):
                flags.setdefault(key, f"_flag{len(flags)}")
        materialise = bool(self.parsed) and search.engine_for().materialise
        self._ids = self._groups = self._flags = self._district_counts = None
        if materialise:
            groups = self._materialised_groups(flags)
        else:
            groups = list(
                self.matched().order_by()
                .annotate(_free=ExpressionWrapper(Q(fee_rials=0), output_field=BooleanField()),
                          **{alias: self._exists(key) for key, alias in flags.items()})
                .values("format", "language", "_free", *flags.values())
                .annotate(n=Count("pk"))
            )
        passes = self._passes
        row = {name: sum(g["n"] for g in groups if passes(g, variant, flags)) for name, variant in variants.items()}
        row["paid"] = sum(g["n"] for g in groups if passes(g, variants["paid"], flags) and not g["_free"])
        row["format"] = {value: row.pop(f"format:{value}") for value in Format.values}
        row["language"] = {value: row.pop(f"language:{value}") for value in TeachingLanguage.values}
        return row

    def _materialised_groups(self, flags: dict[tuple, str]) -> list[dict]:
        """PostgreSQL: the summary in two queries that each read only what the match found.

        1. The matches grouped by format, language, free and the domain and life-stage EXISTS, with the ids
           of each group (array_agg).
        2. Their upcoming offerings grouped by programme: for each offering filter the counts need, whether
           one offering meets it (bool_or), and the districts of those meeting the dates and seats filters.
        Python then splits the groups by those answers and counts the districts, so no query has to read
        every upcoming offering of the city (what an EXISTS in the first query would make PostgreSQL do).
        """
        programme_flags = {key: alias for key, alias in flags.items() if key[0] != "offerings"}
        offering_flags = {key: alias for key, alias in flags.items() if key[0] == "offerings"}
        groups = list(
            self.matched().order_by()
            .annotate(_free=ExpressionWrapper(Q(fee_rials=0), output_field=BooleanField()),
                      **{alias: self._exists(key) for key, alias in programme_flags.items()})
            .values("format", "language", "_free", *programme_flags.values())
            .annotate(n=Count("pk"), ids=_ArrayOfIds("pk"))
        )
        self._ids = [pk for group in groups for pk in group["ids"]]
        self._flags = flags
        facts = self._offering_facts(offering_flags) if self._ids else {}
        without_district = replace(self.filters, district=None)
        combined: dict[tuple, dict] = {}
        districts: Counter = Counter()
        for index, group in enumerate(groups):
            counts_districts = self._passes(group, without_district, flags, offerings=False)
            for pk in group["ids"]:
                fact = facts.get(pk)
                answers = tuple(bool(fact[alias]) if fact else False for alias in offering_flags.values())
                combo = combined.get((index, answers))
                if combo is None:
                    combo = combined[(index, answers)] = {
                        **group, **dict(zip(offering_flags.values(), answers, strict=True)), "n": 0, "ids": []}
                combo["n"] += 1
                combo["ids"].append(pk)
                if counts_districts and fact:
                    districts.update(district for district in fact["districts"] or () if district is not None)
        self._groups = list(combined.values())
        self._district_counts = districts
        return self._groups

    def _offering_facts(self, offering_flags: dict[tuple, str]) -> dict[int, dict]:
        """Per matching programme with upcoming offerings: which offering filters one of them meets, and the
        districts of those meeting the dates and seats filters (for the district counts)."""
        def meets(key: tuple) -> Q:
            _kind, district, after, before, seats = key
            condition = Q()
            if district:
                condition &= Q(venue__district__number=district)
            if after:
                condition &= Q(starts_on__gte=after)
            if before:
                condition &= Q(starts_on__lte=before)
            if seats:
                condition &= Q(capacity__gt=F("confirmed_count") + F("offered_count"))
            return condition

        f = self.filters
        district_condition = meets(("offerings", None, f.starts_after, f.starts_before, f.has_seats))
        venue_condition = meets(("offerings", f.district, f.starts_after, f.starts_before, f.has_seats))
        aliases = list(offering_flags.values())
        rows = (
            upcoming_offerings(today=self.today).filter(search.IdIn("programme_id", self._ids))
            .order_by().values("programme_id")
            .annotate(
                districts=_ArrayOfIds("venue__district_id", distinct=True,
                                      **({"filter": district_condition} if district_condition else {})),
                venues=_ArrayOfIds("venue_id", distinct=True,
                                   **({"filter": venue_condition} if venue_condition else {})),
                **{alias: _BoolOr(ExpressionWrapper(meets(key), output_field=BooleanField()))
                   for key, alias in offering_flags.items()},
            )
            .values_list("programme_id", "districts", "venues", *aliases)
        )
        self._facts = {
            row[0]: {"districts": row[1], "venues": row[2], **dict(zip(aliases, row[3:], strict=True))}
            for row in rows
        }
        return self._facts

    def _passes(self, group: dict, variant: ProgrammeFilters, flags: dict, *, offerings: bool = True) -> bool:
        """Whether the programmes of one summary group meet the filters `variant`."""
        return (
            all(group[flags[key]] for key in self._exists_keys(variant, offerings=offerings))
            and (not variant.format or group["format"] == variant.format)
            and (not variant.language or group["language"] == variant.language)
            and (not variant.free or bool(group["_free"]))
        )

    def _ids_meeting(self, variant: ProgrammeFilters, *, offerings: bool = True) -> list[int]:
        """PostgreSQL, after the summary: the ids of the matches that meet `variant`, from its groups."""
        return [pk for group in self._groups if self._passes(group, variant, self._flags, offerings=offerings)
                for pk in group["ids"]]

    def _programme_ids(self, variant: ProgrammeFilters, column: str, *, offerings: bool = True):
        """A condition on `column` (a programme id): among the matches that meet `variant`.

        On PostgreSQL the ids come from the summary's groups, so no query reads the programmes again;
        elsewhere it is a subquery.
        """
        self.summary  # noqa: B018
        if self._groups is not None:
            return search.engine_for().among(self._ids_meeting(variant, offerings=offerings), column)
        subquery = self.matched().filter(self.programme_q(variant, offerings=offerings)).values("pk")
        return Q(**{f"{column}__in": subquery})

    @property
    def total(self) -> int:
        return self.summary["total"]

    def domain_facets(self) -> list[dict]:
        """Every domain of the tree (in order, with its depth) and how many matches it has with its sub-domains."""
        self.summary  # noqa: B018  (decides whether the search is fuzzy)
        if not self.nodes:
            return []
        among = self._programme_ids(replace(self.filters, domain=""), "programme_id")
        counts = Programme.domains.through.objects.filter(among).aggregate(**{
            f"d{pk}": Count("programme_id", distinct=True, filter=Q(learningdomain_id__in=subtree))
            for pk, subtree in self.subtrees.items()
        })
        return [{"value": node.domain.slug, "domain": node.domain, "depth": node.depth,
                 "count": counts[f"d{node.domain.pk}"] or 0} for node in self.nodes]

    def district_facets(self, *, with_centres: bool = False) -> list[dict]:
        """The city's districts (the list the district filter accepts) with how many matches meet there, in one
        query; with `with_centres`, each with the (lat, lon) centre of its boundary as `centroid`."""
        self.summary  # noqa: B018
        without = replace(self.filters, district=None)
        fields = ["pk", "number", "name_fa", "name_en", *(["boundary"] if with_centres else [])]
        districts = District.objects.filter(city=self.city).order_by("number")
        if self._district_counts is None:
            among = self._programme_ids(without, "programme_id", offerings=False)
            per_district = (
                self.offerings(without).filter(among, venue__district_id=OuterRef("pk"))
                .order_by().values("venue__district_id").annotate(n=Count("programme_id", distinct=True)).values("n")
            )
            districts = districts.annotate(count=Coalesce(Subquery(per_district), 0))
            fields.append("count")
        rows = []
        for row in districts.values(*fields):
            count = row.pop("count") if "count" in row else self._district_counts.get(row["pk"], 0)
            boundary = row.pop("boundary", None)
            rows.append({**row, "value": row["number"], "count": count,
                         "name": localized(SimpleNamespace(**row), "name"),
                         "centroid": geometry_centroid(boundary) if with_centres else None})
        return rows

    def life_stage_facets(self) -> list[dict]:
        """The life stages (children ... seniors) with how many matches are for each."""
        self.summary  # noqa: B018
        among = self._programme_ids(replace(self.filters, life_stage=""), "programme_id")
        counts = dict(
            Programme.life_stages.through.objects.filter(among)
            .order_by().values_list("audience__code").annotate(n=Count("programme_id", distinct=True))
        )
        return [{"value": code, "name": name, "count": counts.get(code, 0)} for code, name in LIFE_STAGES]

    # results -------------------------------------------------------------------------------------------
    def results(self, *, sort: str = "", near: tuple[float, float] | None = None,
                district_centroids: dict[int, tuple[float, float]] | None = None,
                cards: bool = True) -> QuerySet[Programme]:
        """The matches in the chosen order, with their provider.

        For cards (`cards=True`), each programme carries, without further queries, `domain_ids` (raw; see
        `with_card_domains`) and its first upcoming offering that meets the filters: `next_starts_on`,
        `next_district_fa`/`_en`, `next_seats_left`. Otherwise (the API) the domains, life stages and those
        upcoming offerings (`upcoming_offerings`) are prefetched.
        """
        self.summary  # noqa: B018
        if self._groups is not None:
            programmes = programmes_public(city=self.city).filter(self._programme_ids(self.filters, "pk"))
        else:
            programmes = self.matched().filter(self.programme_q(self.filters))
        offerings = self.offerings(self.filters)
        first = offerings.filter(programme_id=OuterRef("pk")).order_by("starts_on", "pk")
        programmes = programmes.annotate(next_starts_on=Subquery(first.values("starts_on")[:1]))
        sort = self.effective_sort(sort, near)
        if sort == search.Sort.RELEVANCE:
            programmes = search.ranked(programmes, self.parsed, fuzzy=self.fuzzy).order_by(
                "-search_rank", "-published_at", "-pk")
        elif sort == search.Sort.NEAREST:
            nearest = (
                offerings.filter(programme_id=OuterRef("pk"))
                .annotate(distance=_distance_expression(near, district_centroids or {}))
                .filter(distance__isnull=False).order_by("distance").values("distance")[:1]
            )
            programmes = programmes.alias(distance=Subquery(nearest)).order_by(
                F("distance").asc(nulls_last=True), "-published_at", "-pk")
        elif sort == search.Sort.NEWEST:
            programmes = programmes.order_by("-published_at", "-pk")
        else:
            programmes = programmes.order_by(F("next_starts_on").asc(nulls_last=True), "-published_at", "-pk")
        programmes = programmes.select_related("institution")
        if not cards:
            return programmes.prefetch_related(
                Prefetch("domains", queryset=LearningDomain.objects.order_by("position", "name_en")),
                Prefetch("life_stages", queryset=Audience.objects.order_by("position")),
                Prefetch("offerings", queryset=offerings.select_related("venue__district").order_by("starts_on", "pk"),
                         to_attr="upcoming_offerings"),
            )
        seats = ExpressionWrapper(F("capacity") - F("confirmed_count") - F("offered_count"),
                                  output_field=IntegerField())
        return programmes.annotate(
            domain_ids=search.domain_ids_of_programme(),
            next_district_fa=Subquery(first.values("venue__district__name_fa")[:1]),
            next_district_en=Subquery(first.values("venue__district__name_en")[:1]),
            next_seats_left=Subquery(first.annotate(left=seats).values("left")[:1]),
        )

    def with_card_domains(self, programmes) -> list[Programme]:
        """The programmes of a page of `results()` with `card_domains`: their domains from the tree in memory
        (retired domains are left out) and `next_district` in the page's language."""
        by_pk = {node.domain.pk: node.domain for node in self.nodes}
        page = list(programmes)
        for programme in page:
            raw = programme.domain_ids or []
            ids = [int(pk) for pk in (raw.split(",") if isinstance(raw, str) else raw) if pk]
            programme.card_domains = sorted((by_pk[pk] for pk in set(ids) if pk in by_pk),
                                            key=lambda d: (d.position, d.name_en))
            programme.next_district = localized(
                SimpleNamespace(name_fa=programme.next_district_fa, name_en=programme.next_district_en), "name")
        return page

    def effective_sort(self, sort: str, near=None) -> str:
        """The order actually used: relevance needs a query, nearest needs a district; else soonest."""
        if sort == search.Sort.NEAREST and near is not None:
            return sort
        if sort == search.Sort.NEWEST:
            return sort
        if sort in ("", search.Sort.RELEVANCE) and self.parsed.clauses:
            return search.Sort.RELEVANCE
        return search.Sort.SOONEST

    def map_points(self, *, limit: int = MAP_POINTS_LIMIT) -> list[dict]:
        """The venues (with coordinates) where the results' upcoming offerings that meet the filters take
        place: one query, at most `limit` venues, none without results."""
        if not self.total:
            return []
        venues = Venue.objects.filter(latitude__isnull=False, longitude__isnull=False)
        if self._groups is not None:
            venue_ids: set[int] = set()
            for pk in self._ids_meeting(self.filters):
                venue_ids.update(v for v in (self._facts.get(pk) or {}).get("venues") or () if v is not None)
            venues = venues.filter(pk__in=sorted(venue_ids)[: limit * 2])
        else:
            among = self._programme_ids(self.filters, "programme_id", offerings=False)
            venues = venues.filter(pk__in=self.offerings(self.filters).filter(among).values("venue_id"))
        return list(venues.order_by("pk").values("pk", "name_fa", "name_en", "latitude", "longitude")[:limit])


def _distance_expression(near: tuple[float, float], centroids: dict[int, tuple[float, float]]):
    """Squared distance (degrees, longitude scaled by the latitude) from `near` to an offering's venue,
    or to the centroid of the venue's district when the venue has no coordinates."""
    lat0, lon0 = near
    scale = math.cos(math.radians(lat0))
    lat = Cast("venue__latitude", FloatField())
    lon = Cast("venue__longitude", FloatField())
    d_lat = lat - Value(lat0)
    d_lon = (lon - Value(lon0)) * Value(scale)
    by_district = [
        When(venue__district_id=pk, then=Value(_squared_distance(near, centroid, scale)))
        for pk, centroid in centroids.items() if centroid is not None
    ]
    return Case(
        When(venue__latitude__isnull=False, venue__longitude__isnull=False, then=d_lat * d_lat + d_lon * d_lon),
        *by_district, default=None, output_field=FloatField(),
    )


def _squared_distance(a: tuple[float, float], b: tuple[float, float], scale: float) -> float:
    return (a[0] - b[0]) ** 2 + ((a[1] - b[1]) * scale) ** 2


def geometry_centroid(geometry: dict | None) -> tuple[float, float] | None:
    """(lat, lon) of the area-weighted centre of a GeoJSON Polygon or MultiPolygon (outer rings), else of
    its points; None when there is nothing to measure."""
    if not isinstance(geometry, dict):
        return None
    if geometry.get("type") == "Feature":
        return geometry_centroid(geometry.get("geometry"))
    kind, coordinates = geometry.get("type"), geometry.get("coordinates") or []
    polygons = [coordinates] if kind == "Polygon" else coordinates if kind == "MultiPolygon" else []
    area_sum = x_sum = y_sum = 0.0
    points: list[tuple[float, float]] = []
    try:
        for polygon in polygons:
            ring = [(float(p[0]), float(p[1])) for p in (polygon[0] if polygon else [])]
            points.extend(ring)
            for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
                cross = x1 * y2 - x2 * y1
                area_sum += cross
                x_sum += (x1 + x2) * cross
                y_sum += (y1 + y2) * cross
        if kind == "Point":
            points = [(float(coordinates[0]), float(coordinates[1]))]
    except (TypeError, ValueError, IndexError):
        return None
    if abs(area_sum) > 1e-12:
        return (y_sum / (3 * area_sum), x_sum / (3 * area_sum))
    if points:
        return (sum(p[1] for p in points) / len(points), sum(p[0] for p in points) / len(points))
    return None


# --- one programme, its offerings and sessions -----------------------------------------------------------

def _shown_offerings(today: dt.date) -> QuerySet[Offering]:
    """The offerings a programme page lists: not over yet (cancelled ones too, marked as such)."""
    return (
        Offering.objects.exclude(status=OfferingStatus.FINISHED)
        .filter(Q(ends_on__gte=today) | Q(ends_on__isnull=True))
        .select_related("venue__district")
        .prefetch_related(Prefetch("sessions", queryset=Session.objects.select_related("venue__district")
                                   .order_by("starts_at", "pk")))
        .order_by("starts_on", "pk")
    )


def programme_public_detail(*, city, pk: int, today: dt.date | None = None) -> Programme | None:
    """A published programme of the city with everything its page shows (`shown_offerings` with sessions);
    None when the public may not see it."""
    today = today or timezone.localdate()
    return (
        programmes_public(city=city).filter(pk=pk)
        .select_related("institution")
        .prefetch_related(
            Prefetch("domains", queryset=LearningDomain.objects.order_by("position", "name_en")),
            Prefetch("life_stages", queryset=Audience.objects.order_by("position")),
            Prefetch("target_groups", queryset=Audience.objects.order_by("position")),
            Prefetch("offerings", queryset=_shown_offerings(today), to_attr="shown_offerings"),
        )
        .first()
    )


def offering_public(*, city, pk: int, programme_pk: int | None = None) -> Offering | None:
    """An offering of a published programme of the city, with its programme, venue and sessions."""
    offerings = Offering.objects.filter(
        pk=pk, city=city, programme__city=city, programme__status=ProgrammeStatus.PUBLISHED)
    if programme_pk is not None:
        offerings = offerings.filter(programme_id=programme_pk)
    return (
        offerings.select_related("programme__institution", "venue__district")
        .prefetch_related(Prefetch("sessions", queryset=Session.objects.select_related("venue__district")
                                   .order_by("starts_at", "pk")))
        .first()
    )


def sessions_between(*, city, start: dt.datetime, end: dt.datetime, programme_ids: QuerySet | None = None,
                     district: int | None = None, limit: int = CALENDAR_SESSIONS_LIMIT) -> list[Session]:
    """Sessions in [start, end) of the city's published programmes' offerings that are not cancelled."""
    sessions = Session.objects.filter(
        offering__city=city, offering__programme__status=ProgrammeStatus.PUBLISHED,
        starts_at__gte=start, starts_at__lt=end,
    ).exclude(offering__status=OfferingStatus.CANCELLED)
    if programme_ids is not None:
        sessions = sessions.filter(offering__programme_id__in=programme_ids)
    if district:
        sessions = sessions.filter(offering__venue__district__number=district)
    return list(
        sessions.select_related("offering__programme", "offering__venue__district", "venue")
        .order_by("starts_at", "pk")[:limit]
    )


# --- the search page and the API's list: a form in, a search with its facets out ---------------------------

@dataclass
class SearchOutcome:
    """A search as the page and the API show it: the form (with any errors), the search and its facets."""

    form: "search.ProgrammeSearchForm"
    search: ProgrammeSearch
    domain_facets: list[dict]
    district_facets: list[dict]
    life_stage_facets: list[dict]
    sort: str  # the order in use
    requested_sort: str
    near: dict | None  # the district the results are sorted by distance from

    def results(self, *, cards: bool = True) -> QuerySet[Programme]:
        centroids = {d["pk"]: d["centroid"] for d in self.district_facets}
        centre = self.near["centroid"] if self.near else None
        return self.search.results(sort=self.sort, near=centre, district_centroids=centroids, cards=cards)


def _filters_of(form) -> ProgrammeFilters:
    value = form.value_of
    return ProgrammeFilters(
        query=value("q") or "", domain=value("domain") or "", district=value("district"),
        life_stage=value("life_stage") or "", format=value("format") or "", language=value("language") or "",
        free=bool(value("free")), has_seats=bool(value("has_seats")),
        starts_after=value("starts_after"), starts_before=value("starts_before"),
    )


def programme_search_outcome(*, city, data, iso_dates: bool = False, today: dt.date | None = None) -> SearchOutcome:
    """Read a search from query parameters, check them against the city's lists, run it with its facets.

    Values the city does not have (a district number, a life stage) are shown as errors and left out.
    """
    tree = domain_tree(city=city)
    form = search.ProgrammeSearchForm(
        data, iso_dates=iso_dates,
        domain_choices=[(node.domain.slug, node.domain.name) for node in flatten(tree)],
    )
    form.is_valid()
    requested = form.value_of("sort") or ""
    for _attempt in range(2):
        found = ProgrammeSearch(city=city, filters=_filters_of(form), tree=tree, today=today)
        districts = found.district_facets(with_centres=requested == search.Sort.NEAREST)
        if not found.filters.district or found.filters.district in {d["number"] for d in districts}:
            break
        form.reject("district", _("The city has no district with this number."))
    by_number = {d["number"]: d for d in districts}
    near_number = form.value_of("near")
    if near_number and near_number not in by_number:
        form.reject("near", _("The city has no district with this number."))
        near_number = None
    near = by_number.get(near_number or found.filters.district) if requested == search.Sort.NEAREST else None
    if near and near["centroid"] is None:
        near = None  # a district without a boundary has no centre to measure from
    return SearchOutcome(
        form=form, search=found, domain_facets=found.domain_facets(), district_facets=districts,
        life_stage_facets=found.life_stage_facets(), sort=found.effective_sort(requested, near),
        requested_sort=requested, near=near,
    )
