"""Meeting pages of a working group: the list, scheduling and editing, the agenda, invitations,
attendance, minutes written during the meeting, approval by the chair, decisions, the .ics and the PDF.

Views stay thin: the selectors and the policy decide what is shown, the services write. Meetings
are for the group's members and the secretariat; to anyone else every page here is a 404, and a
page needing a capability the person lacks (writing minutes, say) is a 404 too.
"""

import datetime as dt

import icalendar
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from learningcity.catalogue.console_forms import LocalDateField, LocalTimeField
from learningcity.core.errors import DomainError
from learningcity.core.forms import BootstrapFormMixin, apply_domain_error
from learningcity.core.jalali import uses_jalali
from learningcity.core.permissions import Capability
from learningcity.core.text import persian_digits

from .. import permissions
from ..models import AgendaItem, AttendanceStatus, Meeting, MeetingStatus
from ..pdf import PdfUnavailable
from ..pdf import minutes_pdf as render_minutes_pdf
from ..selectors.documents import documents_of
from ..selectors.meetings import (
    agenda_of,
    attendance_of,
    attendance_sheet,
    decisions_of,
    group_for_meetings,
    meeting_in_group,
    meetings_past,
    meetings_upcoming,
)
from ..services import meetings as services

C = Capability
PAST_PER_PAGE = 20
MAX_AGENDA_LINES = 50
MAX_DOCUMENTS = 50


# --- Forms -----------------------------------------------------------------------------------------

def _ltr(**attrs) -> dict:
    return {"dir": "ltr", "class": "input-ltr", **attrs}


class MeetingForm(BootstrapFormMixin, forms.Form):
    """When and where: a Jalali date (on Persian pages), start and end times, a place or an online link."""

    title_fa = forms.CharField(label=gettext_lazy("Title (Persian)"), max_length=200,
                               widget=forms.TextInput(attrs={"dir": "rtl", "lang": "fa"}))
    title_en = forms.CharField(label=gettext_lazy("Title (English)"), max_length=200, required=False,
                               widget=forms.TextInput(attrs={"dir": "ltr", "lang": "en"}))
    day = LocalDateField(label=gettext_lazy("Date"))
    starts = LocalTimeField(label=gettext_lazy("Starts"))
    ends = LocalTimeField(label=gettext_lazy("Ends"))
    place_fa = forms.CharField(label=gettext_lazy("Place (Persian)"), max_length=300, required=False,
                               widget=forms.TextInput(attrs={"dir": "rtl", "lang": "fa"}))
    place_en = forms.CharField(label=gettext_lazy("Place (English)"), max_length=300, required=False,
                               widget=forms.TextInput(attrs={"dir": "ltr", "lang": "en"}))
    online_url = forms.URLField(label=gettext_lazy("Online meeting link"), max_length=500, required=False,
                                assume_scheme="https", widget=forms.URLInput(attrs=_ltr(placeholder="https://")),
                                help_text=gettext_lazy("Give a place, an online link, or both."))
    FIELD_MAP = {"starts_at": "starts", "ends_at": "ends"}

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "title_fa": data["title_fa"], "title_en": data["title_en"],
            "starts_at": timezone.make_aware(dt.datetime.combine(data["day"], data["starts"])),
            "ends_at": timezone.make_aware(dt.datetime.combine(data["day"], data["ends"])),
            "place_fa": data["place_fa"], "place_en": data["place_en"], "online_url": data["online_url"],
        }

    @staticmethod
    def initial_of(meeting: Meeting) -> dict:
        starts, ends = timezone.localtime(meeting.starts_at), timezone.localtime(meeting.ends_at)
        return {
            "title_fa": meeting.title_fa, "title_en": meeting.title_en, "day": starts.date(),
            "starts": starts.time().replace(second=0, microsecond=0),
            "ends": ends.time().replace(second=0, microsecond=0),
            "place_fa": meeting.place_fa, "place_en": meeting.place_en, "online_url": meeting.online_url,
        }

    def show(self, error: DomainError) -> None:
        if error.code == "meeting_out_of_range":
            self.add_domain_error(error, {error.field: "day"})  # the date is what is far off, not the time
            return
        self.add_domain_error(error, self.FIELD_MAP)


class NewMeetingForm(MeetingForm):
    agenda = forms.CharField(label=gettext_lazy("Agenda"), required=False,
                             widget=forms.Textarea(attrs={"rows": 5, "dir": "auto"}),
                             help_text=gettext_lazy("One item per line. You can change the agenda later."))
    invite = forms.BooleanField(label=gettext_lazy("Invite all current members now (by text message and email)"),
                                required=False, initial=True)

    def clean_agenda(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["agenda"].splitlines() if line.strip()]
        if len(lines) > MAX_AGENDA_LINES:
            raise forms.ValidationError(gettext_lazy("An agenda can have at most 50 items."))
        return lines


class CancelForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason (sent to the invitees)"), max_length=services.MAX_CANCEL_REASON,
                             required=False, widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}))


class AgendaItemForm(BootstrapFormMixin, forms.Form):
    title = forms.CharField(label=gettext_lazy("Agenda item"), max_length=300,
                            widget=forms.TextInput(attrs={"dir": "auto"}))
    notes = forms.CharField(label=gettext_lazy("Notes"), max_length=5000, required=False,
                            widget=forms.Textarea(attrs={"rows": 2, "dir": "auto"}))


class MinutesForm(BootstrapFormMixin, forms.Form):
    minutes = forms.CharField(label=gettext_lazy("Minutes"), max_length=50000, required=False,
                              widget=forms.Textarea(attrs={"rows": 18, "dir": "auto", "class": "minutes-text"}))


class DecisionForm(BootstrapFormMixin, forms.Form):
    text = forms.CharField(label=gettext_lazy("Decision"), max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"}))
    agenda_item = forms.ModelChoiceField(label=gettext_lazy("Under agenda item"), queryset=AgendaItem.objects.none(),
                                         required=False, empty_label=gettext_lazy("Not under a particular item"))

    def __init__(self, *args, items: list[AgendaItem], **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["agenda_item"]
        field.queryset = AgendaItem.objects.filter(pk__in=[item.pk for item in items])
        numbered = [(item.pk, f"{_digits(i)}. {item.title}") for i, item in enumerate(items, start=1)]
        field.choices = [("", field.empty_label), *numbered]


class AttendanceForm(BootstrapFormMixin, forms.Form):
    """One choice per person on the sheet: present, absent or excused (left empty: not marked yet)."""

    CHOICES = [(status.value, status.label) for status in services.MARKS]

    def __init__(self, *args, sheet, **kwargs):
        super().__init__(*args, **kwargs)
        self.sheet = sheet
        for person in sheet:
            name = f"person_{person.user.pk}"
            self.fields[name] = forms.ChoiceField(label=person.name, choices=self.CHOICES, required=False,
                                                  widget=forms.RadioSelect)
            if person.status != AttendanceStatus.INVITED:
                self.initial[name] = person.status
        self.style_fields()
        for person in sheet:  # toggle buttons, easier to tap on a phone than small radios
            self.fields[f"person_{person.user.pk}"].widget.attrs["class"] = "btn-check"

    def rows(self):
        return [(person, self[f"person_{person.user.pk}"]) for person in self.sheet]

    def marks(self) -> dict[int, str]:
        marks = {}
        for person in self.sheet:
            value = self.cleaned_data.get(f"person_{person.user.pk}")
            if value and value != person.status:
                marks[person.user.pk] = value
        return marks


def _digits(value) -> str:
    return persian_digits(value) if uses_jalali() else str(value)


# --- Access ----------------------------------------------------------------------------------------

def _group_or_404(request, slug: str):
    group = group_for_meetings(request.user, request.city, slug)
    if group is None:
        raise Http404
    return group


def _meeting_or_404(request, slug: str, pk: int, capability: str | None = None):
    """The group and the meeting, if the person may see it (and do `capability` in the group)."""
    group = _group_or_404(request, slug)
    meeting = meeting_in_group(request.user, group, pk)
    if meeting is None or (capability and not permissions.can(request.user, capability, group)):
        raise Http404
    return group, meeting


def _may(request, group) -> dict[str, bool]:
    caps = permissions.group_capabilities(request.user, group)
    return {
        "can_schedule": C.SCHEDULE_MEETINGS in caps,
        "can_write_minutes": C.WRITE_MINUTES in caps,
        "can_record_decisions": C.RECORD_DECISIONS in caps,
        "can_approve": C.APPROVE_MINUTES in caps,
        "can_manage_tasks": C.MANAGE_TASKS in caps,
    }


def _to_meeting(meeting: Meeting, anchor: str = ""):
    return redirect(f"{meeting.get_absolute_url()}{'#' + anchor if anchor else ''}")


def _language() -> str:
    return (get_language() or settings.LANGUAGE_CODE)[:2]


# --- The list, scheduling, editing, cancelling ------------------------------------------------------

@login_required
@require_safe
def meeting_list(request, slug: str):
    """Upcoming meetings (soonest first), then past and cancelled ones, a page at a time."""
    group = _group_or_404(request, slug)
    past = Paginator(meetings_past(group), PAST_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "workgroups/meetings/list.html", {
        "group": group, "upcoming": meetings_upcoming(group), "past": past, **_may(request, group),
    })


@login_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def meeting_create(request, slug: str):
    group = _group_or_404(request, slug)
    if not permissions.can(request.user, C.SCHEDULE_MEETINGS, group):
        raise Http404
    form = NewMeetingForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_schedule(group=group, actor=request.user, agenda=form.cleaned_data["agenda"],
                                                invite=form.cleaned_data["invite"], **form.values())
        except DomainError as error:
            form.show(error)
        else:
            messages.success(request, _("The meeting was scheduled."))
            return _to_meeting(meeting)
    return render(request, "workgroups/meetings/form.html", {"group": group, "form": form, "meeting": None})


@login_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def meeting_edit(request, slug: str, pk: int):
    group, meeting = _meeting_or_404(request, slug, pk, C.SCHEDULE_MEETINGS)
    if meeting.status != MeetingStatus.SCHEDULED:
        messages.error(request, _("Only a scheduled meeting can be changed."))
        return _to_meeting(meeting)
    form = MeetingForm(request.POST if request.method == "POST" else None, initial=MeetingForm.initial_of(meeting))
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_update(meeting=meeting, actor=request.user, **form.values())
        except DomainError as error:
            form.show(error)
        else:
            messages.success(request, _("The meeting was saved; invitees were told of any new time or place."))
            return _to_meeting(meeting)
    return render(request, "workgroups/meetings/form.html", {"group": group, "form": form, "meeting": meeting})


@login_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def meeting_cancel(request, slug: str, pk: int):
    group, meeting = _meeting_or_404(request, slug, pk, C.SCHEDULE_MEETINGS)
    form = CancelForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_cancel(meeting=meeting, actor=request.user, reason=form.cleaned_data["reason"])
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("The meeting was cancelled and the invitees were told."))
            return _to_meeting(meeting)
    return render(request, "workgroups/meetings/cancel.html", {"group": group, "meeting": meeting, "form": form})


def _post_action(request, meeting: Meeting, action, done: str, anchor: str = ""):
    try:
        action()
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, done)
    return _to_meeting(meeting, anchor)


@login_required
@require_POST
def meeting_held(request, slug: str, pk: int):
    _group, meeting = _meeting_or_404(request, slug, pk, C.WRITE_MINUTES)
    return _post_action(request, meeting, lambda: services.meeting_mark_held(meeting=meeting, actor=request.user),
                        _("The meeting is marked as held."))


@login_required
@require_POST
def meeting_invite(request, slug: str, pk: int):
    _group, meeting = _meeting_or_404(request, slug, pk, C.SCHEDULE_MEETINGS)
    try:
        invited = services.meeting_invite(meeting=meeting, actor=request.user)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        if invited:
            messages.success(request, _("%(count)s members were invited.") % {"count": _digits(len(invited))})
        else:
            messages.info(request, _("Every current member is already invited."))
    return _to_meeting(meeting, "attendance")


# --- One meeting --------------------------------------------------------------------------------------

@login_required
@require_safe
def meeting(request, slug: str, pk: int):
    """Everything about one meeting: when and where, agenda, invitees and attendance, minutes, decisions."""
    group, meeting = _meeting_or_404(request, slug, pk)
    attendees = attendance_of(meeting)
    may = _may(request, group)
    now = timezone.now()
    scheduled = meeting.status == MeetingStatus.SCHEDULED
    has_started = meeting.starts_at <= now
    return render(request, "workgroups/meetings/detail.html", {
        "group": group, "meeting": meeting, "agenda": agenda_of(meeting), "attendees": attendees,
        "present": sum(1 for person in attendees if person.status == AttendanceStatus.PRESENT),
        "decisions": decisions_of(meeting), "is_over": meeting.ends_at <= now, "has_started": has_started,
        "is_open": meeting.status != MeetingStatus.CANCELLED and not meeting.minutes_locked,
        "show_actions": scheduled and (may["can_schedule"] or (may["can_write_minutes"] and has_started)),
        "documents": list(documents_of(meeting=meeting)[:MAX_DOCUMENTS]) if meeting.document_count else [],
        "can_attach": permissions.can_attach_document(request.user, meeting=meeting), **may,
    })


@login_required
@require_safe
def meeting_ics(request, slug: str, pk: int):
    """The meeting as an iCalendar file (UTC times); its UID is stable, so a new download updates the entry."""
    group, meeting = _meeting_or_404(request, slug, pk)
    page_url = request.build_absolute_uri(meeting.get_absolute_url())
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Learning City//Working-group meetings//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", group.name)
    host = request.get_host().split(":")[0]
    event = icalendar.Event()
    event.add("uid", f"workgroup-meeting-{meeting.pk}@{host}")
    event.add("dtstamp", timezone.now().astimezone(dt.UTC))
    event.add("last-modified", meeting.updated_at.astimezone(dt.UTC))
    event.add("dtstart", meeting.starts_at.astimezone(dt.UTC))
    event.add("dtend", meeting.ends_at.astimezone(dt.UTC))
    event.add("summary", f"{meeting.title} – {group.name}")
    if meeting.place:
        event.add("location", meeting.place)
    elif meeting.online_url:
        event.add("location", meeting.online_url)
    event.add("url", meeting.online_url or page_url)
    agenda = [f"{_digits(i)}. {item.title}" for i, item in enumerate(agenda_of(meeting), start=1)]
    description = [group.name, *agenda, meeting.online_url, page_url]
    event.add("description", "\n".join(line for line in description if line))
    event.add("status", "CANCELLED" if meeting.status == MeetingStatus.CANCELLED else "CONFIRMED")
    cal.add_component(event)
    response = HttpResponse(cal.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}.ics"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- The agenda -------------------------------------------------------------------------------------

@login_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def agenda(request, slug: str, pk: int):
    """Add items to the agenda, move them up or down, remove them."""
    group, meeting = _meeting_or_404(request, slug, pk, C.SCHEDULE_MEETINGS)
    form = AgendaItemForm(prefix="add")
    row_errors: list[str] = []
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "add":
            form = AgendaItemForm(request.POST, prefix="add")
            if form.is_valid():
                try:
                    services.agenda_item_add(meeting=meeting, actor=request.user, **form.cleaned_data)
                except DomainError as error:
                    apply_domain_error(form, error)
                else:
                    messages.success(request, _("The item was added to the agenda."))
                    return redirect("workgroups:agenda", slug=group.slug, pk=meeting.pk)
        elif action in ("up", "down", "remove"):
            item = _item_or_none(meeting, request.POST.get("item", ""))
            if item is None:
                row_errors.append(_("That item is not on this agenda any more. Reload the page."))
            else:
                try:
                    if action == "remove":
                        services.agenda_item_remove(item=item, actor=request.user)
                        done = _("The item was removed from the agenda.")
                    else:
                        services.agenda_item_move(item=item, actor=request.user, direction=action)
                        done = _("The item was moved up.") if action == "up" else _("The item was moved down.")
                except DomainError as error:
                    row_errors.append(str(error.message))
                else:
                    messages.success(request, done)
                    return redirect("workgroups:agenda", slug=group.slug, pk=meeting.pk)
    return render(request, "workgroups/meetings/agenda.html", {
        "group": group, "meeting": meeting, "items": agenda_of(meeting), "form": form, "row_errors": row_errors,
    })


def _item_or_none(meeting: Meeting, raw: str) -> AgendaItem | None:
    if not raw.isdecimal() or len(raw) > 12:
        return None
    return AgendaItem.objects.filter(meeting=meeting, pk=int(raw)).first()


@login_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def agenda_item_edit(request, slug: str, pk: int, item_pk: int):
    group, meeting = _meeting_or_404(request, slug, pk, C.SCHEDULE_MEETINGS)
    item = _item_or_none(meeting, str(item_pk))
    if item is None:
        raise Http404
    form = AgendaItemForm(request.POST if request.method == "POST" else None,
                          initial={"title": item.title, "notes": item.notes})
    if request.method == "POST" and form.is_valid():
        try:
            services.agenda_item_update(item=item, actor=request.user, **form.cleaned_data)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("The agenda item was saved."))
            return redirect("workgroups:agenda", slug=group.slug, pk=meeting.pk)
    return render(request, "workgroups/meetings/agenda_item_form.html",
                  {"group": group, "meeting": meeting, "item": item, "form": form})


# --- Attendance, minutes, approval ---------------------------------------------------------------------

@login_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def attendance(request, slug: str, pk: int):
    """Mark each invitee (and members who came uninvited) present, absent or excused."""
    group, meeting = _meeting_or_404(request, slug, pk, C.WRITE_MINUTES)
    sheet = attendance_sheet(meeting)
    form = AttendanceForm(request.POST if request.method == "POST" else None, sheet=sheet)
    if request.method == "POST" and form.is_valid():
        try:
            services.attendance_record(meeting=meeting, actor=request.user, marks=form.marks())
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("Attendance was saved."))
            return _to_meeting(meeting, "attendance")
    return render(request, "workgroups/meetings/attendance.html", {
        "group": group, "meeting": meeting, "form": form, "locked": meeting.minutes_locked
        or meeting.status == MeetingStatus.CANCELLED,
    })


@login_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def minutes(request, slug: str, pk: int):
    """Write the minutes during the meeting, the agenda beside them; saved as a draft until approved."""
    group, meeting = _meeting_or_404(request, slug, pk, C.WRITE_MINUTES)
    if meeting.minutes_locked:
        messages.info(request, _("These minutes are approved; approved minutes cannot be changed."))
        return _to_meeting(meeting, "minutes")
    form = MinutesForm(request.POST if request.method == "POST" else None, initial={"minutes": meeting.minutes})
    if request.method == "POST" and form.is_valid():
        try:
            services.minutes_save(meeting=meeting, actor=request.user, text=form.cleaned_data["minutes"])
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("The draft minutes were saved."))
            return redirect("workgroups:minutes", slug=group.slug, pk=meeting.pk)
    return render(request, "workgroups/meetings/minutes.html", {
        "group": group, "meeting": meeting, "form": form, "agenda": agenda_of(meeting),
        "decisions": decisions_of(meeting), **_may(request, group),
    })


@login_required
@require_POST
def minutes_approve(request, slug: str, pk: int):
    """The chair approves the minutes (a POST from the meeting page); anyone else gets the refusal shown."""
    _group, meeting = _meeting_or_404(request, slug, pk)
    return _post_action(request, meeting, lambda: services.minutes_approve(meeting=meeting, actor=request.user),
                        _("The minutes are approved. They can no longer change."), "minutes")


@login_required
@require_safe
def minutes_pdf(request, slug: str, pk: int):
    """The minutes as a Persian (or English) PDF, marked as a draft until approved."""
    group, meeting = _meeting_or_404(request, slug, pk)
    try:
        pdf = render_minutes_pdf(meeting, language=_language())
    except PdfUnavailable:
        return render(request, "workgroups/meetings/pdf_unavailable.html", {
            "group": group, "meeting": meeting, "packages": " ".join(PdfUnavailable.packages),
        }, status=503)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="minutes-{group.slug}-{meeting.pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- Decisions --------------------------------------------------------------------------------------

@login_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def decision_create(request, slug: str, pk: int):
    """Record a numbered resolution, optionally under an agenda item (`?item=<id>` picks one)."""
    group, meeting = _meeting_or_404(request, slug, pk, C.RECORD_DECISIONS)
    items = agenda_of(meeting)
    chosen = request.GET.get("item", "")
    initial = {"agenda_item": int(chosen)} if chosen.isdecimal() and len(chosen) < 12 else {}
    form = DecisionForm(request.POST if request.method == "POST" else None, items=items, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            decision = services.decision_record(meeting=meeting, actor=request.user, **form.cleaned_data)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("Decision %(code)s was recorded.") % {"code": _digits(decision.code)})
            return _to_meeting(meeting, f"decision-{decision.pk}")
    return render(request, "workgroups/meetings/decision_form.html", {
        "group": group, "meeting": meeting, "form": form, "locked": meeting.minutes_locked
        or meeting.status == MeetingStatus.CANCELLED, "not_started": meeting.starts_at > timezone.now(),
    })

