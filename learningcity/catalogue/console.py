"""The provider console: institution staff draft and run their programmes, offerings and venues; the city
secretariat sees every programme of the city and approves them for publication.

Views stay thin: the catalogue policy (`permissions`) decides what a person may open, selectors-like
querysets there fetch only what they may see, `services` write. Whatever a person may not see or do is a 404.
"""

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from learningcity.cities.models import District
from learningcity.core.errors import DomainError
from learningcity.core.models import AuditEntry
from learningcity.core.text import normalise_for_search

from . import permissions, services
from .console_forms import ConsoleFilterForm, OfferingForm, ProgrammeForm, ReturnForm, VenueForm, session_formset
from .models import Offering, OfferingStatus, Programme, ProgrammeStatus, Venue

GROUP_ORDER = (
    ProgrammeStatus.RETURNED, ProgrammeStatus.DRAFT, ProgrammeStatus.SUBMITTED, ProgrammeStatus.PUBLISHED,
    ProgrammeStatus.ARCHIVED,
)
GROUP_SIZE = 20
PAGE_SIZE = 50
HISTORY_SIZE = 50
MAX_QUERY_WORDS = 8


# --- access -------------------------------------------------------------------------------------------------


def _city(request):
    """The request's city, if this person may open the console there; else 404."""
    city = request.city
    if not permissions.may_open_console(request.user, city):
        raise Http404
    return city


def _programme_or_404(request, pk: int, *prefetch: str) -> Programme:
    programme = (
        permissions.programmes_managed_by(request.user, request.city)
        .select_related("institution__city", "city").prefetch_related(*prefetch).filter(pk=pk).first()
    )
    if programme is None:
        raise Http404
    return programme


def _offering_or_404(request, pk: int) -> Offering:
    offering = (
        Offering.objects.filter(pk=pk, programme__in=permissions.programmes_managed_by(request.user, request.city))
        .select_related("programme__institution__city", "programme__city", "venue").first()
    )
    if offering is None:
        raise Http404
    return offering


def _venue_or_404(request, pk: int) -> Venue:
    venue = (
        permissions.venues_managed_by(request.user, request.city)
        .select_related("institution__city", "city", "district").filter(pk=pk).first()
    )
    if venue is None:
        raise Http404
    return venue


def _tabs(request, city) -> dict:
    return {"may_approve": permissions.can_approve_programmes(request.user, city)}


def _districts(city) -> list[District]:
    return list(District.objects.filter(city=city).order_by("number"))


def _venues_for(programme: Programme) -> list[Venue]:
    """The venues an offering of `programme` may use: its institution's and the city's shared ones."""
    return list(
        Venue.objects.filter(city_id=programme.city_id)
        .filter(Q(institution_id=programme.institution_id) | Q(institution__isnull=True))
        .order_by("name_fa", "pk")
    )


# --- programmes ---------------------------------------------------------------------------------------------


def home(request):
    """This person's programmes grouped by status (the secretariat: every programme of the city), with filters."""
    city = _city(request)
    institutions = list(permissions.institutions_managed_by(request.user, city).order_by("name_fa", "pk"))
    form = ConsoleFilterForm(request.GET, institutions=institutions)
    form.is_valid()
    programmes = permissions.programmes_managed_by(request.user, city)
    chosen_institution = form.value_of("institution")
    if chosen_institution:
        programmes = programmes.filter(institution_id=chosen_institution)
    for word in normalise_for_search(form.value_of("q") or "").split()[:MAX_QUERY_WORDS]:
        programmes = programmes.filter(search_key__contains=word)
    counts = dict(programmes.order_by().values_list("status").annotate(n=Count("id")))
    rows = programmes.select_related("institution").annotate(offering_count=Count("offerings"))
    status = form.value_of("status")
    groups, page = [], None
    if status:
        page = Paginator(rows.filter(status=status).order_by("-updated_at", "-id"), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        groups.append({"status": status, "label": ProgrammeStatus(status).label, "programmes": page,
                       "count": counts.get(status, 0)})
    else:
        for value in GROUP_ORDER:
            if counts.get(value):
                groups.append({
                    "status": value, "label": ProgrammeStatus(value).label, "count": counts[value],
                    "programmes": list(rows.filter(status=value).order_by("-updated_at", "-id")[:GROUP_SIZE]),
                })
    return render(request, "catalogue/console/home.html", {
        "form": form, "groups": groups, "page": page, "total": sum(counts.values()),
        "filtered": bool(form.value_of("q") or status or chosen_institution),
        "may_create": bool(institutions), "group_size": GROUP_SIZE, **_tabs(request, city),
    })


def approvals(request):
    """The secretariat's queue: programmes awaiting approval, the longest-waiting first."""
    city = request.city
    if not permissions.can_approve_programmes(request.user, city):
        raise Http404
    waiting = (
        Programme.objects.filter(city=city, status=ProgrammeStatus.SUBMITTED)
        .select_related("institution").order_by("submitted_at", "id")
    )
    page = Paginator(waiting, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "catalogue/console/approvals.html", {"page": page, **_tabs(request, city)})


@require_http_methods(["GET", "POST"])
def programme_new(request):
    city = _city(request)
    institutions = list(permissions.institutions_managed_by(request.user, city).order_by("name_fa", "pk"))
    if not institutions:
        raise Http404
    chosen = request.GET.get("institution", "")[:20]
    initial = {"institution": chosen} if chosen and request.method == "GET" else None
    form = ProgrammeForm(request.POST or None, city=city, institutions=institutions, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            programme = services.programme_create(
                institution=form.chosen_institution(), actor=request.user, **form.values()
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("The draft was saved. Add an offering, then submit it for approval."))
            return redirect("console:programme", pk=programme.pk)
    return render(request, "catalogue/console/programme_form.html", {
        "form": form, "programme": None, **_tabs(request, city),
    })


@require_http_methods(["GET", "POST"])
def programme_edit(request, pk: int):
    city = _city(request)
    programme = _programme_or_404(request, pk, "domains", "life_stages", "target_groups")
    form = ProgrammeForm(request.POST or None, city=city, programme=programme)
    if request.method == "POST" and form.is_valid():
        try:
            services.programme_update(programme=programme, actor=request.user, **form.changes())
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("The programme was saved."))
            return redirect("console:programme", pk=programme.pk)
    return render(request, "catalogue/console/programme_form.html", {
        "form": form, "programme": programme, **_tabs(request, city),
    })


def _history(programme: Programme, offerings: list[Offering]) -> list[AuditEntry]:
    """The audit entries of the programme and of its offerings, newest first."""
    types = ContentType.objects.get_for_models(Programme, Offering)
    return list(
        AuditEntry.objects.filter(
            Q(content_type=types[Programme], object_id=str(programme.pk))
            | Q(content_type=types[Offering], object_id__in=[str(o.pk) for o in offerings])
        ).select_related("content_type").order_by("-at", "-id")[:HISTORY_SIZE]
    )


def programme_detail(request, pk: int):
    """The staff view of one programme: status, the secretariat's note, offerings with seats, history."""
    city = _city(request)
    programme = _programme_or_404(request, pk, "domains", "life_stages", "target_groups")
    offerings = list(
        programme.offerings.select_related("venue").annotate(session_count=Count("sessions"))
        .order_by("-starts_on", "-id")
    )
    may_edit = permissions.can_edit_programme(request.user, programme)
    may_approve = permissions.can_approve(request.user, programme)
    status = programme.status
    return render(request, "catalogue/console/programme_detail.html", {
        "programme": programme,
        "offerings": offerings,
        "history": _history(programme, offerings),
        "may_edit": may_edit,
        "may_submit": may_edit and status in (ProgrammeStatus.DRAFT, ProgrammeStatus.RETURNED),
        "may_approve": may_approve and status == ProgrammeStatus.SUBMITTED,
        "may_archive": may_edit and status != ProgrammeStatus.ARCHIVED,
        "may_add_offering": may_edit and status != ProgrammeStatus.ARCHIVED,
        "return_form": ReturnForm(),
        "scheduled": OfferingStatus.SCHEDULED,
        **_tabs(request, city),
    })


def _transition(request, pk: int, action: str):
    _city(request)
    programme = _programme_or_404(request, pk)
    if action in ("approve", "return") and not permissions.can_approve(request.user, programme):
        raise Http404
    try:
        if action == "submit":
            services.programme_submit(programme=programme, actor=request.user)
            messages.success(request, _("The programme was sent to the city secretariat for approval."))
        elif action == "approve":
            services.programme_approve(programme=programme, actor=request.user)
            messages.success(request, _("The programme is published."))
        elif action == "return":
            form = ReturnForm(request.POST)
            reason = form.cleaned_data["reason"] if form.is_valid() else request.POST.get("reason", "")
            services.programme_return(programme=programme, actor=request.user, reason=reason)
            messages.success(request, _("The programme was returned to its partner for changes."))
        elif action == "archive":
            services.programme_archive(programme=programme, actor=request.user)
            messages.success(request, _("The programme was archived."))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    if action in ("approve", "return") and request.POST.get("next") == "approvals":
        return redirect("console:approvals")
    return redirect("console:programme", pk=programme.pk)


@require_POST
def programme_submit(request, pk: int):
    return _transition(request, pk, "submit")


@require_POST
def programme_approve(request, pk: int):
    return _transition(request, pk, "approve")


@require_POST
def programme_return(request, pk: int):
    return _transition(request, pk, "return")


@require_POST
def programme_archive(request, pk: int):
    return _transition(request, pk, "archive")


# --- offerings ----------------------------------------------------------------------------------------------


def _sessions_error(formset, exc: DomainError) -> None:
    formset._non_form_errors = formset.error_class([str(exc.message)], renderer=formset.renderer)


def _apply_offering_error(form, formset, exc: DomainError) -> None:
    if exc.field == "sessions":
        _sessions_error(formset, exc)
    else:
        form.add_domain_error(exc, OfferingForm.ERROR_FIELDS)


@require_http_methods(["GET", "POST"])
def offering_new(request, pk: int):
    city = _city(request)
    programme = _programme_or_404(request, pk)
    data = request.POST or None
    form = OfferingForm(data, venues=_venues_for(programme), districts=_districts(city))
    formset = session_formset(data)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            services.offering_create(programme=programme, actor=request.user, sessions=formset.specs(),
                                     **form.values())
        except DomainError as exc:
            _apply_offering_error(form, formset, exc)
        else:
            messages.success(request, _("The offering was saved."))
            return redirect("console:programme", pk=programme.pk)
    return render(request, "catalogue/console/offering_form.html", {
        "form": form, "formset": formset, "programme": programme, "offering": None, **_tabs(request, city),
    })


@require_http_methods(["GET", "POST"])
def offering_edit(request, pk: int):
    city = _city(request)
    offering = _offering_or_404(request, pk)
    programme = offering.programme
    sessions = list(offering.sessions.select_related("venue"))
    closed = offering.status != OfferingStatus.SCHEDULED
    data = request.POST if request.method == "POST" and not closed else None
    form = OfferingForm(data, venues=_venues_for(programme), districts=_districts(city), offering=offering)
    formset = session_formset(data, sessions=sessions, extra=1)
    if data is not None and form.is_valid() and formset.is_valid():
        try:
            services.offering_update(offering=offering, actor=request.user,
                                     sessions=formset.specs({s.pk: s for s in sessions}), **form.changes())
        except DomainError as exc:
            _apply_offering_error(form, formset, exc)
        else:
            messages.success(request, _("The offering was saved."))
            return redirect("console:programme", pk=programme.pk)
    return render(request, "catalogue/console/offering_form.html", {
        "form": form, "formset": formset, "programme": programme, "offering": offering, "closed": closed,
        **_tabs(request, city),
    })


# --- venues -------------------------------------------------------------------------------------------------


def venues(request):
    """The venues of this person's partners (the secretariat: every venue of the city)."""
    city = _city(request)
    venues = (
        permissions.venues_managed_by(request.user, city).select_related("institution", "district")
        .order_by("institution__name_fa", "name_fa", "pk")
    )
    page = Paginator(venues, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "catalogue/console/venues.html", {
        "page": page, "may_create": permissions.institutions_managed_by(request.user, city).exists(),
        **_tabs(request, city),
    })


@require_http_methods(["GET", "POST"])
def venue_new(request):
    city = _city(request)
    institutions = list(permissions.institutions_managed_by(request.user, city).order_by("name_fa", "pk"))
    if not institutions:
        raise Http404
    form = VenueForm(request.POST or None, districts=_districts(city), institutions=institutions)
    if request.method == "POST" and form.is_valid():
        try:
            services.venue_create(institution=form.chosen_institution(), actor=request.user, **form.values())
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("The venue was added."))
            return redirect("console:venues")
    return render(request, "catalogue/console/venue_form.html", {"form": form, "venue": None,
                                                                   **_tabs(request, city)})


@require_http_methods(["GET", "POST"])
def venue_edit(request, pk: int):
    city = _city(request)
    venue = _venue_or_404(request, pk)
    form = VenueForm(request.POST or None, districts=_districts(city), venue=venue)
    if request.method == "POST" and form.is_valid():
        try:
            services.venue_update(venue=venue, actor=request.user, **form.changes())
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("The venue was saved."))
            return redirect("console:venues")
    return render(request, "catalogue/console/venue_form.html", {"form": form, "venue": venue,
                                                                   **_tabs(request, city)})
