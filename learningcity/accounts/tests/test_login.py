"""Logging in and out: any form of the number, one message for every failure, rate limits."""

import pytest
from django.urls import reverse
from django.utils import translation

from conftest import PASSWORD
from learningcity.core.text import persian_digits
from learningcity.factories import CitizenFactory

from .conftest import visible_text

GENERIC = "The mobile number or the password is wrong."


def url(name, language="en"):
    with translation.override(language):
        return reverse(f"accounts:{name}")


def log_in(client, mobile, password, language="en", next=None, **extra):
    """Post the log-in form; `extra` goes to the request (e.g. REMOTE_ADDR), not the form."""
    data = {"username": mobile, "password": password}
    if next is not None:
        data["next"] = next
    return client.post(url("login", language), data, **extra)


def login_error_messages(response) -> list[str]:
    return [str(e) for e in response.context["form"].non_field_errors()]


def test_login_page_labels_the_username_box_as_the_mobile_number(client, city):
    response = client.get(url("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert '<label class="form-label" for="id_username">Mobile number' in html
    box = html[html.index('name="username"') - 300: html.index('name="username"') + 300]
    assert 'type="tel"' in box and 'dir="ltr"' in box and 'autocomplete="username"' in box
    assert 'autocomplete="current-password"' in html


@pytest.mark.parametrize("typed", ["{m}", "+98{r}", "0098{r}", "{r}", "{fa}", "{ar}", "+98 {r}"])
def test_login_accepts_the_number_in_any_form_and_digits(client, citizen, typed):
    mobile = typed.format(m=citizen.mobile, r=citizen.mobile[1:], fa=persian_digits(citizen.mobile),
                          ar=citizen.mobile.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")))
    response = log_in(client, mobile, PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(citizen.pk)


def test_login_follows_a_safe_next_page_only(client, citizen):
    response = log_in(client, citizen.mobile, PASSWORD, next="/en/domains/")
    assert response["Location"] == "/en/domains/"
    client.logout()
    response = log_in(client, citizen.mobile, PASSWORD, next="https://evil.example.com/")
    assert "evil" not in response["Location"]


def test_wrong_password_and_unknown_number_give_the_identical_message(client, citizen):
    wrong_password = log_in(client, citizen.mobile, "not-the-password")
    unknown_number = log_in(client, "09350000000", PASSWORD)
    malformed_number = log_in(client, "12345", PASSWORD)
    assert wrong_password.status_code == unknown_number.status_code == malformed_number.status_code == 200
    assert login_error_messages(wrong_password) == [GENERIC]
    assert login_error_messages(unknown_number) == [GENERIC]
    assert login_error_messages(malformed_number) == [GENERIC]
    assert GENERIC in visible_text(wrong_password)
    assert "_auth_user_id" not in client.session


def test_a_deactivated_account_gets_the_same_message_as_a_wrong_password(client, citizen):
    citizen.is_active = False
    citizen.save()
    response = log_in(client, citizen.mobile, PASSWORD)
    assert login_error_messages(response) == [GENERIC]


def test_logout_is_a_post(client, citizen):
    client.force_login(citizen)
    assert client.get(url("logout")).status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post(url("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_the_login_page_sends_people_already_logged_in_on(client, citizen):
    client.force_login(citizen)
    assert client.get(url("login")).status_code == 302


# --- rate limits ---------------------------------------------------------------------------------

def test_too_many_failed_logins_from_one_address_get_429(client, citizen, settings):
    settings.LOGIN_RATE = "3/m"
    for attempt in range(3):
        assert log_in(client, f"0935000000{attempt}", "wrong").status_code == 200
    response = log_in(client, "09350000009", "wrong")
    assert response.status_code == 429
    assert "Too many attempts" in visible_text(response)
    # Even the right password waits: the limit counts attempts, not failures.
    assert log_in(client, citizen.mobile, PASSWORD).status_code == 429


def test_failed_logins_against_one_number_are_limited_across_addresses(client, citizen, settings):
    settings.LOGIN_RATE = "3/m"
    forms_of_number = [citizen.mobile, "+98" + citizen.mobile[1:], "0098" + citizen.mobile[1:]]
    for number, address in zip(forms_of_number, ["10.0.0.1", "10.0.0.2", "10.0.0.3"], strict=True):
        assert log_in(client, number, "wrong", REMOTE_ADDR=address).status_code == 200
    response = log_in(client, citizen.mobile, PASSWORD, REMOTE_ADDR="10.0.0.4")
    assert response.status_code == 429


def test_the_login_limit_does_not_stop_other_numbers_from_other_addresses(client, citizen, settings):
    settings.LOGIN_RATE = "2/m"
    other = CitizenFactory(city=citizen.profile.city)
    for _ in range(2):
        log_in(client, citizen.mobile, "wrong", REMOTE_ADDR="10.0.0.1")
    response = log_in(client, other.mobile, PASSWORD, REMOTE_ADDR="10.0.0.2")
    assert response.status_code == 302


def test_the_429_page_is_localised(client, citizen, settings):
    settings.LOGIN_RATE = "1/m"
    log_in(client, citizen.mobile, "wrong", language="fa")
    response = log_in(client, citizen.mobile, "wrong", language="fa")
    assert response.status_code == 429
    assert '<html lang="fa" dir="rtl">' in response.content.decode()


def test_viewing_the_login_page_does_not_count_towards_the_limit(client, city, settings):
    settings.LOGIN_RATE = "1/m"
    for _ in range(5):
        assert client.get(url("login")).status_code == 200


def test_too_many_signups_from_one_address_get_429(client, city, settings):
    settings.SIGNUP_RATE = "2/h"
    for n in range(2):
        client.post(url("signup"), {"name": "x", "mobile": f"0912000000{n}", "password1": "Learning-1405-x",
                                    "password2": "Learning-1405-x"})
        client.logout()
    response = client.post(url("signup"), {"name": "x", "mobile": "09120000009"})
    assert response.status_code == 429
