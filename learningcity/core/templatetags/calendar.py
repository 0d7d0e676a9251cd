"""Dates and numbers as the reader of the active language expects them (Jalali on fa pages)."""

from django import template
from django.utils.translation import get_language

from learningcity.core import jalali
from learningcity.core.i18n import localized
from learningcity.core.text import persian_digits

register = template.Library()


@register.filter
def localdate(value, style: str = "long"):
    """`{{ d|localdate }}` -> `۳ آذر ۱۴۰۵` on fa pages, `24 November 2026` on en pages."""
    return jalali.format_date(value, style)


@register.filter
def localdatetime(value):
    return jalali.format_datetime(value)


@register.filter
def num(value):
    """A whole number with the active language's digits and thousands separator."""
    if value is None or value == "":
        return ""
    try:
        text = f"{int(value):,}"
    except (TypeError, ValueError):
        text = str(value)
    if (get_language() or "fa").startswith("fa"):
        return persian_digits(text.replace(",", "٬"))
    return text


@register.filter
def digits(value):
    """Any text with Persian digits on fa pages (codes, years, counts without separators)."""
    if (get_language() or "fa").startswith("fa"):
        return persian_digits(value)
    return value


@register.simple_tag
def tr(obj, field: str):
    """The bilingual field of `obj` in the active language, falling back to the other one."""
    return localized(obj, field)


@register.simple_tag
def now_local():
    """Today's date in the page's calendar."""
    from django.utils import timezone

    return jalali.format_date(timezone.localdate(), "long")
