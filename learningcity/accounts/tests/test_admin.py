"""The admin site for people: pages open, the custom user can be added and changed, writes are audited."""

import pytest
from django.urls import reverse

from conftest import PASSWORD
from learningcity.accounts.models import ApiToken, CitizenProfile, RoleAssignment, User
from learningcity.accounts.services import token_issue
from learningcity.core.models import AuditEntry
from learningcity.core.permissions import Role

from .test_validators import PERSIAN, with_check_digit


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def admin_url(name, *args):
    return reverse(f"admin:{name}", args=args)


@pytest.mark.parametrize("model", ["user", "citizenprofile", "roleassignment", "apitoken"])
def test_every_accounts_list_in_the_admin_opens(admin_client, citizen, model):
    token_issue(mobile=citizen.mobile, password=PASSWORD)
    response = admin_client.get(admin_url(f"accounts_{model}_changelist"))
    assert response.status_code == 200


def test_admin_change_pages_open(admin_client, citizen):
    token, _key = token_issue(mobile=citizen.mobile, password=PASSWORD)
    assert admin_client.get(admin_url("accounts_user_change", citizen.pk)).status_code == 200
    assert admin_client.get(admin_url("accounts_citizenprofile_change", citizen.pk)).status_code == 200
    assignment = citizen.role_assignments.get()
    assert admin_client.get(admin_url("accounts_roleassignment_change", assignment.pk)).status_code == 200
    page = admin_client.get(admin_url("accounts_apitoken_change", token.pk))
    assert page.status_code == 200
    assert token.key_hash in page.content.decode()  # shown, read-only


def test_admin_search_finds_a_person_by_a_number_typed_in_persian_digits(admin_client, citizen):
    typed = citizen.mobile.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    response = admin_client.get(admin_url("accounts_user_changelist"), {"q": typed})
    assert list(response.context["cl"].result_list) == [citizen]


def test_admin_adds_a_person_with_any_form_of_the_mobile_number(admin_client, city):
    response = admin_client.post(admin_url("accounts_user_add"), {
        "mobile": "+۹۸ ۹۱۲ ۵۵۵ ۶۶۷۷", "name": "Staff Person", "usable_password": "true",
        "password1": "Admin-made-pass-1405", "password2": "Admin-made-pass-1405",
    })
    assert response.status_code == 302, response.context["adminform"].form.errors
    person = User.objects.get(name="Staff Person")
    assert person.mobile == "09125556677"
    assert person.check_password("Admin-made-pass-1405")
    entry = AuditEntry.objects.get(action="user.create")
    assert entry.object_id == str(person.pk)
    assert entry.changes["password"] == ["***", "***"]


def test_admin_refuses_an_invalid_or_taken_mobile(admin_client, citizen):
    for mobile in ("0912", citizen.mobile):
        response = admin_client.post(admin_url("accounts_user_add"), {
            "mobile": mobile, "name": "X", "usable_password": "true",
            "password1": "Admin-made-pass-1405", "password2": "Admin-made-pass-1405",
        })
        assert response.status_code == 200
        assert "mobile" in response.context["adminform"].form.errors
    assert User.objects.count() == 2  # the citizen and the superuser


def test_admin_changes_a_person_and_audits_it_with_the_national_code_masked(admin_client, citizen):
    code = with_check_digit("001234567")
    assert admin_client.get(admin_url("accounts_user_change", citizen.pk)).status_code == 200
    data = {
        "mobile": citizen.mobile, "name": "Renamed Citizen", "email": "",
        "national_code": code.translate(PERSIAN), "preferred_language": "fa", "is_active": "on",
        "groups": [], "user_permissions": [],
        "profile-TOTAL_FORMS": "1", "profile-INITIAL_FORMS": "1", "profile-MIN_NUM_FORMS": "0",
        "profile-MAX_NUM_FORMS": "1", "profile-0-user": citizen.pk, "profile-0-city": citizen.profile.city_id,
        "profile-0-district": "", "profile-0-birth_year": "1985", "profile-0-sex": "",
        "profile-0-has_disability": "",
        "profile-0-statistics_consent_at_0": "", "profile-0-statistics_consent_at_1": "",
    }
    response = admin_client.post(admin_url("accounts_user_change", citizen.pk), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    citizen.refresh_from_db()
    assert citizen.name == "Renamed Citizen"
    assert citizen.national_code == code
    assert citizen.profile.birth_year == 1985
    entry = AuditEntry.objects.get(action="user.update")
    assert entry.changes["national_code"] == ["***", "***"]
    assert entry.changes["name"][1] == "Renamed Citizen"
    assert AuditEntry.objects.filter(action="citizenprofile.update").exists()


def test_admin_grants_a_role_through_the_service(admin_client, citizen, city, superuser):
    response = admin_client.post(admin_url("accounts_roleassignment_add"), {
        "user": citizen.pk, "role": Role.SECRETARIAT, "city": city.pk, "country": "",
    })
    assert response.status_code == 302
    assert RoleAssignment.objects.filter(user=citizen, role=Role.SECRETARIAT, city=city).exists()
    entry = AuditEntry.objects.get(action="role.grant")
    assert entry.actor == superuser


def test_admin_refuses_a_city_role_without_a_city_and_an_institution_role(admin_client, citizen):
    response = admin_client.post(admin_url("accounts_roleassignment_add"),
                                 {"user": citizen.pk, "role": Role.SECRETARIAT, "city": "", "country": ""})
    assert response.status_code == 200
    assert "city" in response.context["adminform"].form.errors
    response = admin_client.post(admin_url("accounts_roleassignment_add"), {
        "user": citizen.pk, "role": Role.INSTITUTION_ADMIN, "city": "", "country": "",
    })
    assert response.status_code == 200
    assert "role" in response.context["adminform"].form.errors
    assert citizen.role_assignments.count() == 1


def test_admin_revokes_a_role_through_the_service(admin_client, citizen):
    assignment = citizen.role_assignments.get()
    response = admin_client.post(admin_url("accounts_roleassignment_delete", assignment.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    assert AuditEntry.objects.filter(action="role.revoke").exists()


def test_admin_cannot_make_tokens_but_can_revoke_them(admin_client, citizen):
    token, key = token_issue(mobile=citizen.mobile, password=PASSWORD)
    assert admin_client.get(admin_url("accounts_apitoken_add")).status_code == 403
    response = admin_client.post(admin_url("accounts_apitoken_changelist"),
                                 {"action": "revoke", "_selected_action": [token.pk]})
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEntry.objects.filter(action="api_token.revoke").exists()
    assert admin_client.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_citizen_profiles_are_listed_in_the_admin(admin_client, citizen):
    response = admin_client.get(admin_url("accounts_citizenprofile_changelist"))
    assert list(response.context["cl"].result_list) == [CitizenProfile.objects.get()]


def test_admin_log_in_takes_a_mobile_number(client, superuser):
    response = client.post(reverse("admin:login"), {"username": "+98" + superuser.mobile[1:],
                                                    "password": PASSWORD, "next": "/fa/admin/"})
    assert response.status_code == 302


def test_api_tokens_are_not_editable_in_the_admin(admin_client, citizen):
    token, _key = token_issue(mobile=citizen.mobile, password=PASSWORD)
    admin_client.post(admin_url("accounts_apitoken_change", token.pk), {"prefix": "hacked"})
    assert ApiToken.objects.get().prefix == token.prefix


def test_admin_site_is_persian_and_right_to_left_for_superusers(client, superuser):
    client.force_login(superuser)
    page = client.get("/fa/admin/").content.decode()
    assert 'lang="fa"' in page and 'dir="rtl"' in page
    assert "مدیریت" in page or "افراد" in page  # Persian admin chrome and our Persian model names
    assert client.get("/fa/admin/accounts/user/").status_code == 200


def test_admin_site_is_closed_to_city_staff(client, secretariat):
    client.force_login(secretariat)
    response = client.get("/fa/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
