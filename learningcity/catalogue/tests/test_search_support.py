"""Builders shared by the search, programme page and API tests (no tests here)."""

import datetime as dt
import json
import re
from decimal import Decimal
from html import unescape

import jdatetime
from django.db import connection
from django.utils import timezone

from learningcity.catalogue.models import Audience, OfferingStatus, Programme
from learningcity.core.text import normalise_for_search
from learningcity.factories import DistrictFactory, InstitutionFactory, OfferingFactory, ProgrammeFactory, VenueFactory

ON_POSTGRES = connection.vendor == "postgresql"
# Every programme these builders make has this word in its search key: a query for it finds them all, so a
# test can run its filters both without a query and with one (PostgreSQL counts those two ways differently).
EVERYWHERE = "qqall"


def today() -> dt.date:
    return timezone.localdate()


def jalali(day: dt.date, digits: str = "latin") -> str:
    """`1405/09/01` for a Gregorian day, in Latin, Persian or Arabic-Indic digits."""
    text = jdatetime.date.fromgregorian(date=day).strftime("%Y/%m/%d")
    table = {"persian": "۰۱۲۳۴۵۶۷۸۹", "arabic": "٠١٢٣٤٥٦٧٨٩"}.get(digits)
    return text.translate(str.maketrans("0123456789", table)) if table else text


def square(lon: float, lat: float, size: float = 0.02) -> dict:
    """A square district boundary (GeoJSON Polygon) centred on lon/lat."""
    h = size / 2
    ring = [[lon - h, lat - h], [lon + h, lat - h], [lon + h, lat + h], [lon - h, lat + h], [lon - h, lat - h]]
    return {"type": "Polygon", "coordinates": [ring]}


def district(city, number: int, lon: float = 47.06, lat: float = 34.31, **fields):
    return DistrictFactory(city=city, number=number, boundary=square(lon, lat), **fields)


def make_programme(city, title_fa: str, *, title_en: str = "", description_fa: str = "", description_en: str = "",
                   institution=None, life_stages=(), search_extra: str = "", **fields) -> Programme:
    """A published programme whose search key is exactly its titles and descriptions (normalised)."""
    programme = ProgrammeFactory(
        institution=institution or InstitutionFactory(city=city), title_fa=title_fa, title_en=title_en,
        description_fa=description_fa, description_en=description_en,
        search_key=normalise_for_search(" ".join([title_fa, title_en, description_fa, description_en, search_extra,
                                                  EVERYWHERE])),
        **fields,
    )
    if life_stages:
        programme.life_stages.set(Audience.objects.filter(code__in=life_stages))
    return programme


def make_offering(programme, *, days: int = 7, place=None, venue=None, capacity: int = 10, confirmed: int = 0,
                  offered: int = 0, waiting: int = 0, status: str = OfferingStatus.SCHEDULED, sessions: int = 3,
                  latitude: str | None = "34.320000", longitude: str | None = "47.070000", **fields):
    """An offering starting in `days` days with weekly sessions, at a venue in district `place` (a District)."""
    if venue is None:
        venue = VenueFactory(city=programme.city, district=place,
                             latitude=Decimal(latitude) if latitude else None,
                             longitude=Decimal(longitude) if longitude else None)
    start = today() + dt.timedelta(days=days)
    offering = OfferingFactory(
        programme=programme, venue=venue, capacity=capacity, starts_on=start,
        ends_on=start + dt.timedelta(weeks=max(sessions - 1, 0)), status=status, sessions=sessions, **fields,
    )
    if confirmed or offered or waiting:
        type(offering).objects.filter(pk=offering.pk).update(
            confirmed_count=confirmed, offered_count=offered, waitlist_count=waiting)
        offering.refresh_from_db()
    return offering


def listed(response) -> list[int]:
    """The programme ids on a results page, in order."""
    return [int(pk) for pk in re.findall(r'data-programme="(\d+)"', response.content.decode())]


def markers(response) -> list[dict]:
    found = re.search(r'data-markers="([^"]*)"', response.content.decode())
    return json.loads(unescape(found.group(1))) if found else []
