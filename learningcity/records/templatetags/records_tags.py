"""Display helpers for learning records: hours and bilingual domain names."""

from decimal import Decimal

from django import template
from django.utils.translation import get_language

from learningcity.core.text import persian_digits

register = template.Library()


def format_hours(value, language: str | None = None) -> str:
    """`12.0` -> `12`, `7.5` -> `7.5`; in Persian digits (with the Persian decimal sign) on Persian pages."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value)).normalize()
    except ArithmeticError:
        return str(value)
    text = f"{number:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if (language or get_language() or "fa").startswith("fa"):
        return persian_digits(text.replace(".", "٫"))
    return text


@register.filter
def hours(value):
    return format_hours(value)


@register.filter
def domain_name(domain: dict) -> str:
    """A copied domain `{slug, name_fa, name_en}` in the active language."""
    if (get_language() or "fa").startswith("fa"):
        return domain.get("name_fa") or domain.get("name_en") or ""
    return domain.get("name_en") or domain.get("name_fa") or ""


@register.filter
def domain_names(domains) -> str:
    """Copied domains as one list in the active language: `سواد رسانه‌ای، شهروندی` / `Media literacy, Citizenship`."""
    separator = "، " if (get_language() or "fa").startswith("fa") else ", "
    return separator.join(domain_name(domain) for domain in domains or [])
