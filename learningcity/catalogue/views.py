"""Pages about learning domains: the public taxonomy and the secretariat's pages to edit it.

Whatever a person may not see or do is a 404, never a 403.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from learningcity.core.errors import DomainError
from learningcity.core.forms import apply_domain_error

from . import services
from .forms import DomainCreateForm, DomainEditForm
from .models import LearningDomain
from .permissions import can_manage_domains
from .selectors import domain_tree, domain_with_context, domains_of


def _city_of(request):
    if request.city is None:
        raise Http404
    return request.city


def _city_for_managers(request):
    """The request's city, if this person may edit its domains; else 404."""
    city = _city_of(request)
    if not can_manage_domains(request.user, city):
        raise Http404
    return city


def domains(request):
    """The city's learning domains as a tree, with their descriptions."""
    city = _city_of(request)
    return render(request, "catalogue/domains.html", {
        "tree": domain_tree(city=city),
        "may_manage": can_manage_domains(request.user, city),
    })


def domain(request, slug: str):
    """One learning domain: what it covers, where it sits, and its sub-domains."""
    city = _city_of(request)
    node, ancestors = domain_with_context(city=city, slug=slug)
    if node is None:
        raise Http404
    return render(request, "catalogue/domain.html", {
        "node": node,
        "domain": node.domain,
        "ancestors": ancestors,
        "may_manage": can_manage_domains(request.user, city),
    })


def manage(request):
    """The secretariat's view of the whole taxonomy, retired domains included, with edit links."""
    city = _city_for_managers(request)
    return render(request, "catalogue/manage.html", {
        "tree": domain_tree(city=city, include_inactive=True), "max_depth": services.MAX_DEPTH,
    })


@require_http_methods(["GET", "POST"])
def create(request):
    city = _city_for_managers(request)
    initial = {"parent": request.GET.get("parent", "")[:20]} if request.method == "GET" else None
    form = DomainCreateForm(request.POST or None, city=city, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            slug = form.cleaned_data.get("slug") or ""
            created = services.domain_create(city=city, actor=request.user, slug=slug, **form.domain_fields())
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("The domain %(name)s was added.") % {"name": created.name})
            return redirect("catalogue:manage")
    return render(request, "catalogue/form.html", {"form": form, "domain": None})


@require_http_methods(["GET", "POST"])
def edit(request, slug: str):
    city = _city_for_managers(request)
    current: LearningDomain | None = (
        domains_of(city=city, include_inactive=True).select_related("parent").filter(slug=slug).first()
    )
    if current is None:
        raise Http404
    form = DomainEditForm(request.POST or None, city=city, domain=current)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            saved = services.domain_update(domain=current, actor=request.user, **changes)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("The domain %(name)s was saved.") % {"name": saved.name})
            return redirect("catalogue:manage")
    return render(request, "catalogue/form.html", {"form": form, "domain": current})
