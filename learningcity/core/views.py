from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from learningcity.accounts.permissions import has_city_capability
from learningcity.core.permissions import Capability

from .figures import home_figures
from .selectors import audit_entries


def rate_limited(request, exception=None):
    """Shown when a visitor tries to log in or sign up too often."""
    return render(request, "core/error.html", {"title": _("Too many attempts"),
                  "message": _("Too many attempts. Wait a few minutes and try again.")}, status=429)


def home(request):
    """What the city's learning city is: slogan, domains, partners and key numbers."""
    city = request.city
    if city is None:
        return render(request, "core/no_city.html", status=503)
    from learningcity.catalogue.selectors import domain_tree
    from learningcity.institutions.selectors import institutions_public, partners_by_type

    context = {
        "figures": home_figures(city),
        "domains": domain_tree(city=city),
        "partners": institutions_public(city=city).filter(accreditation="accredited").order_by("?")[:6],
        "partner_types": partners_by_type(city=city),
    }
    return render(request, "core/home.html", context)


def manage(request):
    """The secretariat's start page."""
    if request.city is None or not has_city_capability(request.user, Capability.VIEW_AUDIT_LOG, request.city):
        raise Http404
    return render(request, "core/manage.html", {"recent": audit_entries(city=request.city)[:10]})


def audit_log(request):
    """Every write in the city, newest first, filterable by action and actor."""
    if request.city is None or not has_city_capability(request.user, Capability.VIEW_AUDIT_LOG, request.city):
        raise Http404
    action = request.GET.get("action", "")[:64]
    actor = request.GET.get("actor", "")[:100]
    entries = audit_entries(city=request.city, action=action, actor=actor)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "core/audit_log.html", {"page": page, "action": action, "actor": actor})
