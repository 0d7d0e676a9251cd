"""Pages about partner institutions: the public directory and profiles, and the pages to run them.

Views stay thin: forms read input, selectors and the policy decide what is shown, services write.
Whatever a person may not see or do is a 404, never a 403, so no page reveals what exists.
"""

import json
from types import SimpleNamespace

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from learningcity.accounts.permissions import has_city_capability
from learningcity.cities.selectors import districts_of
from learningcity.core.errors import DomainError
from learningcity.core.forms import apply_domain_error
from learningcity.core.i18n import localized
from learningcity.core.permissions import Capability

from . import permissions, services
from .forms import (
    AccreditationForm,
    ContactActionForm,
    ContactForm,
    DirectoryFilterForm,
    InstitutionCreateForm,
    InstitutionProfileForm,
    ManageFilterForm,
    StaffAddForm,
    StaffChangeForm,
)
from .models import Institution
from .selectors import (
    PUBLIC_STATES,
    accreditation_history,
    contact_of,
    contacts_of,
    institution_public_detail,
    institutions_search,
    map_points,
    staff_of,
    type_facets,
)

DIRECTORY_PAGE_SIZE = 24
MANAGE_PAGE_SIZE = 50


def _city_of(request):
    if request.city is None:
        raise Http404
    return request.city


def _institution_or_404(request, slug: str, capability: Capability) -> Institution:
    """The institution of the request's city on which the person may do `capability`, else 404."""
    city = _city_of(request)
    institution = (
        permissions.institutions_for(request.user, capability, city)
        .select_related("city", "district")
        .filter(slug=slug)
        .first()
    )
    if institution is None:
        raise Http404
    return institution


def _tabs(request, institution: Institution) -> dict:
    """Which of an institution's manage pages this person may open (for the tabs)."""
    return {
        "may_accredit": has_city_capability(request.user, Capability.SET_ACCREDITATION, institution.city),
        "may_manage_staff": permissions.can(request.user, Capability.MANAGE_INSTITUTION_STAFF, institution),
        "is_public": institution.is_active and institution.accreditation in PUBLIC_STATES,
    }


def markers_json(points: list[dict]) -> str:
    """Map markers as JSON for `data-markers` (the template escapes the attribute; maps.js shows labels as text)."""
    markers = []
    for point in points:
        label = localized(SimpleNamespace(name_fa=point["name_fa"], name_en=point["name_en"]), "name")
        markers.append(
            {"lat": float(point["latitude"]), "lon": float(point["longitude"]), "label": label}
        )
    return json.dumps(markers, ensure_ascii=False)


def directory(request):
    """The public partner directory: search, filters with counts per type, a map and pages of cards."""
    city = _city_of(request)
    districts = list(districts_of(city))
    form = DirectoryFilterForm(request.GET, districts=districts)
    form.is_valid()  # invalid filters are shown as errors and ignored; the rest still apply
    matching = institutions_search(
        city=city, query=form.value_of("q") or "", district=form.value_of("district")
    )
    chosen_type = form.value_of("type") or ""
    results = matching.filter(type=chosen_type) if chosen_type else matching
    page = Paginator(results, DIRECTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    facets = type_facets(matching)  # counts ignore the type filter, so each option says what it would show
    context = {
        "form": form,
        "page": page,
        "facets": facets,
        "matching_count": sum(row["count"] for row in facets),
        "chosen_type": chosen_type,
        "markers": markers_json(map_points(results)),
        "filtered": any(form.value_of(name) for name in ("q", "type", "district")),
    }
    return render(request, "institutions/directory.html", context)


def detail(request, slug: str):
    """A partner's public profile; partners the public may not see are a 404."""
    city = _city_of(request)
    institution = institution_public_detail(city=city, slug=slug)
    if institution is None:
        raise Http404
    points = []
    if institution.latitude is not None and institution.longitude is not None:
        points = [{"latitude": institution.latitude, "longitude": institution.longitude,
                   "name_fa": institution.name_fa, "name_en": institution.name_en}]
    return render(request, "institutions/detail.html", {
        "institution": institution,
        "markers": markers_json(points),
        "can_edit": permissions.can(request.user, Capability.EDIT_INSTITUTION_PROFILE, institution),
    })


def manage(request):
    """The partners this person may edit; for the secretariat every partner, with accreditation."""
    city = _city_of(request)
    if not permissions.may_open_manage(request.user, city):
        raise Http404
    form = ManageFilterForm(request.GET)
    form.is_valid()
    editable = permissions.institutions_for(request.user, Capability.EDIT_INSTITUTION_PROFILE, city)
    results = institutions_search(
        city=city, base=editable.select_related("district"), query=form.value_of("q") or "",
        type=form.value_of("type") or "", accreditation=form.value_of("accreditation") or "",
    )
    page = Paginator(results, MANAGE_PAGE_SIZE).get_page(request.GET.get("page"))
    on_page = [institution.pk for institution in page]
    staff_ids = set(
        permissions.institutions_for(request.user, Capability.MANAGE_INSTITUTION_STAFF, city)
        .filter(pk__in=on_page).values_list("pk", flat=True)
    )
    return render(request, "institutions/manage.html", {
        "form": form,
        "page": page,
        "may_add": permissions.may_add_institutions(request.user, city),
        "may_accredit": has_city_capability(request.user, Capability.SET_ACCREDITATION, city),
        "staff_ids": staff_ids,
        "public_states": PUBLIC_STATES,
    })


@require_http_methods(["GET", "POST"])
def create(request):
    """The secretariat adds a partner; it starts as pending review."""
    city = _city_of(request)
    if not permissions.may_add_institutions(request.user, city):
        raise Http404
    form = InstitutionCreateForm(request.POST or None, city=city)
    if request.method == "POST" and form.is_valid():
        try:
            institution = services.institution_create(
                city=city, actor=request.user, slug=form.cleaned_data.get("slug") or "", **form.profile()
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("The partner %(name)s was added. Give it an admin on its staff page.")
                             % {"name": institution.name})
            return redirect("institutions:staff", slug=institution.slug)
    return render(request, "institutions/form.html", {"form": form, "institution": None})


@require_http_methods(["GET", "POST"])
def edit(request, slug: str):
    """Edit a partner's profile: its admins and editors, or the secretariat."""
    institution = _institution_or_404(request, slug, Capability.EDIT_INSTITUTION_PROFILE)
    form = InstitutionProfileForm(request.POST or None, instance=institution, city=institution.city)
    if request.method == "POST" and form.is_valid():
        try:
            services.institution_update(institution=institution, actor=request.user, **form.profile_changes())
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("The profile was saved."))
            return redirect("institutions:edit", slug=institution.slug)
    return render(request, "institutions/form.html", {
        "form": form, "institution": institution, **_tabs(request, institution),
    })


@require_http_methods(["GET", "POST"])
def accreditation(request, slug: str):
    """The secretariat decides a partner's accreditation and sees every earlier decision."""
    institution = _institution_or_404(request, slug, Capability.SET_ACCREDITATION)
    form = AccreditationForm(request.POST or None, initial={"status": institution.accreditation})
    if request.method == "POST" and form.is_valid():
        try:
            services.accreditation_set(institution=institution, status=form.cleaned_data["status"],
                                       note=form.cleaned_data["note"], actor=request.user)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("The accreditation of %(name)s is now: %(status)s.")
                             % {"name": institution.name, "status": institution.get_accreditation_display()})
            return redirect("institutions:accreditation", slug=institution.slug)
    return render(request, "institutions/accreditation.html", {
        "institution": institution,
        "form": form,
        "history": accreditation_history(institution),
        **_tabs(request, institution),
    })


@require_http_methods(["GET", "POST"])
def staff(request, slug: str):
    """An institution's admins (or the secretariat) add people by mobile number, change roles, remove."""
    institution = _institution_or_404(request, slug, Capability.MANAGE_INSTITUTION_STAFF)
    add_form = StaffAddForm(prefix="add")
    change_errors: list[str] = []
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "add":
            add_form = StaffAddForm(request.POST, prefix="add")
            if add_form.is_valid():
                was_member = institution.staff.filter(user=add_form.person).exists()
                try:
                    services.staff_add(institution=institution, user=add_form.person,
                                       role=add_form.cleaned_data["role"], actor=request.user)
                except DomainError as exc:
                    apply_domain_error(add_form, exc)
                else:
                    message = (_("%(name)s's role was changed.") if was_member
                               else _("%(name)s was added to the staff."))
                    messages.success(request, message % {"name": add_form.person.name})
                    return redirect("institutions:staff", slug=institution.slug)
        elif action in ("role", "remove"):
            change_form = StaffChangeForm(request.POST, institution=institution)
            if change_form.is_valid():
                membership = change_form.cleaned_data["membership"]
                try:
                    if action == "remove":
                        services.staff_remove(membership=membership, actor=request.user)
                        done = _("%(name)s was removed from the staff.")
                    else:
                        services.staff_add(institution=institution, user=membership.user,
                                           role=change_form.cleaned_data["role"], actor=request.user)
                        done = _("%(name)s's role was changed.")
                except DomainError as exc:
                    change_errors.append(str(exc.message))
                else:
                    messages.success(request, done % {"name": membership.user.name})
                    permissions.forget_cached_roles(request.user)
                    if not permissions.can(request.user, Capability.MANAGE_INSTITUTION_STAFF, institution):
                        return redirect("institutions:directory")  # they took themselves off this page
                    return redirect("institutions:staff", slug=institution.slug)
            else:
                change_errors.append(_("That person is not on this staff any more. Reload the page."))
        else:
            change_errors.append(_("Choose what to do."))
    return render(request, "institutions/staff.html", {
        "institution": institution,
        "members": staff_of(institution),
        "add_form": add_form,
        "change_errors": change_errors,
        "roles": StaffChangeForm.base_fields["role"].choices,
        **_tabs(request, institution),
    })


@require_http_methods(["GET", "POST"])
def contacts(request, slug: str):
    """An institution's contacts, public and internal: add, remove (after confirming) and reorder them."""
    institution = _institution_or_404(request, slug, Capability.EDIT_INSTITUTION_PROFILE)
    add_form = ContactForm(prefix="add")
    row_errors: list[str] = []
    # Removing takes two steps: `?remove=<id>` (or a POST not yet confirmed) asks, the confirmed POST removes.
    confirm_remove = request.GET.get("remove", "")
    confirm_remove = int(confirm_remove) if confirm_remove.isdecimal() and len(confirm_remove) < 12 else None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "add":
            add_form = ContactForm(request.POST, prefix="add")
            if add_form.is_valid():
                try:
                    contact = services.contact_add(institution=institution, actor=request.user, **add_form.contact())
                except DomainError as exc:
                    apply_domain_error(add_form, exc)
                else:
                    messages.success(request, _("%(name)s was added to the contacts.") % {"name": contact.name})
                    return redirect("institutions:contacts", slug=institution.slug)
        elif action in ("remove", "up", "down"):
            action_form = ContactActionForm(request.POST, institution=institution)
            if not action_form.is_valid():
                row_errors.append(_("That contact is not on this list any more. Reload the page."))
            elif action == "remove" and not action_form.cleaned_data["confirmed"]:
                confirm_remove = action_form.cleaned_data["contact"].pk  # ask first; nothing is removed yet
            else:
                contact = action_form.cleaned_data["contact"]
                try:
                    if action == "remove":
                        services.contact_remove(contact=contact, actor=request.user)
                        done, anchor = _("%(name)s was removed from the contacts."), "contacts-list"
                    else:
                        services.contact_move(contact=contact, actor=request.user, direction=action)
                        done = _("%(name)s was moved up.") if action == "up" else _("%(name)s was moved down.")
                        anchor = f"contact-{contact.pk}"
                except DomainError as exc:
                    row_errors.append(str(exc.message))
                else:
                    messages.success(request, done % {"name": contact.name})
                    return redirect(f"{reverse('institutions:contacts', args=[institution.slug])}#{anchor}")
        else:
            row_errors.append(_("Choose what to do."))
    listed = list(contacts_of(institution))
    return render(request, "institutions/contacts.html", {
        "institution": institution,
        "contacts": listed,
        "removing": next((contact for contact in listed if contact.pk == confirm_remove), None),
        "add_form": add_form,
        "row_errors": row_errors,
        **_tabs(request, institution),
    })


@require_http_methods(["GET", "POST"])
def contact_edit(request, slug: str, pk: int):
    """Edit one of an institution's contacts; another institution's contact is a 404."""
    institution = _institution_or_404(request, slug, Capability.EDIT_INSTITUTION_PROFILE)
    contact = contact_of(institution, pk)
    if contact is None:
        raise Http404
    form = ContactForm(request.POST or None, initial=ContactForm.initial_of(contact))
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.contact_update(contact=contact, actor=request.user, **form.contact_changes())
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("The contact %(name)s was saved.") % {"name": saved.name})
            return redirect(f"{reverse('institutions:contacts', args=[institution.slug])}#contact-{saved.pk}")
    return render(request, "institutions/contact_form.html", {
        "institution": institution, "contact": contact, "form": form, **_tabs(request, institution),
    })
