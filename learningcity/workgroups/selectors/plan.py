"""Reads of the action plan: the public progress page, a result's timeline, and the secretariat's view.

The public page reads a fixed handful of queries whatever the plan's size (objectives, results,
programme links, budget sums): the status and progress of each result are mirrored on its row.
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Prefetch, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone, translation

from learningcity.catalogue.models import ProgrammeStatus
from learningcity.core.jalali import format_date, jalali_year_of
from learningcity.core.text import persian_digits

from .. import permissions
from ..models import (
    PLAN_AREAS,
    ActionPlan,
    BudgetLine,
    Document,
    Objective,
    PlanResult,
    ResultStatus,
    ResultUpdate,
    Visibility,
)

__all__ = [
    "current_plan_year",
    "format_amount",
    "format_percent",
    "plan_for_year",
    "plan_manage_data",
    "plan_progress",
    "plans_list",
    "result_documents",
    "result_in_plan",
    "result_timeline",
    "results_of_batch",
]

STATUS_BADGES = {
    ResultStatus.NOT_STARTED: "text-bg-secondary",
    ResultStatus.ON_TRACK: "text-bg-primary",
    ResultStatus.AT_RISK: "text-bg-warning",
    ResultStatus.OFF_TRACK: "text-bg-danger",
    ResultStatus.ACHIEVED: "text-bg-success",
}
_BAR_CLASSES = {ResultStatus.ACHIEVED: " bg-success", ResultStatus.OFF_TRACK: " bg-danger",
                ResultStatus.AT_RISK: " bg-warning"}
_AREA_ORDER = {area.value: index for index, area in enumerate(PLAN_AREAS)}
_AREA_LABELS = {area.value: area.label for area in PLAN_AREAS}
_NATURAL = re.compile(r"(\d+)")


def _fa() -> bool:
    return (translation.get_language() or "fa").startswith("fa")


def _natural(code: str) -> tuple:
    """R2 before R10."""
    return tuple(int(part) if part.isdecimal() else part.casefold() for part in _NATURAL.split(code))


def format_amount(value: Decimal | int | None) -> str:
    """A number as the reader of the active language writes it: `۱٬۲۵۰٫۵` / `1,250.5`."""
    if value is None:
        return ""
    if isinstance(value, Decimal) and value != value.to_integral_value():
        text = f"{value.normalize():,f}"
    else:
        text = f"{int(value):,}"
    if _fa():
        return persian_digits(text.replace(",", "\u066c").replace(".", "\u066b"))
    return text


def format_percent(value: int) -> str:
    return f"{persian_digits(value)}\u066a" if _fa() else f"{value}%"


def current_plan_year(today: dt.date | None = None) -> int:
    """The Jalali year we are in, in the city's time zone."""
    return jalali_year_of(today or timezone.localdate())


def plans_list(*, user, city) -> QuerySet[ActionPlan]:
    """The plans this person may see: published ones, and drafts for the secretariat."""
    return permissions.plans_visible_to(user, city).order_by("-year")


def plan_for_year(*, user, city, year: int) -> ActionPlan | None:
    """The city's plan of a Jalali year if this person may see it (a draft is the secretariat's only)."""
    return plans_list(user=user, city=city).select_related("city").filter(year=year).first()


# --- The public progress page ------------------------------------------------------------------------

@dataclass
class ObjectiveBlock:
    objective: Objective
    results: list = field(default_factory=list)  # dicts on the public page, PlanResults on the secretariat's
    programmes: list = field(default_factory=list)
    planned: int = 0
    spent: int = 0
    budget_lines: int = 0
    overspent_lines: int = 0
    group_visible: bool = False
    lines: list[BudgetLine] = field(default_factory=list)  # the secretariat's page only
    removable: bool = False

    @property
    def overspent(self) -> bool:
        return self.spent > self.planned

    @property
    def planned_text(self) -> str:
        return format_amount(self.planned)

    @property
    def spent_text(self) -> str:
        return format_amount(self.spent)


@dataclass
class AreaBlock:
    code: str
    label: str
    objectives: list[ObjectiveBlock] = field(default_factory=list)


@dataclass
class PlanProgress:
    plan: ActionPlan
    areas: list[AreaBlock]
    counts: dict[str, int]
    total_results: int
    overall_progress: int
    planned: int
    spent: int

    @property
    def overspent(self) -> bool:
        return self.spent > self.planned

    @property
    def spent_share(self) -> int:
        return round(100 * self.spent / self.planned) if self.planned else 0

    @property
    def overall_progress_text(self) -> str:
        return format_percent(self.overall_progress)

    @property
    def planned_text(self) -> str:
        return format_amount(self.planned)

    @property
    def spent_text(self) -> str:
        return format_amount(self.spent)


def _decorate(result: PlanResult) -> PlanResult:
    """What the page shows of a result, formatted once here rather than by filters in a 500-row loop."""
    result.badge = STATUS_BADGES.get(result.status, "text-bg-secondary")
    result.bar = _BAR_CLASSES.get(result.status, "")
    result.progress_text = format_percent(result.progress)
    result.target_text = format_amount(result.target_value)
    result.baseline_text = format_amount(result.baseline)
    result.current_text = format_amount(result.current_value)
    return result


_ROW_FIELDS = ("id", "objective_id", "code", "title_fa", "title_en", "unit_fa", "unit_en", "target_value",
               "due_on", "status", "progress", "current_value")


class _ResultRows:
    """A result of the public page as a dict of ready-to-print strings.

    The page lists up to hundreds of results; plain dicts of strings keep the template's work per row
    small (no model instances, no number localisation, one URL reversal for the whole page).
    """

    def __init__(self, plan: ActionPlan):
        sentinel = 987654321
        self.url = reverse("workgroups:result", kwargs={"year": plan.year, "pk": sentinel}).replace(
            str(sentinel), "{pk}")
        self.language = "fa" if _fa() else "en"
        self.labels = {status.value: str(status.label) for status in ResultStatus}
        self.dates: dict = {}

    def _date(self, day) -> str:
        if day not in self.dates:
            self.dates[day] = format_date(day) if day else ""
        return self.dates[day]

    def build(self, values: tuple) -> dict:
        (pk, objective_id, code, title_fa, title_en, unit_fa, unit_en, target, due_on, status, progress,
         current) = values
        other = self.language == "en"
        return {
            "pk": str(pk),
            "objective_id": objective_id,
            "code": code,
            "title": (title_en or title_fa) if other else (title_fa or title_en),
            "unit": (unit_en or unit_fa) if other else (unit_fa or unit_en),
            "target": format_amount(target),
            "current": format_amount(current) or "—",
            "status": status,
            "status_label": self.labels.get(status, status),
            "badge": STATUS_BADGES.get(status, "text-bg-secondary"),
            "bar": _BAR_CLASSES.get(status, ""),
            "progress": str(progress),
            "progress_value": progress,
            "progress_text": format_percent(progress),
            "due": self._date(due_on),
            "url": self.url.format(pk=pk),
        }


def _group_visible(user, group, seats: dict[int, str], secretariat: bool) -> bool:
    return group is not None and (group.visibility == Visibility.PUBLIC or secretariat or group.pk in seats)


def plan_progress(*, plan: ActionPlan, user) -> PlanProgress:
    """The plan's objectives grouped by area (2.1–2.6, then 3.1–3.3) with results, programmes and budget.

    Five queries whatever the size: objectives, results, programme links, budget sums, and the
    person's seats. Members-only groups are named only to their members and the secretariat;
    unpublished programmes are listed only for the secretariat.
    """
    secretariat = permissions.can_manage_plan(user, plan.city)
    seats = permissions.seats_of(user)
    objectives = list(
        Objective.objects.filter(plan=plan).select_related("working_group")
        .only("id", "plan_id", "area", "code", "title_fa", "title_en", "description_fa", "description_en",
              "position", "working_group__id", "working_group__slug", "working_group__name_fa",
              "working_group__name_en", "working_group__visibility", "working_group__city_id")
    )
    blocks = {
        objective.pk: ObjectiveBlock(
            objective=objective,
            group_visible=_group_visible(user, objective.working_group, seats, secretariat),
        )
        for objective in objectives
    }
    counts = dict.fromkeys(ResultStatus.values, 0)
    total = progress_sum = 0
    if blocks:
        rows = _ResultRows(plan)
        results = PlanResult.objects.filter(objective__plan=plan).values_list(*_ROW_FIELDS)
        for values in results:
            row = rows.build(values)
            blocks[row["objective_id"]].results.append(row)
            counts[row["status"]] = counts.get(row["status"], 0) + 1
            total += 1
            progress_sum += row["progress_value"]
        links = Objective.programmes.through.objects.filter(objective__plan=plan).select_related("programme").only(
            "objective_id", "programme__id", "programme__title_fa", "programme__title_en", "programme__status",
        ).order_by("programme__title_fa", "programme_id")
        for link in links:
            programme = link.programme
            programme.is_public = programme.status == ProgrammeStatus.PUBLISHED
            if programme.is_public or secretariat:
                blocks[link.objective_id].programmes.append(programme)
        sums = (
            BudgetLine.objects.filter(objective__plan=plan).values("objective_id")
            .annotate(planned=Sum("planned_rials"), spent=Sum("spent_rials"), lines=Count("id"))
            .order_by()
        )
        for row in sums:
            block = blocks[row["objective_id"]]
            block.planned, block.spent, block.budget_lines = row["planned"] or 0, row["spent"] or 0, row["lines"]
    areas: dict[str, AreaBlock] = {}
    for objective in sorted(objectives, key=lambda o: (_AREA_ORDER.get(o.area, 99), o.position, _natural(o.code))):
        block = blocks[objective.pk]
        block.results.sort(key=lambda r: _natural(r["code"]))
        area = areas.setdefault(objective.area, AreaBlock(code=objective.area,
                                                          label=_AREA_LABELS.get(objective.area, objective.area)))
        area.objectives.append(block)
    return PlanProgress(
        plan=plan,
        areas=list(areas.values()),
        counts=counts,
        total_results=total,
        overall_progress=(2 * progress_sum + total) // (2 * total) if total else 0,  # half rounds up
        planned=sum(b.planned for b in blocks.values()),
        spent=sum(b.spent for b in blocks.values()),
    )


# --- A result and its timeline -----------------------------------------------------------------------

def result_in_plan(*, plan: ActionPlan, pk: int) -> PlanResult | None:
    result = (
        PlanResult.objects.filter(objective__plan=plan, pk=pk)
        .select_related("objective__working_group__city", "objective__plan__city")
        .first()
    )
    return _decorate(result) if result else None


def result_timeline(result: PlanResult) -> list[ResultUpdate]:
    """Every update, newest first by date (a later report of the same day first)."""
    updates = list(result.updates.select_related("recorded_by").order_by("-reported_on", "-id"))
    for update in updates:
        update.badge = STATUS_BADGES.get(update.status, "text-bg-secondary")
        update.progress_text = format_percent(update.progress)
        update.value_text = format_amount(update.value)
    return updates


def result_documents(result: PlanResult) -> list[Document]:
    return list(Document.objects.filter(result=result).select_related("uploaded_by").order_by("-uploaded_at", "-id"))


def results_of_batch(*, plan: ActionPlan, batch: str) -> list[ResultUpdate]:
    """The updates one import wrote, for its summary page."""
    if not batch:
        return []
    updates = list(
        ResultUpdate.objects.filter(result__objective__plan=plan, import_batch=batch)
        .select_related("result").order_by("result__code", "-reported_on", "id")
    )
    for update in updates:
        update.progress_text = format_percent(update.progress)
    return updates


# --- The secretariat's page --------------------------------------------------------------------------

def plan_manage_data(*, plan: ActionPlan) -> list[AreaBlock]:
    """Objectives by area with their results (and how many updates each has), budget lines and programmes."""
    objectives = (
        Objective.objects.filter(plan=plan).select_related("working_group")
        .prefetch_related(
            Prefetch("results", queryset=PlanResult.objects.annotate(
                update_count=Count("updates", distinct=True),
                document_count=Count("documents", distinct=True),
            ).order_by("code", "id")),
            Prefetch("budget_lines", queryset=BudgetLine.objects.order_by("id")),
            Prefetch("programmes"),
        )
    )
    areas: dict[str, AreaBlock] = {}
    ordered = sorted(objectives, key=lambda o: (_AREA_ORDER.get(o.area, 99), o.position, _natural(o.code)))
    for objective in ordered:
        results = sorted(objective.results.all(), key=lambda r: _natural(r.code))
        for result in results:
            _decorate(result)
        lines = list(objective.budget_lines.all())
        for line in lines:
            line.planned_text = format_amount(line.planned_rials)
            line.spent_text = format_amount(line.spent_rials)
            line.overspent = line.spent_rials > line.planned_rials
        block = ObjectiveBlock(
            objective=objective, results=results, programmes=list(objective.programmes.all()),
            planned=sum(line.planned_rials for line in lines), spent=sum(line.spent_rials for line in lines),
            budget_lines=len(lines), overspent_lines=sum(1 for line in lines if line.overspent), group_visible=True,
            lines=lines, removable=not any(r.update_count or r.document_count for r in results),
        )
        area = areas.setdefault(objective.area, AreaBlock(code=objective.area,
                                                          label=_AREA_LABELS.get(objective.area, objective.area)))
        area.objectives.append(block)
    return list(areas.values())
