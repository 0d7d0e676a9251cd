"""`learningcity user create`: a person with a role from the command line, all or nothing."""

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from learningcity.accounts.models import CitizenProfile, RoleAssignment, User
from learningcity.core.errors import DomainError
from learningcity.core.models import AuditEntry
from learningcity.core.permissions import Role
from learningcity.institutions.models import StaffMembership

PASSWORD = "Kermanshah-Secret-1405"
MOBILE = "09135550001"


def user_create(*arguments: str) -> str:
    out = StringIO()
    call_command("user", "create", *arguments, stdout=out)
    return out.getvalue()


def new_person(role: str, *extra: str) -> str:
    return user_create("--role", role, "--mobile", MOBILE, "--password", PASSWORD, "--name", "آرش کلهر",
                       *extra)


@pytest.mark.parametrize("role", [Role.CITIZEN, Role.SECRETARIAT, Role.WORKING_GROUP_MEMBER])
def test_a_city_role_is_held_in_the_default_city(city, role):
    output = new_person(role)
    user = authenticate(mobile=MOBILE, password=PASSWORD)
    assert user is not None and user.name == "آرش کلهر"
    assert user.profile.city == city
    assert RoleAssignment.objects.filter(user=user, role=role, city=city).exists()
    assert "Created" in output


def test_a_city_role_can_be_held_in_another_city(city, other_city):
    new_person(Role.SECRETARIAT, "--city", other_city.slug)
    user = User.objects.get(mobile=MOBILE)
    assert user.profile.city == other_city
    assert RoleAssignment.objects.filter(user=user, role=Role.SECRETARIAT, city=other_city).exists()
    assert not RoleAssignment.objects.filter(user=user, role=Role.SECRETARIAT, city=city).exists()


@pytest.mark.parametrize("role", [Role.INSTITUTION_ADMIN, Role.INSTITUTION_EDITOR])
def test_an_institution_role_puts_the_person_on_its_staff(institution, role):
    new_person(role, "--institution", institution.slug)
    membership = StaffMembership.objects.get(user__mobile=MOBILE)
    assert (membership.institution, membership.role) == (institution, role)
    assert AuditEntry.objects.filter(action="institution.staff_add").exists()


def test_the_national_commission_role_is_held_in_a_country(city):
    new_person(Role.NATIONAL_COMMISSION_OFFICER, "--country", "ir")
    assert RoleAssignment.objects.filter(
        user__mobile=MOBILE, role=Role.NATIONAL_COMMISSION_OFFICER, country="IR", city=None
    ).exists()


@pytest.mark.parametrize("role", [Role.JURY_REVIEWER, Role.NETWORK_COORDINATOR])
def test_network_roles_need_no_city_or_country(city, role):
    new_person(role)
    assert RoleAssignment.objects.filter(user__mobile=MOBILE, role=role, city=None, country="").exists()


def test_an_existing_person_gets_the_role_and_keeps_their_password(citizen, institution):
    output = user_create("--role", Role.INSTITUTION_EDITOR, "--mobile", citizen.mobile, "--password",
                         "Something-else-99", "--institution", institution.slug)
    assert "stay as they are" in output
    assert StaffMembership.objects.filter(user=citizen, institution=institution).exists()
    assert authenticate(mobile=citizen.mobile, password="a-Strong-pass-2026") == citizen
    assert User.objects.count() == 1

    again = user_create("--role", Role.INSTITUTION_EDITOR, "--mobile", citizen.mobile,
                        "--institution", institution.slug)
    assert "nothing changed" in again
    assert StaffMembership.objects.filter(user=citizen).count() == 1


def test_mobile_numbers_in_persian_digits_are_accepted(city):
    user_create("--role", Role.CITIZEN, "--mobile", "۰۹۱۳ ۵۵۵ ۰۰۰۱", "--password", PASSWORD, "--name", "سارا")
    assert User.objects.filter(mobile=MOBILE).exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--role", "mayor"], "Unknown role 'mayor'"),
        (["--role", Role.CITIZEN, "--mobile", "12345"], "Iranian mobile number"),
        (["--role", Role.INSTITUTION_ADMIN, "--institution", "no-such-partner"], "no partner institution"),
        (["--role", Role.INSTITUTION_ADMIN], "needs --institution"),
        (["--role", Role.SECRETARIAT, "--city", "atlantis"], "no city 'atlantis'"),
        (["--role", Role.CITIZEN, "--password", "12345678"], "too common"),
        (["--role", Role.CITIZEN, "--password", "short"], "too short"),
        (["--role", Role.NATIONAL_COMMISSION_OFFICER], "needs --country"),
        (["--role", Role.NATIONAL_COMMISSION_OFFICER, "--country", "IRN"], "needs --country"),
        (["--role", Role.SECRETARIAT, "--country", "IR"], "--country only goes with"),
        (["--role", Role.SECRETARIAT, "--institution", "razi-university"], "--institution only goes with"),
        (["--role", Role.CITIZEN, "--name", " "], "needs --name"),
        (["--role", Role.CITIZEN, "--password", ""], "needs --password"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_saves_nothing(institution, arguments, message):
    defaults = {"--mobile": MOBILE, "--password": PASSWORD, "--name": "آرش کلهر"}
    given = dict(zip(arguments[::2], arguments[1::2], strict=True))
    arguments = [item for pair in {**defaults, **given}.items() for item in pair]
    entries = AuditEntry.objects.count()
    with pytest.raises(CommandError, match=message):
        user_create(*arguments)
    assert not User.objects.filter(mobile=MOBILE).exists()
    assert AuditEntry.objects.count() == entries


def test_a_failure_after_registration_leaves_no_half_made_person(institution, monkeypatch):
    def refuse(**kwargs):
        raise DomainError("Staff list is closed.")

    monkeypatch.setattr("learningcity.institutions.management.commands.user.staff_add", refuse)
    with pytest.raises(CommandError, match="Staff list is closed"):
        new_person(Role.INSTITUTION_ADMIN, "--institution", institution.slug)
    assert not User.objects.filter(mobile=MOBILE).exists()
    assert not CitizenProfile.objects.exists()
    assert not AuditEntry.objects.filter(action="user.register").exists()


def test_the_command_needs_an_action(db):
    with pytest.raises(CommandError):
        call_command("user")
