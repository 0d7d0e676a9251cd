"""Fixtures for the accounts tests: a clean rate-limit cache, and helpers to read pages."""

import re

import pytest
from django.core.cache import cache

from learningcity.factories import DistrictFactory


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    # Rate-limit counters live in the (LocMem) cache; one test's attempts must not count in the next.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def district(city):
    return DistrictFactory(city=city, number=3, name_fa="منطقه سه", name_en="District 3")


@pytest.fixture
def other_district(other_city):
    return DistrictFactory(city=other_city, number=1, name_fa="منطقه یک همدان", name_en="Hamedan district 1")


def field_errors(response, field: str) -> list[str]:
    """The error messages shown under one field of the page's form."""
    form = response.context["form"]
    return [str(error) for error in form.errors.get(field, [])]


def visible_text(response) -> str:
    """The page's HTML with tags removed and white space collapsed (what a reader sees, roughly)."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())
