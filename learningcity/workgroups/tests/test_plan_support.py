"""A small action plan with people in every seat, shared by the plan tests (helpers only, no tests here)."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from learningcity.factories import (
    ActionPlanFactory,
    CitizenFactory,
    GroupMemberFactory,
    ObjectiveFactory,
    PlanResultFactory,
    WorkingGroupFactory,
)
from learningcity.workgroups.models import ActionPlan, GroupRole, Objective, PlanResult, PlanStatus, WorkingGroup
from learningcity.workgroups.selectors.plan import current_plan_year
from learningcity.workgroups.services.plan import plan_year_starts


@dataclass
class PlanWorld:
    city: object
    plan: ActionPlan
    group: WorkingGroup  # responsible for `objective`
    other_group: WorkingGroup  # responsible for `other_objective`
    objective: Objective
    other_objective: Objective
    result: PlanResult
    other_result: PlanResult
    chair: object
    secretary: object
    member: object
    observer: object
    other_chair: object
    outsider: object

    @property
    def year_starts(self) -> dt.date:
        return plan_year_starts(self.plan.year)


def today() -> dt.date:
    return timezone.localdate()


def build_world(city, *, status: str = PlanStatus.PUBLISHED, year: int | None = None) -> PlanWorld:
    """This Jalali year's plan of `city`: two objectives, each with a result and a responsible group."""
    year = year or current_plan_year()
    plan = ActionPlanFactory(city=city, year=year, status=status, title_fa=f"برنامهٔ عمل {year}",
                             title_en=f"Action plan {year}")
    group = WorkingGroupFactory(city=city, slug="media-literacy", name_fa="کارگروه سواد رسانه‌ای",
                                name_en="Media literacy group")
    other_group = WorkingGroupFactory(city=city, slug="health", name_fa="کارگروه سلامت", name_en="Health group")
    seats = {}
    for role in (GroupRole.CHAIR, GroupRole.SECRETARY, GroupRole.MEMBER, GroupRole.OBSERVER):
        seats[role] = CitizenFactory(city=city, name=f"{role} سواد رسانه‌ای")
        GroupMemberFactory(group=group, user=seats[role], role=role)
    other_chair = CitizenFactory(city=city, name="رئیس کارگروه سلامت")
    GroupMemberFactory(group=other_group, user=other_chair, role=GroupRole.CHAIR)
    objective = ObjectiveFactory(plan=plan, area="2.4", code="O2.4-1", working_group=group,
                                 title_fa="گسترش سواد رسانه‌ای", title_en="More media literacy")
    other_objective = ObjectiveFactory(plan=plan, area="3.2", code="O3.2-1", working_group=other_group,
                                       title_fa="مشارکت همهٔ ذی‌نفعان", title_en="Stakeholder participation")
    result = PlanResultFactory(objective=objective, code="R1", title_fa="۲۰۰۰ خانواده در دوره‌ها",
                               title_en="2,000 families in courses", unit_fa="خانواده", unit_en="families")
    other_result = PlanResultFactory(objective=other_objective, code="R2", title_fa="۱۰ نشست مشترک",
                                     title_en="10 joint meetings", target_value=10)
    return PlanWorld(
        city=city, plan=plan, group=group, other_group=other_group, objective=objective,
        other_objective=other_objective, result=result, other_result=other_result,
        chair=seats[GroupRole.CHAIR], secretary=seats[GroupRole.SECRETARY], member=seats[GroupRole.MEMBER],
        observer=seats[GroupRole.OBSERVER], other_chair=other_chair, outsider=CitizenFactory(city=city),
    )


def jalali(day: dt.date, *, persian: bool = False) -> str:
    """`1405/03/15` (or with Persian digits) for a Gregorian day."""
    import jdatetime

    from learningcity.core.text import persian_digits

    text = jdatetime.date.fromgregorian(date=day).strftime("%Y/%m/%d")
    return persian_digits(text) if persian else text
