"""A small Kermanshah for the API tests: groups with every seat, meetings, decisions, tasks, a plan (no tests here)."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from conftest import PASSWORD
from learningcity.accounts.services import token_issue
from learningcity.factories import (
    ActionPlanFactory,
    DecisionFactory,
    GroupMemberFactory,
    InstitutionFactory,
    MeetingFactory,
    ObjectiveFactory,
    PlanResultFactory,
    ProgrammeFactory,
    TaskFactory,
    UserFactory,
    WorkingGroupFactory,
)
from learningcity.workgroups.models import (
    BudgetLine,
    GroupRole,
    MeetingStatus,
    MinutesStatus,
    PlanStatus,
    ResultStatus,
    ResultUpdate,
    TaskStatus,
    Visibility,
)

API = "/api/v1"


class World:
    def __init__(self, city):
        now = timezone.now()
        today = timezone.localdate()
        self.city = city
        self.university = InstitutionFactory(city=city, name_en="Razi University", slug="razi")
        self.ngo = InstitutionFactory(city=city, name_en="Family NGO", slug="family-ngo")
        self.group = WorkingGroupFactory(city=city, slug="literacy", name_fa="کارگروه سواد", name_en="Literacy")
        self.private = WorkingGroupFactory(city=city, slug="monitoring", visibility=Visibility.MEMBERS,
                                           name_en="Monitoring")
        self.people = {}
        for role, institution in ((GroupRole.CHAIR, self.university), (GroupRole.SECRETARY, self.ngo),
                                  (GroupRole.MEMBER, self.university), (GroupRole.OBSERVER, None)):
            seat = GroupMemberFactory(group=self.group, role=role, institution=institution, user=UserFactory())
            self.people[str(role)] = seat.user
        self.private_member = GroupMemberFactory(group=self.private, role=GroupRole.SECRETARY).user
        self.outsider = UserFactory()

        self.held = MeetingFactory(group=self.group, starts_at=now - dt.timedelta(days=30),
                                   ends_at=now - dt.timedelta(days=30) + dt.timedelta(hours=2),
                                   status=MeetingStatus.HELD, minutes="صورت‌جلسه", minutes_status=MinutesStatus.APPROVED)
        self.published = DecisionFactory(meeting=self.held, year=1405, number=1, text="مصوبهٔ منتشرشده")
        self.upcoming = MeetingFactory(group=self.group)
        self.draft_decision = DecisionFactory(meeting=self.upcoming, year=1405, number=2, text="مصوبهٔ پیش‌نویس")
        self.private_meeting = MeetingFactory(group=self.private)

        self.task = TaskFactory(group=self.group, owner_user=self.member, title="تهیهٔ گزارش",
                                deadline=today + dt.timedelta(days=10), decision=self.published)
        self.late_task = TaskFactory(group=self.group, owner_user=None, owner_institution=self.university,
                                     title="کار عقب‌افتاده", deadline=today - dt.timedelta(days=3),
                                     status=TaskStatus.IN_PROGRESS, progress=30)
        self.private_task = TaskFactory(group=self.private, owner_user=self.private_member)

        self.plan = ActionPlanFactory(city=city, year=1405, status=PlanStatus.PUBLISHED)
        self.objective = ObjectiveFactory(plan=self.plan, area="2.2", code="O2.2-1", working_group=self.group)
        self.objective.programmes.add(ProgrammeFactory(institution=self.university))
        self.result = PlanResultFactory(objective=self.objective, code="R1", target_value=Decimal("2000"),
                                        status=ResultStatus.ON_TRACK, progress=40, current_value=Decimal("800"))
        self.other_result = PlanResultFactory(objective=self.objective, code="R2")
        ResultUpdate.objects.create(result=self.result, reported_on=today, status=ResultStatus.ON_TRACK, progress=40,
                                    value=Decimal("800"), note="۸۰۰ خانواده", evidence_url="https://example.org/r")
        BudgetLine.objects.create(objective=self.objective, title_fa="کارگاه‌ها", planned_rials=5_000_000_000,
                                  spent_rials=1_200_000_000)
        self.private_objective = ObjectiveFactory(plan=self.plan, area="3.1", code="O3.1-1",
                                                  working_group=self.private)
        self.draft_plan = ActionPlanFactory(city=city, year=1406, status=PlanStatus.DRAFT)
        PlanResultFactory(objective=ObjectiveFactory(plan=self.draft_plan), code="D1")

    @property
    def chair(self):
        return self.people["chair"]

    @property
    def secretary(self):
        return self.people["secretary"]

    @property
    def member(self):
        return self.people["member"]

    @property
    def observer(self):
        return self.people["observer"]


@pytest.fixture
def world(city):
    return World(city)


def bearer(user) -> dict:
    """Headers with a real bearer token of `user`."""
    _token, key = token_issue(mobile=user.mobile, password=PASSWORD)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def post_json(client, path: str, payload, **headers):
    body = payload if isinstance(payload, str | bytes) else json.dumps(payload)
    return client.post(f"{API}{path}", body, content_type="application/json", **headers)


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["code"], str) and body["code"]
    assert isinstance(body["message"], str) and body["message"]
    if code is not None:
        assert body["code"] == code, body
    return body
