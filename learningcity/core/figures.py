"""The key numbers on public pages. Each has one name, one definition and one count function,
so the same word never means two different counts (architecture 4.3)."""

from dataclasses import dataclass

from django.core.cache import cache
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Figure:
    code: str
    label: Promise
    definition: Promise
    value: int


# Counting a million citizens on every visit is waste; the numbers may be five minutes old.
FIGURES_CACHE_SECONDS = 300


def _counts(city) -> dict[str, int]:
    from learningcity.accounts.selectors import citizen_count
    from learningcity.catalogue.selectors import top_level_domain_count
    from learningcity.cities.selectors import city_population
    from learningcity.institutions.selectors import accredited_partner_count

    return {
        "partners": accredited_partner_count(city=city),
        "domains": top_level_domain_count(city=city),
        "districts": city.districts.count(),
        "inhabitants": city_population(city),
        "learners": citizen_count(city=city),
    }


def home_figures(city) -> list[Figure]:
    counts = cache.get_or_set(f"home-figures:{city.pk}", lambda: _counts(city), FIGURES_CACHE_SECONDS)
    return [
        Figure("partners", _("Partner institutions"),
               _("Active partner institutions accredited by the city secretariat."), counts["partners"]),
        Figure("domains", _("Learning domains"),
               _("Top-level learning domains in the city's taxonomy that are in use."), counts["domains"]),
        Figure("districts", _("Districts"), _("Municipal districts of the city."), counts["districts"]),
        Figure("inhabitants", _("Inhabitants"),
               _("Sum of the district population figures (estimates projected from the last census)."),
               counts["inhabitants"]),
        Figure("learners", _("Registered learners"),
               _("People with an active account whose citizen profile is in this city."), counts["learners"]),
    ]
