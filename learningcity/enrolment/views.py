"""Enrolment pages: the enrolment panel of an offering and the learner's buttons, and the staff's
attendee list (with waitlist priority groups and enrolling someone on their behalf), exports, session
check-in and cancelling an offering.

Views stay thin: selectors fetch what the person may see, the policy decides, services write.
What a person may not see or do is a 404. Every page works without JavaScript; with htmx the
panel and the check-in update in place.
"""

import csv
import io

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from learningcity.catalogue.models import Offering, OfferingStatus
from learningcity.core.errors import DomainError
from learningcity.core.jalali import format_date, uses_jalali
from learningcity.core.text import persian_digits

from . import permissions, services
from .forms import CapacityForm, CheckInForm, EnrolOnBehalfForm, OfferingCancelForm, PriorityForm, priority_choices
from .models import Enrolment, EnrolmentStatus
from .selectors import (
    attendees_of,
    check_in_list,
    expected_at,
    latest_enrolment_for,
    offering_enrolment_for,
    offering_in_city,
    offering_visible,
    session_in_city,
    sessions_of,
)


def _city_of(request):
    if request.city is None:
        raise Http404
    return request.city


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


def _login_redirect(request, next_url: str):
    if request.htmx:
        login = reverse("accounts:login")
        return HttpResponseClientRedirect(f"{login}?{_next_query(next_url)}")
    return redirect_to_login(next_url)


def _next_query(next_url: str) -> str:
    query = QueryDict(mutable=True)
    query["next"] = next_url
    return query.urlencode()


# --- the enrolment panel --------------------------------------------------------------------


def _window_state(offering, now) -> str:
    if offering.status == OfferingStatus.CANCELLED:
        return "cancelled"
    if offering.status == OfferingStatus.FINISHED:
        return "finished"
    if now < offering.enrolment_opens_at:
        return "not_open"
    if now >= offering.enrolment_closes_at:
        return "closed"
    return "open"


def _panel_response(request, offering, *, notice: tuple[str, str] | None = None):
    """The panel as an htmx fragment, or as a page of its own without JavaScript."""
    enrolment = offering_enrolment_for(request.user, offering)
    ended = None
    if enrolment is None:
        ended = latest_enrolment_for(request.user, offering)
    page_url = reverse("enrolment:panel", args=[offering.pk])
    # Where the person is looking at the panel: the programme page that embeds it, or the panel page.
    here = (request.htmx.current_url_abs_path if request.htmx else None) or page_url
    context = {
        "offering": offering,
        "programme": offering.programme,
        "enrolment": enrolment,
        "ended": ended,
        "state": _window_state(offering, timezone.now()),
        "here": here,
        "notice": notice,
        "login_url": f"{reverse('accounts:login')}?{_next_query(here)}",
    }
    template = "enrolment/_panel.html" if request.htmx else "enrolment/panel.html"
    return render(request, template, context)


@require_GET
def panel(request, pk: int):
    """Seats left, the waitlist, the person's place and the one button that fits."""
    offering = offering_visible(pk=pk, city=_city_of(request))
    if offering is None:
        raise Http404
    return _panel_response(request, offering)


def _answer(request, offering, level: str, text: str):
    """After a learner's action: the refreshed panel (htmx) or a message and back to where they were."""
    if request.htmx and not request.htmx.boosted:
        fresh = offering_visible(pk=offering.pk, city=offering.city) or offering
        return _panel_response(request, fresh, notice=(level, text))
    messages.add_message(request, messages.SUCCESS if level == "success" else messages.ERROR
                         if level == "danger" else messages.INFO, text)
    return redirect(_safe_next(request, reverse("enrolment:panel", args=[offering.pk])))


@require_POST
def enrol(request, pk: int):
    offering = offering_visible(pk=pk, city=_city_of(request))
    if offering is None:
        raise Http404
    if not request.user.is_authenticated:
        return _login_redirect(request, _safe_next(request, reverse("enrolment:panel", args=[pk])))
    try:
        enrolment, created = services.enrolment_request(
            offering=offering, citizen=request.user, acting_user=request.user
        )
    except DomainError as exc:
        return _answer(request, offering, "danger", str(exc.message))
    if enrolment.status == EnrolmentStatus.WAITLISTED:
        position = enrolment.position
        text = (_("You are on the waitlist, number %(position)s. We will tell you as soon as a seat is free.")
                if created else _("You are already on the waitlist, number %(position)s."))
        text %= {"position": persian_digits(position) if uses_jalali() else position}
        return _answer(request, offering, "info", text)
    if enrolment.status == EnrolmentStatus.OFFERED:
        return _answer(request, offering, "info", _("A seat is already on offer to you: accept it below."))
    text = _("Your seat is confirmed.") if created else _("You are already enrolled in this offering.")
    return _answer(request, offering, "success", text)


def _own_enrolment(request, pk: int) -> Enrolment:
    """An enrolment of the request's city that this person may act on (their own, or staff's), else 404."""
    city = _city_of(request)
    enrolment = (
        Enrolment.objects.select_related("offering", "offering__programme", "offering__programme__institution",
                                         "offering__city", "citizen")
        .filter(pk=pk, offering__city=city)
        .first()
    )
    if enrolment is None or not permissions.may_cancel_enrolment(request.user, enrolment):
        raise Http404
    return enrolment


def _learner_action(request, pk: int, action):
    if not request.user.is_authenticated:
        return _login_redirect(request, _safe_next(request, reverse("core:home")))
    enrolment = _own_enrolment(request, pk)
    offering = enrolment.offering
    try:
        text = action(enrolment)
    except DomainError as exc:
        return _answer(request, offering, "danger", str(exc.message))
    return _answer(request, offering, "success", text)


@require_POST
def cancel(request, pk: int):
    """The learner gives up their place (or staff who run the offering cancel someone's)."""

    def act(enrolment):
        was_waiting = enrolment.status == EnrolmentStatus.WAITLISTED
        services.enrolment_cancel(enrolment=enrolment, acting_user=request.user)
        if enrolment.citizen_id != request.user.pk:
            return _("The place of %(name)s was cancelled.") % {"name": enrolment.citizen.name}
        return _("You have left the waitlist.") if was_waiting else _("Your enrolment is cancelled.")

    return _learner_action(request, pk, act)


@require_POST
def accept(request, pk: int):
    def act(enrolment):
        if not permissions.may_answer_offer(request.user, enrolment):
            raise Http404
        services.offer_accept(enrolment=enrolment, acting_user=request.user)
        return _("Your seat is confirmed.")

    return _learner_action(request, pk, act)


@require_POST
def decline(request, pk: int):
    def act(enrolment):
        if not permissions.may_answer_offer(request.user, enrolment):
            raise Http404
        services.offer_decline(enrolment=enrolment, acting_user=request.user)
        return _("You declined the seat; it goes to the next person waiting.")

    return _learner_action(request, pk, act)


# --- staff pages ---------------------------------------------------------------------------


def _staff_offering(request, pk: int, allowed) -> Offering:
    offering = offering_in_city(pk=pk, city=_city_of(request))
    if offering is None or not allowed(request.user, offering):
        raise Http404
    return offering


@require_GET
def attendees(request, pk: int):
    """Who holds a seat, who has one on offer and who waits, with contact details for the offering's staff."""
    offering = _staff_offering(request, pk, permissions.may_view_attendees)
    return _attendees_page(request, offering)


def _attendees_page(request, offering, *, behalf_form=None):
    may_manage = permissions.may_manage_offering(request.user, offering)
    return render(request, "enrolment/attendees.html", {
        "offering": offering,
        "programme": offering.programme,
        "people": attendees_of(offering),
        "sessions": list(sessions_of(offering)),
        "show_contacts": permissions.may_see_contacts(request.user, offering),
        "may_manage": may_manage,
        "may_check_in": permissions.may_record_attendance(request.user, offering),
        "capacity_form": CapacityForm(initial={"capacity": offering.capacity}) if may_manage else None,
        "is_scheduled": offering.status == OfferingStatus.SCHEDULED,
        "priority_choices": priority_choices() if may_manage else [],
        "behalf_form": behalf_form or (EnrolOnBehalfForm() if may_manage else None),
    })


@require_POST
def set_capacity(request, pk: int):
    offering = _staff_offering(request, pk, permissions.may_manage_offering)
    form = CapacityForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["capacity"]))
    else:
        try:
            services.offering_set_capacity(offering=offering, capacity=form.cleaned_data["capacity"],
                                           acting_user=request.user)
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            seats = form.cleaned_data["capacity"]
            messages.success(request, ngettext("The offering now has %(seats)s seat.",
                                               "The offering now has %(seats)s seats.", seats)
                             % {"seats": persian_digits(seats) if uses_jalali() else seats})
    return redirect("enrolment:attendees", pk=offering.pk)


def _export_datetime(value, language: str) -> str:
    if value is None:
        return ""
    local = timezone.localtime(value)
    if uses_jalali(language):
        return f"{format_date(local, 'short', language)} {persian_digits(local.strftime('%H:%M'))}"
    return local.strftime("%Y-%m-%d %H:%M")


def _export_table(request, offering) -> tuple[list[str], list[list]]:
    """The attendee list as a header and rows, in the page's language; contacts only for the offering's staff."""
    language = get_language() or "fa"
    contacts = permissions.may_see_contacts(request.user, offering)
    header = [_("Status"), _("Waitlist position"), _("Name")]
    if contacts:
        header += [_("Mobile number"), _("Email")]
    header += [_("Requested"), _("Confirmed"), _("Offer expires")]
    rows = []
    for enrolment in attendees_of(offering):
        row = [enrolment.get_status_display(), enrolment.position or "", enrolment.citizen.name]
        if contacts:
            row += [enrolment.citizen.mobile, enrolment.citizen.email]
        row += [_export_datetime(enrolment.requested_at, language), _export_datetime(enrolment.confirmed_at, language),
                _export_datetime(enrolment.offer_expires_at, language)]
        rows.append(row)
    return [str(h) for h in header], rows


def _spreadsheet_safe(value):
    """Text a spreadsheet would run as a formula (=, +, -, @) is kept as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _export_name(offering, extension: str) -> str:
    return f"attendees-{offering.pk}-{timezone.localdate().isoformat()}.{extension}"


@require_GET
def export_csv(request, pk: int):
    offering = _staff_offering(request, pk, permissions.may_view_attendees)
    header, rows = _export_table(request, offering)
    buffer = io.StringIO()
    buffer.write("\ufeff")  # so spreadsheet programs read the Persian text as UTF-8
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_spreadsheet_safe(value) for value in row])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_export_name(offering, "csv")}"'
    return response


@require_GET
def export_xlsx(request, pk: int):
    from openpyxl import Workbook
    from openpyxl.styles import Font

    offering = _staff_offering(request, pk, permissions.may_view_attendees)
    header, rows = _export_table(request, offering)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Attendees")[:31]
    sheet.sheet_view.rightToLeft = uses_jalali()
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text, never a formula
    for index, _title in enumerate(header, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = 22
    sheet.freeze_panes = "A2"
    output = io.BytesIO()
    workbook.save(output)
    response = HttpResponse(
        output.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{_export_name(offering, "xlsx")}"'
    return response


@require_http_methods(["GET", "POST"])
def check_in(request, pk: int):
    """A session's attendance on a phone: one big present/absent choice per person, saved as a list
    (or one by one with htmx)."""
    session = session_in_city(pk=pk, city=_city_of(request))
    if session is None or not permissions.may_record_attendance(request.user, session.offering):
        raise Http404
    if request.method == "POST":
        form = CheckInForm(request.POST, enrolment_ids=expected_at(session))
    if request.method == "POST" and form.is_valid():
        marks = form.marks()
        try:
            changed = services.attendance_record_many(session=session, marks=marks, acting_user=request.user)
        except DomainError as exc:
            if request.htmx:
                return render(request, "enrolment/_check_in_status.html", {"error": str(exc.message)})
            form.add_domain_error(exc)
        else:
            if request.htmx:
                present = next(iter(marks.values()), None) if len(marks) == 1 else None
                return render(request, "enrolment/_check_in_status.html", {"saved": True, "present": present})
            messages.success(request, ngettext("Attendance saved (%(count)s change).",
                                               "Attendance saved (%(count)s changes).", changed)
                             % {"count": persian_digits(changed) if uses_jalali() else changed})
            return redirect("enrolment:check_in", pk=session.pk)
    rows = check_in_list(session)
    if request.method == "GET":
        recorded = {f"p{enrolment.pk}": "1" if mark.present else "0" for enrolment, mark in rows if mark}
        form = CheckInForm(initial=recorded, enrolment_ids=[enrolment.pk for enrolment, _m in rows])
    offering = session.offering
    return render(request, "enrolment/check_in.html", {
        "session": session,
        "offering": offering,
        "programme": offering.programme,
        "rows": [(enrolment, mark, form[f"p{enrolment.pk}"]) for enrolment, mark in rows
                 if f"p{enrolment.pk}" in form.fields],
        "form": form,
        "present_count": sum(1 for _e, mark in rows if mark and mark.present),
        "not_started": timezone.localdate(session.starts_at) > timezone.localdate(),
    })


@require_http_methods(["GET", "POST"])
def cancel_offering(request, pk: int):
    """Staff who run the offering (or the secretariat) cancel it, say why, and everyone is told."""
    offering = _staff_offering(request, pk, permissions.may_manage_offering)
    form = OfferingCancelForm(request.POST or None)
    if request.method == "POST" and offering.status == OfferingStatus.SCHEDULED and form.is_valid():
        try:
            services.offering_cancel(offering=offering, acting_user=request.user,
                                     reason=form.cleaned_data["reason"])
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("The offering is cancelled; everyone enrolled or waiting is being told."))
            return redirect("enrolment:attendees", pk=offering.pk)
    return render(request, "enrolment/cancel_offering.html", {
        "offering": offering,
        "programme": offering.programme,
        "form": form,
        "affected": offering.confirmed_count + offering.offered_count + offering.waitlist_count,
    })


# --- staff: priority groups and enrolling someone on their behalf -----------------------------


def _n(value) -> str:
    return persian_digits(value) if uses_jalali() else str(value)


def _managed_enrolment(request, pk: int) -> Enrolment:
    """An enrolment in an offering of the request's city that this person runs; else 404."""
    enrolment = (
        Enrolment.objects.select_related("offering", "offering__programme", "offering__programme__institution",
                                         "offering__city", "citizen")
        .filter(pk=pk, offering__city=_city_of(request))
        .first()
    )
    if enrolment is None or not permissions.may_manage_offering(request.user, enrolment.offering):
        raise Http404
    return enrolment


@require_POST
def set_priority(request, pk: int):
    """Move a waiting person into another priority group; their place in the queue follows."""
    enrolment = _managed_enrolment(request, pk)
    form = PriorityForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["priority"]))
    else:
        try:
            current = services.enrolment_set_priority(enrolment=enrolment, priority=form.cleaned_data["priority"],
                                                      acting_user=request.user)
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("%(name)s is in priority group %(group)s, number %(position)s on the waitlist.")
                             % {"name": current.citizen.name, "group": _n(current.priority),
                                "position": _n(current.position)})
    return redirect("enrolment:attendees", pk=enrolment.offering_id)


@require_POST
def enrol_on_behalf(request, pk: int):
    """Staff who run the offering enrol a person with an account, found by mobile number, in a priority group."""
    offering = _staff_offering(request, pk, permissions.may_manage_offering)
    form = EnrolOnBehalfForm(request.POST)
    if form.is_valid():
        citizen = form.cleaned_data["citizen"]
        try:
            enrolment, created = services.enrolment_request(
                offering=offering, citizen=citizen, acting_user=request.user, priority=form.cleaned_data["priority"]
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            values = {"name": citizen.name, "group": _n(enrolment.priority)}
            if not created:
                messages.info(request, _("%(name)s already has a place in this offering: %(status)s.")
                              % {**values, "status": enrolment.get_status_display()})
            elif enrolment.status == EnrolmentStatus.WAITLISTED:
                messages.success(request, _("%(name)s is on the waitlist, number %(position)s, in priority group "
                                            "%(group)s. They are told by text message.")
                                 % {**values, "position": _n(enrolment.position)})
            else:
                messages.success(request, _("%(name)s has a confirmed seat. They are told by text message.") % values)
            return redirect("enrolment:attendees", pk=offering.pk)
    return _attendees_page(request, offering, behalf_form=form)
