"""Jalali (Solar Hijri) display and parsing over canonical Gregorian dates (architecture 4.4)."""

import datetime as dt
import re

import jdatetime
from django.utils import timezone
from django.utils.translation import get_language

from .text import fold_digits, persian_digits

JALALI_YEARS = (1200, 1600)
_JALALI_INPUT = re.compile(r"^\s*(\d{4})\s*[/\-.]\s*(\d{1,2})\s*[/\-.]\s*(\d{1,2})\s*$")


def uses_jalali(language: str | None = None) -> bool:
    return (language or get_language() or "fa").startswith("fa")


def _as_local_date(value: dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.date()
    return value


def format_date(value: dt.date | dt.datetime | None, style: str = "long", language: str | None = None) -> str:
    """A date as a person of the active language reads it: Jalali with Persian digits, or Gregorian.

    style "long": `۳ آذر ۱۴۰۵` / `24 November 2026`; "short": `۱۴۰۵/۰۹/۰۳` / `2026-11-24`;
    "full" adds the weekday.
    """
    if value is None:
        return ""
    try:
        day = _as_local_date(value)
    except OverflowError:  # an aware datetime at the very edge of the calendar
        day = value.date()
    if uses_jalali(language):
        try:
            jday = jdatetime.date.fromgregorian(date=day, locale="fa_IR")
        except ValueError:
            # Beyond jdatetime's calendar (Gregorian year 9999): show the stored date rather than fail the page.
            return day.isoformat()
        pattern = {"short": "%Y/%m/%d", "long": "%-d %B %Y", "full": "%A %-d %B %Y"}[style]
        # jdatetime has no %-d; strip the zero ourselves.
        text = jday.strftime(pattern.replace("%-d", str(jday.day)))
        return persian_digits(text)
    pattern = {"short": "%Y-%m-%d", "long": "{day} %B %Y", "full": "%A {day} %B %Y"}[style]
    return day.strftime(pattern).replace("{day}", str(day.day))


def format_datetime(value: dt.datetime | None, language: str | None = None) -> str:
    """Date and local time, e.g. `۳ آذر ۱۴۰۵، ۱۴:۳۰`."""
    if value is None:
        return ""
    try:
        local = timezone.localtime(value) if timezone.is_aware(value) else value
    except OverflowError:
        local = value
    clock = local.strftime("%H:%M")
    if uses_jalali(language):
        return f"{format_date(local, 'long', language)}، {persian_digits(clock)}"
    return f"{format_date(local, 'long', language)}, {clock}"


def parse_jalali_date(text: str) -> dt.date:
    """`1405/09/03`, `1405-09-03` or the same in Persian/Arabic-Indic digits -> Gregorian date.

    Raises ValueError for anything that is not a real Jalali day (1404/12/30 is not; 1403/12/30 is).
    """
    match = _JALALI_INPUT.match(fold_digits(text or ""))
    if not match:
        raise ValueError("not a Jalali date")
    year, month, day = (int(part) for part in match.groups())
    if not JALALI_YEARS[0] <= year <= JALALI_YEARS[1]:
        # e.g. a Gregorian 2026-11-24 typed into a Jalali field: refuse rather than land 600 years off.
        raise ValueError("year out of range")
    return jdatetime.date(year, month, day).togregorian()


def jalali_year_of(value: dt.date) -> int:
    return jdatetime.date.fromgregorian(date=value).year
