from django import template
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from learningcity.core.jalali import format_date
from learningcity.core.text import persian_digits

from ..models import DatePrecision

register = template.Library()


@register.simple_tag
def membership_since(membership) -> str:
    """When a membership began: the day in the page's calendar, or the bare year when only that is known."""
    if membership.since_precision == DatePrecision.YEAR:
        year = membership.since.year
        if (get_language() or "fa").startswith("fa"):
            # A Gregorian year alone cannot be turned into one Jalali year, so it is labelled as Gregorian.
            return _("%(year)s (Gregorian)") % {"year": persian_digits(year)}
        return str(year)
    return format_date(membership.since)
