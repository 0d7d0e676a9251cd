"""Found in review, through the API: dates far from today and amounts too large were saved (or half-saved) and
then failed as 500s; an outsider could tell which person ids exist by creating tasks."""

import datetime as dt

import pytest
from django.utils import translation

from learningcity.factories import TaskFactory
from learningcity.workgroups.models import Meeting, ResultUpdate, Task

from . import test_api_support as support
from .test_api_support import API, assert_error, bearer, post_json

pytestmark = pytest.mark.django_db
world = support.world


@pytest.fixture(autouse=True)
def _english(client):
    """Messages are compared in English: the API answers in the language the client asks for."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


def _meeting(**times) -> dict:
    return {"title_fa": "نشست", "place_fa": "کتابخانه", **times}


@pytest.mark.parametrize(("starts_at", "ends_at"), [
    ("9999-12-31T20:00-05:00", "9999-12-31T21:00-05:00"),  # year 10000 in UTC
    ("9999-12-30T10:00", "9999-12-30T11:00"),
    ("0001-01-01T00:10", "0001-01-01T01:00"),
])
def test_a_meeting_far_from_today_is_a_400_and_nothing_is_saved(client, world, starts_at, ends_at):
    before = Meeting.objects.count()
    body = assert_error(post_json(client, "/groups/literacy/meetings", _meeting(starts_at=starts_at, ends_at=ends_at),
                                  **bearer(world.secretary)), 400, "meeting_out_of_range")
    assert body["field"] in ("starts_at", "ends_at") and "within ten years of today" in body["message"]
    assert Meeting.objects.count() == before


@pytest.mark.parametrize("deadline", ["9999-12-31", "0001-01-01", "1300/01/01"])
def test_a_task_deadline_far_from_today_is_a_400_before_anything_is_saved(client, world, deadline):
    before = Task.objects.count()
    body = assert_error(post_json(client, "/groups/literacy/tasks", {
        "title": "x", "deadline": deadline, "owner_user": world.member.pk}, **bearer(world.secretary)), 400)
    assert body["field"] == "deadline" and "ten years" in body["message"]
    assert Task.objects.count() == before


def test_a_task_saved_before_dates_were_bounded_does_not_break_the_lists(client, world):
    TaskFactory(group=world.group, owner_user=world.member, deadline=dt.date(9999, 12, 31))
    response = client.get(f"{API}/groups/literacy/tasks", **bearer(world.member))
    assert response.status_code == 200
    far = [task for task in response.json()["items"] if task["deadline"] == "9999-12-31"]
    assert far and far[0]["deadline_jalali"] == "9999-12-31"
    assert client.get(f"{API}/me/tasks", **bearer(world.member)).status_code == 200


@pytest.mark.parametrize("value", ["1e30", "99999999999999999999999999999"])
def test_a_huge_value_in_a_report_is_a_400(client, world, value):
    before = ResultUpdate.objects.count()
    body = assert_error(post_json(client, "/plans/1405/results/R1/updates",
                                  {"status": "on_track", "progress": 10, "value": value}, **bearer(world.chair)), 400)
    assert body["field"] == "value" and "too large" in body["message"]
    assert ResultUpdate.objects.count() == before


@pytest.mark.parametrize("reported_on", ["9999-12-31", "0001-01-01"])
def test_a_report_dated_far_away_is_a_400(client, world, reported_on):
    before = ResultUpdate.objects.count()
    assert_error(post_json(client, "/plans/1405/results/R1/updates",
                           {"status": "on_track", "progress": 10, "reported_on": reported_on},
                           **bearer(world.chair)), 400)
    assert ResultUpdate.objects.count() == before


# --- Creating tasks: permission before lookups ------------------------------------------------------------------

@pytest.mark.parametrize("who", ["outsider", "member", "observer"])
def test_people_who_may_not_create_tasks_learn_nothing_about_ids(client, world, who):
    person = world.outsider if who == "outsider" else world.people[who]
    answers = []
    for payload in ({"owner_user": world.member.pk}, {"owner_user": 2_000_000_000},
                    {"owner_institution": "razi"}, {"owner_institution": "nowhere"},
                    {"owner_user": world.member.pk, "decision": world.published.pk},
                    {"owner_user": world.member.pk, "decision": 2_000_000_000}):
        response = post_json(client, "/groups/literacy/tasks", {"title": "x", "deadline": "2030-01-01", **payload},
                             **bearer(person))
        answers.append((response.status_code, response.json()["code"]))
    assert set(answers) == {(403, "forbidden")}
    assert not Task.objects.filter(title="x").exists()


def test_a_members_only_group_stays_a_404_to_outsiders(client, world):
    assert_error(post_json(client, "/groups/monitoring/tasks", {
        "title": "x", "deadline": "2030-01-01", "owner_user": world.private_member.pk}, **bearer(world.outsider)), 404)


def test_who_may_create_tasks_still_gets_the_lookup_errors(client, world):
    assert_error(post_json(client, "/groups/literacy/tasks", {
        "title": "x", "deadline": "2030-01-01", "owner_user": 2_000_000_000}, **bearer(world.secretary)), 400)
