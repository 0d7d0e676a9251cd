"""Reads about cities: which city a request is for, the networks' registry, districts and people."""

import time
from collections.abc import Iterable

from django.conf import settings
from django.db.models import Count, Prefetch, QuerySet, Sum

from .models import AgeBand, City, District, NetworkMembership, PopulationFigure, Sex

_HOST_CACHE: dict[str, tuple[float, int | None]] = {}
_HOST_TTL = 60.0


def city_for_host(host: str) -> City | None:
    """The city served at this host name, else the default city (None before the demo is loaded).

    The host-to-city id mapping is cached in the process for a minute; the row itself is fetched
    fresh so edits show at once.
    """
    now = time.monotonic()
    cached = _HOST_CACHE.get(host)
    if cached and now - cached[0] < _HOST_TTL and cached[1] is not None:
        city = City.objects.filter(pk=cached[1]).first()
        if city is not None:
            return city
    city = City.objects.filter(domain=host).first() or City.objects.filter(slug=settings.DEFAULT_CITY_SLUG).first()
    _HOST_CACHE[host] = (now, city.pk if city else None)
    return city


def forget_host_cache() -> None:
    _HOST_CACHE.clear()


def cities_in_networks(*, country: str | None = None, networks: Iterable[str] = (), on=None) -> QuerySet[City]:
    """Cities that currently belong to every one of `networks` (all of them, not any)."""
    cities = City.objects.all()
    if country:
        cities = cities.filter(country=country.upper())
    for network in networks:
        current = NetworkMembership.objects.current(on=on).filter(network=network)
        cities = cities.filter(pk__in=current.values("city_id"))
    return cities.prefetch_related(
        Prefetch("memberships", queryset=NetworkMembership.objects.order_by("network", "since"))
    ).order_by("name_en")


def districts_of(city: City) -> QuerySet[District]:
    """The city's districts with their estimated population (sum over the latest year)."""
    return (
        District.objects.filter(city=city)
        .annotate(population=Sum("population_figures__count"))
        .order_by("number")
    )


def city_population(city: City) -> int:
    """One definition of "inhabitants": the sum of the city's district population figures."""
    return District.objects.filter(city=city).aggregate(total=Sum("population_figures__count"))["total"] or 0


def district_geojson(city: City) -> dict:
    """The city's districts as a GeoJSON FeatureCollection for maps."""
    features = []
    for district in districts_of(city):
        if not district.boundary:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": district.boundary,
                "properties": {
                    "number": district.number,
                    "name_fa": district.name_fa,
                    "name_en": district.name_en,
                    "population": district.population or 0,
                    "approximate": district.boundary_is_approximate,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def network_counts(country: str | None = None) -> dict[str, int]:
    """How many cities are currently in each network."""
    rows = NetworkMembership.objects.current()
    if country:
        rows = rows.filter(city__country=country.upper())
    return dict(rows.values_list("network").annotate(n=Count("city", distinct=True)))


def population_breakdown(city: City, *, district: District | None = None) -> list[dict]:
    """People by age band and sex (rows in age order), for the city or one district, with totals."""
    figures = PopulationFigure.objects.filter(district__city=city)
    if district is not None:
        figures = figures.filter(district=district)
    counts: dict[tuple[str, str], int] = {}
    for band, sex, total in figures.values_list("age_band", "sex").annotate(total=Sum("count")).order_by():
        counts[(band, sex)] = total
    rows = []
    for band in AgeBand:
        female, male = counts.get((band.value, Sex.FEMALE), 0), counts.get((band.value, Sex.MALE), 0)
        rows.append({"age_band": band.value, "label": band.label, "female": female, "male": male,
                     "total": female + male})
    return rows
