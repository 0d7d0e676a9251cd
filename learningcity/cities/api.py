"""Public API: the registry of cities and their network memberships, districts and population."""

import datetime as dt

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema

from learningcity.core.errors import DomainError

from .models import City, Network
from .selectors import cities_in_networks, district_geojson, districts_of, population_breakdown

router = Router(tags=["cities"])


class MembershipOut(Schema):
    network: str
    field: str
    state: str
    since: dt.date
    until: dt.date | None
    year_unverified: bool


class CityOut(Schema):
    slug: str
    name_fa: str
    name_en: str
    country: str
    province_fa: str
    province_en: str
    latitude: float | None
    longitude: float | None
    memberships: list[MembershipOut]

    @staticmethod
    def resolve_memberships(obj: City):
        return list(obj.memberships.all())


class PopulationRowOut(Schema):
    age_band: str
    female: int
    male: int
    total: int


class DistrictOut(Schema):
    number: int
    name_fa: str
    name_en: str
    population: int
    population_is_estimate: bool
    boundary_is_approximate: bool
    by_age_and_sex: list[PopulationRowOut]


@router.get("", response=list[CityOut], summary="Cities that currently belong to all listed networks")
def list_cities(request, country: str | None = None, networks: str | None = None):
    """`?country=IR&networks=gnlc,uccn` returns Iran's cities that are in both networks now."""
    wanted = [part.strip().lower() for part in (networks or "").split(",") if part.strip()]
    unknown = [name for name in wanted if name not in Network.values]
    if unknown:
        raise DomainError(
            _("Unknown network %(name)s. Use %(known)s.") % {"name": unknown[0], "known": ", ".join(Network.values)},
            field="networks",
        )
    if country and (len(country) != 2 or not country.isalpha()):
        raise DomainError(_("Use a two-letter country code such as IR."), field="country")
    return list(cities_in_networks(country=country, networks=wanted))


@router.get("/{slug}", response=CityOut)
def city_detail(request, slug: str):
    return get_object_or_404(City.objects.prefetch_related("memberships"), slug=slug)


@router.get("/{slug}/districts", response=list[DistrictOut])
def city_districts(request, slug: str):
    city = get_object_or_404(City, slug=slug)
    return [
        DistrictOut(
            number=d.number, name_fa=d.name_fa, name_en=d.name_en, population=d.population or 0,
            population_is_estimate=True, boundary_is_approximate=d.boundary_is_approximate,
            by_age_and_sex=population_breakdown(city, district=d),
        )
        for d in districts_of(city)
    ]


@router.get("/{slug}/districts.geojson", summary="District boundaries as GeoJSON")
def city_districts_geojson(request, slug: str):
    city = get_object_or_404(City, slug=slug)
    return district_geojson(city)
