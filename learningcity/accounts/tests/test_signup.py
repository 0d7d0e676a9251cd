"""Signing up on the web: any form of mobile number, optional details, errors on the right field."""

import pytest
from django.urls import reverse
from django.utils import translation

from learningcity.accounts.models import CitizenProfile, User
from learningcity.core.models import AuditEntry
from learningcity.core.permissions import Role

from .conftest import field_errors

PASSWORD = "Learning-for-all-1405"


def signup_url(language="fa"):
    with translation.override(language):
        return reverse("accounts:signup")


def post_signup(client, language="fa", **overrides):
    data = {"name": "مریم احمدی", "mobile": "09121234567", "password1": PASSWORD, "password2": PASSWORD}
    data.update(overrides)
    return client.post(signup_url(language), data)


def test_signup_page_shows_the_form_with_phone_friendly_inputs(client, city):
    response = client.get(signup_url("fa"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert 'type="tel"' in html and 'name="mobile"' in html
    mobile_input = html[html.index('name="mobile"') - 200: html.index('name="mobile"') + 200]
    assert 'dir="ltr"' in mobile_input
    assert 'autocomplete="tel"' in mobile_input
    assert 'inputmode="numeric"' in html  # the birth year
    assert 'autocomplete="new-password"' in html
    assert f'for="{response.context["form"]["mobile"].id_for_label}"' in html
    name_input = html[html.index('name="name"') - 100: html.index('name="name"') + 200]
    assert 'maxlength="150"' in name_input
    # The birth year is asked for in the Iranian calendar, with an example in Persian digits.
    assert "۱۳۷۰" in response.context["form"]["birth_year"].help_text
    assert not client.get(signup_url("en")).context["form"]["birth_year"].help_text


@pytest.mark.parametrize(
    "typed",
    ["09121234567", "+989121234567", "00989121234567", "9121234567", "۰۹۱۲۱۲۳۴۵۶۷", "٠٩١٢١٢٣٤٥٦٧",
     "+۹۸ ۹۱۲ ۱۲۳ ۴۵۶۷", "0912-123-4567"],
)
def test_signup_accepts_any_form_and_digits_of_the_mobile_number(client, city, typed):
    response = post_signup(client, mobile=typed)
    assert response.status_code == 302
    user = User.objects.get()
    assert user.mobile == "09121234567"
    assert user.check_password(PASSWORD)


def test_signup_logs_the_person_in_as_a_citizen_of_the_city(client, city):
    response = post_signup(client)
    assert response.status_code == 302
    user = User.objects.get(mobile="09121234567")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert user.profile.city == city
    assert list(user.role_assignments.values_list("role", flat=True)) == [Role.CITIZEN]
    assert user.preferred_language == "fa"
    page = client.get(response["Location"], follow=True)
    assert "مریم" in page.content.decode()


def test_signup_on_english_pages_remembers_english(client, city):
    post_signup(client, language="en")
    assert User.objects.get().preferred_language == "en"


def test_signup_is_audited(client, city):
    post_signup(client)
    user = User.objects.get()
    entry = AuditEntry.objects.get(action="user.register")
    assert entry.actor == user
    assert entry.object_id == str(user.pk)
    assert entry.city == city
    assert entry.changes["password"] == ["***", "***"]


def test_signup_follows_a_safe_next_page(client, city):
    response = post_signup(client, next="/fa/domains/")
    assert response["Location"] == "/fa/domains/"


@pytest.mark.parametrize("unsafe", ["https://evil.example.com/", "//evil.example.com/", "javascript:alert()"])
def test_signup_ignores_a_next_page_elsewhere(client, city, unsafe):
    response = post_signup(client, next=unsafe)
    assert response.status_code == 302
    assert "evil" not in response["Location"] and "javascript" not in response["Location"]
    assert response["Location"] == reverse("core:home")


def test_signup_keeps_the_next_page_through_a_failed_attempt(client, city):
    response = post_signup(client, mobile="123", next="/fa/domains/")
    assert response.status_code == 200
    assert 'name="next" value="/fa/domains/"' in response.content.decode()


INVALID_MOBILES = ["0912123456", "091212345678", "08131234567", "+449121234567", "phone", "۰۹۱۲"]


@pytest.mark.parametrize("bad", INVALID_MOBILES)
def test_signup_refuses_an_invalid_mobile_with_an_english_message(client, city, bad):
    response = post_signup(client, language="en", mobile=bad)
    assert response.status_code == 200
    assert field_errors(response, "mobile") == ["Enter an Iranian mobile number such as 09121234567."]
    assert "Enter an Iranian mobile number such as 09121234567." in response.content.decode()
    assert User.objects.count() == 0


def test_signup_refuses_an_invalid_mobile_on_persian_pages_too(client, city):
    response = post_signup(client, language="fa", mobile="0912")
    assert response.status_code == 200
    errors = field_errors(response, "mobile")
    assert len(errors) == 1
    html = response.content.decode()
    assert 'id="id_mobile_error"' in html
    assert 'aria-describedby="id_mobile_helptext id_mobile_error"' in html
    assert 'aria-invalid="true"' in html
    assert User.objects.count() == 0


def test_signup_refuses_an_over_long_name_and_saves_nothing(client, city):
    response = post_signup(client, language="en", name="ن" * 151)
    assert response.status_code == 200
    assert field_errors(response, "name") == ["The name can have at most 150 characters."]
    assert User.objects.count() == 0
    assert CitizenProfile.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_signup_of_a_name_of_exactly_the_limit_works(client, city):
    post_signup(client, name="ن" * 150)
    assert User.objects.get().name == "ن" * 150


def test_signup_with_a_number_already_registered_is_refused_without_a_second_account(client, city, citizen):
    response = post_signup(client, language="en", mobile=citizen.mobile.replace("0", "+98", 1))
    assert response.status_code == 200
    assert field_errors(response, "mobile") == [
        "This mobile number is already registered. Log in or reset your password."
    ]
    assert User.objects.count() == 1
    assert "_auth_user_id" not in client.session


def test_signup_refuses_different_passwords(client, city):
    response = post_signup(client, language="en", password2=PASSWORD + "x")
    assert field_errors(response, "password2") == ["The two passwords are not the same."]
    assert User.objects.count() == 0


def test_signup_refuses_a_weak_password_on_the_password_field(client, city):
    response = post_signup(client, language="en", password1="12345678", password2="12345678")
    assert response.status_code == 200
    errors = field_errors(response, "password1")
    assert errors and "too common" in errors[0]
    assert User.objects.count() == 0


def test_signup_refuses_a_bad_email(client, city):
    response = post_signup(client, language="en", email="not-an-email")
    assert field_errors(response, "email")
    assert User.objects.count() == 0


def test_signup_stores_the_optional_details(client, city, district):
    post_signup(client, language="en", email="Maryam@Example.org", district=district.pk, birth_year="1991",
                sex="female")
    user = User.objects.get()
    assert user.email == "maryam@example.org"
    assert (user.profile.district, user.profile.birth_year, user.profile.sex) == (district, 1991, "female")


@pytest.mark.parametrize("typed", ["1370", "۱۳۷۰", "١٣٧٠", "1991"])
def test_signup_on_persian_pages_takes_the_birth_year_in_the_jalali_calendar(client, city, typed):
    post_signup(client, language="fa", birth_year=typed)
    assert User.objects.get().profile.birth_year == 1991


@pytest.mark.parametrize("typed", ["1370", "3000", "19x1", "91"])
def test_signup_on_english_pages_refuses_a_birth_year_that_is_not_a_gregorian_year(client, city, typed):
    response = post_signup(client, language="en", birth_year=typed)
    assert field_errors(response, "birth_year")
    assert User.objects.count() == 0


def test_signup_lists_only_the_districts_of_this_city(client, city, district, other_district):
    response = client.get(signup_url("en"))
    html = response.content.decode()
    assert "District 3" in html
    assert "Hamedan district 1" not in html
    response = post_signup(client, language="en", district=other_district.pk)
    assert field_errors(response, "district")
    assert User.objects.count() == 0


def test_signup_page_shows_district_names_in_the_page_language(client, city, district):
    assert "منطقه سه" in client.get(signup_url("fa")).content.decode()


def test_signup_of_a_person_already_logged_in_goes_to_the_home_page(client, city, citizen):
    client.force_login(citizen)
    response = client.get(signup_url())
    assert response.status_code == 302


def test_signup_without_a_city_explains_instead_of_crashing(client, db):
    response = client.get(signup_url("en"))
    assert response.status_code == 503


def test_signup_with_huge_or_missing_fields_is_a_form_error_not_a_crash(client, city):
    response = client.post(signup_url("en"), {"name": "x" * 100_000, "mobile": "9" * 5000})
    assert response.status_code == 200
    assert User.objects.count() == 0
    response = client.post(signup_url("en"), {})
    assert response.status_code == 200
    assert set(response.context["form"].errors) >= {"name", "mobile", "password1", "password2"}
