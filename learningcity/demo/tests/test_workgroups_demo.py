"""The demo's working groups, meetings, tasks and action plan (issue 5, point 8).

The demo is loaded once for this module (programmes without the replayed year, which the working groups
do not need), in a transaction rolled back when the module ends; each test runs in a savepoint inside it.
"""

import datetime as dt
import hashlib

import pytest
from django.apps import apps
from django.db import transaction
from django.db.models import Count, Q
from django.test import Client
from django.utils import timezone

from learningcity.accounts.models import User
from learningcity.catalogue.models import KeyFeatureArea
from learningcity.core.jalali import jalali_year_of
from learningcity.core.models import AuditEntry
from learningcity.demo.loaders import DEMO_ACCOUNTS, DEMO_PASSWORD, load_demo
from learningcity.demo.workgroups import GROUPS, OBJECTIVES
from learningcity.workgroups import permissions
from learningcity.workgroups.models import (
    PLAN_AREAS,
    ActionPlan,
    AttendanceStatus,
    Decision,
    GroupRole,
    Meeting,
    MeetingStatus,
    MinutesStatus,
    PlanResult,
    PlanStatus,
    ResultStatus,
    ResultUpdate,
    Task,
    TaskStatus,
    Visibility,
    WorkingGroup,
)


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        result = load_demo(activity=False)
        yield result
        transaction.set_rollback(True)


@pytest.fixture
def demo(loaded, db):
    return loaded


def named(key: str) -> User:
    account = next(account for account in DEMO_ACCOUNTS if account.key == key)
    return User.objects.get(mobile=account.mobile)


def start_of_today() -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time.min))


def workgroups_fingerprint() -> dict[str, tuple[int, str]]:
    fingerprint = {}
    for model in apps.get_app_config("workgroups").get_models(include_auto_created=True):
        rows = list(model.objects.order_by("pk").values_list())
        fingerprint[model._meta.label] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return fingerprint


# --- groups and seats ------------------------------------------------------------------------------

def test_seven_bilingual_groups_each_with_a_chair_a_secretary_and_members_for_partners(demo):
    groups = WorkingGroup.objects.filter(city__slug="kermanshah").prefetch_related("members__institution", "domains")
    assert sorted(group.slug for group in groups) == sorted(spec.slug for spec in GROUPS)
    for group in groups:
        assert group.name_fa and group.name_en and len(group.mandate_fa) > 100 and len(group.mandate_en) > 100
        assert group.key_features and set(group.key_features) <= set(KeyFeatureArea.values)
        seats = [seat for seat in group.members.all() if seat.left_on is None]
        roles = [seat.role for seat in seats]
        assert roles.count(GroupRole.CHAIR) == 1 and roles.count(GroupRole.SECRETARY) == 1, group.slug
        assert 4 <= roles.count(GroupRole.MEMBER) + roles.count(GroupRole.OBSERVER) <= 8, group.slug
        assert all(seat.institution is not None and seat.institution.city_id == group.city_id for seat in seats)
    with_domains = [group for group in groups if group.slug != "monitoring-evaluation"]
    assert all(group.domains.exists() for group in with_domains)
    assert WorkingGroup.objects.get(slug="monitoring-evaluation").visibility == Visibility.MEMBERS
    assert WorkingGroup.objects.filter(visibility=Visibility.PUBLIC).count() == 6


def test_a_person_may_sit_in_several_groups(demo):
    busy = (User.objects.annotate(seats=Count("group_seats", filter=Q(group_seats__left_on__isnull=True)))
            .filter(seats__gt=1))
    assert busy.count() >= 3
    assert named("working_group") in busy


def test_demo_accounts_hold_seats_so_people_who_log_in_see_their_groups(demo):
    def seats(key):
        return {seat.group.slug: seat.role for seat in named(key).group_seats.select_related("group")}

    assert seats("secretariat") == {"monitoring-evaluation": GroupRole.SECRETARY}
    assert seats("university_admin") == {"media-digital-literacy": GroupRole.CHAIR}
    assert seats("university_editor") == {"media-digital-literacy": GroupRole.SECRETARY}
    assert seats("institute_admin") == {"entrepreneurship-job-skills": GroupRole.MEMBER}
    assert set(seats("working_group")) == {"literacy-basic-skills", "health-wellbeing", "families-communities"}
    # The citizens and the network people have no seat.
    for key in ("citizen_1", "citizen_2", "citizen_3", "national_commission", "jury", "network"):
        assert seats(key) == {}
    chair = named("university_admin")
    assert permissions.can(chair, "approve_minutes", WorkingGroup.objects.get(slug="media-digital-literacy"))


def test_the_synthetic_members_cannot_log_in(demo):
    members = User.objects.filter(group_seats__isnull=False, mobile__startswith="099").distinct()
    assert members.count() >= 25
    assert not any(person.has_usable_password() for person in members)


# --- meetings, minutes and decisions -----------------------------------------------------------------

def test_each_group_met_twice_with_approved_minutes_and_numbered_decisions(demo):
    now = timezone.now()
    for group in WorkingGroup.objects.all():
        past = list(group.meetings.filter(starts_at__lt=now).order_by("starts_at"))
        assert len(past) == 2, group.slug
        for meeting in past:
            assert meeting.status == MeetingStatus.HELD
            assert meeting.minutes_status == MinutesStatus.APPROVED
            assert meeting.minutes_approved_by.group_seats.get(group=group).role == GroupRole.CHAIR
            assert meeting.minutes.startswith("«") and "۱." in meeting.minutes
            assert meeting.agenda_items.count() == 3
            assert 2 <= meeting.decisions.count() <= 3
            marks = set(meeting.attendance.values_list("status", flat=True))
            assert AttendanceStatus.INVITED not in marks and AttendanceStatus.PRESENT in marks
        numbers = sorted(Decision.objects.filter(group=group).values_list("year", "number"))
        for year in {year for year, _ in numbers}:
            assert [n for y, n in numbers if y == year] == list(range(1, 1 + sum(y == year for y, _ in numbers)))


def test_each_group_has_one_upcoming_meeting_with_its_agenda_and_invitations(demo):
    for group in WorkingGroup.objects.all():
        upcoming = group.meetings.filter(starts_at__gt=timezone.now())
        assert upcoming.count() == 1, group.slug
        meeting = upcoming.get()
        assert meeting.status == MeetingStatus.SCHEDULED and meeting.minutes_status == MinutesStatus.DRAFT
        assert meeting.agenda_items.count() == 3
        invited = meeting.attendance.count()
        assert invited == group.members.filter(left_on__isnull=True).count()
        assert meeting.attendance.filter(status=AttendanceStatus.EXCUSED).count() == 1


# --- tasks -----------------------------------------------------------------------------------------

def test_tasks_from_decisions_are_in_every_state_and_some_are_overdue(demo):
    today = timezone.localdate()
    tasks = list(Task.objects.select_related("decision__meeting"))
    assert {task.status for task in tasks} == set(TaskStatus.values)
    overdue = [task for task in tasks if task.is_overdue(today)]
    assert len(overdue) >= 3
    assert {task.status for task in overdue} >= {TaskStatus.IN_PROGRESS, TaskStatus.BLOCKED, TaskStatus.NOT_STARTED}
    assert any(task.owner_institution_id for task in tasks) and any(task.owner_user_id for task in tasks)
    for task in tasks:
        assert task.decision is not None
        assert task.deadline >= timezone.localdate(task.decision.meeting.starts_at)
        if task.status == TaskStatus.DONE:
            assert task.progress == 100 and task.done_at < start_of_today()
        if task.status != TaskStatus.NOT_STARTED:
            assert task.updates.exists()
    assert WorkingGroup.objects.annotate(n=Count("tasks")).filter(n__lt=3).count() == 0


def test_the_working_group_member_finds_her_tasks_in_every_state_on_my_tasks(demo):
    client = Client()
    assert client.login(username=named("working_group").mobile, password=DEMO_PASSWORD)
    mine = Task.objects.filter(owner_user=named("working_group"))
    assert set(mine.values_list("status", flat=True)) == {TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS,
                                                           TaskStatus.BLOCKED}
    page = client.get("/fa/me/tasks/")
    assert page.status_code == 200
    for task in mine:
        assert task.title in page.content.decode()


# --- the action plan ---------------------------------------------------------------------------------

def test_the_plan_of_the_current_jalali_year_is_published_under_every_area(demo):
    plan = ActionPlan.objects.get(city__slug="kermanshah")
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    assert plan.year == jalali_year_of(yesterday)  # the current year (on 1 Farvardin, the one just ended)
    assert plan.status == PlanStatus.PUBLISHED and plan.title_fa and plan.summary_fa and plan.summary_en
    objectives = list(plan.objectives.prefetch_related("results", "budget_lines", "programmes"))
    assert {objective.area for objective in objectives} == {area.value for area in PLAN_AREAS}
    assert len(objectives) == len(OBJECTIVES)
    for objective in objectives:
        assert objective.working_group is not None
        assert 2 <= len(objective.results.all()) <= 3, objective.code
        assert objective.budget_lines.exists()
        assert all(line.planned_rials > 0 for line in objective.budget_lines.all())
    assert sum(1 for objective in objectives if objective.programmes.exists()) >= 6


def test_results_have_a_dated_timeline_of_progress_over_the_past_months(demo):
    plan = ActionPlan.objects.get(city__slug="kermanshah")
    results = list(PlanResult.objects.filter(objective__plan=plan).prefetch_related("updates"))
    in_progress = [r for r in results if 0 < r.progress < 100]
    assert len(in_progress) >= len(results) // 2
    assert {r.status for r in results} >= {ResultStatus.ON_TRACK, ResultStatus.AT_RISK, ResultStatus.OFF_TRACK,
                                           ResultStatus.ACHIEVED, ResultStatus.NOT_STARTED}
    today = timezone.localdate()
    dates = set()
    for result in results:
        updates = sorted(result.updates.all(), key=lambda update: (update.reported_on, update.pk))
        if not updates:
            assert result.status == ResultStatus.NOT_STARTED
            continue
        newest = updates[-1]
        assert (result.status, result.progress) == (newest.status, newest.progress)
        assert [u.progress for u in updates] == sorted(u.progress for u in updates)
        assert all(u.reported_on < today and u.recorded_by is not None for u in updates)
        dates |= {u.reported_on for u in updates}
    # Spread over the months since the plan was published (fewer days early in a Jalali year).
    assert len(dates) >= min(8, (today - min(dates)).days)
    # Each update was reported by the responsible group's chair or secretary (or the secretariat).
    for update in ResultUpdate.objects.filter(result__objective__plan=plan).select_related(
            "recorded_by", "result__objective__plan__city", "result__objective__working_group"):
        assert permissions.can_report_result(update.recorded_by, update.result)


def test_the_public_plan_page_shows_the_progress_to_anyone(demo):
    plan = ActionPlan.objects.get(city__slug="kermanshah")
    page = Client().get(f"/fa/plan/{plan.year}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert plan.title_fa in text
    assert PlanResult.objects.filter(objective__plan=plan, code="R2.1-1").get().title_fa in text


# --- dated, audited, idempotent ----------------------------------------------------------------------

def test_everything_happened_before_today_and_was_done_by_people(demo):
    start = start_of_today()
    assert not Meeting.objects.filter(created_at__gte=start).exists()
    assert not Task.objects.filter(created_at__gte=start).exists()
    assert not ResultUpdate.objects.filter(recorded_at__gte=start).exists()
    actions = AuditEntry.objects.filter(action__in=["meeting.schedule", "meeting.minutes_approve", "task.create",
                                                    "task.progress", "result.report", "workgroup.create"])
    assert actions.exists() and not actions.filter(actor__isnull=True).exists()
    assert not actions.filter(at__gte=start).exists()


def test_the_demo_counts_what_it_added(demo):
    created = demo.created
    assert created["working_group"] == 7 and created["meeting"] == 21 and created["action_plan"] == 1
    assert created["decision"] >= 28 and created["task"] >= 28 and created["result_update"] >= 30


def test_loading_again_changes_nothing(demo):
    before = workgroups_fingerprint()
    entries = AuditEntry.objects.count()
    for days in (0, 1, 40):
        result = load_demo(activity=False, today=timezone.localdate() + dt.timedelta(days=days))
        assert not result.changed, result.created
    assert workgroups_fingerprint() == before
    assert AuditEntry.objects.count() == entries


def test_a_group_deleted_by_hand_comes_back_without_touching_the_others(demo):
    group = WorkingGroup.objects.get(slug="environment-sustainability")
    others = {g.slug: g.pk for g in WorkingGroup.objects.exclude(pk=group.pk)}
    for model in (Task, Decision, Meeting):
        model.objects.filter(group=group).delete()
    ActionPlan.objects.all().delete()  # objectives point at the group
    group.delete()

    result = load_demo(activity=False)

    assert result.created["working_group"] == 1 and result.created["meeting"] == 3
    assert result.created["action_plan"] == 1
    assert "group_person" not in result.created  # the same people sit again
    assert {g.slug: g.pk for g in WorkingGroup.objects.exclude(slug=group.slug)} == others
