"""The role -> capability matrix that every app's policy reads."""

import pytest

from learningcity.accounts.permissions import has_city_capability
from learningcity.core.permissions import ROLE_CAPABILITIES, ROLE_SCOPE, Capability, Role
from learningcity.factories import CitizenFactory, RoleAssignmentFactory

C = Capability
EXPECTED = {
    Role.CITIZEN: {C.ENROL, C.VIEW_OWN_RECORD},
    Role.SECRETARIAT: {C.VIEW_AUDIT_LOG, C.MANAGE_DOMAINS, C.SET_ACCREDITATION, C.MANAGE_INSTITUTIONS,
                       C.APPROVE_PROGRAMMES, C.MANAGE_WORKING_GROUPS, C.APPROVE_INDICATOR_VALUES, C.MANAGE_PEOPLE},
    Role.INSTITUTION_ADMIN: {C.EDIT_INSTITUTION_PROFILE, C.MANAGE_INSTITUTION_STAFF, C.MANAGE_PROGRAMMES,
                             C.RECORD_ATTENDANCE, C.SUBMIT_INDICATOR_VALUES},
    Role.INSTITUTION_EDITOR: {C.EDIT_INSTITUTION_PROFILE, C.MANAGE_PROGRAMMES, C.RECORD_ATTENDANCE},
    Role.WORKING_GROUP_MEMBER: {C.TAKE_PART_IN_WORKING_GROUPS},
    Role.NATIONAL_COMMISSION_OFFICER: {C.ENDORSE_APPLICATIONS},
    Role.JURY_REVIEWER: {C.REVIEW_APPLICATIONS},
    Role.NETWORK_COORDINATOR: {C.COORDINATE_NETWORK},
    Role.GROUP_CHAIR: {C.VIEW_GROUP, C.SCHEDULE_MEETINGS, C.WRITE_MINUTES, C.RECORD_DECISIONS, C.APPROVE_MINUTES,
                       C.MANAGE_TASKS, C.UPDATE_OWN_TASKS, C.COMMENT_ON_TASKS, C.UPLOAD_DOCUMENTS,
                       C.MANAGE_GROUP_MEMBERS, C.REPORT_PLAN_RESULTS},
    Role.GROUP_SECRETARY: {C.VIEW_GROUP, C.SCHEDULE_MEETINGS, C.WRITE_MINUTES, C.RECORD_DECISIONS, C.MANAGE_TASKS,
                           C.UPDATE_OWN_TASKS, C.COMMENT_ON_TASKS, C.UPLOAD_DOCUMENTS, C.REPORT_PLAN_RESULTS},
    Role.GROUP_MEMBER: {C.VIEW_GROUP, C.UPDATE_OWN_TASKS, C.COMMENT_ON_TASKS, C.UPLOAD_DOCUMENTS},
    Role.GROUP_OBSERVER: {C.VIEW_GROUP},
}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("capability", list(Capability))
def test_each_role_grants_exactly_its_documented_capabilities(role, capability):
    assert (capability in ROLE_CAPABILITIES[role]) == (capability in EXPECTED[role])


def test_every_role_has_a_scope_and_capabilities():
    assert set(ROLE_SCOPE) == set(Role)
    assert set(ROLE_CAPABILITIES) == set(Role)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.CITIZEN, Role.SECRETARIAT, Role.WORKING_GROUP_MEMBER])
@pytest.mark.parametrize("capability", [C.VIEW_AUDIT_LOG, C.ENROL, C.MANAGE_DOMAINS, C.TAKE_PART_IN_WORKING_GROUPS])
def test_a_city_role_grants_its_capabilities_in_that_city_only(city, other_city, role, capability):
    user = CitizenFactory(city=city)
    if role != Role.CITIZEN:
        RoleAssignmentFactory(user=user, role=role, city=city)
    expected = capability in EXPECTED[role] or capability in EXPECTED[Role.CITIZEN]
    assert has_city_capability(user, capability, city) is expected
    assert has_city_capability(user, capability, other_city) is False


@pytest.mark.django_db
def test_inactive_and_anonymous_people_have_no_capabilities(city, secretariat):
    from django.contrib.auth.models import AnonymousUser

    assert not has_city_capability(AnonymousUser(), C.VIEW_AUDIT_LOG, city)
    secretariat.is_active = False
    secretariat.save()
    assert not has_city_capability(secretariat, C.VIEW_AUDIT_LOG, city)


@pytest.mark.django_db
def test_superuser_may_do_everything(city, superuser):
    assert all(has_city_capability(superuser, capability, city) for capability in Capability)
