"""The partner services and policy on their own: the rules hold whoever calls them (views, API, CLI)."""

from decimal import Decimal

import pytest

from learningcity.core.errors import Conflict, DomainError, NotAllowed
from learningcity.core.models import AuditEntry
from learningcity.core.permissions import Capability, Role
from learningcity.factories import InstitutionFactory, StaffMembershipFactory, UserFactory
from learningcity.institutions import permissions, services
from learningcity.institutions.models import Institution, StaffMembership, StaffRole

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("field", "value"), [
    ("latitude", Decimal("90.000001")), ("latitude", Decimal("-91")), ("longitude", Decimal("180.5")),
    ("description_fa", "ت" * 3001), ("description_en", "x" * 3001), ("name_fa", "ن" * 201),
    ("website", "ftp//broken"),
])
def test_create_refuses_values_outside_the_rules_and_saves_nothing(city, secretariat, field, value):
    with pytest.raises(DomainError) as refused:
        services.institution_create(city=city, actor=secretariat, **{"type": "ngo", "name_fa": "انجمن", field: value})
    assert refused.value.field == field
    assert not Institution.objects.exists() and not AuditEntry.objects.exists()


def test_update_refuses_an_over_long_description_and_keeps_the_old_one(institution, institution_admin):
    old = institution.description_fa
    with pytest.raises(DomainError) as refused:
        services.institution_update(institution=institution, actor=institution_admin, description_fa="ت" * 3001)
    assert refused.value.field == "description_fa"
    institution.refresh_from_db()
    assert institution.description_fa == old


def test_derived_web_addresses_are_made_unique_and_chosen_ones_conflict(city, secretariat):
    first = services.institution_create(city=city, actor=secretariat, type="ngo", name_fa="الف", name_en="Hope")
    second = services.institution_create(city=city, actor=secretariat, type="ngo", name_fa="ب", name_en="Hope")
    assert (first.slug, second.slug) == ("hope", "hope-2")
    with pytest.raises(Conflict):
        services.institution_create(city=city, actor=secretariat, slug="hope", type="ngo", name_fa="ج")


def test_secretariat_may_manage_any_staff_list_of_its_city_only(city, institution, secretariat, other_city):
    from learningcity.factories import CitizenFactory, RoleAssignmentFactory

    elsewhere = CitizenFactory(city=other_city)
    RoleAssignmentFactory(user=elsewhere, role=Role.SECRETARIAT, city=other_city)
    assert permissions.can(secretariat, Capability.MANAGE_INSTITUTION_STAFF, institution)
    assert not permissions.can(elsewhere, Capability.MANAGE_INSTITUTION_STAFF, institution)
    assert list(permissions.institutions_for(secretariat, Capability.MANAGE_INSTITUTION_STAFF, city)) == [institution]
    assert not permissions.institutions_for(elsewhere, Capability.MANAGE_INSTITUTION_STAFF, city).exists()


def test_staff_capabilities_follow_the_role(institution, institution_admin, institution_editor, other_institution):
    city = institution.city
    assert list(permissions.institutions_for(institution_editor, Capability.EDIT_INSTITUTION_PROFILE, city)) == [
        institution]
    assert not permissions.institutions_for(institution_editor, Capability.MANAGE_INSTITUTION_STAFF, city).exists()
    assert list(permissions.institutions_for(institution_admin, Capability.MANAGE_INSTITUTION_STAFF, city)) == [
        institution]
    assert not permissions.can(institution_admin, Capability.EDIT_INSTITUTION_PROFILE, other_institution)
    assert not permissions.can(institution_admin, Capability.SET_ACCREDITATION, institution)


def test_a_closed_account_may_do_nothing(institution, institution_admin):
    institution_admin.is_active = False
    institution_admin.save()
    assert not permissions.can(institution_admin, Capability.EDIT_INSTITUTION_PROFILE, institution)
    assert not permissions.institutions_for(institution_admin, Capability.EDIT_INSTITUTION_PROFILE,
                                            institution.city).exists()


def test_the_secretariat_removes_staff_even_the_last_admin(institution, institution_admin, secretariat):
    membership = StaffMembership.objects.get(user=institution_admin)
    services.staff_remove(membership=membership, actor=secretariat)
    assert not StaffMembership.objects.exists()
    entry = AuditEntry.objects.get(action="institution.staff_remove")
    assert entry.changes == {"user": [institution_admin.pk, None], "role": [StaffRole.ADMIN, None]}


def test_the_secretariat_may_demote_the_last_admin(institution, institution_admin, secretariat):
    services.staff_add(institution=institution, user=institution_admin, role=StaffRole.EDITOR, actor=secretariat)
    assert StaffMembership.objects.get(user=institution_admin).role == StaffRole.EDITOR


def test_the_last_admin_stays_but_one_of_two_may_step_down(institution, institution_admin):
    mine = StaffMembership.objects.get(user=institution_admin)
    with pytest.raises(DomainError):
        services.staff_remove(membership=mine, actor=institution_admin)
    with pytest.raises(DomainError):
        services.staff_add(institution=institution, user=institution_admin, role=StaffRole.EDITOR,
                           actor=institution_admin)
    StaffMembershipFactory(institution=institution, role=Role.INSTITUTION_ADMIN)
    services.staff_add(institution=institution, user=institution_admin, role=StaffRole.EDITOR, actor=institution_admin)
    mine.refresh_from_db()
    assert mine.role == StaffRole.EDITOR


def test_an_editor_cannot_manage_staff_and_a_closed_account_cannot_join(institution, institution_editor,
                                                                        institution_admin):
    newcomer = UserFactory()
    with pytest.raises(NotAllowed):
        services.staff_add(institution=institution, user=newcomer, role=StaffRole.EDITOR, actor=institution_editor)
    closed = UserFactory(is_active=False)
    with pytest.raises(DomainError):
        services.staff_add(institution=institution, user=closed, role=StaffRole.EDITOR, actor=institution_admin)
    assert StaffMembership.objects.filter(institution=institution).count() == 2


def test_another_citys_institution_is_out_of_reach_of_this_citys_secretariat(other_city, secretariat):
    foreign = InstitutionFactory(city=other_city)
    with pytest.raises(NotAllowed):
        services.institution_update(institution=foreign, actor=secretariat, name_en="Taken over")
    with pytest.raises(NotAllowed):
        services.accreditation_set(institution=foreign, status="suspended", note="x", actor=secretariat)
    with pytest.raises(NotAllowed):
        services.institution_create(city=other_city, actor=secretariat, type="ngo", name_fa="انجمن")
