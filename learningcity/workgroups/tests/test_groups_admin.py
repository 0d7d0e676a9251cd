"""The admin site for working groups and the plan: operators look things up; nothing is written there."""

import pytest
from django.apps import apps

from learningcity.factories import (
    DecisionFactory,
    GroupMemberFactory,
    MeetingFactory,
    PlanResultFactory,
    TaskFactory,
    WorkingGroupFactory,
)

pytestmark = pytest.mark.django_db

MODELS = [model for model in apps.get_app_config("workgroups").get_models()]


def test_every_workgroups_model_is_in_the_admin():
    from django.contrib import admin

    assert [m for m in MODELS if m not in admin.site._registry] == []


@pytest.fixture
def filled(city):
    group = WorkingGroupFactory(city=city)
    GroupMemberFactory(group=group)
    meeting = MeetingFactory(group=group)
    DecisionFactory(meeting=meeting)
    TaskFactory(group=group)
    PlanResultFactory(objective__plan__city=city, objective__working_group=group)
    return group


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.model_name)
def test_every_changelist_and_search_renders_and_nothing_can_be_added(client, superuser, filled, model):
    client.force_login(superuser)
    url = f"/fa/admin/workgroups/{model._meta.model_name}/"
    assert client.get(url).status_code == 200
    assert client.get(url, {"q": "سواد"}).status_code == 200
    assert client.get(f"{url}add/").status_code == 403


def test_a_group_opens_read_only_with_its_members(client, superuser, filled):
    client.force_login(superuser)
    page = client.get(f"/fa/admin/workgroups/workinggroup/{filled.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert 'dir="rtl"' in page.content.decode()
