"""Found in review: deadlines far from today, and numbers that look like digits ("²") but are not.

Each refusal is clear, says which field, and changes nothing; Persian digits keep working everywhere.
"""

import datetime as dt

import pytest
from django.utils import timezone, translation

from learningcity.core.errors import DomainError
from learningcity.core.text import persian_digits
from learningcity.factories import TaskFactory
from learningcity.workgroups.models import Task, TaskUpdate
from learningcity.workgroups.selectors.tasks import decision_for_task, my_tasks, tasks_of_group
from learningcity.workgroups.services import tasks as services

from .test_tasks_world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(city):
    return build_world(city)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


# --- Deadlines within ten years of today ------------------------------------------------------------------

@pytest.mark.parametrize("deadline", [dt.date(9999, 12, 31), "9999-12-31", dt.date(1900, 1, 1), "1300/01/01",
                                      "0001-01-01"])
def test_a_deadline_far_from_today_is_refused_and_nothing_is_saved(world, deadline):
    with pytest.raises(DomainError) as refused:
        services.task_create(group=world.group, actor=world.secretary, title="دورهٔ تازه", owner=world.member,
                             deadline=deadline)
    assert refused.value.field == "deadline"
    assert "within ten years of today" in str(refused.value.message)
    assert not Task.objects.exists()


def test_deadlines_up_to_ten_years_either_way_are_accepted(world):
    today = timezone.localdate()
    for deadline in (today + dt.timedelta(days=3650), today - dt.timedelta(days=3650)):
        task = services.task_create(group=world.group, actor=world.secretary, title="دورهٔ تازه", owner=world.member,
                                    deadline=deadline)
        assert task.deadline == deadline


def test_moving_a_deadline_far_away_is_refused(world):
    task = TaskFactory(group=world.group, owner_user=world.member)
    before = task.deadline
    with pytest.raises(DomainError) as refused:
        services.task_update(task=task, actor=world.secretary, deadline=dt.date(9999, 12, 31))
    assert refused.value.field == "deadline"
    task.refresh_from_db()
    assert task.deadline == before


def test_the_task_form_refuses_a_far_deadline_and_the_pages_still_open(client, world):
    client.force_login(world.secretary)
    response = client.post("/en/groups/media-literacy/tasks/new/", {
        "title": "far", "owner": f"user:{world.member.pk}", "deadline": "9999-12-31"})
    assert response.status_code == 200
    assert "within ten years of today" in response.content.decode()
    assert not Task.objects.filter(title="far").exists()
    for url in ("/fa/groups/media-literacy/tasks/", "/en/groups/media-literacy/tasks/"):
        assert client.get(url).status_code == 200


# --- Progress in any digits, but only digits ----------------------------------------------------------------

@pytest.mark.parametrize("progress", ["²", "1²", "٣²", "½", "-", "1" * 40])
def test_progress_that_only_looks_like_a_number_is_refused(world, progress):
    task = TaskFactory(group=world.group, owner_user=world.member)
    with pytest.raises(DomainError) as refused:
        services.task_progress(task=task, actor=world.member, progress=progress)
    assert refused.value.field == "progress"
    assert not TaskUpdate.objects.exists()


def test_progress_typed_in_persian_digits_still_works(world):
    task = TaskFactory(group=world.group, owner_user=world.member)
    services.task_progress(task=task, actor=world.member, progress="۴۰٪")
    task.refresh_from_db()
    assert task.progress == 40


def test_the_task_page_refuses_a_superscript_progress_with_a_message(client, world):
    task = TaskFactory(group=world.group, owner_user=world.member)
    client.force_login(world.member)
    response = client.post(f"/en/groups/media-literacy/tasks/{task.pk}/",
                           {"action": "progress", "progress-progress": "²"})
    assert response.status_code == 200
    assert "whole number from 0 to 100" in response.content.decode()
    assert not TaskUpdate.objects.exists()


# --- Ids in the address ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "/fa/groups/media-literacy/tasks/new/?decision=%C2%B2",
    "/fa/me/tasks/?group=%C2%B2",
    "/fa/groups/media-literacy/tasks/?owner=user:%C2%B2",
    "/fa/groups/media-literacy/tasks/?owner=institution:%C2%B2",
])
def test_a_superscript_id_in_the_address_is_ignored(client, world, url):
    client.force_login(world.secretary)
    assert client.get(url).status_code == 200


def test_a_superscript_decision_in_a_new_task_is_ignored(client, world):
    client.force_login(world.secretary)
    response = client.post("/fa/groups/media-literacy/tasks/new/", {"decision": "²", "title": "x"})
    assert response.status_code == 200
    assert not Task.objects.exists()


def test_ids_in_persian_digits_still_pick_the_decision_group_and_owner(world):
    assert decision_for_task(world.group, persian_digits(world.decision.pk)) == world.decision
    assert decision_for_task(world.group, "²") is None
    mine = TaskFactory(group=world.group, owner_user=world.member)
    TaskFactory(group=world.group, owner_user=world.chair)
    owned = tasks_of_group(world.group, owner=f"user:{persian_digits(world.member.pk)}")
    assert list(owned) == [mine]
    assert tasks_of_group(world.group, owner="user:²").count() == 2  # an unreadable filter is no filter
    result = my_tasks(world.member, city=world.city, group=persian_digits(world.group.pk))
    assert result.group == world.group
    assert my_tasks(world.member, city=world.city, group="²").group is None
