"""Reading what people and programs send: ids in any digits, and how far from today a date may be.

Dates far from today are mistakes (a Gregorian year in a Jalali field, 9999-12-31 from an API client),
and the calendar library cannot even show some of them, so the services refuse them up front.
"""

import datetime as dt
import re

from django.utils import timezone

from learningcity.core.jalali import format_date
from learningcity.core.text import fold_digits

# Plans, deadlines and meetings of a city's learning are never more than this far from today.
WINDOW_YEARS = 10
_ID = re.compile(r"[0-9]{1,18}")


def parse_id(value) -> int | None:
    """A database id typed or sent as text (Latin, Persian or Arabic-Indic digits), or None.

    `str.isdigit()` also accepts "²" and other signs `int()` cannot read; only plain digits pass here.
    """
    text = fold_digits(str(value if value is not None else "")).strip()
    return int(text) if _ID.fullmatch(text) else None


def years_from(day: dt.date, years: int) -> dt.date:
    """The same day `years` later (or earlier); 29 February becomes the 28th in other years."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def date_window(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The first and last day allowed: ten years either side of today (the city's date)."""
    today = today or timezone.localdate()
    return years_from(today, -WINDOW_YEARS), years_from(today, WINDOW_YEARS)


def in_window(day: dt.date, today: dt.date | None = None) -> bool:
    first, last = date_window(today)
    return first <= day <= last


def window_values(today: dt.date | None = None) -> dict[str, str]:
    """{"first", "last"} formatted for the active language, for the messages that explain the window."""
    first, last = date_window(today)
    return {"first": format_date(first), "last": format_date(last)}


def moment_in_window(moment: dt.datetime, now: dt.datetime | None = None) -> bool:
    """Whether an aware moment lies within ten years of now; moments the calendar cannot convert do not."""
    now = now or timezone.now()
    try:
        day = moment.astimezone(dt.UTC).date()
    except (OverflowError, ValueError):
        return False
    return in_window(day, now.astimezone(dt.UTC).date())
