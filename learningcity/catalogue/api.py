"""Public API of the catalogue: the learning-domain taxonomy, programme search with facet counts, programmes
and offerings. Staff writes (POST/PATCH /programmes, POST /offerings) live in api_console.py on this same
`router` and may answer with the schemas below (`ProgrammeOut`, `ProgrammeDetailOut`, `OfferingOut`), which
read straight from model instances.

Paths, for methods added elsewhere to merge with these: "/programmes", "/programmes/{programme_id}",
"/offerings/{offering_id}".
"""

import datetime as dt
from decimal import Decimal

from django.core.paginator import EmptyPage, Paginator
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema

from learningcity.core.errors import DomainError, NotFound

from .models import Offering, Programme
from .selectors import (
    PAGE_SIZE,
    domain_tree,
    offering_public,
    programme_public_detail,
    programme_search_outcome,
    upcoming_offerings,
)

router = Router(tags=["catalogue"])


class DomainOut(Schema):
    slug: str
    name_fa: str
    name_en: str
    description_fa: str
    description_en: str
    children: list["DomainOut"] = []


DomainOut.model_rebuild()


def _out(node) -> DomainOut:
    d = node.domain
    return DomainOut(slug=d.slug, name_fa=d.name_fa, name_en=d.name_en, description_fa=d.description_fa,
                     description_en=d.description_en, children=[_out(child) for child in node.children])


@router.get("/domains", response=list[DomainOut])
def list_domains(request):
    """The request city's domains as a tree."""
    return [_out(node) for node in domain_tree(city=request.city)]


# --- schemas of programmes and offerings ----------------------------------------------------------------

def _absolute(context, path: str) -> str:
    request = (context or {}).get("request")
    return request.build_absolute_uri(path) if request is not None else path


class InstitutionRefOut(Schema):
    slug: str
    name_fa: str
    name_en: str
    url: str

    @staticmethod
    def resolve_url(obj, context) -> str:
        return _absolute(context, obj.get_absolute_url())


class VenueOut(Schema):
    id: int
    name_fa: str
    name_en: str
    address_fa: str
    address_en: str
    district: int | None = None  # the district's number
    latitude: float | None = None
    longitude: float | None = None

    @staticmethod
    def resolve_district(obj) -> int | None:
        return obj.district.number if obj.district_id else None

    @staticmethod
    def resolve_latitude(obj) -> float | None:
        return float(obj.latitude) if obj.latitude is not None else None

    @staticmethod
    def resolve_longitude(obj) -> float | None:
        return float(obj.longitude) if obj.longitude is not None else None


class SessionOut(Schema):
    id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    venue: VenueOut | None = None
    online: bool = False

    @staticmethod
    def resolve_online(obj) -> bool:
        return bool(obj.online_url)


class OfferingSummaryOut(Schema):
    """An offering as a search result lists it."""

    id: int
    status: str
    starts_on: dt.date | None
    ends_on: dt.date | None
    capacity: int
    seats_left: int
    waitlist_length: int
    district: int | None = None

    @staticmethod
    def resolve_waitlist_length(obj) -> int:
        return obj.waitlist_count

    @staticmethod
    def resolve_district(obj) -> int | None:
        venue = obj.venue
        return venue.district.number if venue is not None and venue.district_id else None


class OfferingOut(OfferingSummaryOut):
    """One offering in full: its place, enrolment window, waitlist policy and sessions."""

    programme_id: int
    url: str
    venue: VenueOut | None = None
    online: bool = False
    enrolment_opens_at: dt.datetime
    enrolment_closes_at: dt.datetime
    waitlist_policy: str
    cancel_reason: str = ""
    sessions: list[SessionOut] = []

    @staticmethod
    def resolve_url(obj, context) -> str:
        return _absolute(context, obj.get_absolute_url())

    @staticmethod
    def resolve_online(obj) -> bool:
        return bool(obj.online_url)

    @staticmethod
    def resolve_sessions(obj) -> list:
        return list(obj.sessions.all())


class ProgrammeOut(Schema):
    """A programme as search results list it; `url` is its public page."""

    id: int
    url: str
    status: str
    title_fa: str
    title_en: str
    institution: InstitutionRefOut
    domains: list[str]
    life_stages: list[str]
    format: str
    language: str
    level: str
    fee_rials: int
    is_free: bool
    hours: float
    published_at: dt.datetime | None = None
    offerings: list[OfferingSummaryOut] = []

    @staticmethod
    def resolve_url(obj, context) -> str:
        return _absolute(context, obj.get_absolute_url())

    @staticmethod
    def resolve_domains(obj) -> list[str]:
        return [domain.slug for domain in obj.domains.all()]

    @staticmethod
    def resolve_life_stages(obj) -> list[str]:
        return [audience.code for audience in obj.life_stages.all()]

    @staticmethod
    def resolve_hours(obj) -> float:
        return float(obj.hours) if isinstance(obj.hours, Decimal) else obj.hours

    @staticmethod
    def resolve_offerings(obj) -> list:
        """The upcoming offerings (those the search chose, when it prefetched them)."""
        prefetched = getattr(obj, "upcoming_offerings", None)
        if prefetched is not None:
            return prefetched
        return list(upcoming_offerings(today=timezone.localdate()).filter(programme=obj)
                    .select_related("venue__district").order_by("starts_on", "pk"))


class ProgrammeDetailOut(ProgrammeOut):
    """A programme in full, with its offerings that are not over (cancelled ones too) and their sessions."""

    description_fa: str
    description_en: str
    outcomes_fa: list[str]
    outcomes_en: list[str]
    prerequisites_fa: str
    prerequisites_en: str
    accessibility_fa: str
    accessibility_en: str
    target_groups: list[str]
    key_features: list[str]
    sdg_targets: list[str]
    rating_average: float | None = None
    rating_count: int
    offerings: list[OfferingOut] = []

    @staticmethod
    def resolve_outcomes_fa(obj) -> list[str]:
        return [line.strip() for line in obj.outcomes_fa.splitlines() if line.strip()]

    @staticmethod
    def resolve_outcomes_en(obj) -> list[str]:
        return [line.strip() for line in obj.outcomes_en.splitlines() if line.strip()]

    @staticmethod
    def resolve_target_groups(obj) -> list[str]:
        return [audience.code for audience in obj.target_groups.all()]

    @staticmethod
    def resolve_offerings(obj) -> list:
        shown = getattr(obj, "shown_offerings", None)
        if shown is not None:
            return shown
        return list(obj.offerings.select_related("venue__district").prefetch_related("sessions__venue__district")
                    .order_by("starts_on", "pk"))


class ProgrammeListOut(Schema):
    count: int
    page: int
    pages: int
    results: list[ProgrammeOut]
    facets: dict[str, dict[str, int]]


# --- reads ------------------------------------------------------------------------------------------------

_BOOLEAN_WORDS = {"true": "1", "1": "1", "yes": "1", "on": "1", "false": "", "0": "", "no": "", "off": "", "": ""}


def _city(request):
    if getattr(request, "city", None) is None:
        raise NotFound(_("This site serves no city yet."))
    return request.city


def _search_data(request):
    """The query string with the yes/no parameters checked; anything else is checked by the search form."""
    data = request.GET.copy()
    for name in ("free", "has_seats"):
        if name in data:
            word = data[name].strip().lower()
            if word not in _BOOLEAN_WORDS:
                raise DomainError(_("Use true or false."), code="invalid", field=name)
            data[name] = _BOOLEAN_WORDS[word]
    return data


def _page_number(text: str | None) -> int:
    try:
        number = int(text) if text not in (None, "") else 1
    except ValueError:
        number = 0
    if number < 1:
        raise DomainError(_("The page must be a whole number from 1."), code="invalid", field="page")
    return number


@router.get("/programmes", response=ProgrammeListOut)
def list_programmes(
    request, q: str | None = None, domain: str | None = None, district: str | None = None,
    life_stage: str | None = None, format: str | None = None, language: str | None = None,
    free: str | None = None, has_seats: str | None = None, starts_after: str | None = None,
    starts_before: str | None = None, sort: str | None = None, near: str | None = None, page: str | None = None,
):
    """Search the city's published programmes (20 a page) with the counts of every filter's options.

    `q` is matched in Persian and English in any spelling; `domain` (slug) includes its sub-domains;
    `district` (number) and the start dates (`YYYY-MM-DD`) look at upcoming offerings; `free=true` keeps
    free programmes only and `has_seats=true` those with a seat left in an upcoming offering (`false`
    filters nothing); `sort` is `relevance`, `soonest`, `newest` or `nearest` (with
    `near`, a district number). Each facet counts the matches with every other filter applied.
    """
    city = _city(request)
    number = _page_number(page)
    outcome = programme_search_outcome(city=city, data=_search_data(request), iso_dates=True)
    form = outcome.form
    if form.errors:
        name, errors = next(iter(form.errors.items()))
        raise DomainError(errors[0], code="invalid", field=None if name == "__all__" else name)
    found = outcome.search
    results = outcome.results(cards=False)
    paginator = Paginator(results, PAGE_SIZE)
    paginator.__dict__["count"] = found.total  # counted with the facets already
    try:
        items = list(paginator.page(number).object_list)
    except EmptyPage:
        items = []
    summary = found.summary
    return {
        "count": found.total,
        "page": number,
        "pages": paginator.num_pages if found.total else 0,
        "results": items,
        "facets": {
            "domain": {facet["value"]: facet["count"] for facet in outcome.domain_facets},
            "district": {str(facet["value"]): facet["count"] for facet in outcome.district_facets},
            "life_stage": {facet["value"]: facet["count"] for facet in outcome.life_stage_facets},
            "format": summary["format"],
            "language": summary["language"],
            "free": {"true": summary["free"], "false": summary["paid"]},
            "has_seats": {"true": summary["has_seats"]},
        },
    }


@router.get("/programmes/{programme_id}", response=ProgrammeDetailOut)
def get_programme(request, programme_id: int) -> Programme:
    """A published programme of the city, with its offerings that are not over and their sessions."""
    programme = programme_public_detail(city=_city(request), pk=programme_id)
    if programme is None:
        raise NotFound(_("There is no published programme with this number."))
    return programme


@router.get("/offerings/{offering_id}", response=OfferingOut)
def get_offering(request, offering_id: int) -> Offering:
    """An offering of a published programme of the city: seats left, waitlist length, sessions."""
    offering = offering_public(city=_city(request), pk=offering_id)
    if offering is None:
        raise NotFound(_("There is no offering with this number."))
    return offering
