"""Writing through the API: members with the capability schedule meetings, record decisions, create and update
tasks, comment, and report plan progress; everyone else is refused (404 when they cannot see, 403 when they
may not act); bad input is a 4xx JSON answer that changes nothing."""

import datetime as dt

import jdatetime
import pytest
from django.utils import timezone

from learningcity.core.models import AuditEntry
from learningcity.workgroups.models import (
    Decision,
    Meeting,
    MinutesStatus,
    PlanResult,
    ResultUpdate,
    Task,
    TaskStatus,
    TaskUpdate,
)

from . import test_api_support as support
from .test_api_support import assert_error, bearer, post_json

pytestmark = pytest.mark.django_db
world = support.world


def _person(world, secretariat, who):
    return {"secretariat": secretariat, "outsider": world.outsider, "private_member": world.private_member}.get(who) \
        or world.people[who]


def _soon(days=3, hour=10) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _meeting_payload(**overrides) -> dict:
    payload = {"title_fa": "نشست ماهانه", "starts_at": _soon().isoformat(),
               "ends_at": (_soon() + dt.timedelta(hours=2)).isoformat(), "place_fa": "تالار شهرداری",
               "agenda": ["گزارش دبیر", "برنامهٔ سواد رسانه‌ای"]}
    payload.update(overrides)
    return payload


# --- Meetings ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("who", "status"), [
    ("chair", 201), ("secretary", 201), ("secretariat", 201),
    ("member", 403), ("observer", 403), ("outsider", 403),
])
def test_who_may_schedule_a_meeting(client, world, secretariat, who, status):
    before = Meeting.objects.count()
    response = post_json(client, "/groups/literacy/meetings", _meeting_payload(),
                         **bearer(_person(world, secretariat, who)))
    assert response.status_code == status, response.content
    if status == 201:
        body = response.json()
        meeting = Meeting.objects.get(pk=body["id"])
        assert meeting.title_fa == "نشست ماهانه" and meeting.agenda_items.count() == 2
        assert body["starts_at_jalali"].startswith("14")
        assert AuditEntry.objects.filter(action="meeting.schedule", object_id=str(meeting.pk)).exists()
    else:
        assert_error(response, status, "forbidden")
        assert Meeting.objects.count() == before


def test_a_meeting_can_be_given_in_jalali_with_persian_digits(client, world):
    day = jdatetime.date.fromgregorian(date=timezone.localdate() + dt.timedelta(days=5))
    jalali = day.strftime("%Y/%m/%d").translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    payload = _meeting_payload(starts_at=f"{jalali} ۱۴:۳۰", ends_at=f"{jalali} 16:00")
    response = post_json(client, "/groups/literacy/meetings", payload, **bearer(world.chair))
    assert response.status_code == 201, response.content
    meeting = Meeting.objects.get(pk=response.json()["id"])
    local = timezone.localtime(meeting.starts_at)
    assert (local.date(), local.hour, local.minute) == (day.togregorian(), 14, 30)


def test_a_members_only_group_is_a_404_for_writes_too(client, world):
    assert_error(post_json(client, "/groups/monitoring/meetings", _meeting_payload(), **bearer(world.chair)), 404)
    assert post_json(client, "/groups/monitoring/meetings", _meeting_payload(),
                     **bearer(world.private_member)).status_code == 201


@pytest.mark.parametrize(("overrides", "status", "field"), [
    ({"starts_at": "tomorrow"}, 400, "starts_at"),
    ({"ends_at": "1405/13/40 10:00"}, 400, "ends_at"),
    ({"starts_at": (timezone.now() - dt.timedelta(days=1)).isoformat(),
      "ends_at": (timezone.now() - dt.timedelta(days=1, hours=-1)).isoformat()}, 400, "starts_at"),
    ({"ends_at": (_soon() - dt.timedelta(hours=1)).isoformat()}, 400, "ends_at"),
    ({"title_fa": ""}, 400, "title_fa"),
    ({"place_fa": ""}, 400, "place_fa"),
    ({"online_url": "not a link", "place_fa": ""}, 400, "online_url"),
    ({"agenda": "not a list"}, 422, None),
    ({"title_fa": None}, 422, None),
])
def test_bad_meetings_are_refused_and_nothing_is_saved(client, world, overrides, status, field):
    before = Meeting.objects.count()
    body = assert_error(post_json(client, "/groups/literacy/meetings", _meeting_payload(**overrides),
                                  **bearer(world.chair)), status)
    if field:
        assert body["field"] == field
    assert Meeting.objects.count() == before


def test_writes_need_someone_logged_in(client, world):
    assert_error(post_json(client, "/groups/literacy/meetings", _meeting_payload()), 401, "unauthorised")
    assert_error(post_json(client, "/groups/literacy/meetings", _meeting_payload(),
                           HTTP_AUTHORIZATION="Bearer nope"), 401)


def test_the_web_session_may_write_with_its_csrf_token(client, world):
    client.force_login(world.chair)
    assert post_json(client, "/groups/literacy/meetings", _meeting_payload()).status_code == 201


def test_a_session_write_without_the_csrf_token_is_refused(world):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.chair)
    response = post_json(strict, "/groups/literacy/meetings", _meeting_payload())
    assert response.status_code in (401, 403)
    assert not Meeting.objects.filter(title_fa="نشست ماهانه").exists()


def test_broken_json_is_a_4xx(client, world):
    response = post_json(client, "/groups/literacy/meetings", "{not json", **bearer(world.chair))
    assert 400 <= response.status_code < 500


# --- Decisions --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("who", "status"), [
    ("chair", 201), ("secretary", 201), ("secretariat", 201), ("member", 403), ("observer", 403), ("outsider", 404),
])
def test_who_may_record_a_decision(client, world, secretariat, who, status):
    _begin(world.upcoming)
    response = post_json(client, f"/groups/literacy/meetings/{world.upcoming.pk}/decisions",
                         {"text": "برگزاری کارگاه سواد رسانه‌ای"}, **bearer(_person(world, secretariat, who)))
    assert response.status_code == status, response.content
    if status == 201:
        body = response.json()
        assert body["published"] is False and body["code"].endswith(f"/{body['number']}")
        assert Decision.objects.filter(pk=body["id"], text="برگزاری کارگاه سواد رسانه‌ای").exists()


def _begin(meeting: Meeting) -> None:
    """The meeting is under way: decisions can be recorded from its start."""
    start = timezone.now() - dt.timedelta(minutes=30)
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=start, ends_at=start + dt.timedelta(hours=2))


def test_a_decision_before_the_meeting_starts_is_refused(client, world):
    before = Decision.objects.count()
    assert_error(post_json(client, f"/groups/literacy/meetings/{world.upcoming.pk}/decisions", {"text": "زودهنگام"},
                           **bearer(world.chair)), 400, "meeting_not_started")
    assert Decision.objects.count() == before


def test_decisions_cannot_be_added_once_the_minutes_are_approved(client, world):
    assert world.held.minutes_status == MinutesStatus.APPROVED
    before = Decision.objects.count()
    assert_error(post_json(client, f"/groups/literacy/meetings/{world.held.pk}/decisions", {"text": "دیرهنگام"},
                           **bearer(world.chair)), 409, "conflict")
    assert Decision.objects.count() == before


@pytest.mark.parametrize(("payload", "status"), [({"text": ""}, 400), ({"text": "x", "agenda_item": 999999}, 400),
                                                 ({}, 422), ({"text": "x", "agenda_item": 0}, 422)])
def test_bad_decisions_are_refused(client, world, payload, status):
    before = Decision.objects.count()
    assert_error(post_json(client, f"/groups/literacy/meetings/{world.upcoming.pk}/decisions", payload,
                           **bearer(world.chair)), status)
    assert Decision.objects.count() == before


def test_a_decision_for_a_meeting_of_another_group_is_a_404(client, world):
    assert_error(post_json(client, f"/groups/literacy/meetings/{world.private_meeting.pk}/decisions", {"text": "x"},
                           **bearer(world.chair)), 404)


# --- Tasks ------------------------------------------------------------------------------------------------------

def _task_payload(world, **overrides) -> dict:
    payload = {"title": "برگزاری کارگاه", "owner_user": world.member.pk,
               "deadline": (timezone.localdate() + dt.timedelta(days=20)).isoformat()}
    payload.update(overrides)
    return payload


@pytest.mark.parametrize(("who", "status"), [
    ("chair", 201), ("secretary", 201), ("secretariat", 201), ("member", 403), ("observer", 403), ("outsider", 403),
])
def test_who_may_create_a_task(client, world, secretariat, who, status):
    before = Task.objects.count()
    response = post_json(client, "/groups/literacy/tasks", _task_payload(world),
                         **bearer(_person(world, secretariat, who)))
    assert response.status_code == status, response.content
    assert Task.objects.count() == before + (1 if status == 201 else 0)


def test_a_task_from_a_decision_for_an_institution_with_a_jalali_deadline(client, world):
    deadline = jdatetime.date.fromgregorian(date=timezone.localdate() + dt.timedelta(days=40))
    response = post_json(client, "/groups/literacy/tasks", _task_payload(
        world, owner_user=None, owner_institution="family-ngo", decision=world.published.pk,
        deadline=deadline.strftime("%Y/%m/%d")), **bearer(world.secretary))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["owner_kind"] == "institution" and body["owner_institution"] == "family-ngo"
    assert body["decision"] == "1405/1" and body["deadline"] == deadline.togregorian().isoformat()
    assert body["deadline_jalali"] == deadline.strftime("%Y/%m/%d") and body["status"] == "not_started"


@pytest.mark.parametrize(("overrides", "field"), [
    ({"deadline": "someday"}, "deadline"),
    ({"owner_user": None}, "owner"),
    ({"owner_institution": "razi"}, "owner"),
    ({"owner_user": 999999}, "owner_user"),
    ({"owner_user": None, "owner_institution": "nowhere"}, "owner_institution"),
    ({"title": "  "}, "title"),
    ({"decision": 999999}, "decision"),
])
def test_bad_tasks_are_refused_and_nothing_is_saved(client, world, overrides, field):
    before = Task.objects.count()
    body = assert_error(post_json(client, "/groups/literacy/tasks", _task_payload(world, **overrides),
                                  **bearer(world.chair)), 400)
    assert body["field"] == field
    assert Task.objects.count() == before


def test_a_deadline_before_the_decisions_meeting_is_refused(client, world):
    before = Task.objects.count()
    meeting_day = timezone.localtime(world.held.starts_at).date()
    body = assert_error(post_json(client, "/groups/literacy/tasks", _task_payload(
        world, decision=world.published.pk, deadline=(meeting_day - dt.timedelta(days=1)).isoformat()),
        **bearer(world.chair)), 400, "deadline_before_meeting")
    assert body["field"] == "deadline" and Task.objects.count() == before


def test_an_observer_or_outsider_cannot_own_a_task(client, world):
    for person in (world.observer, world.outsider):
        assert_error(post_json(client, "/groups/literacy/tasks", _task_payload(world, owner_user=person.pk),
                               **bearer(world.chair)), 400)
    assert not Task.objects.filter(title="برگزاری کارگاه").exists()


# --- Task progress and comments -------------------------------------------------------------------------------

@pytest.mark.parametrize(("who", "status"), [
    ("member", 201),  # the owner
    ("chair", 201), ("secretary", 201), ("secretariat", 201), ("observer", 403), ("outsider", 404),
])
def test_who_may_update_a_task(client, world, secretariat, who, status):
    response = post_json(client, f"/tasks/{world.task.pk}/progress", {"progress": 40, "comment": "نیمه راه"},
                         **bearer(_person(world, secretariat, who)))
    assert response.status_code == status, response.content
    world.task.refresh_from_db()
    if status == 201:
        assert response.json()["progress_after"] == 40
        assert world.task.progress == 40 and world.task.status == TaskStatus.IN_PROGRESS
    else:
        assert world.task.progress == 0


def test_status_moves_follow_the_rules(client, world):
    headers = bearer(world.member)
    assert post_json(client, f"/tasks/{world.task.pk}/progress", {"status": "done"}, **headers).status_code == 201
    world.task.refresh_from_db()
    assert world.task.status == TaskStatus.DONE and world.task.progress == 100
    body = assert_error(post_json(client, f"/tasks/{world.task.pk}/progress", {"status": "blocked"}, **headers),
                        400, "out_of_order")
    assert body["field"] == "status"
    world.task.refresh_from_db()
    assert world.task.status == TaskStatus.DONE


@pytest.mark.parametrize(("payload", "status"), [
    ({"progress": 150}, 400), ({"progress": -5}, 400), ({"status": "finished"}, 400), ({}, 400),
    ({"progress": "lots"}, 422), ({"progress": 10**12}, 422),
])
def test_bad_progress_is_refused_and_changes_nothing(client, world, payload, status):
    assert_error(post_json(client, f"/tasks/{world.task.pk}/progress", payload, **bearer(world.member)), status)
    world.task.refresh_from_db()
    assert world.task.progress == 0 and world.task.status == TaskStatus.NOT_STARTED
    assert not TaskUpdate.objects.filter(task=world.task).exists()


@pytest.mark.parametrize(("who", "status"), [("observer", 403), ("member", 201), ("outsider", 404)])
def test_who_may_comment(client, world, who, status):
    response = post_json(client, f"/tasks/{world.task.pk}/comments", {"comment": "به‌زودی"},
                         **bearer(_person(world, None, who)))
    assert response.status_code == status
    assert TaskUpdate.objects.filter(task=world.task, comment="به‌زودی").exists() is (status == 201)


def test_an_empty_comment_is_refused(client, world):
    assert_error(post_json(client, f"/tasks/{world.task.pk}/comments", {"comment": " "}, **bearer(world.member)), 400)
    assert not TaskUpdate.objects.exists()


def test_a_task_of_a_members_only_group_is_a_404_to_others(client, world):
    assert_error(post_json(client, f"/tasks/{world.private_task.pk}/progress", {"progress": 10},
                           **bearer(world.chair)), 404)


# --- Plan results ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("who", "status"), [
    ("chair", 201), ("secretary", 201), ("secretariat", 201), ("member", 403), ("observer", 403), ("outsider", 403),
])
def test_who_may_report_progress_on_a_result(client, world, secretariat, who, status):
    payload = {"status": "at_risk", "progress": 55, "value": "1100", "note": "گزارش فصل پاییز",
               "evidence_url": "https://example.org/evidence"}
    response = post_json(client, "/plans/1405/results/R1/updates", payload, **bearer(_person(world, secretariat, who)))
    assert response.status_code == status, response.content
    result = PlanResult.objects.get(pk=world.result.pk)
    if status == 201:
        assert response.json()["progress"] == 55
        assert result.progress == 55 and result.status == "at_risk" and str(result.current_value) == "1100.00"
        # The public plan shows the new progress.
        public = client.get("/api/v1/plans/1405").json()
        assert public["objectives"][0]["results"][0]["progress"] == 55
    else:
        assert result.progress == 40 and ResultUpdate.objects.filter(result=result).count() == 1


def test_a_result_update_takes_a_jalali_date(client, world):
    today = jdatetime.date.fromgregorian(date=timezone.localdate())
    response = post_json(client, "/plans/1405/results/R2/updates",
                         {"status": "on_track", "progress": 10, "reported_on": today.strftime("%Y/%m/%d")},
                         **bearer(world.chair))
    assert response.status_code == 201, response.content
    assert response.json()["reported_on"] == timezone.localdate().isoformat()


@pytest.mark.parametrize(("payload", "status", "field"), [
    ({"status": "on_track", "progress": 101}, 400, "progress"),
    ({"status": "on_track", "progress": -1}, 400, "progress"),
    ({"status": "great", "progress": 10}, 400, "status"),
    ({"status": "on_track", "progress": 10, "reported_on": "1300/01/01"}, 400, "reported_on"),
    ({"status": "on_track", "progress": 10, "reported_on": "2999-01-01"}, 400, "reported_on"),
    ({"status": "on_track", "progress": 10, "reported_on": "yesterday"}, 400, "reported_on"),
    ({"status": "on_track", "progress": 10, "evidence_url": "javascript:alert(1)"}, 400, "evidence_url"),
    ({"status": "on_track"}, 422, None),
    ({"status": "on_track", "progress": 10, "value": "lots"}, 422, None),
])
def test_bad_result_updates_are_refused_and_change_nothing(client, world, payload, status, field):
    body = assert_error(post_json(client, "/plans/1405/results/R1/updates", payload, **bearer(world.chair)), status)
    if field:
        assert body["field"] == field
    assert ResultUpdate.objects.filter(result=world.result).count() == 1
    assert PlanResult.objects.get(pk=world.result.pk).progress == 40


def test_reporting_on_a_draft_plan_or_unknown_result_is_a_404(client, world):
    assert_error(post_json(client, "/plans/1406/results/D1/updates", {"status": "on_track", "progress": 1},
                           **bearer(world.chair)), 404)
    assert_error(post_json(client, "/plans/1405/results/NOPE/updates", {"status": "on_track", "progress": 1},
                           **bearer(world.chair)), 404)


def test_error_messages_follow_the_requests_language(client, world):
    body = assert_error(post_json(client, f"/tasks/{world.task.pk}/progress", {"progress": 150},
                                  HTTP_ACCEPT_LANGUAGE="en", **bearer(world.member)), 400)
    assert "0 and 100" in body["message"]
