"""Jalali dates on Persian pages, Gregorian on English pages, and Jalali input in any digits."""

import datetime as dt

import pytest
from django.template import Context, Template
from django.utils import translation

from learningcity.core.jalali import (
    format_date,
    format_datetime,
    jalali_year_of,
    parse_jalali_date,
    uses_jalali,
)

AZAR_3_1405 = dt.date(2026, 11, 24)


def test_persian_pages_show_the_jalali_date_with_persian_month_and_digits():
    assert format_date(AZAR_3_1405, language="fa") == "۳ آذر ۱۴۰۵"


def test_english_pages_show_the_gregorian_date():
    assert format_date(AZAR_3_1405, language="en") == "24 November 2026"
    assert format_date(dt.date(2026, 11, 4), language="en") == "4 November 2026"


def test_the_active_language_decides_when_none_is_given():
    with translation.override("fa"):
        assert format_date(AZAR_3_1405) == "۳ آذر ۱۴۰۵"
        assert uses_jalali()
    with translation.override("en"):
        assert format_date(AZAR_3_1405) == "24 November 2026"
        assert not uses_jalali()


@pytest.mark.parametrize(
    ("style", "fa", "en"),
    [
        ("short", "۱۴۰۵/۰۹/۰۳", "2026-11-24"),
        ("long", "۳ آذر ۱۴۰۵", "24 November 2026"),
        ("full", "سه\u200cشنبه ۳ آذر ۱۴۰۵", "Tuesday 24 November 2026"),
    ],
)
def test_date_styles(style, fa, en):
    assert format_date(AZAR_3_1405, style, language="fa") == fa
    assert format_date(AZAR_3_1405, style, language="en") == en


def test_the_english_full_style_has_no_leading_zero_in_the_day():
    assert format_date(dt.date(2026, 11, 4), "full", language="en") == "Wednesday 4 November 2026"


@pytest.mark.parametrize("typed", ["2026-11-24", "2026/11/24", "0405/09/03"])
def test_a_gregorian_or_absurd_year_typed_as_jalali_is_refused(typed):
    with pytest.raises(ValueError):
        parse_jalali_date(typed)


def test_the_new_year_falls_on_nowruz():
    assert format_date(dt.date(2026, 3, 20), language="fa") == "۲۹ اسفند ۱۴۰۴"
    assert format_date(dt.date(2026, 3, 21), language="fa") == "۱ فروردین ۱۴۰۵"
    assert jalali_year_of(dt.date(2026, 3, 21)) == 1405


def test_an_aware_datetime_is_shown_on_tehran_time():
    # 21:00 UTC on 23 November is 00:30 on 24 November in Tehran (UTC+3:30).
    moment = dt.datetime(2026, 11, 23, 21, 0, tzinfo=dt.UTC)
    assert format_date(moment, language="fa") == "۳ آذر ۱۴۰۵"
    assert format_date(moment, language="en") == "24 November 2026"
    assert format_datetime(moment, language="fa") == "۳ آذر ۱۴۰۵، ۰۰:۳۰"
    assert format_datetime(moment, language="en") == "24 November 2026, 00:30"


def test_nothing_formats_as_nothing():
    assert format_date(None) == ""
    assert format_datetime(None) == ""


@pytest.mark.parametrize(
    "typed",
    ["1405/09/03", "1405-09-03", "۱۴۰۵-۰۹-۰۳", "۱۴۰۵/۰۹/۰۳", "١٤٠٥/٠٩/٠٣", "1405/9/3", " 1405 / 09 / 03 ",
     "1405.09.03"],
)
def test_jalali_input_in_any_digits_and_separators_parses_to_the_gregorian_day(typed):
    assert parse_jalali_date(typed) == AZAR_3_1405


def test_esfand_30_exists_only_in_leap_years():
    assert parse_jalali_date("1403/12/30") == dt.date(2025, 3, 20)
    with pytest.raises(ValueError):
        parse_jalali_date("1404/12/30")


@pytest.mark.parametrize(
    "typed",
    ["", "garbage", "1405/13/01", "1405/00/10", "1405/07/31", "1405/01/32", "1405/09", "05/09/03",
     "14050/09/03", "1405/09/03/01", "۱۴۰۵ آذر ۳", "2026-11-24x", "1405//09/03", None],
)
def test_things_that_are_not_jalali_days_are_refused(typed):
    with pytest.raises(ValueError):
        parse_jalali_date(typed)


def test_formatting_then_parsing_a_short_jalali_date_gives_the_same_day():
    for offset in range(0, 800, 7):
        day = dt.date(2024, 1, 1) + dt.timedelta(days=offset)
        assert parse_jalali_date(format_date(day, "short", language="fa")) == day


def render(template: str, language: str, **context) -> str:
    with translation.override(language):
        return Template("{% load calendar %}" + template).render(Context(context))


def test_template_filters_follow_the_page_language():
    assert render("{{ d|localdate }}", "fa", d=AZAR_3_1405) == "۳ آذر ۱۴۰۵"
    assert render("{{ d|localdate }}", "en", d=AZAR_3_1405) == "24 November 2026"
    assert render('{{ d|localdate:"short" }}', "fa", d=AZAR_3_1405) == "۱۴۰۵/۰۹/۰۳"
    assert render("{{ n|num }}", "fa", n=1234567) == "۱٬۲۳۴٬۵۶۷"
    assert render("{{ n|num }}", "en", n=1234567) == "1,234,567"
    assert render("{{ code|digits }}", "fa", code="09121234567") == "۰۹۱۲۱۲۳۴۵۶۷"
    assert render("{{ code|digits }}", "en", code="09121234567") == "09121234567"


def test_dates_at_the_edge_of_the_calendar_are_shown_not_a_crash():
    """A stored 9999-12-31 (beyond the Jalali calendar library) must never turn a page into an error."""
    assert format_date(dt.date(9999, 12, 31), language="fa") == "9999-12-31"
    assert format_date(dt.date(9999, 12, 31), language="en") == "31 December 9999"
    edge = dt.datetime(9999, 12, 31, 23, 0, tzinfo=dt.UTC)
    assert format_datetime(edge, language="fa").startswith("9999-12-31")
