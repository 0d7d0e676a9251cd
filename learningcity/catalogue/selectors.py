"""Reads of the catalogue: the learning-domain taxonomy (one query, a tree in memory), and the public
programme search, its facet counts, programme pages, offerings and the sessions calendar."""

import datetime as dt
import hashlib
import math
from dataclasses import dataclass, field, replace
from types import SimpleNamespace

from django.core.cache import cache
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
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
# How long a search's counts and first results are kept (PostgreSQL). They are kept under the search table's
# version, so any change a search could see makes a new entry: this only bounds the cache's size. 0: none.
SEARCH_CACHE_SECONDS = 600


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


LIFE_STAGES = search.LIFE_STAGES


class ProgrammeSearch:
    """One search of the public catalogue: its matches, counts per filter option, results and map points.

    Every count of a filter's options is taken over the matches with every *other* filter applied, so
    each option says how many programmes choosing it would show. When a query finds nothing and the
    database can (PostgreSQL), the search switches to similar words (`fuzzy`).

    PostgreSQL reads the search table (migration 0005): one statement finds the matches, counts every
    option and orders the first page (`search.FacetedSearch`); the page's programmes and the map's venues
    are then read by id. Elsewhere (SQLite) the counts are ORM queries over the programme tables, with an
    EXISTS per filter. Both give the same numbers (tests compare them on PostgreSQL).
    `sort` is the order the caller means to ask `results()` for, so the statement can prepare it.
    """

    def __init__(self, *, city, filters: ProgrammeFilters, tree: list[DomainNode] | None = None,
                 today: dt.date | None = None, sort: str = "", use_search_table: bool | None = None):
        self.city = city
        self.filters = filters
        self.today = today or timezone.localdate()
        self.parsed = search.parse_query(filters.query)
        self.tree = domain_tree(city=city) if tree is None else tree
        self.nodes = flatten(self.tree)
        self.subtrees = {node.domain.pk: _subtree_ids(node) for node in self.nodes}
        self.sort_hint = sort
        self.uses_table = search.engine_for().search_table if use_search_table is None else use_search_table
        self.fuzzy = False
        self._summary: dict | None = None
        self._found: search.FacetRows | None = None  # what the statement over the search table returned
        self._found_order = ""
        self._flags: dict[tuple, str] = {}
        self._districts: list[dict] | None = None
        self._version: int | None = None

    # conditions ----------------------------------------------------------------------------------------
    def matched(self) -> QuerySet[Programme]:
        """The city's published programmes the query finds (all of them without a query)."""
        programmes = programmes_public(city=self.city)
        if not self.parsed:
            return programmes
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

    def _domain_ids(self, slug: str) -> list[int]:
        return next((self.subtrees[n.domain.pk] for n in self.nodes if n.domain.slug == slug), [])

    def _exists(self, key: tuple) -> Exists:
        kind, *values = key
        if kind == "domain":
            return Exists(Programme.domains.through.objects.filter(
                programme_id=OuterRef("pk"), learningdomain_id__in=self._domain_ids(values[0])))
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
        """The number of results and the counts of the single-valued filters' options."""
        if self._summary is None:
            self._summary = self._count()
            if not self._summary["total"] and self.parsed.clauses and search.supports_fuzzy():
                self.fuzzy = True
                self._summary = self._count()
        return self._summary

    def _variants(self) -> dict[str, ProgrammeFilters]:
        """The filters each count is taken with: the search's own, and each with one filter changed."""
        f = self.filters
        return {
            "total": f, "format_all": replace(f, format=""), "language_all": replace(f, language=""),
            "domain_all": replace(f, domain=""), "district_all": replace(f, district=None),
            "life_stage_all": replace(f, life_stage=""), "free": replace(f, free=True),
            "paid": replace(f, free=False), "has_seats": replace(f, has_seats=True),
            **{f"format:{value}": replace(f, format=value) for value in Format.values},
            **{f"language:{value}": replace(f, language=value) for value in TeachingLanguage.values},
        }

    def _count(self) -> dict:
        """Groups of matches by format, language, free and one yes/no per filter that needs another table,
        each filter evaluated once per programme; every count is then a sum over those few groups."""
        variants = self._variants()
        flags: dict[tuple, str] = {}
        for variant in variants.values():
            for key in self._exists_keys(variant):
                flags.setdefault(key, f"_flag{len(flags)}")
        if self.uses_table:
            groups = self._run_statement(flags)
        else:
            groups = list(
                self.matched().order_by()
                .annotate(_free=ExpressionWrapper(Q(fee_rials=0), output_field=BooleanField()),
                          **{alias: self._exists(key) for key, alias in flags.items()})
                .values("format", "language", "_free", *flags.values())
                .annotate(n=Count("pk"))
            )
        tests = {name: self._test(variant, flags) for name, variant in variants.items()}
        row = {name: sum(g["n"] for g in groups if test(g)) for name, test in tests.items()}
        row["paid"] = sum(g["n"] for g in groups if tests["paid"](g) and not g["_free"])
        row["format"] = {value: row.pop(f"format:{value}") for value in Format.values}
        row["language"] = {value: row.pop(f"language:{value}") for value in TeachingLanguage.values}
        return row

    def _test(self, variant: ProgrammeFilters, flags: dict):
        """Whether the programmes of one summary group meet the filters `variant`, as a function of the group."""
        aliases = [flags[key] for key in self._exists_keys(variant)]
        format_, language, free = variant.format, variant.language, variant.free

        def passes(group: dict) -> bool:
            return (all(group[alias] for alias in aliases) and (not format_ or group["format"] == format_)
                    and (not language or group["language"] == language) and (not free or bool(group["_free"])))

        return passes

    # the search table (PostgreSQL) ---------------------------------------------------------------------
    @staticmethod
    def _offering_test(filters: ProgrammeFilters) -> search.OfferingTest:
        # District 0 filters nothing, as in `offerings` (the form takes numbers from 1).
        return search.OfferingTest(district=filters.district or None, after=filters.starts_after,
                                   before=filters.starts_before, seats=filters.has_seats)

    def _flag_sql(self, key: tuple) -> tuple[str, list]:
        kind, *values = key
        if kind == "domain":
            return search.FacetedSearch.domain_sql(self._domain_ids(values[0]))
        if kind == "life_stage":
            return search.FacetedSearch.life_stage_sql(values[0])
        district, after, before, seats = values
        return search.EntrySQL(self.today).meets(self._offering_test(ProgrammeFilters(
            district=district, starts_after=after, starts_before=before, has_seats=seats)))

    def _where(self, variant: ProgrammeFilters, flags: dict, *, offerings: bool = True) -> tuple[str, list]:
        """`variant` as a condition on the statement's matches (their columns and flags)."""
        parts, params = [flags[key] for key in self._exists_keys(variant, offerings=offerings)], []
        if variant.format:
            parts.append("format = %s")
            params.append(variant.format)
        if variant.language:
            parts.append("language = %s")
            params.append(variant.language)
        if variant.free:
            parts.append("is_free")
        return " AND ".join(parts) or "TRUE", params

    def _statement(self, flags: dict, *, order: str, limit: int = 0, offset: int = 0,
                   with_all_ids: bool = False, only_order: bool = False) -> search.FacetedSearch:
        f = self.filters
        return search.FacetedSearch(
            city_id=self.city.pk, parsed=self.parsed, fuzzy=self.fuzzy, today=self.today,
            flags={alias: self._flag_sql(key) for key, alias in flags.items()},
            where_all=self._where(f, flags), where_domains=self._where(replace(f, domain=""), flags),
            where_life_stages=self._where(replace(f, life_stage=""), flags),
            where_districts=self._where(replace(f, district=None), flags, offerings=False),
            offerings=self._offering_test(f),
            district_numbers=[] if only_order else [d["number"] for d in self._district_rows()],
            order=order, limit=limit, offset=offset, with_all_ids=with_all_ids, only_order=only_order,
        )

    def _table_order(self, sort: str) -> str:
        """The order the statement prepares for `sort` (nearest is ordered later, by the ORM)."""
        effective = self.effective_sort(sort, near=(0.0, 0.0))
        return search.Sort.SOONEST if effective == search.Sort.NEAREST else effective

    def _run_statement(self, flags: dict) -> list[dict]:
        self._found_order = self._table_order(self.sort_hint)
        statement = self._statement(flags, order=self._found_order, limit=PAGE_SIZE,
                                    with_all_ids=self.sort_hint == search.Sort.NEAREST)
        self._flags = flags
        self._found = self._execute(statement)
        return self._found.groups

    def _ordered_ids(self, sort: str, start: int, stop: int) -> list[int]:
        """The ids of the results `start` to `stop` in the order `sort` (the statement's first page when it
        has them; otherwise a statement that only orders)."""
        order = self._table_order(sort)
        prepared = self._found.ordered_ids
        if order == self._found_order and (stop <= len(prepared) or len(prepared) < PAGE_SIZE):
            return prepared[start:stop]
        if stop <= start:
            return []
        statement = self._statement(self._flags, order=order, limit=stop - start, offset=start, only_order=True)
        return self._execute(statement).ordered_ids

    def _all_ids(self) -> list[int]:
        if self._found.all_ids is None:
            statement = self._statement(self._flags, order=search.Sort.NEWEST, limit=0, with_all_ids=True,
                                        only_order=True)
            self._found.all_ids = self._execute(statement).all_ids or []
        return self._found.all_ids

    def _execute(self, statement: search.FacetedSearch) -> search.FacetRows:
        """Run a statement, or take what it returned before at the search table's current version."""
        sql, params = statement.statement()
        with connection.cursor() as cursor:
            if not SEARCH_CACHE_SECONDS:
                return statement.run(cursor, (sql, params))
            if self._version is None:
                self._version = search.table_version(cursor)
            key = "catalogue-search:" + hashlib.sha256(repr((self._version, sql, params)).encode()).hexdigest()
            found = cache.get(key)
            if found is None:
                found = statement.run(cursor, (sql, params))
                cache.set(key, found, SEARCH_CACHE_SECONDS)
            return found

    def _district_rows(self, with_centres: bool = False) -> list[dict]:
        """The city's districts, read once (with their boundaries when the search sorts by distance)."""
        centres = with_centres or self.sort_hint == search.Sort.NEAREST
        if self._districts is None or (centres and self._districts and "boundary" not in self._districts[0]):
            fields = ["pk", "number", "name_fa", "name_en", *(["boundary"] if centres else [])]
            self._districts = list(District.objects.filter(city=self.city).order_by("number").values(*fields))
        return self._districts

    # counts of the multi-valued filters ----------------------------------------------------------------
    def _programme_ids(self, variant: ProgrammeFilters, column: str, *, offerings: bool = True) -> Q:
        """A condition on `column` (a programme id): among the matches that meet `variant` (a subquery)."""
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
        if self._found is not None:
            groups = [(set(ids), n) for ids, n in self._found.domain_groups]
            counts = {f"d{pk}": sum(n for ids, n in groups if ids.intersection(subtree))
                      for pk, subtree in self.subtrees.items()}
        else:
            among = self._programme_ids(replace(self.filters, domain=""), "programme_id")
            counts = Programme.domains.through.objects.filter(among).aggregate(**{
                f"d{pk}": Count("programme_id", distinct=True, filter=Q(learningdomain_id__in=subtree))
                for pk, subtree in self.subtrees.items()
            })
        return [{"value": node.domain.slug, "domain": node.domain, "depth": node.depth,
                 "count": counts[f"d{node.domain.pk}"] or 0} for node in self.nodes]

    def district_facets(self, *, with_centres: bool = False) -> list[dict]:
        """The city's districts (the list the district filter accepts) with how many matches meet there; with
        `with_centres`, each with the (lat, lon) centre of its boundary as `centroid`."""
        self.summary  # noqa: B018
        if self._found is not None:
            counts = self._found.districts
            districts = [{**row, "count": counts.get(row["number"], 0)} for row in self._district_rows(with_centres)]
        else:
            without = replace(self.filters, district=None)
            among = self._programme_ids(without, "programme_id", offerings=False)
            per_district = (
                self.offerings(without).filter(among, venue__district_id=OuterRef("pk"))
                .order_by().values("venue__district_id").annotate(n=Count("programme_id", distinct=True)).values("n")
            )
            fields = ["pk", "number", "name_fa", "name_en", *(["boundary"] if with_centres else []), "count"]
            districts = (District.objects.filter(city=self.city).order_by("number")
                         .annotate(count=Coalesce(Subquery(per_district), 0)).values(*fields))
        rows = []
        for row in districts:
            row = dict(row)
            boundary = row.pop("boundary", None)
            rows.append({**row, "value": row["number"], "name": localized(SimpleNamespace(**row), "name"),
                         "centroid": geometry_centroid(boundary) if with_centres else None})
        return rows

    def life_stage_facets(self) -> list[dict]:
        """The life stages (children ... seniors) with how many matches are for each."""
        self.summary  # noqa: B018
        if self._found is not None:
            counts = self._found.life_stages
        else:
            among = self._programme_ids(replace(self.filters, life_stage=""), "programme_id")
            counts = dict(
                Programme.life_stages.through.objects.filter(among)
                .order_by().values_list("audience__code").annotate(n=Count("programme_id", distinct=True))
            )
        return [{"value": code, "name": name, "count": counts.get(code, 0)} for code, name in LIFE_STAGES]

    # results -------------------------------------------------------------------------------------------
    def results(self, *, sort: str = "", near: tuple[float, float] | None = None,
                district_centroids: dict[int, tuple[float, float]] | None = None,
                cards: bool = True) -> "QuerySet[Programme] | SearchResults":
        """The matches in the chosen order, with their provider: a queryset, or on PostgreSQL (but for the
        nearest order) `SearchResults`, which reads a page of them when sliced.

        For cards (`cards=True`), each programme carries `domain_ids` (raw; `with_card_domains` does the rest
        for a page). Otherwise (the API) the domains, life stages and the upcoming offerings that meet the
        filters (`upcoming_offerings`) are prefetched.
        """
        self.summary  # noqa: B018
        sort = self.effective_sort(sort, near)
        if self._found is not None and sort != search.Sort.NEAREST:
            return SearchResults(self, sort=sort, cards=cards)
        if self._found is not None:
            programmes = programmes_public(city=self.city).filter(search.IdIn("id", self._all_ids()))
        else:
            programmes = self.matched().filter(self.programme_q(self.filters))
        programmes = self.decorate(programmes, cards=cards)
        if sort == search.Sort.RELEVANCE:
            return search.ranked(programmes, self.parsed, fuzzy=self.fuzzy).order_by(
                "-search_rank", "-published_at", "-pk")
        if sort == search.Sort.NEAREST:
            nearest = (
                self.offerings(self.filters).filter(programme_id=OuterRef("pk"))
                .annotate(distance=_distance_expression(near, district_centroids or {}))
                .filter(distance__isnull=False).order_by("distance").values("distance")[:1]
            )
            return programmes.alias(distance=Subquery(nearest)).order_by(
                F("distance").asc(nulls_last=True), "-published_at", "-pk")
        if sort == search.Sort.NEWEST:
            return programmes.order_by("-published_at", "-pk")
        first = self.offerings(self.filters).filter(programme_id=OuterRef("pk")).order_by("starts_on", "pk")
        return programmes.alias(next_start=Subquery(first.values("starts_on")[:1])).order_by(
            F("next_start").asc(nulls_last=True), "-published_at", "-pk")

    def decorate(self, programmes: QuerySet[Programme], *, cards: bool = True) -> QuerySet[Programme]:
        """Programmes with what a result shows: for cards their domain ids (the rest comes with
        `with_card_domains`), for the API its prefetches (see `results`)."""
        programmes = programmes.select_related("institution")
        if not cards:
            return programmes.prefetch_related(
                Prefetch("domains", queryset=LearningDomain.objects.order_by("position", "name_en")),
                Prefetch("life_stages", queryset=Audience.objects.order_by("position")),
                Prefetch("offerings", queryset=self.offerings(self.filters).select_related("venue__district")
                         .order_by("starts_on", "pk"), to_attr="upcoming_offerings"),
            )
        return programmes.annotate(domain_ids=search.domain_ids_of_programme())

    def with_card_domains(self, programmes) -> list[Programme]:
        """The programmes of a page of `results()` ready for cards (one query for the page): `card_domains`,
        their domains from the tree in memory (retired domains are left out), and their first upcoming
        offering that meets the filters: `next_starts_on`, `next_district` (in the page's language) and
        `next_seats_left`."""
        by_pk = {node.domain.pk: node.domain for node in self.nodes}
        page = list(programmes)
        first: dict[int, dict] = {}
        rows = (
            self.offerings(self.filters).filter(programme_id__in=[p.pk for p in page])
            .order_by("programme_id", "starts_on", "pk")
            .values("programme_id", "starts_on", "capacity", "confirmed_count", "offered_count",
                    "venue__district__name_fa", "venue__district__name_en")
        )
        for row in rows if page else ():
            first.setdefault(row["programme_id"], row)
        for programme in page:
            raw = programme.domain_ids or []
            ids = [int(pk) for pk in (raw.split(",") if isinstance(raw, str) else raw) if pk]
            programme.card_domains = sorted((by_pk[pk] for pk in set(ids) if pk in by_pk),
                                            key=lambda d: (d.position, d.name_en))
            offering = first.get(programme.pk)
            programme.next_starts_on = offering["starts_on"] if offering else None
            programme.next_seats_left = (offering["capacity"] - offering["confirmed_count"] - offering["offered_count"]
                                         if offering else None)
            programme.next_district = localized(SimpleNamespace(
                name_fa=offering and offering["venue__district__name_fa"],
                name_en=offering and offering["venue__district__name_en"]), "name")
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
        if self._found is not None:
            venues = venues.filter(search.IdIn("id", self._found.venue_ids))
        else:
            among = self._programme_ids(self.filters, "programme_id", offerings=False)
            venues = venues.filter(pk__in=self.offerings(self.filters).filter(among).values("venue_id"))
        return list(venues.order_by("pk").values("pk", "name_fa", "name_en", "latitude", "longitude")[:limit])


class SearchResults:
    """The results of a PostgreSQL search in their order, read a page at a time: slicing reads those
    programmes (one query, decorated like `ProgrammeSearch.results`); `Paginator` takes it as it is."""

    ordered = True

    def __init__(self, found: ProgrammeSearch, *, sort: str, cards: bool):
        self.found = found
        self.sort = sort
        self.cards = cards

    def count(self) -> int:
        return self.found.total

    def __len__(self) -> int:
        return self.found.total

    def __iter__(self):
        return iter(self[0:len(self)])

    def __getitem__(self, index):
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                raise ValueError("SearchResults slices take no step")
            return self._read(start, stop)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._read(index, index + 1)[0]

    def _read(self, start: int, stop: int) -> list[Programme]:
        ids = self.found._ordered_ids(self.sort, start, stop)  # noqa: SLF001
        if not ids:
            return []
        programmes = programmes_public(city=self.found.city).filter(search.IdIn("id", ids))
        by_pk = {p.pk: p for p in self.found.decorate(programmes, cards=self.cards)}
        return [by_pk[pk] for pk in ids if pk in by_pk]


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
        found = ProgrammeSearch(city=city, filters=_filters_of(form), tree=tree, today=today, sort=requested)
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
