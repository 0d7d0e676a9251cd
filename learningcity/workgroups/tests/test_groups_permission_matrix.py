"""The whole working-groups policy as a matrix: role x action -> allowed?

Each role is a real person: an anonymous visitor, a citizen with no seat, the four seats of a
members-only group (each also representing a partner institution), the city secretariat, the
secretariat of another city and a superuser. Each action asks the policy module
(`learningcity.workgroups.permissions`) about real rows. A second matrix opens the group pages
through real requests: what a person may not see is a 404.
"""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser

from learningcity.core.permissions import Capability, Role
from learningcity.factories import (
    ActionPlanFactory,
    CitizenFactory,
    GroupMemberFactory,
    InstitutionFactory,
    MeetingFactory,
    ObjectiveFactory,
    PlanResultFactory,
    RoleAssignmentFactory,
    TaskFactory,
    UserFactory,
    WorkingGroupFactory,
)
from learningcity.workgroups import permissions
from learningcity.workgroups.models import Document, GroupRole, MinutesStatus, PlanStatus, Visibility

C = Capability
ROLES = ["anonymous", "citizen", "observer", "member", "secretary", "chair", "secretariat", "other_secretariat",
         "superuser"]
EVERYONE = frozenset(ROLES)
STAFF = frozenset({"secretariat", "superuser"})
SEATS = frozenset({"observer", "member", "secretary", "chair"})
RUNNERS = frozenset({"secretary", "chair"})  # who runs the group's meetings and tasks
TAKING_PART = frozenset({"member", "secretary", "chair"})
NOBODY = frozenset()


@pytest.fixture
def world(city, other_city):
    """A public and a members-only group with every seat, the things inside them, and the plan."""
    partner = InstitutionFactory(city=city, name_en="Razi University")
    group = WorkingGroupFactory(city=city, slug="literacy", visibility=Visibility.PUBLIC)
    private = WorkingGroupFactory(city=city, slug="monitoring", visibility=Visibility.MEMBERS)
    other_private = WorkingGroupFactory(city=city, slug="families", visibility=Visibility.MEMBERS)
    people = {"anonymous": AnonymousUser(), "citizen": CitizenFactory(city=city)}
    for role in ("observer", "member", "secretary", "chair"):
        person = CitizenFactory(city=city)
        for seated_in in (group, private):
            GroupMemberFactory(group=seated_in, user=person, role=role, institution=partner)
        people[role] = person
    people["secretariat"] = CitizenFactory(city=city)
    RoleAssignmentFactory(user=people["secretariat"], role=Role.SECRETARIAT, city=city)
    people["other_secretariat"] = CitizenFactory(city=other_city)
    RoleAssignmentFactory(user=people["other_secretariat"], role=Role.SECRETARIAT, city=other_city)
    people["superuser"] = UserFactory(is_superuser=True, is_staff=True)
    GroupMemberFactory(group=other_private, role=GroupRole.CHAIR)

    outsider = UserFactory()
    plan = ActionPlanFactory(city=city, year=1405, status=PlanStatus.PUBLISHED)
    draft_plan = ActionPlanFactory(city=city, year=1406, status=PlanStatus.DRAFT)
    return SimpleNamespace(
        city=city, people=people, partner=partner, group=group, private=private, other_private=other_private,
        meeting=MeetingFactory(group=private),
        approved_meeting=MeetingFactory(group=private, minutes_status=MinutesStatus.APPROVED),
        others_task=TaskFactory(group=private, owner_user=outsider),
        institution_task=TaskFactory(group=private, owner_user=None, owner_institution=partner),
        plan=plan, draft_plan=draft_plan,
        result_own=PlanResultFactory(objective=ObjectiveFactory(plan=plan, working_group=private)),
        result_other=PlanResultFactory(objective=ObjectiveFactory(plan=plan, working_group=other_private)),
        document=Document.objects.create(city=city, group=private, file="workgroups/x.pdf", name="x.pdf",
                                         content_type="application/pdf", extension="pdf", size=10, sha256="0" * 64),
    )


def _own_task(world, user):
    """A task of the members-only group owned by this very person (by someone else for an anonymous visitor)."""
    owner = user if getattr(user, "is_authenticated", False) else UserFactory()
    return TaskFactory(group=world.private, owner_user=owner)


P = permissions
# action -> (question to the policy, who is allowed)
ACTIONS = {
    "see_public_group": (lambda u, w: P.can_see_group(u, w.group), EVERYONE),
    "see_members_only_group": (lambda u, w: P.can_see_group(u, w.private), SEATS | STAFF),
    "see_members_only_group_without_a_seat_in_it": (lambda u, w: P.can_see_group(u, w.other_private), STAFF),
    "see_meeting": (lambda u, w: P.can_see_meeting(u, w.meeting), SEATS | STAFF),
    "schedule_meeting": (lambda u, w: P.can(u, C.SCHEDULE_MEETINGS, w.private), RUNNERS | STAFF),
    "write_minutes": (lambda u, w: P.can_edit_minutes(u, w.meeting), RUNNERS | STAFF),
    "edit_approved_minutes": (lambda u, w: P.can_edit_minutes(u, w.approved_meeting), NOBODY),
    "approve_minutes": (lambda u, w: P.can(u, C.APPROVE_MINUTES, w.private), frozenset({"chair"})),
    "record_decision": (lambda u, w: P.can(u, C.RECORD_DECISIONS, w.private), RUNNERS | STAFF),
    "manage_tasks": (lambda u, w: P.can(u, C.MANAGE_TASKS, w.private), RUNNERS | STAFF),
    "see_someone_elses_task": (lambda u, w: P.can_see_task(u, w.others_task), SEATS | STAFF),
    # An owner may always see their task, even without a seat (a person named from outside the group).
    "see_own_task": (lambda u, w: P.can_see_task(u, _own_task(w, u)), EVERYONE - {"anonymous"}),
    # ... and update it, unless their seat is an observer's, which only watches.
    "update_own_task": (lambda u, w: P.can_update_task(u, _own_task(w, u)),
                        TAKING_PART | STAFF | {"citizen", "other_secretariat"}),
    "update_someone_elses_task": (lambda u, w: P.can_update_task(u, w.others_task), RUNNERS | STAFF),
    "update_task_of_the_institution_one_represents": (lambda u, w: P.can_update_task(u, w.institution_task),
                                                      TAKING_PART | STAFF),
    "comment": (lambda u, w: P.can_comment_on_task(u, w.others_task), TAKING_PART | STAFF),
    "upload_document_to_group": (lambda u, w: P.can_attach_document(u, group=w.private), TAKING_PART | STAFF),
    "upload_document_to_meeting": (lambda u, w: P.can_attach_document(u, meeting=w.meeting), TAKING_PART | STAFF),
    "see_group_document": (lambda u, w: P.can_see_document(u, w.document), SEATS | STAFF),
    "manage_members": (lambda u, w: P.can(u, C.MANAGE_GROUP_MEMBERS, w.private), frozenset({"chair"}) | STAFF),
    "manage_members_of_another_group": (lambda u, w: P.can(u, C.MANAGE_GROUP_MEMBERS, w.other_private), STAFF),
    "create_group": (lambda u, w: P.can_create_groups(u, w.city), STAFF),
    "manage_plan": (lambda u, w: P.can_manage_plan(u, w.city), STAFF),
    "see_published_plan": (lambda u, w: P.can_see_plan(u, w.plan), EVERYONE),
    "see_draft_plan": (lambda u, w: P.can_see_plan(u, w.draft_plan), STAFF),
    "report_plan_result_of_own_group": (lambda u, w: P.can_report_result(u, w.result_own), RUNNERS | STAFF),
    "report_plan_result_of_other_group": (lambda u, w: P.can_report_result(u, w.result_other), STAFF),
}


@pytest.mark.django_db
@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("role", ROLES)
def test_each_role_may_do_exactly_what_the_policy_allows(world, role, action):
    question, allowed = ACTIONS[action]
    assert question(world.people[role], world) is (role in allowed)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_the_lists_agree_with_the_single_object_answers(world, role):
    """`groups_visible_to` and `groups_where` list exactly the groups the per-group questions allow."""
    user = world.people[role]
    groups = [world.group, world.private, world.other_private]
    visible = set(P.groups_visible_to(user, world.city))
    assert visible == {g for g in groups if P.can_see_group(user, g)}
    for capability in (C.VIEW_GROUP, C.SCHEDULE_MEETINGS, C.WRITE_MINUTES, C.RECORD_DECISIONS, C.APPROVE_MINUTES,
                       C.MANAGE_TASKS, C.UPDATE_OWN_TASKS, C.COMMENT_ON_TASKS, C.UPLOAD_DOCUMENTS,
                       C.MANAGE_GROUP_MEMBERS, C.REPORT_PLAN_RESULTS):
        where = set(P.groups_where(user, capability, world.city))
        assert where == {g for g in groups if P.can(user, capability, g)}, capability


@pytest.mark.django_db
def test_another_citys_secretariat_lists_none_of_this_citys_members_only_groups(world, other_city):
    other = world.people["other_secretariat"]
    assert set(P.groups_visible_to(other, world.city)) == {world.group}
    assert not P.groups_where(other, C.VIEW_GROUP, world.city).exists()
    assert P.groups_visible_to(world.people["secretariat"], other_city).count() == 0


@pytest.mark.django_db
def test_someone_who_left_keeps_no_rights(world):
    chair = world.people["chair"]
    world.private.members.filter(user=chair).update(left_on="2026-01-01")
    P.forget_cached_seats(chair)
    assert not P.can_see_group(chair, world.private)
    assert not P.can(chair, C.MANAGE_GROUP_MEMBERS, world.private)


# --- the group pages through real requests ------------------------------------------------------------

PAGES = {
    "group_list": ("/fa/groups/", EVERYONE),
    "public_group_page": ("/fa/groups/literacy/", EVERYONE),
    "members_only_group_page": ("/fa/groups/monitoring/", SEATS | STAFF),
    "other_members_only_group_page": ("/fa/groups/families/", STAFF),
    "create_group": ("/fa/groups/new/", STAFF),
    "edit_group": ("/fa/groups/monitoring/edit/", STAFF),
    "members_page": ("/fa/groups/monitoring/members/", frozenset({"chair"}) | STAFF),
}


@pytest.mark.django_db
@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("role", ROLES)
def test_each_role_opens_exactly_the_group_pages_it_may_and_gets_404_elsewhere(client, world, role, page):
    url, allowed = PAGES[page]
    user = world.people[role]
    if user.is_authenticated:
        client.force_login(user)
    assert client.get(url).status_code == (200 if role in allowed else 404)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_each_role_seats_people_only_where_it_may(client, world, role):
    user = world.people[role]
    if user.is_authenticated:
        client.force_login(user)
    newcomer = UserFactory(mobile="09187654321")
    response = client.post("/fa/groups/monitoring/members/", {"action": "add", "add-mobile": "09187654321",
                                                              "add-role": "member"})
    seated = world.private.members.filter(user=newcomer).exists()
    if role in {"chair"} | STAFF:
        assert response.status_code == 302 and seated
    else:
        assert response.status_code == 404 and not seated


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_each_role_edits_groups_only_where_it_may(client, world, role):
    user = world.people[role]
    if user.is_authenticated:
        client.force_login(user)
    response = client.post("/fa/groups/literacy/edit/", {"action": "archive"})
    world.group.refresh_from_db()
    if role in STAFF:
        assert response.status_code == 302 and not world.group.is_active
    else:
        assert response.status_code == 404 and world.group.is_active
