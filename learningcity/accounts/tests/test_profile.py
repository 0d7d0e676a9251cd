"""The "me" page: editing one's own details (audited), seeing one's roles, downloading one's data."""

import json

import pytest
from django.urls import reverse
from django.utils import translation

from conftest import PASSWORD
from learningcity.accounts.models import User
from learningcity.accounts.services import token_issue
from learningcity.core.models import AuditEntry
from learningcity.core.permissions import Role
from learningcity.core.text import persian_digits
from learningcity.factories import CitizenFactory, RoleAssignmentFactory

from .conftest import field_errors, visible_text


def national_code(nine_digits: str) -> str:
    """A valid national code: nine digits and the check digit the algorithm gives them."""
    remainder = sum(int(d) * (10 - i) for i, d in enumerate(nine_digits)) % 11
    return nine_digits + str(remainder if remainder < 2 else 11 - remainder)


def url(name="profile", language="en"):
    with translation.override(language):
        return reverse(f"accounts:{name}")


def details(person, **changes):
    """The profile form as the person would submit it, with some fields changed."""
    profile = getattr(person, "profile", None)
    data = {"name": person.name, "email": person.email, "preferred_language": person.preferred_language,
            "national_code": person.national_code or ""}
    if profile is not None:
        data.update(district=profile.district_id or "", birth_year=profile.birth_year or "", sex=profile.sex)
    data.update(changes)
    return data


def test_the_profile_page_needs_a_login(client, city):
    response = client.get(url())
    assert response.status_code == 302
    assert response["Location"].startswith(url("login") + "?next=")


def test_the_profile_page_shows_the_persons_details_and_the_page_header(client, citizen):
    client.force_login(citizen)
    response = client.get(url(language="fa"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert citizen.name in html
    # Mobile number in Persian digits, isolated left-to-right.
    assert f'<bdi dir="ltr" id="profile-mobile">{persian_digits(citizen.mobile)}</bdi>' in html
    national = html[html.index('name="national_code"') - 300: html.index('name="national_code"') + 300]
    assert 'inputmode="numeric"' in national and 'dir="ltr"' in national
    assert reverse("accounts:logout") in html
    assert reverse("accounts:data_export") in html


def test_editing_the_profile_saves_and_audits_the_changed_fields(client, citizen, district):
    client.force_login(citizen)
    response = client.post(url(), details(citizen, name="  Maryam   Ahmadi ", email="M@Example.org",
                                          district=district.pk, birth_year="1990", sex="female"))
    assert response.status_code == 302
    citizen.refresh_from_db()
    assert citizen.name == "Maryam Ahmadi"
    assert citizen.email == "m@example.org"
    profile = citizen.profile
    assert (profile.district, profile.birth_year, profile.sex) == (district, 1990, "female")
    entry = AuditEntry.objects.get(action="user.update")
    assert entry.actor == citizen
    assert entry.object_id == str(citizen.pk)
    assert set(entry.changes) == {"name", "email", "profile.district", "profile.birth_year", "profile.sex"}
    assert entry.changes["profile.birth_year"] == [None, 1990]
    page = client.get(response["Location"])
    assert "Your details are saved." in visible_text(page)


def test_saving_an_unchanged_profile_writes_no_audit_entry(client, citizen):
    client.force_login(citizen)
    client.post(url(), details(citizen))
    assert not AuditEntry.objects.filter(action="user.update").exists()


def test_the_national_code_is_checked_stored_as_ascii_and_masked_in_the_audit_log(client, citizen):
    client.force_login(citizen)
    code = national_code("001234567")
    typed = persian_digits(code)
    assert client.post(url(), details(citizen, national_code=typed)).status_code == 302
    citizen.refresh_from_db()
    assert citizen.national_code == code
    entry = AuditEntry.objects.get(action="user.update")
    assert entry.changes["national_code"] == ["***", "***"]
    assert code not in json.dumps(entry.changes)


@pytest.mark.parametrize("bad", ["1234567890", "1111111111", "12345", "abcdefghij"])
def test_an_invalid_national_code_is_refused_on_its_field(client, citizen, bad):
    client.force_login(citizen)
    response = client.post(url(), details(citizen, national_code=bad, name="Changed"))
    assert response.status_code == 200
    assert field_errors(response, "national_code")
    citizen.refresh_from_db()
    assert citizen.national_code is None
    assert citizen.name != "Changed"
    assert not AuditEntry.objects.filter(action="user.update").exists()


def test_a_national_code_of_someone_else_is_refused(client, citizen):
    code = national_code("123456789")
    CitizenFactory(city=citizen.profile.city, national_code=code)
    client.force_login(citizen)
    response = client.post(url(), details(citizen, national_code=code))
    assert field_errors(response, "national_code") == ["This national code is already registered."]


def test_a_refused_name_is_not_shown_as_if_saved(client, citizen):
    client.force_login(citizen)
    response = client.post(url(), details(citizen, name="x" * 151))
    assert field_errors(response, "name") == ["The name can have at most 150 characters."]
    assert f">{'x' * 151}<" not in response.content.decode().replace(" ", "")
    citizen.refresh_from_db()
    assert citizen.name != "x" * 151


def test_choosing_english_moves_the_person_to_english_pages(client, citizen):
    client.force_login(citizen)
    response = client.post(url(language="fa"), details(citizen, preferred_language="en"))
    assert response["Location"] == url(language="en")
    citizen.refresh_from_db()
    assert citizen.preferred_language == "en"


def test_birth_year_is_shown_in_the_page_calendar(client, citizen):
    citizen.profile.birth_year = 1991
    citizen.profile.save()
    client.force_login(citizen)
    assert 'value="۱۳۷۰"' in client.get(url(language="fa")).content.decode()
    assert 'value="1991"' in client.get(url(language="en")).content.decode()
    # Re-submitting the Jalali year as shown keeps the same Gregorian year.
    client.post(url(language="fa"), details(citizen, birth_year="۱۳۷۰"))
    citizen.profile.refresh_from_db()
    assert citizen.profile.birth_year == 1991


def test_a_district_of_another_city_is_refused(client, citizen, other_district):
    client.force_login(citizen)
    response = client.post(url(), details(citizen, district=other_district.pk))
    assert field_errors(response, "district")


def test_staff_without_a_citizen_profile_can_edit_their_account(client, superuser):
    client.force_login(superuser)
    page = client.get(url())
    assert page.status_code == 200
    assert 'name="district"' not in page.content.decode()
    response = client.post(url(), {"name": "Admin Person", "email": "", "preferred_language": "en",
                                   "national_code": ""})
    assert response.status_code == 302
    superuser.refresh_from_db()
    assert superuser.name == "Admin Person"


def test_the_profile_lists_city_roles_and_staff_posts(client, institution_admin, institution, city):
    RoleAssignmentFactory(user=institution_admin, role=Role.SECRETARIAT, city=city)
    client.force_login(institution_admin)
    html = client.get(url()).content.decode()
    roles = html[html.index('id="profile-roles"'):]
    roles = roles[: roles.index("</ul>")]
    assert 'data-role="citizen"' in roles
    assert 'data-role="secretariat"' in roles and "City secretariat" in roles
    assert 'data-role="institution_admin"' in roles and institution.name_en in roles


def test_a_person_without_roles_is_told_so(client, superuser, city):
    client.force_login(superuser)
    assert "You hold no roles yet." in visible_text(client.get(url()))


# --- data export ---------------------------------------------------------------------------------

def test_data_export_needs_a_login(client, city):
    assert client.get(url("data_export")).status_code == 302


def test_data_export_is_a_json_download_of_the_persons_own_data(client, citizen, city, district):
    other = CitizenFactory(city=city, name="Somebody Else", email="else@example.org")
    RoleAssignmentFactory(user=other, role=Role.SECRETARIAT, city=city)
    client.force_login(other)
    client.post(url(), details(other, name="Somebody Else Again"))
    client.logout()

    token_issue(mobile=citizen.mobile, password=PASSWORD)
    client.force_login(citizen)
    client.post(url(), details(citizen, name="Maryam Ahmadi", district=district.pk, birth_year="1990"))
    response = client.get(url("data_export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    body = response.content.decode()
    data = json.loads(body)

    assert data["account"]["mobile"] == citizen.mobile
    assert data["account"]["name"] == "Maryam Ahmadi"
    assert data["citizen_profile"]["birth_year"] == 1990
    assert data["citizen_profile"]["district"]["number"] == district.number
    assert [role["role"] for role in data["roles"]] == [Role.CITIZEN]
    assert len(data["api_tokens"]) == 1 and "key_hash" not in data["api_tokens"][0]
    actions = [entry["action"] for entry in data["audit_entries"]]
    assert actions == ["api_token.issue", "user.update"]
    assert "password" not in data["account"]
    # Nothing about anyone else.
    for trace in (other.mobile, "Somebody Else", "else@example.org"):
        assert trace not in body
    assert User.objects.count() == 2


def test_data_export_includes_the_sign_up_audit_entry(client, city):
    client.post(url("signup"), {"name": "New Person", "mobile": "09121112233", "password1": PASSWORD,
                                "password2": PASSWORD})
    data = client.get(url("data_export")).json()
    assert [entry["action"] for entry in data["audit_entries"]] == ["user.register"]
    assert data["audit_entries"][0]["changes"]["password"] == ["***", "***"]


@pytest.mark.parametrize("year", [1700, 3000])
def test_profile_service_refuses_an_impossible_birth_year_from_any_caller(citizen, year):
    from learningcity.accounts.services import profile_update
    from learningcity.core.errors import DomainError

    with pytest.raises(DomainError):
        profile_update(user=citizen, actor=citizen, birth_year=year)
    citizen.profile.refresh_from_db()
    assert citizen.profile.birth_year is None
