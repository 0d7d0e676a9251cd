"""The key numbers on public pages. Each has one name, one definition and one count function,
so the same word never means two different counts (architecture 4.3)."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Figure:
    code: str
    label: Promise
    definition: Promise
    value: int


def home_figures(city) -> list[Figure]:
    from learningcity.accounts.selectors import citizen_count
    from learningcity.catalogue.selectors import top_level_domain_count
    from learningcity.cities.selectors import city_population
    from learningcity.institutions.selectors import accredited_partner_count

    return [
        Figure("partners", _("Partner institutions"),
               _("Active partner institutions accredited by the city secretariat."),
               accredited_partner_count(city=city)),
        Figure("domains", _("Learning domains"),
               _("Top-level learning domains in the city's taxonomy that are in use."),
               top_level_domain_count(city=city)),
        Figure("districts", _("Districts"), _("Municipal districts of the city."), city.districts.count()),
        Figure("inhabitants", _("Inhabitants"),
               _("Sum of the district population figures (estimates projected from the last census)."),
               city_population(city)),
        Figure("learners", _("Registered learners"),
               _("People with an active account whose citizen profile is in this city."),
               citizen_count(city=city)),
    ]
