"""Public catalogue pages: the learning-domain taxonomy (and the secretariat's pages to edit it), the
programme search with its filters, map and month calendar, programme pages and their iCalendar files.

Whatever a person may not see or do is a 404, never a 403.
"""

import calendar
import datetime as dt
import json
import re
from dataclasses import dataclass, field
from types import SimpleNamespace

import icalendar
import jdatetime
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from learningcity.core.errors import DomainError
from learningcity.core.forms import apply_domain_error
from learningcity.core.i18n import localized
from learningcity.core.jalali import uses_jalali
from learningcity.core.text import fold_digits, persian_digits

from . import services
from .forms import DomainCreateForm, DomainEditForm
from .models import Format, KeyFeatureArea, LearningDomain, OfferingStatus, Sdg4Target, TeachingLanguage
from .permissions import can_manage_domains
from .search import ProgrammeSearchForm, Sort
from .selectors import (
    CALENDAR_SESSIONS_LIMIT,
    PAGE_SIZE,
    ProgrammeFilters,
    ProgrammeSearch,
    domain_tree,
    domain_with_context,
    domains_of,
    flatten,
    offering_public,
    programme_public_detail,
    programme_search_outcome,
    sessions_between,
)


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


# --- the public catalogue: search, calendar, programme pages, iCalendar files -----------------------------

def _markers_json(markers: list[dict]) -> str:
    """Map markers for `data-markers` (the template escapes the attribute; maps.js shows labels as text)."""
    return json.dumps(markers, ensure_ascii=False)


def _marker(latitude, longitude, label: str) -> dict:
    return {"lat": float(latitude), "lon": float(longitude), "label": label}


def _map_settings() -> dict:
    """The base map's tile URL (settings.MAP_TILE_URL); none by default, so maps show only districts."""
    return {"map_tiles": getattr(settings, "MAP_TILE_URL", "") or ""}


def programmes(request):
    """Find learning: search in every spelling, filters with counts, sort orders, pages, and a map."""
    city = _city_of(request)
    outcome = programme_search_outcome(city=city, data=request.GET)
    found = outcome.search
    paginator = Paginator(outcome.results(), PAGE_SIZE)
    # The summary query has counted the results already; tell the paginator instead of counting again.
    paginator.__dict__["count"] = found.total
    page = paginator.get_page(request.GET.get("page"))
    cards = found.with_card_domains(page.object_list) if found.total else []
    markers = [
        _marker(venue["latitude"], venue["longitude"], localized(SimpleNamespace(**venue), "name"))
        for venue in found.map_points()
    ]
    summary = found.summary
    return render(request, "catalogue/programmes/list.html", {
        "form": outcome.form,
        "outcome": outcome,
        "page": page,
        "cards": cards,
        "summary": summary,
        "formats": [{"value": v, "label": label, "count": summary["format"][v]} for v, label in Format.choices],
        "languages": [{"value": v, "label": label, "count": summary["language"][v]}
                      for v, label in TeachingLanguage.choices],
        "markers": _markers_json(markers),
        "filtered": outcome.form.has_filters,
        "fuzzy": found.fuzzy,
        "sort": outcome.sort,
        "sort_choices": Sort.CHOICES,
        "today": timezone.localdate(),
        **_map_settings(),
    })


@dataclass
class _CalendarDay:
    day: dt.date
    number: int
    sessions: list = field(default_factory=list)
    is_today: bool = False


def _month_of(text: str, jalali: bool, today: dt.date) -> tuple[dt.date, dt.date, bool]:
    """First day of the asked month and of the next one (Gregorian dates), in the page's calendar.

    `1405-09` (any digits) is a Jalali month, `2026-11` a Gregorian one; a month of the other calendar
    becomes the page's month around its middle. The third value says whether the text was understood.
    """
    match = re.match(r"^\s*(\d{4})\s*[-/.]\s*(\d{1,2})\s*$", fold_digits(text or ""))
    middle, understood = today, not text
    if match:
        year, month = (int(part) for part in match.groups())
        try:
            if 1200 <= year <= 1600:
                middle = jdatetime.date(year, month, 15).togregorian()
            elif 1700 <= year <= 2300:
                middle = dt.date(year, month, 15)
            else:
                raise ValueError
            understood = True
        except ValueError:
            middle = today
    if jalali:
        j = jdatetime.date.fromgregorian(date=middle)
        first = jdatetime.date(j.year, j.month, 1)
        following = jdatetime.date(j.year + (j.month == 12), j.month % 12 + 1, 1)
        return first.togregorian(), following.togregorian(), understood
    first = middle.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following, understood


def _month_param(day: dt.date, jalali: bool) -> str:
    if jalali:
        j = jdatetime.date.fromgregorian(date=day)
        return f"{j.year}-{j.month:02d}"
    return f"{day.year}-{day.month:02d}"


def _month_title(day: dt.date, jalali: bool) -> str:
    if jalali:
        j = jdatetime.date.fromgregorian(date=day)
        return persian_digits(f"{jdatetime.date.j_months_fa[j.month - 1]} {j.year}")
    return day.strftime("%B %Y")


def programme_calendar(request):
    """A month of sessions, day by day: Jalali months from Saturday on Persian pages, Gregorian on English ones.

    The search and the programme filters of the list page apply here too (`?q=...&domain=...`).
    """
    city = _city_of(request)
    jalali = uses_jalali()
    today = timezone.localdate()
    first, following, understood = _month_of(request.GET.get("month", ""), jalali, today)
    tree = domain_tree(city=city)
    form = ProgrammeSearchForm(request.GET, domain_choices=[(n.domain.slug, n.domain.name) for n in flatten(tree)])
    form.is_valid()
    filters = ProgrammeFilters(
        query=form.value_of("q") or "", domain=form.value_of("domain") or "",
        life_stage=form.value_of("life_stage") or "", format=form.value_of("format") or "",
        language=form.value_of("language") or "", free=bool(form.value_of("free")),
    )
    programme_ids = None
    if filters != ProgrammeFilters():
        found = ProgrammeSearch(city=city, filters=filters, tree=tree, today=today)
        programme_ids = found.matched().filter(found.programme_q(filters)).values("pk")
    tz = timezone.get_current_timezone()
    sessions = sessions_between(
        city=city, programme_ids=programme_ids, district=form.value_of("district"),
        start=dt.datetime.combine(first, dt.time.min, tzinfo=tz),
        end=dt.datetime.combine(following, dt.time.min, tzinfo=tz),
    )
    days = {}
    day = first
    while day < following:
        days[day] = _CalendarDay(day=day, number=jdatetime.date.fromgregorian(date=day).day if jalali else day.day,
                                 is_today=day == today)
        day += dt.timedelta(days=1)
    for session in sessions:
        local_day = timezone.localtime(session.starts_at).date()
        if local_day in days:
            days[local_day].sessions.append(session)
    # Persian weeks start on Saturday (weekday 5), English ones on Monday (0).
    lead = (first.weekday() - (5 if jalali else 0)) % 7
    cells: list = [None] * lead + list(days.values())
    cells += [None] * (-len(cells) % 7)
    weekdays = (list(jdatetime.date.j_weekdays_fa) if jalali else [calendar.day_name[i] for i in range(7)])
    query = request.GET.copy()
    query.pop("month", None)
    query.pop("page", None)
    return render(request, "catalogue/programmes/calendar.html", {
        "form": form,
        "weeks": [cells[i:i + 7] for i in range(0, len(cells), 7)],
        "weekdays": weekdays,
        "month_title": _month_title(first, jalali),
        "previous_month": _month_param(first - dt.timedelta(days=1), jalali),
        "next_month": _month_param(following, jalali),
        "this_month": _month_param(today, jalali),
        "month_understood": understood,
        "active_days": [cell for cell in days.values() if cell.sessions],
        "session_count": len(sessions),
        "capped": len(sessions) >= CALENDAR_SESSIONS_LIMIT,
        "filters_query": query.urlencode(),
    })


def _labels(codes, choices) -> list[str]:
    labels = dict(choices)
    return [str(labels.get(code, code)) for code in codes or []]


def programme_detail(request, pk: int):
    """A published programme: what it teaches, who offers it, its upcoming offerings with sessions, seats,
    the map, and the enrolment panel of each offering. Unpublished or another city's programmes are a 404."""
    city = _city_of(request)
    programme = programme_public_detail(city=city, pk=pk)
    if programme is None:
        raise Http404
    markers, seen = [], set()
    for offering in programme.shown_offerings:
        venues = [offering.venue] + [session.venue for session in offering.sessions.all()]
        for venue in venues:
            if venue is None or venue.pk in seen or venue.latitude is None or venue.longitude is None:
                continue
            seen.add(venue.pk)
            markers.append(_marker(venue.latitude, venue.longitude, venue.name))
    return render(request, "catalogue/programmes/detail.html", {
        "programme": programme,
        "offerings": programme.shown_offerings,
        "key_features": _labels(programme.key_features, KeyFeatureArea.choices),
        "sdg_targets": _labels(programme.sdg_targets, Sdg4Target.choices),
        "share_url": request.build_absolute_uri(programme.get_absolute_url()),
        "markers": _markers_json(markers),
        "now": timezone.now(),
        **_map_settings(),
    })


def offering_sessions_ics(request, pk: int, offering_pk: int):
    """The sessions of one offering as an iCalendar file (UTC times), one event per session."""
    city = _city_of(request)
    offering = offering_public(city=city, pk=offering_pk, programme_pk=pk)
    if offering is None:
        raise Http404
    programme = offering.programme
    page_url = request.build_absolute_uri(programme.get_absolute_url())
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Learning City//Programme sessions//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", programme.title)
    stamp = timezone.now().astimezone(dt.UTC)
    host = request.get_host().split(":")[0]
    cancelled = offering.status == OfferingStatus.CANCELLED
    for session in offering.sessions.all():
        event = icalendar.Event()
        event.add("uid", f"session-{session.pk}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", session.starts_at.astimezone(dt.UTC))
        event.add("dtend", session.ends_at.astimezone(dt.UTC))
        event.add("summary", programme.title)
        venue = session.venue or offering.venue
        online = session.online_url or offering.online_url
        if venue is not None:
            place = [venue.name, localized(venue, "address")]
            if venue.district is not None:
                place.append(venue.district.name)
            event.add("location", "، ".join(part for part in place if part) if uses_jalali()
                      else ", ".join(part for part in place if part))
            if venue.latitude is not None and venue.longitude is not None:
                event.add("geo", (float(venue.latitude), float(venue.longitude)))
        elif online:
            event.add("location", online)
        event.add("url", page_url)
        event.add("description", "\n".join(filter(None, [programme.institution.name, online, page_url])))
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        cal.add_component(event)
    response = HttpResponse(cal.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="programme-{programme.pk}-offering-{offering.pk}.ics"'
    return response
