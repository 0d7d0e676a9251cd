"""Pages of the action plan: the public progress page, a result's timeline, the secretariat's plan editor,
and the import of results from CSV/XLSX.

A draft plan, and anything in it, is a 404 to everyone but the secretariat; so is any page a person may
not use.
"""

from decimal import Decimal

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from learningcity.core.errors import DomainError
from learningcity.core.forms import apply_domain_error
from learningcity.core.i18n import localized
from learningcity.core.jalali import uses_jalali
from learningcity.core.text import persian_digits

from .. import permissions
from ..forms_plan import (
    BudgetLineForm,
    ObjectiveForm,
    PlanCreateForm,
    PlanForm,
    ResultForm,
    ResultReportForm,
    ResultsImportForm,
)
from ..inputs import parse_id
from ..models import ActionPlan, BudgetLine, Objective, PlanResult, PlanStatus, ResultStatus
from ..selectors.plan import (
    current_plan_year,
    plan_for_year,
    plan_manage_data,
    plan_progress,
    plans_list,
    result_documents,
    result_in_plan,
    result_timeline,
    results_of_batch,
)
from ..services import plan as services

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# One row of the public page's results table. The page may list hundreds of results; formatting each
# row here (every value escaped) costs a fraction of the template engine's work per variable, which
# keeps the page well inside its time budget. The table's head and the rest of the page are templates.
RESULT_ROW = (
    '<tr data-result="{code}">'
    '<th scope="row" class="text-nowrap"><a id="r{pk}" href="{url}"><bdi dir="ltr">{code}</bdi></a></th>'
    '<td>{title}<div class="small text-body-secondary">{target_label}: <bdi class="table-num">{target}</bdi> '
    "{unit}</div></td>"
    '<td><span class="badge {badge}" data-status="{status}">{status_label}</span></td>'
    '<td><div class="d-flex align-items-center gap-2"><div class="progress flex-grow-1" role="progressbar" '
    'aria-labelledby="r{pk}" aria-valuenow="{progress}" aria-valuemin="0" aria-valuemax="100" '
    'style="block-size: .6rem"><div class="progress-bar{bar}" style="inline-size: {progress}%"></div></div>'
    '<span class="small text-nowrap table-num" data-progress="{progress}">{progress_text}</span></div></td>'
    '<td class="table-num text-nowrap"><bdi>{current}</bdi></td>'
    '<td class="text-nowrap small">{due}</td>'
    "</tr>\n"
)
_ROW_KEYS = ("pk", "code", "url", "title", "target", "unit", "badge", "status", "status_label", "bar", "progress",
             "progress_text", "current", "due")


def _rows_html(rows: list[dict], target_label: str) -> str:
    # format_html_join escapes every value it fills in.
    return format_html_join(
        "", RESULT_ROW, ({"target_label": target_label, **{key: row[key] for key in _ROW_KEYS}} for row in rows)
    )


def _city_of(request):
    if request.city is None:
        raise Http404
    return request.city


def _plan_or_404(request, year: int) -> ActionPlan:
    plan = plan_for_year(user=request.user, city=_city_of(request), year=year)
    if plan is None:
        raise Http404
    return plan


def _managed_plan_or_404(request, year: int) -> ActionPlan:
    plan = _plan_or_404(request, year)
    if not permissions.can_manage_plan(request.user, plan.city):
        raise Http404
    return plan


def _plain(value: Decimal | None) -> str:
    """A stored amount as a form shows it: `2000`, `12.5` (not `2000.00`)."""
    return "" if value is None else f"{value.normalize():f}"


def _fields(form, names) -> dict:
    return {name: form.cleaned_data.get(name) for name in names}


# --- The list and the public page --------------------------------------------------------------------

@require_GET
def plan_current(request):
    """The plan of this Jalali year when it is published; otherwise the list of plans."""
    city = _city_of(request)
    year = current_plan_year()
    plans = list(plans_list(user=request.user, city=city))
    for plan in plans:
        if plan.year == year and plan.status == PlanStatus.PUBLISHED:
            return redirect("workgroups:plan", year=year)
    return render(request, "workgroups/plan/plan_list.html", {
        "plans": plans, "year": year, "may_create": permissions.can_manage_plan(request.user, city),
    })


@require_http_methods(["GET", "POST"])
def plan_create(request):
    """The secretariat starts a year's plan; it stays a draft until published."""
    city = _city_of(request)
    if not permissions.can_manage_plan(request.user, city):
        raise Http404
    year = current_plan_year()
    form = PlanCreateForm(request.POST or None, initial={"year": year})
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_create(city=city, actor=request.user, year=form.cleaned_data["year"],
                                        **_fields(form, ("title_fa", "title_en", "summary_fa", "summary_en")))
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("The plan was created as a draft. Add its objectives and results, then "
                                        "publish it."))
            return redirect("workgroups:plan_manage", year=plan.year)
    return render(request, "workgroups/plan/plan_create.html", {"form": form})


@require_GET
def plan(request, year: int):
    """The public progress page of a year's plan."""
    plan = _plan_or_404(request, year)
    progress = plan_progress(plan=plan, user=request.user)
    target_label = _("Target")
    for area in progress.areas:
        for block in area.objectives:
            block.rows_html = _rows_html(block.results, target_label)
    tiles = [
        (status, label, progress.counts.get(status, 0))
        for status, label in ResultStatus.choices if status != ResultStatus.NOT_STARTED
    ]
    return render(request, "workgroups/plan/plan.html", {
        "plan": plan,
        "summary": localized(plan, "summary"),
        "progress": progress,
        "tiles": tiles,
        "not_started": progress.counts.get(ResultStatus.NOT_STARTED, 0),
        "may_manage": permissions.can_manage_plan(request.user, plan.city),
        "may_import": request.user.is_authenticated and permissions.can_import_results(request.user, plan),
        "is_draft": plan.status == PlanStatus.DRAFT,
    })


# --- A result ----------------------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
def result(request, year: int, pk: int):
    """A result's definition, its dated timeline of updates with evidence, and the form to report progress."""
    plan = _plan_or_404(request, year)
    result = result_in_plan(plan=plan, pk=pk)
    if result is None:
        raise Http404
    may_report = permissions.can_report_result(request.user, result)
    form = None
    if may_report:
        form = ResultReportForm(request.POST or None, initial={
            "reported_on": timezone.localdate(), "status": result.status,
            "progress": persian_digits(result.progress) if uses_jalali() else result.progress,
        })
    elif request.method == "POST":
        raise Http404
    if request.method == "POST" and form.is_valid():
        try:
            services.result_report(result=result, actor=request.user, **_fields(
                form, ("reported_on", "status", "progress", "value", "note", "evidence_url")))
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("The progress of %(code)s was recorded.") % {"code": result.code})
            return redirect("workgroups:result", year=plan.year, pk=result.pk)
    objective = result.objective
    group = objective.working_group
    return render(request, "workgroups/plan/result.html", {
        "plan": plan,
        "result": result,
        "objective": objective,
        "group": group,
        "group_visible": group is not None and permissions.can_see_group(request.user, group),
        "updates": result_timeline(result),
        "documents": result_documents(result),
        "form": form,
        "may_report": may_report,
        "show_recorder": may_report,
        "may_manage": permissions.can_manage_plan(request.user, plan.city),
    })


# --- The secretariat's plan editor -------------------------------------------------------------------

def _objective_or_404(plan: ActionPlan, pk) -> Objective:
    pk = parse_id(pk)
    if pk is None:
        raise Http404
    objective = Objective.objects.select_related("plan__city").filter(plan=plan, pk=pk).first()
    if objective is None:
        raise Http404
    return objective


@require_http_methods(["GET", "POST"])
def plan_manage(request, year: int):
    """Build the plan: its title, objectives by area, their results and budget lines; publish it."""
    plan = _managed_plan_or_404(request, year)
    city = plan.city
    plan_form = PlanForm(initial={name: getattr(plan, name) for name in services.PLAN_FIELDS}, prefix="plan")
    objective_form = ObjectiveForm(city=city, prefix="objective")
    open_form = ""  # which "add" form to show open (the one with errors)
    bound: dict[str, object] = {}
    publish_error = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "plan":
            plan_form = PlanForm(request.POST, prefix="plan")
            if plan_form.is_valid():
                try:
                    services.plan_update(plan=plan, actor=request.user, **plan_form.cleaned_data)
                except DomainError as exc:
                    apply_domain_error(plan_form, exc)
                else:
                    messages.success(request, _("The plan was saved."))
                    return redirect("workgroups:plan_manage", year=plan.year)
        elif action == "publish":
            try:
                services.plan_publish(plan=plan, actor=request.user)
            except DomainError as exc:
                publish_error = str(exc.message)
            else:
                messages.success(request, _("The plan is published: everyone can now follow its progress."))
                return redirect("workgroups:plan", year=plan.year)
        elif action == "objective":
            objective_form = ObjectiveForm(request.POST, city=city, prefix="objective")
            open_form = "objective"
            if objective_form.is_valid():
                try:
                    services.objective_create(plan=plan, actor=request.user, **objective_form.cleaned_data)
                except DomainError as exc:
                    apply_domain_error(objective_form, exc)
                else:
                    messages.success(request, _("The objective was added."))
                    return redirect("workgroups:plan_manage", year=plan.year)
        elif action in ("result", "budget"):
            objective = _objective_or_404(plan, request.POST.get("objective"))
            form_class = ResultForm if action == "result" else BudgetLineForm
            prefix = f"{action}-{objective.pk}"
            form = form_class(request.POST, prefix=prefix)
            bound[prefix] = form
            open_form = prefix
            if form.is_valid():
                try:
                    if action == "result":
                        services.result_create(objective=objective, actor=request.user, **form.cleaned_data)
                    else:
                        line = services.budget_line_add(objective=objective, actor=request.user,
                                                        **form.cleaned_data)
                except DomainError as exc:
                    apply_domain_error(form, exc)
                else:
                    if action == "result":
                        messages.success(request, _("The result was added."))
                    elif line.spent_rials > line.planned_rials:
                        messages.warning(request, _("The budget line was added. It is overspent: more was spent "
                                                    "than planned."))
                    else:
                        messages.success(request, _("The budget line was added."))
                    return redirect("workgroups:plan_manage", year=plan.year)
        else:
            raise Http404
    areas = plan_manage_data(plan=plan)
    for area in areas:
        for block in area.objectives:
            key = block.objective.pk
            block.result_form = bound.get(f"result-{key}") or ResultForm(prefix=f"result-{key}")
            block.budget_form = bound.get(f"budget-{key}") or BudgetLineForm(prefix=f"budget-{key}")
    return render(request, "workgroups/plan/plan_manage.html", {
        "plan": plan,
        "areas": areas,
        "plan_form": plan_form,
        "objective_form": objective_form,
        "open_form": open_form,
        "publish_error": publish_error,
        "is_draft": plan.status == PlanStatus.DRAFT,
    })


def _edit_or_remove(request, plan, form, *, remove, update, removed: str, saved: str):
    """The edit page's two actions: remove (refusals shown beside the button) or save the form.

    Returns (redirect to the plan's manage page when done, else None; the removal's refusal, if any).
    """
    if request.method == "POST" and request.POST.get("action") == "remove":
        try:
            remove()
        except DomainError as exc:
            return None, str(exc.message)
        messages.success(request, removed)
        return redirect("workgroups:plan_manage", year=plan.year), ""
    if request.method == "POST" and form.is_valid():
        try:
            update(**form.cleaned_data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, saved)
            return redirect("workgroups:plan_manage", year=plan.year), ""
    return None, ""


@require_http_methods(["GET", "POST"])
def objective_edit(request, year: int, pk: int):
    plan = _managed_plan_or_404(request, year)
    objective = _objective_or_404(plan, pk)
    linked = list(objective.programmes.all())
    initial = {name: getattr(objective, name) for name in services.OBJECTIVE_FIELDS if name != "programmes"}
    initial["programmes"] = [p.pk for p in linked]
    removing = request.method == "POST" and request.POST.get("action") == "remove"
    form = ObjectiveForm(None if removing else request.POST or None, city=plan.city, linked=linked, initial=initial)
    done, remove_error = _edit_or_remove(
        request, plan, form,
        remove=lambda: services.objective_remove(objective=objective, actor=request.user),
        update=lambda **data: services.objective_update(objective=objective, actor=request.user, **data),
        removed=_("The objective was removed."), saved=_("The objective was saved."),
    )
    return done or render(request, "workgroups/plan/objective_form.html", {
        "plan": plan, "objective": objective, "form": form, "remove_error": remove_error,
    })


@require_http_methods(["GET", "POST"])
def result_edit(request, year: int, pk: int):
    plan = _managed_plan_or_404(request, year)
    result = PlanResult.objects.select_related("objective__plan__city").filter(objective__plan=plan, pk=pk).first()
    if result is None:
        raise Http404
    initial = {name: getattr(result, name) for name in services.RESULT_FIELDS}
    for name in ("baseline", "target_value"):
        initial[name] = _plain(initial[name])
    removing = request.method == "POST" and request.POST.get("action") == "remove"
    form = ResultForm(None if removing else request.POST or None, initial=initial)
    done, remove_error = _edit_or_remove(
        request, plan, form,
        remove=lambda: services.result_remove(result=result, actor=request.user),
        update=lambda **data: services.result_update(result=result, actor=request.user, **data),
        removed=_("The result was removed."), saved=_("The result was saved."),
    )
    return done or render(request, "workgroups/plan/result_form.html", {
        "plan": plan, "result": result, "form": form, "remove_error": remove_error,
    })


@require_http_methods(["GET", "POST"])
def budget_line_edit(request, year: int, pk: int):
    plan = _managed_plan_or_404(request, year)
    line = BudgetLine.objects.select_related("objective__plan__city").filter(objective__plan=plan, pk=pk).first()
    if line is None:
        raise Http404
    initial = {name: getattr(line, name) for name in services.BUDGET_FIELDS}
    removing = request.method == "POST" and request.POST.get("action") == "remove"
    form = BudgetLineForm(None if removing else request.POST or None, initial=initial)
    if removing:
        services.budget_line_remove(line=line, actor=request.user)
        messages.success(request, _("The budget line was removed."))
        return redirect("workgroups:plan_manage", year=plan.year)
    if form.is_bound and form.is_valid():
        try:
            line = services.budget_line_update(line=line, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            if line.spent_rials > line.planned_rials:
                messages.warning(request, _("The budget line was saved. It is overspent: more was spent than "
                                            "planned."))
            else:
                messages.success(request, _("The budget line was saved."))
            return redirect("workgroups:plan_manage", year=plan.year)
    return render(request, "workgroups/plan/budget_line_form.html", {"plan": plan, "line": line, "form": form})


# --- Import ------------------------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
def results_import(request, year: int):
    """Upload progress for many results at once; every row is checked first, and it is all or nothing."""
    plan = _plan_or_404(request, year)
    if not permissions.can_import_results(request.user, plan):
        raise Http404
    form = ResultsImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        try:
            report = services.results_import(plan=plan, actor=request.user, data=form.read())
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            if report.ok:
                messages.success(request, _("%(count)s updates were imported.") % {"count": report.created})
                return redirect(f"{request.path}?batch={report.batch}")
    batch = request.GET.get("batch", "")[:40] if request.method == "GET" else ""
    imported = results_of_batch(plan=plan, batch=batch) if batch else []
    return render(request, "workgroups/plan/results_import.html", {
        "plan": plan, "form": form, "report": report, "imported": imported, "batch": batch,
        "columns": services.IMPORT_COLUMNS, "max_rows": services.MAX_IMPORT_ROWS,
    })


@require_GET
def results_template(request, year: int, file_format: str):
    """A file to fill in for the import, with a row for each result this person may report on."""
    plan = _plan_or_404(request, year)
    if file_format not in ("csv", "xlsx") or not permissions.can_import_results(request.user, plan):
        raise Http404
    content = services.results_import_template(plan=plan, file_format=file_format, actor=request.user)
    response = HttpResponse(content, content_type=XLSX_TYPE if file_format == "xlsx" else "text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="plan-{plan.year}-results.{file_format}"'
    return response
