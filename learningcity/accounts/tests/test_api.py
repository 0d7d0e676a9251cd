"""The accounts API: sign-up, bearer tokens and "me"; every bad input is a 4xx JSON answer, never a 500."""

import datetime as dt
import json

import pytest
from django.utils import timezone, translation

from conftest import PASSWORD
from learningcity.accounts.models import ApiToken, User
from learningcity.core.models import AuditEntry

GENERIC = "The mobile number or the password is wrong."


def post_json(client, path, payload, **extra):
    body = payload if isinstance(payload, str | bytes) else json.dumps(payload)
    return client.post(f"/api/v1/auth/{path}", body, content_type="application/json", **extra)


def register(client, **overrides):
    payload = {"name": "Maryam Ahmadi", "mobile": "09121234567", "password": PASSWORD}
    payload.update(overrides)
    return post_json(client, "register", payload)


def assert_error_json(response, status=None):
    assert 400 <= response.status_code < 500, response.content
    if status is not None:
        assert response.status_code == status, response.content
    data = response.json()
    assert isinstance(data["code"], str) and data["code"]
    assert isinstance(data["message"], str) and data["message"]
    return data


@pytest.mark.parametrize(
    "typed", ["09121234567", "+989121234567", "00989121234567", "۰۹۱۲۱۲۳۴۵۶۷", "٠٩١٢١٢٣٤٥٦٧"]
)
def test_api_register_accepts_any_form_and_digits_of_the_mobile(client, city, typed):
    response = register(client, mobile=typed)
    assert response.status_code == 201, response.content
    assert response.json()["mobile"] == "09121234567"
    assert User.objects.get().mobile == "09121234567"
    assert AuditEntry.objects.filter(action="user.register").count() == 1


def test_api_register_refuses_an_invalid_mobile_with_a_field_and_message(client, city):
    payload = {"name": "Maryam Ahmadi", "mobile": "0912", "password": PASSWORD}
    data = assert_error_json(post_json(client, "register", payload, HTTP_ACCEPT_LANGUAGE="en"), 400)
    assert data["field"] == "mobile"
    assert data["message"] == "Enter an Iranian mobile number such as 09121234567."
    assert User.objects.count() == 0


def test_api_errors_are_in_persian_by_default_and_in_the_language_asked_for(client, city):
    payload = {"name": "مریم احمدی", "mobile": "0912", "password": PASSWORD}
    persian = assert_error_json(post_json(client, "register", payload), 400)["message"]
    with translation.override("fa"):
        assert persian == translation.gettext("Enter an Iranian mobile number such as 09121234567.")
    assert "۰۹۱۲۱۲۳۴۵۶۷" in persian
    english = post_json(client, "register", payload, HTTP_ACCEPT_LANGUAGE="en").json()["message"]
    assert english.startswith("Enter an Iranian mobile number")


def test_api_register_refuses_a_second_account_for_a_number(client, city, citizen):
    data = assert_error_json(register(client, mobile=citizen.mobile), 409)
    assert data["code"] == "mobile_taken"
    assert User.objects.count() == 1


def test_api_register_refuses_an_over_long_name_and_saves_nothing(client, city):
    data = assert_error_json(register(client, name="ن" * 151), 400)
    assert data["code"] == "too_long"
    assert User.objects.count() == 0


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"name": "x"},
        {"name": "x", "mobile": "09121234567"},
        {"name": 12, "mobile": "09121234567", "password": PASSWORD},
        {"name": "x", "mobile": 9121234567, "password": PASSWORD},
        {"name": ["x"], "mobile": {"a": 1}, "password": None},
        {"name": "x" * 100_000, "mobile": "09121234567", "password": PASSWORD},
        {"name": "x", "mobile": "9" * 10_000, "password": PASSWORD},
        {"name": "x", "mobile": "09121234567", "password": "p" * 100_000},
        {"name": "x", "mobile": "09121234567", "password": PASSWORD, "email": "e" * 10_000},
        {"name": "x", "mobile": "09121234567", "password": PASSWORD, "email": "not-an-email"},
        {"name": "   ", "mobile": "09121234567", "password": PASSWORD},
        {"name": "x", "mobile": "09121234567", "password": "123"},
        {"name": "\x00", "mobile": "\x00", "password": "\x00"},
        [1, 2, 3],
        "not json at all",
        "null",
    ],
)
def test_api_register_bad_input_is_a_4xx_json_error_and_saves_nothing(client, city, payload):
    response = post_json(client, "register", payload)
    assert_error_json(response)
    assert User.objects.count() == 0


def test_api_token_and_me(client, citizen):
    response = post_json(client, "token", {"mobile": "+98" + citizen.mobile[1:], "password": PASSWORD})
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["token_type"] == "Bearer"
    me = client.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {data['token']}")
    assert me.status_code == 200
    assert me.json()["mobile"] == citizen.mobile
    assert me.json()["name"] == citizen.name
    # Only the hash is stored.
    token = ApiToken.objects.get()
    assert data["token"] not in (token.key_hash, token.prefix)


def test_api_token_wrong_password_and_unknown_number_get_identical_answers(client, citizen):
    en = {"HTTP_ACCEPT_LANGUAGE": "en"}
    wrong_password = post_json(client, "token", {"mobile": citizen.mobile, "password": "wrong"}, **en)
    unknown_number = post_json(client, "token", {"mobile": "09359999999", "password": PASSWORD}, **en)
    malformed_number = post_json(client, "token", {"mobile": "hello", "password": PASSWORD}, **en)
    for response in (wrong_password, unknown_number, malformed_number):
        assert response.status_code == 401
    assert wrong_password.json() == unknown_number.json() == malformed_number.json()
    assert wrong_password.json() == {"code": "invalid_credentials", "message": GENERIC}
    assert ApiToken.objects.count() == 0


def test_api_and_web_log_in_failures_read_the_same(client, citizen):
    for language in ("fa", "en"):
        api = post_json(client, "token", {"mobile": citizen.mobile, "password": "wrong"},
                        HTTP_ACCEPT_LANGUAGE=language).json()["message"]
        page = client.post(f"/{language}/accounts/login/", {"username": citizen.mobile, "password": "wrong"})
        assert [str(e) for e in page.context["form"].non_field_errors()] == [api]


@pytest.mark.parametrize(
    "header", [None, "Bearer", "Bearer ", "Bearer garbage", "Basic abc", "Bearer " + "x" * 5000]
)
def test_me_without_a_valid_token_is_401_json(client, citizen, header):
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    data = assert_error_json(client.get("/api/v1/auth/me", **extra), 401)
    assert data["code"] == "unauthorised"


@pytest.mark.parametrize("spoil", ["expired", "revoked", "deactivated"])
def test_me_with_an_expired_or_revoked_token_is_401_json(client, citizen, spoil):
    key = post_json(client, "token", {"mobile": citizen.mobile, "password": PASSWORD}).json()["token"]
    token = ApiToken.objects.get()
    if spoil == "expired":
        token.expires_at = timezone.now() - dt.timedelta(seconds=1)
        token.save()
    elif spoil == "revoked":
        token.revoked_at = timezone.now()
        token.save()
    else:
        citizen.is_active = False
        citizen.save()
    assert_error_json(client.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {key}"), 401)


@pytest.mark.parametrize(
    "payload",
    [{}, {"mobile": "09121234567"}, {"mobile": 1, "password": 2}, {"mobile": "x" * 10_000, "password": "p"},
     "garbage"],
)
def test_api_token_bad_input_is_a_4xx_json_error(client, city, payload):
    assert_error_json(post_json(client, "token", payload))


def test_api_token_is_rate_limited(client, citizen, settings):
    settings.LOGIN_RATE = "2/m"
    for _ in range(2):
        post_json(client, "token", {"mobile": citizen.mobile, "password": "wrong"})
    response = post_json(client, "token", {"mobile": citizen.mobile, "password": PASSWORD})
    data = assert_error_json(response, 429)
    assert data["code"] == "rate_limited"


def test_api_token_guessing_one_account_from_many_addresses_is_still_limited(client, citizen, settings):
    settings.LOGIN_RATE = "3/m"
    persian_digits_mobile = citizen.mobile.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    for n, mobile in enumerate([citizen.mobile, persian_digits_mobile, "+98" + citizen.mobile[1:]]):
        response = client.post("/api/v1/auth/token", json.dumps({"mobile": mobile, "password": "wrong"}),
                               content_type="application/json", REMOTE_ADDR=f"10.0.0.{n + 1}")
        assert response.status_code == 401
    response = client.post("/api/v1/auth/token", json.dumps({"mobile": citizen.mobile, "password": PASSWORD}),
                           content_type="application/json", REMOTE_ADDR="10.0.0.99")
    assert assert_error_json(response, 429)["code"] == "rate_limited"


def test_web_and_api_sign_ups_share_one_budget_per_address(client, city, settings):
    settings.SIGNUP_RATE = "1/h"
    assert register(client).status_code == 201
    response = client.post("/en/accounts/signup/", {"name": "x", "mobile": "09120000001"})
    assert response.status_code == 429
