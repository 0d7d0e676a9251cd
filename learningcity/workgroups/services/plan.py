"""Writes to the action plan: the plan, its objectives, measurable results, budget lines, and progress reports.

The secretariat builds the plan (one per city and Jalali year) and publishes it. Progress on a result is
an append-only timeline of dated updates; the newest one (by date) is mirrored on the result so the
public page reads one row per result. A CSV/XLSX import checks every row first and then writes all of
them in one transaction, or nothing.

`actor=None` means the system (the demo loader); pages and the API always pass a person.
"""

import csv
import datetime as dt
import io
import re
import uuid
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import jdatetime
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, models, transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from learningcity.catalogue.models import Programme
from learningcity.core.audit import audit_created, audit_record, audit_updated, snapshot
from learningcity.core.errors import Conflict, DomainError, NotAllowed, NotFound
from learningcity.core.jalali import format_date, parse_jalali_date
from learningcity.core.text import fold_digits, normalise_for_search, persian_digits

from .. import permissions
from ..inputs import WINDOW_YEARS, years_from
from ..models import (
    PLAN_AREAS,
    ActionPlan,
    BudgetLine,
    Objective,
    PlanResult,
    PlanStatus,
    ResultStatus,
    ResultUpdate,
    WorkingGroup,
)

__all__ = [
    "budget_line_add",
    "budget_line_remove",
    "budget_line_update",
    "objective_create",
    "objective_remove",
    "objective_update",
    "parse_amount",
    "parse_rials",
    "plan_create",
    "plan_publish",
    "plan_update",
    "plan_year_starts",
    "result_create",
    "result_remove",
    "result_report",
    "result_update",
    "results_import",
    "results_import_template",
]

MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_ROWS = 2000
# An XLSX is a zip; refuse one that would unpack to far more than its size (a "zip bomb").
MAX_XLSX_UNPACKED_BYTES = 40 * 1024 * 1024
MAX_RIALS = 10**16
MAX_AMOUNT = Decimal("999999999999.99")  # what DecimalField(max_digits=14, decimal_places=2) holds

PLAN_FIELDS = ("title_fa", "title_en", "summary_fa", "summary_en")
OBJECTIVE_FIELDS = ("area", "code", "title_fa", "title_en", "description_fa", "description_en", "working_group",
                    "programmes", "position")
RESULT_FIELDS = ("code", "title_fa", "title_en", "unit_fa", "unit_en", "baseline", "target_value", "due_on")
BUDGET_FIELDS = ("title_fa", "title_en", "source_fa", "source_en", "planned_rials", "spent_rials")

# Spaces, commas, the Arabic thousands separator (U+066C), the Arabic comma, apostrophes, underscores.
_GROUPING = re.compile(r"[\s,\u066c\u060c'’_]")
_CODE_SPACES = re.compile(r"\s+")


# --- Small helpers -----------------------------------------------------------------------------------

def _n(value: Any) -> str:
    """A number in the digits of the active language."""
    return persian_digits(value) if (translation.get_language() or "fa").startswith("fa") else str(value)


def _count(value: int) -> str:
    """A whole number with thousands separators, in the digits of the active language."""
    text = f"{value:,}"
    if (translation.get_language() or "fa").startswith("fa"):
        return persian_digits(text.replace(",", "\u066c"))
    return text


def _amount_text(value: Decimal) -> str:
    """`999,999,999,999.99`, or in Persian digits with Persian separators."""
    text = f"{value:,}"
    if (translation.get_language() or "fa").startswith("fa"):
        return persian_digits(text.replace(",", "\u066c").replace(".", "\u066b"))
    return text


def _person(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _require_manager(actor, city) -> None:
    if actor is not None and not permissions.can_manage_plan(actor, city):
        raise NotAllowed(_("Only the city secretariat can change the action plan."))


def _full_clean(instance: models.Model, *, exclude: Iterable[str] = ()) -> None:
    try:
        instance.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        name, messages = next(iter(exc.message_dict.items()))
        raise DomainError(messages[0], field=None if name == "__all__" else name) from exc


def _clean_text(value: str | None) -> str:
    return (value or "").strip()


def _clean_code(value: str | None) -> str:
    """Codes are kept in ASCII digits without inner spaces, so `R۱` and `R 1` are the same code as `R1`."""
    return _CODE_SPACES.sub("", fold_digits(str(value or "")))


def _same_code(code: str) -> dict:
    return {"code__iexact": code}


def _apply(instance: models.Model, allowed: tuple[str, ...], changes: dict) -> None:
    unknown = set(changes) - set(allowed)
    if unknown:
        raise TypeError(f"cannot change {', '.join(sorted(unknown))}")
    for name, value in changes.items():
        setattr(instance, name, value)


def plan_year_starts(year: int) -> dt.date:
    """1 Farvardin of the plan's Jalali year, as a Gregorian date."""
    return jdatetime.date(year, 1, 1).togregorian()


def parse_rials(value: Any, *, field_name: str = "planned_rials") -> int:
    """Rials typed by a person: any digits, with or without thousands separators; a whole, non-negative number."""
    if isinstance(value, bool):
        raise DomainError(_("Enter an amount in rials, e.g. 12,000,000."), field=field_name)
    if isinstance(value, int):
        number = value
    else:
        text = _GROUPING.sub("", fold_digits(str(value if value is not None else "")))
        if not text:
            raise DomainError(_("Enter an amount in rials, e.g. 12,000,000."), field=field_name)
        if not re.fullmatch(r"[+-]?\d+", text):
            raise DomainError(_("Enter a whole number of rials, e.g. 12,000,000."), field=field_name)
        number = int(text)
    if number < 0:
        raise DomainError(_("An amount cannot be negative."), field=field_name)
    if number > MAX_RIALS:
        raise DomainError(_("This amount is too large."), field=field_name)
    return number


def parse_amount(value: Any, *, field_name: str = "value") -> Decimal | None:
    """A measured value in any digits (`۱٬۲۵۰٫۵`, `1,250.5`); empty is None; at most two decimals."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise DomainError(_("Enter a number, e.g. 1250 or 12.5."), field=field_name)
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    else:
        text = fold_digits(str(value)).strip().replace("\u066b", ".")
        text = _GROUPING.sub("", text)
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise DomainError(_("Enter a number, e.g. 1250 or 12.5."), field=field_name) from None
    if not number.is_finite():
        raise DomainError(_("Enter a number, e.g. 1250 or 12.5."), field=field_name)
    # Before rounding: rounding 1e30 to cents needs more digits than decimal arithmetic keeps, and fails.
    if abs(number) > MAX_AMOUNT:
        raise DomainError(_("This number is too large: it can be at most %(max)s.") % {"max": _amount_text(MAX_AMOUNT)},
                          field=field_name, code="number_too_large")
    cents = number.quantize(Decimal("0.01"))
    if isinstance(value, float) and abs(number - cents) < Decimal("1e-9"):
        # Spreadsheet numbers are binary floats (12.3 may arrive as 12.299999999999999): round to cents.
        number = cents
    if number != cents:
        raise DomainError(_("Use at most two decimal places."), field=field_name)
    return cents


# --- The plan ----------------------------------------------------------------------------------------

def plan_create(*, city, actor, year: int, title_fa: str, title_en: str = "", summary_fa: str = "",
                summary_en: str = "") -> ActionPlan:
    """Start the action plan of a Jalali year, as a draft only the secretariat sees."""
    _require_manager(actor, city)
    plan = ActionPlan(city=city, year=year, title_fa=_clean_text(title_fa), title_en=_clean_text(title_en),
                      summary_fa=_clean_text(summary_fa), summary_en=_clean_text(summary_en),
                      status=PlanStatus.DRAFT)
    if not plan.title_fa and not plan.title_en:
        raise DomainError(_("Give the plan a title."), field="title_fa")
    if not plan.title_fa:
        plan.title_fa = plan.title_en
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise DomainError(_("Enter a Jalali year such as 1405."), field="year") from None
    if not 1390 <= year <= 1500:
        raise DomainError(_("Enter a Jalali year between 1390 and 1500."), field="year")
    plan.year = year
    _full_clean(plan, exclude=["city"])
    with transaction.atomic():
        if ActionPlan.objects.filter(city=city, year=year).exists():
            raise Conflict(_("The city already has an action plan for %(year)s.") % {"year": _n(year)},
                           field="year")
        try:
            with transaction.atomic():
                plan.save()
        except IntegrityError:
            raise Conflict(_("The city already has an action plan for %(year)s.") % {"year": _n(year)},
                           field="year") from None
        audit_created(actor=actor, obj=plan, action="plan.create")
    return plan


def plan_update(*, plan: ActionPlan, actor, **changes) -> ActionPlan:
    """Change the plan's title or summary (the year is fixed: it is the plan's address)."""
    _require_manager(actor, plan.city)
    with transaction.atomic():
        plan = ActionPlan.objects.select_for_update().select_related("city").get(pk=plan.pk)
        before = snapshot(plan)
        _apply(plan, PLAN_FIELDS, {k: _clean_text(v) for k, v in changes.items()})
        if not plan.title_fa and not plan.title_en:
            raise DomainError(_("Give the plan a title."), field="title_fa")
        if not plan.title_fa:
            plan.title_fa = plan.title_en
        _full_clean(plan, exclude=["city"])
        plan.save(update_fields=[*PLAN_FIELDS, "updated_at"])
        audit_updated(actor=actor, obj=plan, before=before, action="plan.update")
    return plan


def plan_publish(*, plan: ActionPlan, actor) -> ActionPlan:
    """Publish a draft plan: from now on anyone may read it and its progress."""
    _require_manager(actor, plan.city)
    with transaction.atomic():
        plan = ActionPlan.objects.select_for_update().select_related("city").get(pk=plan.pk)
        if plan.status == PlanStatus.PUBLISHED:
            raise Conflict(_("This plan is already published."))
        if not PlanResult.objects.filter(objective__plan=plan).exists():
            raise DomainError(_("Add at least one objective with a measurable result before publishing."))
        plan.status = PlanStatus.PUBLISHED
        plan.save(update_fields=["status", "updated_at"])
        audit_record(actor=actor, action="plan.publish", obj=plan,
                     changes={"status": [PlanStatus.DRAFT, PlanStatus.PUBLISHED]})
    return plan


# --- Objectives --------------------------------------------------------------------------------------

def _check_objective(objective: Objective, programmes: list[Programme] | None) -> None:
    if objective.area not in {area.value for area in PLAN_AREAS}:
        raise DomainError(_("Choose one of the six building blocks or three fundamental conditions."),
                          field="area")
    objective.code = _clean_code(objective.code)
    if not objective.code:
        raise DomainError(_("Give the objective a code, for example O2.1-1."), field="code")
    for name in ("title_fa", "title_en", "description_fa", "description_en"):
        setattr(objective, name, _clean_text(getattr(objective, name)))
    if not objective.title_fa and not objective.title_en:
        raise DomainError(_("Give the objective a title."), field="title_fa")
    if not objective.title_fa:
        objective.title_fa = objective.title_en
    group = objective.working_group
    if group is not None and group.city_id != objective.plan.city_id:
        raise DomainError(_("Choose a working group of this city."), field="working_group")
    for programme in programmes or []:
        if programme.city_id != objective.plan.city_id:
            raise DomainError(_("Link only programmes of this city."), field="programmes")
    _full_clean(objective, exclude=["plan", "working_group", "programmes"])
    clash = Objective.objects.filter(plan=objective.plan, **_same_code(objective.code)).exclude(pk=objective.pk)
    if clash.exists():
        raise Conflict(_("Another objective of this plan already has the code %(code)s.") % {"code": objective.code},
                       field="code")


def objective_create(*, plan: ActionPlan, actor, area: str, code: str, title_fa: str, title_en: str = "",
                     description_fa: str = "", description_en: str = "", working_group: WorkingGroup | None = None,
                     programmes: Iterable[Programme] = (), position: int | None = None) -> Objective:
    """Add an objective under a building block (2.1–2.6) or fundamental condition (3.1–3.3)."""
    _require_manager(actor, plan.city)
    programmes = list(programmes)
    with transaction.atomic():
        plan = ActionPlan.objects.select_for_update().select_related("city").get(pk=plan.pk)
        if position is None:
            position = (Objective.objects.filter(plan=plan, area=area).aggregate(m=Max("position"))["m"] or 0) + 1
        objective = Objective(plan=plan, area=area, code=code, title_fa=title_fa, title_en=title_en,
                              description_fa=description_fa, description_en=description_en,
                              working_group=working_group, position=position)
        _check_objective(objective, programmes)
        objective.save()
        objective.programmes.set(programmes)
        audit_created(actor=actor, obj=objective, action="objective.create", city=plan.city)
    return objective


def objective_update(*, objective: Objective, actor, **changes) -> Objective:
    """Change an objective's area, code, title, description, responsible group or linked programmes."""
    plan = objective.plan
    _require_manager(actor, plan.city)
    programmes = changes.pop("programmes", None)
    programmes = list(programmes) if programmes is not None else None
    with transaction.atomic():
        ActionPlan.objects.select_for_update().filter(pk=plan.pk).first()
        objective = Objective.objects.select_related("plan__city").get(pk=objective.pk)
        before = snapshot(objective)
        _apply(objective, OBJECTIVE_FIELDS, changes)
        _check_objective(objective, programmes)
        objective.save()
        if programmes is not None:
            objective.programmes.set(programmes)
        audit_updated(actor=actor, obj=objective, before=before, action="objective.update", city=plan.city)
    return objective


def objective_remove(*, objective: Objective, actor) -> None:
    """Remove an objective with its results and budget lines, only while no progress was reported on it."""
    plan = objective.plan
    _require_manager(actor, plan.city)
    with transaction.atomic():
        ActionPlan.objects.select_for_update().filter(pk=plan.pk).first()
        # Reports lock their result first: with the results locked, none can arrive between the check and the delete.
        list(PlanResult.objects.select_for_update().filter(objective=objective).order_by("pk").values_list("pk"))
        if ResultUpdate.objects.filter(result__objective=objective).exists():
            raise Conflict(_("Progress has been reported on this objective's results; it can no longer be removed."))
        if objective.results.filter(documents__isnull=False).exists():
            raise Conflict(_("Documents are attached to this objective's results; remove them first."))
        audit_record(actor=actor, action="objective.remove", obj=objective, city=plan.city,
                     changes={"code": [objective.code, None], "title_fa": [objective.title_fa, None]})
        objective.delete()


# --- Results -----------------------------------------------------------------------------------------

def _check_result(result: PlanResult, plan: ActionPlan) -> None:
    result.code = _clean_code(result.code)
    if not result.code:
        raise DomainError(_("Give the result a code, for example R2.1-1."), field="code")
    for name in ("title_fa", "title_en", "unit_fa", "unit_en"):
        setattr(result, name, _clean_text(getattr(result, name)))
    if not result.title_fa and not result.title_en:
        raise DomainError(_("Say what the target is."), field="title_fa")
    if not result.title_fa:
        result.title_fa = result.title_en
    result.baseline = parse_amount(result.baseline, field_name="baseline")
    result.target_value = parse_amount(result.target_value, field_name="target_value")
    if result.target_value is None:
        raise DomainError(_("Enter the target value."), field="target_value")
    if result.due_on is not None and result.due_on < plan_year_starts(plan.year):
        raise DomainError(_("The due date cannot be before the plan's year starts (%(date)s).")
                          % {"date": format_date(plan_year_starts(plan.year))}, field="due_on")
    latest_due = years_from(plan_year_starts(plan.year), WINDOW_YEARS)
    if result.due_on is not None and result.due_on > latest_due:
        raise DomainError(_("The due date can be at most ten years after the plan's year starts, that is by "
                          "%(date)s.") % {"date": format_date(latest_due)}, field="due_on", code="due_on_too_late")
    _full_clean(result, exclude=["objective"])
    clash = PlanResult.objects.filter(objective__plan=plan, **_same_code(result.code)).exclude(pk=result.pk)
    if clash.exists():
        raise Conflict(_("Another result of this plan already has the code %(code)s.") % {"code": result.code},
                       field="code")


def result_create(*, objective: Objective, actor, code: str, title_fa: str, target_value: Decimal | str,
                  title_en: str = "", unit_fa: str = "", unit_en: str = "", baseline: Decimal | str | None = None,
                  due_on: dt.date | None = None) -> PlanResult:
    """Define a measurable result of an objective; its code is unique in the plan (imports use it)."""
    plan = objective.plan
    _require_manager(actor, plan.city)
    with transaction.atomic():
        plan = ActionPlan.objects.select_for_update().select_related("city").get(pk=plan.pk)
        result = PlanResult(objective=objective, code=code, title_fa=title_fa, title_en=title_en, unit_fa=unit_fa,
                            unit_en=unit_en, baseline=baseline, target_value=target_value, due_on=due_on)
        _check_result(result, plan)
        result.save()
        audit_created(actor=actor, obj=result, action="result.create", city=plan.city)
    return result


def result_update(*, result: PlanResult, actor, **changes) -> PlanResult:
    """Change a result's definition; its reported progress stays as it is."""
    plan = result.objective.plan
    _require_manager(actor, plan.city)
    with transaction.atomic():
        plan = ActionPlan.objects.select_for_update().select_related("city").get(pk=plan.pk)
        result = PlanResult.objects.get(pk=result.pk)
        before = snapshot(result)
        _apply(result, RESULT_FIELDS, changes)
        _check_result(result, plan)
        result.save(update_fields=list(RESULT_FIELDS))
        audit_updated(actor=actor, obj=result, before=before, action="result.update", city=plan.city)
    return result


def result_remove(*, result: PlanResult, actor) -> None:
    """Remove a result defined by mistake, only while nothing was reported on it."""
    plan = result.objective.plan
    _require_manager(actor, plan.city)
    with transaction.atomic():
        # Reports lock the result first: with it locked, none can arrive between the check and the delete.
        if not PlanResult.objects.select_for_update().filter(pk=result.pk).exists():
            raise NotFound(_("This result no longer exists."))
        if result.updates.exists():
            raise Conflict(_("Progress has been reported on this result; it can no longer be removed."))
        if result.documents.exists():
            raise Conflict(_("Documents are attached to this result; remove them first."))
        audit_record(actor=actor, action="result.remove", obj=result, city=plan.city,
                     changes={"code": [result.code, None], "title_fa": [result.title_fa, None]})
        result.delete()


# --- Budget lines ------------------------------------------------------------------------------------

def _check_budget_line(line: BudgetLine) -> None:
    for name in ("title_fa", "title_en", "source_fa", "source_en"):
        setattr(line, name, _clean_text(getattr(line, name)))
    if not line.title_fa and not line.title_en:
        raise DomainError(_("Name the budget line."), field="title_fa")
    if not line.title_fa:
        line.title_fa = line.title_en
    line.planned_rials = parse_rials(line.planned_rials, field_name="planned_rials")
    spent = line.spent_rials
    line.spent_rials = 0 if spent in (None, "") else parse_rials(spent, field_name="spent_rials")
    _full_clean(line, exclude=["objective"])


def budget_line_add(*, objective: Objective, actor, title_fa: str, planned_rials: int | str, title_en: str = "",
                    source_fa: str = "", source_en: str = "", spent_rials: int | str = 0) -> BudgetLine:
    """Plan money for an objective. Spending more than planned is allowed (it happens) and shown as overspent."""
    plan = objective.plan
    _require_manager(actor, plan.city)
    line = BudgetLine(objective=objective, title_fa=title_fa, title_en=title_en, source_fa=source_fa,
                      source_en=source_en, planned_rials=planned_rials, spent_rials=spent_rials)
    _check_budget_line(line)
    with transaction.atomic():
        line.save()
        audit_created(actor=actor, obj=line, action="budget_line.create", city=plan.city)
    return line


def budget_line_update(*, line: BudgetLine, actor, **changes) -> BudgetLine:
    """Change a budget line, typically what has been spent so far."""
    plan = line.objective.plan
    _require_manager(actor, plan.city)
    with transaction.atomic():
        line = BudgetLine.objects.select_for_update().get(pk=line.pk)
        before = snapshot(line)
        _apply(line, BUDGET_FIELDS, changes)
        _check_budget_line(line)
        line.save(update_fields=list(BUDGET_FIELDS))
        audit_updated(actor=actor, obj=line, before=before, action="budget_line.update", city=plan.city)
    return line


def budget_line_remove(*, line: BudgetLine, actor) -> None:
    plan = line.objective.plan
    _require_manager(actor, plan.city)
    with transaction.atomic():
        audit_record(actor=actor, action="budget_line.remove", obj=line, city=plan.city,
                     changes={"title_fa": [line.title_fa, None], "planned_rials": [line.planned_rials, None],
                              "spent_rials": [line.spent_rials, None]})
        line.delete()


# --- Reporting progress ------------------------------------------------------------------------------

def _check_date(reported_on: dt.date | None, plan: ActionPlan, today: dt.date) -> None:
    if reported_on is None:
        raise DomainError(_("Enter the date of this update."), field="reported_on")
    if reported_on > today:
        raise DomainError(_("The date cannot be in the future."), field="reported_on")
    starts = plan_year_starts(plan.year)
    if reported_on < starts:
        raise DomainError(_("The date cannot be before the plan's year starts (%(date)s).")
                          % {"date": format_date(starts)}, field="reported_on")


def _check_progress(progress: Any) -> int:
    if progress is None or progress == "":
        raise DomainError(_("Enter the progress, a whole number from 0 to 100."), field="progress")
    if isinstance(progress, bool):
        raise DomainError(_("Progress must be a whole number from 0 to 100."), field="progress")
    if isinstance(progress, float):
        if not progress.is_integer():
            raise DomainError(_("Progress must be a whole number from 0 to 100."), field="progress")
        progress = int(progress)
    if isinstance(progress, str):
        text = fold_digits(progress).strip().rstrip("%\u066a").strip()
        if not re.fullmatch(r"[+-]?\d+(\.0+)?", text):
            raise DomainError(_("Progress must be a whole number from 0 to 100."), field="progress")
        progress = int(Decimal(text))
    if isinstance(progress, Decimal):
        if progress != progress.to_integral_value():
            raise DomainError(_("Progress must be a whole number from 0 to 100."), field="progress")
        progress = int(progress)
    if not 0 <= progress <= 100:
        raise DomainError(_("Progress must be between 0 and 100."), field="progress")
    return progress


def _check_status(status: str) -> str:
    if status not in ResultStatus.values:
        raise DomainError(_("Choose a status."), field="status")
    return status


def _check_evidence(url: str) -> str:
    url = _clean_text(url)
    if not url:
        return ""
    if len(url) > 500:
        raise DomainError(_("The evidence link is too long (at most 500 characters)."), field="evidence_url")
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise DomainError(_("Enter the evidence link as a web address starting with https://."),
                          field="evidence_url") from None
    return url


def _check_note(note: str) -> str:
    note = (note or "").strip()
    if len(note) > 5000:
        raise DomainError(_("The note is too long (at most 5,000 characters)."), field="note")
    return note


def _mirror(result: PlanResult, update: ResultUpdate, when: dt.datetime) -> None:
    """Show the newest update on the result itself (the public page reads one row per result)."""
    result.status = update.status
    result.progress = update.progress
    if update.value is not None:
        result.current_value = update.value
    result.updated_at = when


def result_report(*, result: PlanResult, actor, reported_on: dt.date, status: str, progress: int | str,
                  value: Decimal | str | None = None, note: str = "", evidence_url: str = "") -> ResultUpdate:
    """Append a dated progress update; if it is the newest by date, the result shows it from now on."""
    plan = result.objective.plan
    if actor is not None:
        if not permissions.can_see_plan(actor, plan):
            raise NotFound(_("No such plan."))
        if not permissions.can_report_result(actor, result):
            raise NotAllowed(_("Only the secretariat and the responsible group's chair or secretary can report "
                               "progress on this result."))
    today = timezone.localdate()
    _check_date(reported_on, plan, today)
    status = _check_status(status)
    progress = _check_progress(progress)
    value = parse_amount(value, field_name="value")
    note = _check_note(note)
    evidence_url = _check_evidence(evidence_url)
    with transaction.atomic():
        locked = PlanResult.objects.select_for_update().filter(pk=result.pk).first()
        if locked is None:
            raise NotFound(_("This result no longer exists."))
        newest = locked.updates.aggregate(latest=Max("reported_on"))["latest"]
        update = ResultUpdate.objects.create(
            result=locked, reported_on=reported_on, status=status, progress=progress, value=value, note=note,
            evidence_url=evidence_url, recorded_by=_person(actor),
        )
        if newest is None or reported_on >= newest:
            _mirror(locked, update, timezone.now())
            locked.save(update_fields=["status", "progress", "current_value", "updated_at"])
        audit_created(actor=actor, obj=update, action="result.report", city=plan.city)
    for name in ("status", "progress", "current_value", "updated_at"):
        setattr(result, name, getattr(locked, name))
    return update


# --- Import from CSV / XLSX --------------------------------------------------------------------------

# The columns of an import, with the headers people may give them (either language; case, spaces and
# half-spaces do not matter). "title" is only there to help people read the template; it is ignored.
IMPORT_COLUMNS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "code": (_("Result code"), ("code", "result code", "کد", "کد نتیجه", "کد شاخص")),
    "title": (_("Result title"), ("title", "target", "عنوان", "عنوان نتیجه", "شرح نتیجه")),
    "date": (_("Date"), ("date", "reported on", "تاریخ", "تاریخ گزارش")),
    "status": (_("Status"), ("status", "وضعیت")),
    "progress": (_("Progress (%)"), ("progress", "progress %", "پیشرفت", "درصد پیشرفت", "پیشرفت ٪")),
    "value": (_("Value reached"), ("value", "current value", "مقدار", "مقدار تحقق یافته", "مقدار فعلی")),
    "note": (_("Note"), ("note", "notes", "what happened", "یادداشت", "توضیح", "توضیحات", "شرح")),
    "evidence": (_("Evidence link"), ("evidence", "evidence link", "evidence url", "مستندات", "پیوند مستندات",
                                      "لینک مستندات")),
}
REQUIRED_COLUMNS = ("code", "date", "status", "progress")
DATA_COLUMNS = ("date", "status", "progress", "value", "note", "evidence")
STATUS_ALIASES = {
    ResultStatus.NOT_STARTED: ("شروع نشده", "آغاز نشده"),
    ResultStatus.ON_TRACK: ("در مسیر", "طبق برنامه", "در جریان"),
    ResultStatus.AT_RISK: ("در معرض خطر", "در خطر", "پرخطر"),
    ResultStatus.OFF_TRACK: ("خارج از مسیر", "عقب از برنامه", "عقب افتاده"),
    ResultStatus.ACHIEVED: ("محقق شده", "محقق شد", "تحقق یافته", "انجام شد", "انجام شده"),
}


def _key(text: Any) -> str:
    """A header or label as compared: normalised, without spaces, punctuation or `%`."""
    return re.sub(r"[\W_]+", "", normalise_for_search(str(text or "")))


def _labels_in_both_languages(label) -> list[str]:
    names = []
    for language in ("fa", "en"):
        with translation.override(language):
            names.append(str(label))
    return names


def _header_map() -> dict[str, str]:
    aliases: dict[str, str] = {}
    for column, (label, extra) in IMPORT_COLUMNS.items():
        for name in (column, *extra, *_labels_in_both_languages(label)):
            aliases.setdefault(_key(name), column)
    return aliases


def _status_map() -> dict[str, str]:
    aliases: dict[str, str] = {}
    for status in ResultStatus:
        for name in (status.value, *STATUS_ALIASES[status], *_labels_in_both_languages(status.label)):
            aliases.setdefault(_key(name), status.value)
    return aliases


@dataclass
class ImportRowError:
    """One problem in the uploaded file: the spreadsheet row (1 is the header), the column, and what is wrong."""

    row: int
    column: str
    message: str


@dataclass
class ImportReport:
    """What an import did: either every row was written (`ok`), or nothing was and `errors` says why."""

    ok: bool = False
    batch: str = ""
    file_format: str = ""
    rows: int = 0
    skipped: int = 0
    created: int = 0
    results: list[str] = field(default_factory=list)
    errors: list[ImportRowError] = field(default_factory=list)


def _sniff(data: bytes) -> str:
    """"csv" or "xlsx" by the file's content (never its name); anything else is refused."""
    if not data:
        raise DomainError(_("The file is empty."), field="file")
    if len(data) > MAX_IMPORT_BYTES:
        raise DomainError(_("The file is larger than %(size)s MB.") % {"size": _n(MAX_IMPORT_BYTES // (1024 * 1024))},
                          field="file")
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
                unpacked = sum(info.file_size for info in archive.infolist())
        except (zipfile.BadZipFile, ValueError):
            names, unpacked = set(), 0
        if "xl/workbook.xml" not in names:
            raise DomainError(_("This file is neither CSV nor an Excel workbook (.xlsx)."), field="file")
        if unpacked > MAX_XLSX_UNPACKED_BYTES:
            raise DomainError(_("This workbook is too large to import."), field="file")
        return "xlsx"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise DomainError(_("This is an old Excel file (.xls). Save it as .xlsx or as CSV UTF-8 and try again."),
                          field="file")
    binary_starts = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"{\\rtf", b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf")
    if data.startswith(binary_starts) or b"\x00" in data:
        raise DomainError(_("This file is neither CSV nor an Excel workbook (.xlsx)."), field="file")
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError(_("This CSV file is not in UTF-8. In Excel choose \"CSV UTF-8\" when saving, and try "
                            "again."), field="file") from None
    return "csv"


def _csv_rows(data: bytes) -> Iterable[list[Any]]:
    text = data.decode("utf-8-sig")
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample.splitlines()[0] if sample else "", delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        yield from reader
    except csv.Error:
        # A cell longer than the reader takes (131,072 characters) or broken quoting.
        raise DomainError(_("Line %(line)s of this CSV file could not be read: a cell is far too long or its "
                            "quotes are not closed. Fix it, or start from the template, and try again.")
                          % {"line": _n(reader.line_num)}, field="file", code="csv_unreadable") from None


def _xlsx_rows(data: bytes) -> Iterable[list[Any]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of errors for a damaged workbook
        raise DomainError(_("This Excel workbook could not be read. Save it again as .xlsx and try again."),
                          field="file") from None
    try:
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield list(row)
    except (KeyError, ValueError, TypeError, AttributeError, zipfile.BadZipFile):
        raise DomainError(_("This Excel workbook could not be read. Save it again as .xlsx and try again."),
                          field="file") from None
    finally:
        workbook.close()


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _parse_date_cell(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return parse_jalali_date(str(value))
    except ValueError:
        raise DomainError(_("Enter a real Jalali date like 1405/03/15.")) from None


def _cell_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip() if value is not None else ""


def _read_header(cells: list[Any]) -> dict[str, int]:
    """{column: index} from the header row; a column named twice or a required column missing is refused."""
    aliases = _header_map()
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        column = aliases.get(_key(cell))
        if column is None:
            continue  # e.g. "Result title" in the template, or the city's own notes
        if column in columns:
            raise DomainError(_("The column \"%(column)s\" appears twice in the header row.")
                              % {"column": _cell_text(cell)}, field="file")
        columns[column] = index
    missing = [column for column in REQUIRED_COLUMNS if column not in columns]
    if missing:
        names = ", ".join(str(IMPORT_COLUMNS[column][0]) for column in missing)
        raise DomainError(_("The header row must name the columns: %(columns)s. Download the template to see the "
                            "format.") % {"columns": names}, field="file")
    return columns


class _RowChecker:
    """Checks one data row of an import against the plan, collecting every problem rather than the first."""

    def __init__(self, *, plan: ActionPlan, actor, columns: dict[str, int]):
        self.plan, self.actor, self.columns = plan, actor, columns
        self.today = timezone.localdate()
        self.statuses = _status_map()
        self.labels = {column: str(label) for column, (label, _aliases) in IMPORT_COLUMNS.items()}
        self.results = {
            result.code.casefold(): result
            for result in PlanResult.objects.filter(objective__plan=plan).select_related(
                "objective__working_group__city", "objective__plan__city"
            )
        }
        self.allowed: dict[int, bool] = {}

    def cell(self, cells: list[Any], column: str) -> Any:
        index = self.columns.get(column)
        return cells[index] if index is not None and index < len(cells) else None

    def has_news(self, cells: list[Any]) -> bool:
        """Whether the row says anything beyond a code (and title): template rows left empty are skipped."""
        return not all(_blank(self.cell(cells, column)) for column in DATA_COLUMNS)

    def may_report(self, result: PlanResult) -> bool:
        if self.actor is None:
            return True
        if result.pk not in self.allowed:
            self.allowed[result.pk] = permissions.can_report_result(self.actor, result)
        return self.allowed[result.pk]

    def check(self, cells: list[Any], line: int) -> tuple[PlanResult | None, dict, list[ImportRowError]]:
        errors: list[ImportRowError] = []

        def fail(column: str, message) -> None:
            errors.append(ImportRowError(row=line, column=self.labels[column], message=str(message)))

        code = _clean_code(_cell_text(self.cell(cells, "code")))
        result = self.results.get(code.casefold()) if code else None
        if not code:
            fail("code", _("Enter the result code."))
        elif result is None:
            fail("code", _("This plan has no result with the code %(code)s.") % {"code": code})
        elif not self.may_report(result):
            fail("code", _("You may not report progress on %(code)s: it belongs to another working group.")
                 % {"code": code})

        values: dict[str, Any] = {}
        raw_date = self.cell(cells, "date")
        if _blank(raw_date):
            fail("date", _("Enter the date of this update."))
        else:
            try:
                values["reported_on"] = _parse_date_cell(raw_date)
                _check_date(values["reported_on"], self.plan, self.today)
            except DomainError as exc:
                fail("date", exc.message)
        raw_status = self.cell(cells, "status")
        values["status"] = self.statuses.get(_key(raw_status)) if not _blank(raw_status) else None
        if values["status"] is None:
            fail("status", _("Unknown status \"%(status)s\". Use one of: %(choices)s.")
                 % {"status": _cell_text(raw_status),
                    "choices": ", ".join(str(label) for label in ResultStatus.labels)})
        raw_progress = self.cell(cells, "progress")
        try:
            values["progress"] = _check_progress(_cell_text(raw_progress) if isinstance(raw_progress, str)
                                                 else raw_progress)
        except DomainError as exc:
            fail("progress", exc.message)
        optional = (
            ("value", "value", None, lambda v: parse_amount(v, field_name="value")),
            ("note", "note", "", lambda v: _check_note(_cell_text(v))),
            ("evidence", "evidence_url", "", lambda v: _check_evidence(_cell_text(v))),
        )
        for column, name, empty, check in optional:
            raw = self.cell(cells, column)
            try:
                values[name] = empty if _blank(raw) else check(raw)
            except DomainError as exc:
                fail(column, exc.message)
        return result, values, errors


def _write_import(*, plan: ActionPlan, actor, report: ImportReport, pending: list[tuple[PlanResult, dict]]) -> None:
    """Append every checked row in one transaction and mirror the newest update (by date) on each result."""
    report.batch = uuid.uuid4().hex
    with transaction.atomic():
        touched = sorted({result.pk for result, _values in pending})
        locked = {r.pk: r for r in PlanResult.objects.select_for_update().filter(pk__in=touched).order_by("pk")}
        if len(locked) != len(touched):
            raise Conflict(_("A result named in the file was removed just now. Nothing was imported; please try "
                             "again."), field="file")
        latest = dict(
            ResultUpdate.objects.filter(result_id__in=touched).values("result_id")
            .annotate(latest=Max("reported_on")).values_list("result_id", "latest")
        )
        updates = [
            ResultUpdate(result_id=result.pk, recorded_by=_person(actor), import_batch=report.batch, **values)
            for result, values in pending
        ]
        ResultUpdate.objects.bulk_create(updates)
        newest_in_file: dict[int, ResultUpdate] = {}
        for update in updates:  # in file order: a later row of the same date wins, like a later report
            current = newest_in_file.get(update.result_id)
            if current is None or update.reported_on >= current.reported_on:
                newest_in_file[update.result_id] = update
        now = timezone.now()
        changed = []
        for result_id, update in newest_in_file.items():
            if latest.get(result_id) is None or update.reported_on >= latest[result_id]:
                _mirror(locked[result_id], update, now)
                changed.append(locked[result_id])
        PlanResult.objects.bulk_update(changed, ["status", "progress", "current_value", "updated_at"])
        report.created = len(updates)
        report.results = sorted({locked[pk].code for pk in touched})
        # One entry for the whole import (its batch id leads to every update it wrote).
        audit_record(actor=actor, action="plan.results_import", obj=plan, city=plan.city, changes={
            "import_batch": [None, report.batch], "format": [None, report.file_format],
            "updates": [None, report.created], "results": [None, report.results],
        })
    report.ok = True


def results_import(*, plan: ActionPlan, actor, data: bytes) -> ImportReport:
    """Import progress updates from a CSV or XLSX file: check every row, then write all rows or none.

    Columns (by header, either language): result code, date (Jalali), status (code or label), progress
    (0–100), value, note, evidence link. Rows with nothing but a code (and title) are skipped, so the
    downloaded template can be filled in part. Every written update carries the same `import_batch`.
    Problems in the file as a whole (type, size, header) raise DomainError; problems in rows come back
    in the report, row by row, and then nothing is written.
    """
    if actor is not None and not permissions.can_see_plan(actor, plan):
        raise NotFound(_("No such plan."))
    report = ImportReport(file_format=_sniff(data))
    rows = enumerate(_xlsx_rows(data) if report.file_format == "xlsx" else _csv_rows(data), start=1)
    checker = None
    pending: list[tuple[PlanResult, dict]] = []
    for line, cells in rows:
        if all(_blank(cell) for cell in cells):
            continue
        if checker is None:  # the first row that is not empty names the columns
            checker = _RowChecker(plan=plan, actor=actor, columns=_read_header(cells))
            continue
        if not checker.has_news(cells):
            report.skipped += 1
            continue
        report.rows += 1
        if report.rows > MAX_IMPORT_ROWS:
            raise DomainError(_("The file has more than %(rows)s rows; split it into smaller files.")
                              % {"rows": _count(MAX_IMPORT_ROWS)}, field="file")
        result, values, errors = checker.check(cells, line)
        report.errors.extend(errors)
        if not errors:
            pending.append((result, values))
    if checker is None:
        raise DomainError(_("The file is empty."), field="file")
    if report.errors:
        return report
    if not pending:
        raise DomainError(_("The file has no rows to import: fill in at least the date, status and progress of "
                            "one result."), field="file")
    _write_import(plan=plan, actor=actor, report=report, pending=pending)
    return report


def results_import_template(*, plan: ActionPlan, file_format: str, actor=None) -> bytes:
    """A file to fill in: the import's header and a row (code and title) per result `actor` may report on."""
    results = list(
        PlanResult.objects.filter(objective__plan=plan)
        .select_related("objective__working_group__city", "objective__plan__city")
        .order_by("objective__area", "objective__position", "objective_id", "code", "id")
    )
    if actor is not None:
        results = [result for result in results if permissions.can_report_result(actor, result)]
    order = ("code", "title", "date", "status", "progress", "value", "note", "evidence")
    header = [str(IMPORT_COLUMNS[column][0]) for column in order]
    rows = [[result.code, result.title, "", "", "", "", "", ""] for result in results]
    if file_format == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff")  # so spreadsheet programs read the Persian text as UTF-8
        writer = csv.writer(buffer)
        writer.writerow(header)
        for row in rows:
            writer.writerow([("'" + v) if isinstance(v, str) and v[:1] in ("=", "+", "-", "@") else v for v in row])
        return buffer.getvalue().encode("utf-8")
    if file_format != "xlsx":
        raise DomainError(_("Choose CSV or XLSX."))
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = gettext("Results")[:31]
    sheet.sheet_view.rightToLeft = (translation.get_language() or "fa").startswith("fa")
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            cell.data_type = "s"  # codes and titles are text, never numbers or formulas
    status_list = ",".join(str(label).replace(",", " ") for label in ResultStatus.labels)
    if len(status_list) < 250:  # Excel's limit for an in-cell list
        choices = DataValidation(type="list", formula1=f'"{status_list}"', allow_blank=True)
        sheet.add_data_validation(choices)
        choices.add(f"D2:D{max(len(rows) + 1, 2) + 200}")
    for index, width in enumerate((14, 40, 14, 16, 12, 14, 40, 40), start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = width
    sheet.freeze_panes = "A2"
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
