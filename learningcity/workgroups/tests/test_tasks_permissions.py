"""Who may do what with tasks, through real requests: role x action. Denied is a 404, never a 403."""

import pytest

from learningcity.core.permissions import Role
from learningcity.factories import CitizenFactory, RoleAssignmentFactory, TaskFactory
from learningcity.workgroups.models import TaskUpdate, Visibility

from .test_tasks_world import build_world

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "outsider", "staff", "observer", "representative", "member", "secretary", "chair",
         "secretariat", "other_secretariat"]
SEATED = {"observer", "representative", "member", "secretary", "chair"}
MANAGERS = {"secretary", "chair", "secretariat"}

# action -> (method, URL from the task, data, who may)
ACTIONS = {
    "group_tasks": ("get", lambda t: "/fa/groups/media-literacy/tasks/", None, SEATED | {"secretariat"}),
    "task_page": ("get", lambda t: t.get_absolute_url(), None, SEATED | {"secretariat"}),
    "new_task_page": ("get", lambda t: "/fa/groups/media-literacy/tasks/new/", None, MANAGERS),
    "edit_page": ("get", lambda t: f"/fa/groups/media-literacy/tasks/{t.pk}/edit/", None, MANAGERS),
    "update_progress": ("post", lambda t: t.get_absolute_url(), {"action": "progress", "progress-progress": "30"},
                        MANAGERS | {"member"}),
    "comment": ("post", lambda t: t.get_absolute_url(), {"action": "comment", "comment-comment": "نظر من"},
                MANAGERS | {"member", "representative"}),
    "my_tasks": ("get", lambda t: "/fa/me/tasks/", None, set(ROLES) - {"anonymous"}),
}


def person(world, role, other_city):
    if role == "anonymous":
        return None
    if role == "other_secretariat":
        user = CitizenFactory(city=other_city)
        RoleAssignmentFactory(user=user, role=Role.SECRETARIAT, city=other_city)
        return user
    return getattr(world, role)


@pytest.mark.parametrize("visibility", [Visibility.MEMBERS, Visibility.PUBLIC])
@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("role", ROLES)
def test_each_role_may_do_exactly_what_its_seat_allows(client, city, other_city, role, action, visibility):
    world = build_world(city, visibility=visibility)
    task = TaskFactory(group=world.group, owner_user=world.member, title="کار سارا")
    method, url_of, data, allowed = ACTIONS[action]
    user = person(world, role, other_city)
    if user is not None:
        client.force_login(user)

    response = getattr(client, method)(url_of(task), data or {})

    if role in allowed:
        assert response.status_code == (302 if method == "post" else 200)
    elif role == "anonymous" and action == "my_tasks":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    else:
        assert response.status_code == 404
    if method == "post":
        assert TaskUpdate.objects.exists() == (role in allowed)


@pytest.mark.parametrize("role", ["staff", "representative"])
def test_the_people_of_an_owning_institution_may_see_update_and_comment_on_its_task(client, city, role):
    world = build_world(city)
    task = TaskFactory(group=world.group, owner_user=None, owner_institution=world.other_institution)
    client.force_login(getattr(world, role))
    assert client.get(task.get_absolute_url()).status_code == 200
    assert client.post(task.get_absolute_url(), {"action": "progress", "progress-progress": "40"}).status_code == 302
    assert client.post(task.get_absolute_url(), {"action": "comment", "comment-comment": "انجام شد"}).status_code == 302
    assert TaskUpdate.objects.count() == 2


def test_a_group_of_another_city_is_not_found_even_for_its_members(client, city, other_city):
    world = build_world(other_city)
    task = TaskFactory(group=world.group, owner_user=world.member)
    client.force_login(world.member)
    assert client.get(task.get_absolute_url()).status_code == 404  # served at Kermanshah's address
    assert client.get(task.get_absolute_url(), HTTP_HOST="hamedan.example.org").status_code == 200
