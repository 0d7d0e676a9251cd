"""Building the action plan and reporting progress: what the services accept, refuse, and leave behind."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import translation

from learningcity.core.errors import Conflict, DomainError, NotAllowed, NotFound
from learningcity.core.models import AuditEntry
from learningcity.core.permissions import Role
from learningcity.factories import (
    ActionPlanFactory,
    CitizenFactory,
    ObjectiveFactory,
    ProgrammeFactory,
    RoleAssignmentFactory,
    WorkingGroupFactory,
)
from learningcity.workgroups.models import (
    ActionPlan,
    BudgetLine,
    Objective,
    PlanResult,
    PlanStatus,
    ResultStatus,
    ResultUpdate,
)
from learningcity.workgroups.selectors.plan import plan_progress
from learningcity.workgroups.services.plan import (
    budget_line_add,
    budget_line_update,
    objective_create,
    objective_remove,
    objective_update,
    plan_create,
    plan_publish,
    plan_update,
    result_create,
    result_remove,
    result_report,
    result_update,
)

from .test_plan_support import build_world, today

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(city):
    return build_world(city)


# --- The plan ----------------------------------------------------------------------------------------

def test_the_secretariat_starts_a_draft_plan_for_a_year_and_it_is_audited(city, secretariat):
    plan = plan_create(city=city, actor=secretariat, year=1406, title_fa="برنامهٔ عمل ۱۴۰۶", title_en="")
    assert plan.status == PlanStatus.DRAFT and plan.year == 1406 and plan.city == city
    assert AuditEntry.objects.filter(action="plan.create", object_id=str(plan.pk), actor=secretariat).exists()


def test_a_city_has_one_plan_per_year(city, secretariat):
    plan_create(city=city, actor=secretariat, year=1406, title_fa="برنامه")
    with translation.override("fa"), pytest.raises(Conflict) as refused:
        plan_create(city=city, actor=secretariat, year=1406, title_fa="برنامهٔ دوم")
    assert "۱۴۰۶" in str(refused.value.message) and refused.value.field == "year"
    assert ActionPlan.objects.filter(city=city, year=1406).count() == 1


def test_another_city_may_have_a_plan_for_the_same_year(city, other_city, secretariat, superuser):
    plan_create(city=city, actor=secretariat, year=1406, title_fa="کرمانشاه")
    plan_create(city=other_city, actor=superuser, year=1406, title_fa="همدان")
    assert ActionPlan.objects.filter(year=1406).count() == 2


@pytest.mark.parametrize(("year", "title", "field"), [(1200, "برنامه", "year"), (1600, "برنامه", "year"),
                                                       ("abc", "برنامه", "year"), (1406, "  ", "title_fa")])
def test_a_plan_needs_a_sensible_year_and_a_title(city, secretariat, year, title, field):
    with pytest.raises(DomainError) as refused:
        plan_create(city=city, actor=secretariat, year=year, title_fa=title)
    assert refused.value.field == field
    assert not ActionPlan.objects.exists()


def test_only_the_secretariat_builds_the_plan(city, world, citizen, other_city):
    other_secretariat = CitizenFactory(city=other_city)
    RoleAssignmentFactory(user=other_secretariat, role=Role.SECRETARIAT, city=other_city)
    for person in (citizen, world.chair, world.secretary, other_secretariat):
        with pytest.raises(NotAllowed):
            plan_create(city=city, actor=person, year=1406, title_fa="برنامه")
        with pytest.raises(NotAllowed):
            objective_create(plan=world.plan, actor=person, area="2.1", code="X1", title_fa="هدف")
        with pytest.raises(NotAllowed):
            result_create(objective=world.objective, actor=person, code="X1", title_fa="نتیجه", target_value="10")
        with pytest.raises(NotAllowed):
            budget_line_add(objective=world.objective, actor=person, title_fa="بودجه", planned_rials=10)
        with pytest.raises(NotAllowed):
            plan_update(plan=world.plan, actor=person, title_fa="تغییر")
    assert not ActionPlan.objects.filter(year=1406).exists()
    assert Objective.objects.count() == 2 and PlanResult.objects.count() == 2 and not BudgetLine.objects.exists()


def test_the_plan_title_and_summary_change_and_are_audited(world, secretariat):
    plan_update(plan=world.plan, actor=secretariat, title_fa="عنوان تازه", summary_fa="خلاصه")
    world.plan.refresh_from_db()
    assert world.plan.title_fa == "عنوان تازه" and world.plan.summary_fa == "خلاصه"
    entry = AuditEntry.objects.get(action="plan.update")
    assert entry.changes["title_fa"][1] == "عنوان تازه"


def test_publishing_needs_a_result_and_happens_once(city, secretariat):
    plan = plan_create(city=city, actor=secretariat, year=1406, title_fa="برنامه")
    with pytest.raises(DomainError):
        plan_publish(plan=plan, actor=secretariat)
    objective = objective_create(plan=plan, actor=secretariat, area="2.1", code="O1", title_fa="هدف")
    result_create(objective=objective, actor=secretariat, code="R1", title_fa="نتیجه", target_value="10")
    plan_publish(plan=plan, actor=secretariat)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PUBLISHED
    with pytest.raises(Conflict):
        plan_publish(plan=plan, actor=secretariat)
    assert AuditEntry.objects.filter(action="plan.publish").count() == 1


# --- Objectives --------------------------------------------------------------------------------------

def test_an_objective_sits_under_a_building_block_with_a_group_and_programmes(world, secretariat):
    programme = ProgrammeFactory(institution__city=world.city)
    objective = objective_create(plan=world.plan, actor=secretariat, area="2.2", code=" O۲.۲-۱ ",
                                 title_fa="یادگیری در خانواده", working_group=world.group, programmes=[programme])
    assert objective.code == "O2.2-1" and objective.working_group == world.group
    assert list(objective.programmes.all()) == [programme]
    assert AuditEntry.objects.filter(action="objective.create", city=world.city).exists()


@pytest.mark.parametrize("area", ["1.1", "1.3", "4.1", ""])
def test_an_objective_must_be_under_a_building_block_or_condition(world, secretariat, area):
    with pytest.raises(DomainError) as refused:
        objective_create(plan=world.plan, actor=secretariat, area=area, code="O9", title_fa="هدف")
    assert refused.value.field == "area"
    assert Objective.objects.count() == 2


def test_objective_codes_are_unique_in_the_plan_whatever_the_case_or_digits(world, secretariat):
    with pytest.raises(Conflict) as refused:
        objective_create(plan=world.plan, actor=secretariat, area="2.1", code="o۲.۴-۱", title_fa="هدف")
    assert refused.value.field == "code"
    assert Objective.objects.count() == 2


def test_groups_and_programmes_of_another_city_cannot_be_linked(world, secretariat, other_city):
    foreign_group = WorkingGroupFactory(city=other_city)
    with pytest.raises(DomainError) as refused:
        objective_create(plan=world.plan, actor=secretariat, area="2.1", code="O9", title_fa="هدف",
                         working_group=foreign_group)
    assert refused.value.field == "working_group"
    foreign_programme = ProgrammeFactory(institution__city=other_city)
    with pytest.raises(DomainError) as refused:
        objective_update(objective=world.objective, actor=secretariat, programmes=[foreign_programme])
    assert refused.value.field == "programmes"
    assert Objective.objects.count() == 2 and not world.objective.programmes.exists()


def test_an_objective_is_edited_and_audited(world, secretariat):
    objective_update(objective=world.objective, actor=secretariat, title_fa="عنوان تازه", working_group=None)
    world.objective.refresh_from_db()
    assert world.objective.title_fa == "عنوان تازه" and world.objective.working_group is None
    assert AuditEntry.objects.filter(action="objective.update").exists()


def test_an_objective_without_reported_progress_is_removed_with_its_results_and_budget(world, secretariat):
    budget_line_add(objective=world.objective, actor=secretariat, title_fa="کتاب", planned_rials="1000")
    objective_remove(objective=world.objective, actor=secretariat)
    assert not Objective.objects.filter(pk=world.objective.pk).exists()
    assert not PlanResult.objects.filter(pk=world.result.pk).exists() and not BudgetLine.objects.exists()
    assert AuditEntry.objects.filter(action="objective.remove").exists()


def test_an_objective_with_reported_progress_cannot_be_removed(world, secretariat):
    result_report(result=world.result, actor=world.chair, reported_on=today(), status=ResultStatus.ON_TRACK,
                  progress=10)
    with pytest.raises(Conflict):
        objective_remove(objective=world.objective, actor=secretariat)
    assert Objective.objects.filter(pk=world.objective.pk).exists()
    assert ResultUpdate.objects.count() == 1


# --- Results -----------------------------------------------------------------------------------------

def test_a_result_is_defined_with_persian_digits_and_separators(world, secretariat):
    result = result_create(objective=world.objective, actor=secretariat, code="R۳", title_fa="۵۰۰ مربی",
                           unit_fa="نفر", baseline="۱۲۰", target_value="۲٬۵۰۰٫۵", due_on=today())
    assert result.code == "R3" and result.baseline == Decimal("120") and result.target_value == Decimal("2500.5")
    assert result.status == ResultStatus.NOT_STARTED and result.progress == 0
    assert AuditEntry.objects.filter(action="result.create", object_id=str(result.pk)).exists()


def test_result_codes_are_unique_across_the_whole_plan(world, secretariat):
    with pytest.raises(Conflict) as refused:
        result_create(objective=world.objective, actor=secretariat, code="r2", title_fa="نتیجه", target_value=5)
    assert refused.value.field == "code"
    # The same code in another year's plan is fine.
    other_plan = ActionPlanFactory(city=world.city, year=world.plan.year - 1)
    result_create(objective=ObjectiveFactory(plan=other_plan), actor=secretariat, code="R2", title_fa="نتیجه",
                  target_value=5)
    assert PlanResult.objects.filter(code="R2").count() == 2


@pytest.mark.parametrize(("changes", "field"), [
    ({"target_value": ""}, "target_value"),
    ({"target_value": "ده"}, "target_value"),
    ({"target_value": "10.125"}, "target_value"),
    ({"target_value": "10", "baseline": "x"}, "baseline"),
    ({"target_value": "10", "title_fa": " "}, "title_fa"),
    ({"target_value": "10", "code": " "}, "code"),
    ({"target_value": "10", "due_on": dt.date(2000, 1, 1)}, "due_on"),
])
def test_a_result_with_bad_input_is_refused_and_nothing_is_saved(world, secretariat, changes, field):
    data = {"code": "R9", "title_fa": "نتیجه", **changes}
    with pytest.raises(DomainError) as refused:
        result_create(objective=world.objective, actor=secretariat, **data)
    assert refused.value.field == field
    assert not PlanResult.objects.filter(code="R9").exists()


def test_a_result_definition_changes_but_not_into_another_results_code(world, secretariat):
    result_update(result=world.result, actor=secretariat, target_value="3000", unit_fa="خانوار")
    world.result.refresh_from_db()
    assert world.result.target_value == Decimal("3000") and world.result.unit_fa == "خانوار"
    with pytest.raises(Conflict):
        result_update(result=world.result, actor=secretariat, code="R2")
    world.result.refresh_from_db()
    assert world.result.code == "R1"


def test_a_result_can_be_removed_only_before_progress_is_reported(world, secretariat):
    result_report(result=world.result, actor=secretariat, reported_on=today(), status="on_track", progress=5)
    with pytest.raises(Conflict):
        result_remove(result=world.result, actor=secretariat)
    result_remove(result=world.other_result, actor=secretariat)
    assert list(PlanResult.objects.values_list("code", flat=True)) == ["R1"]


# --- Budget ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "rials"), [
    ("۱۲٬۰۰۰٬۰۰۰", 12_000_000), ("12,000,000", 12_000_000), ("١٢٠٠٠٠٠٠", 12_000_000), ("12 000 000", 12_000_000),
    (5000, 5000),
])
def test_budget_amounts_are_read_in_any_digits_with_separators(world, secretariat, typed, rials):
    line = budget_line_add(objective=world.objective, actor=secretariat, title_fa="چاپ کتاب", planned_rials=typed)
    assert line.planned_rials == rials and line.spent_rials == 0


@pytest.mark.parametrize(("field", "typed"), [
    ("planned_rials", "-5"), ("planned_rials", ""), ("planned_rials", "ده میلیون"), ("planned_rials", "12.5"),
    ("spent_rials", "-1"), ("planned_rials", "9" * 20),
])
def test_bad_budget_amounts_are_refused_and_nothing_is_saved(world, secretariat, field, typed):
    data = {"planned_rials": "1000", "spent_rials": "0", field: typed}
    with pytest.raises(DomainError) as refused:
        budget_line_add(objective=world.objective, actor=secretariat, title_fa="چاپ", **data)
    assert refused.value.field == field
    assert not BudgetLine.objects.exists()


def test_spending_more_than_planned_is_allowed_and_flagged(world, secretariat, citizen):
    line = budget_line_add(objective=world.objective, actor=secretariat, title_fa="کارگاه", planned_rials="1,000",
                           spent_rials="400")
    budget_line_update(line=line, actor=secretariat, spent_rials="۱٬۵۰۰")
    line.refresh_from_db()
    assert line.spent_rials == 1500
    progress = plan_progress(plan=world.plan, user=citizen)
    block = next(b for area in progress.areas for b in area.objectives if b.objective == world.objective)
    assert block.planned == 1000 and block.spent == 1500 and block.overspent
    assert progress.planned == 1000 and progress.spent == 1500 and progress.overspent
    assert AuditEntry.objects.filter(action="budget_line.update").exists()


# --- Reporting progress ------------------------------------------------------------------------------

def test_a_report_is_appended_and_shown_on_the_result(world):
    update = result_report(result=world.result, actor=world.chair, reported_on=today(), status="at_risk",
                           progress="۴۵", value="۹۰۰", note="کمبود مربی", evidence_url="https://example.org/r.pdf")
    world.result.refresh_from_db()
    assert (world.result.status, world.result.progress, world.result.current_value) == ("at_risk", 45, 900)
    assert world.result.updated_at is not None
    assert update.recorded_by == world.chair and update.import_batch == ""
    assert AuditEntry.objects.filter(action="result.report", object_id=str(update.pk)).exists()


def test_an_older_report_joins_the_timeline_without_changing_where_the_result_stands(world):
    if world.year_starts == today():
        pytest.skip("needs two distinct days in the plan's year")
    result_report(result=world.result, actor=world.chair, reported_on=today(), status="on_track", progress=60,
                  value=1200)
    result_report(result=world.result, actor=world.secretary, reported_on=world.year_starts, status="off_track",
                  progress=5, value=100)
    world.result.refresh_from_db()
    assert (world.result.status, world.result.progress, world.result.current_value) == ("on_track", 60, 1200)
    assert world.result.updates.count() == 2


def test_a_later_report_of_the_same_day_wins_and_a_report_without_value_keeps_the_last_value(world, secretariat):
    result_report(result=world.result, actor=world.chair, reported_on=today(), status="on_track", progress=30,
                  value=600)
    result_report(result=world.result, actor=secretariat, reported_on=today(), status="at_risk", progress=35)
    world.result.refresh_from_db()
    assert (world.result.status, world.result.progress, world.result.current_value) == ("at_risk", 35, 600)


@pytest.mark.parametrize(("changes", "field"), [
    ({"progress": -1}, "progress"),
    ({"progress": 101}, "progress"),
    ({"progress": "۱۰۱"}, "progress"),
    ({"progress": "45.5"}, "progress"),
    ({"progress": "زیاد"}, "progress"),
    ({"progress": ""}, "progress"),
    ({"reported_on": None}, "reported_on"),
    ({"reported_on": today() + dt.timedelta(days=1)}, "reported_on"),
    ({"reported_on": dt.date(2020, 1, 1)}, "reported_on"),
    ({"status": "finished"}, "status"),
    ({"value": "بسیار"}, "value"),
    ({"evidence_url": "javascript:alert(1)"}, "evidence_url"),
    ({"evidence_url": "not a link"}, "evidence_url"),
    ({"note": "x" * 5001}, "note"),
])
def test_a_bad_report_is_refused_with_a_message_and_changes_nothing(world, changes, field):
    data = {"reported_on": today(), "status": "on_track", "progress": 50, **changes}
    with translation.override("fa"), pytest.raises(DomainError) as refused:
        result_report(result=world.result, actor=world.chair, **data)
    assert refused.value.field == field and str(refused.value.message)
    assert not ResultUpdate.objects.exists()
    world.result.refresh_from_db()
    assert world.result.status == ResultStatus.NOT_STARTED and world.result.progress == 0


def test_the_date_message_names_the_start_of_the_plan_year_in_jalali(world):
    with translation.override("fa"), pytest.raises(DomainError) as refused:
        result_report(result=world.result, actor=world.chair, reported_on=world.year_starts - dt.timedelta(days=1),
                      status="on_track", progress=5)
    assert "فروردین" in str(refused.value.message)


REPORT_MATRIX = [
    ("secretariat", True), ("superuser", True), ("chair", True), ("secretary", True), ("member", False),
    ("observer", False), ("other_chair", False), ("outsider", False), ("anonymous", False),
    ("other_secretariat", False),
]


@pytest.mark.parametrize(("who", "allowed"), REPORT_MATRIX)
def test_who_may_report_progress_on_a_result(world, request, who, allowed, other_city):
    if who in ("secretariat", "superuser"):
        person = request.getfixturevalue(who)
    elif who == "anonymous":
        person = AnonymousUser()
    elif who == "other_secretariat":
        person = CitizenFactory(city=other_city)
        RoleAssignmentFactory(user=person, role=Role.SECRETARIAT, city=other_city)
    else:
        person = getattr(world, who)
    if allowed:
        result_report(result=world.result, actor=person, reported_on=today(), status="on_track", progress=20)
        assert ResultUpdate.objects.count() == 1
    else:
        with pytest.raises(NotAllowed):
            result_report(result=world.result, actor=person, reported_on=today(), status="on_track", progress=20)
        assert not ResultUpdate.objects.exists()


def test_on_a_draft_plan_only_the_secretariat_reports(city, secretariat):
    world = build_world(city, status=PlanStatus.DRAFT)
    with pytest.raises(NotFound):
        result_report(result=world.result, actor=world.chair, reported_on=today(), status="on_track", progress=5)
    result_report(result=world.result, actor=secretariat, reported_on=today(), status="on_track", progress=5)
    assert ResultUpdate.objects.count() == 1


def test_a_plan_in_another_city_is_not_the_secretariats(world, other_city):
    stranger = CitizenFactory(city=other_city)
    RoleAssignmentFactory(user=stranger, role=Role.SECRETARIAT, city=other_city)
    with pytest.raises(NotAllowed):
        objective_update(objective=world.objective, actor=stranger, title_fa="نه")
    draft = ActionPlanFactory(city=world.city, year=1390, status=PlanStatus.DRAFT)
    with pytest.raises(NotAllowed):
        plan_publish(plan=draft, actor=stranger)
    draft.refresh_from_db()
    world.objective.refresh_from_db()
    assert draft.status == PlanStatus.DRAFT and world.objective.title_fa != "نه"
