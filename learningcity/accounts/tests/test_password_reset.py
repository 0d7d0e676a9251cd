"""Password reset by text message (and email): a working link for real accounts, silence for others."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from conftest import PASSWORD
from learningcity.accounts.models import ApiToken
from learningcity.accounts.services import token_issue
from learningcity.core.models import AuditEntry
from learningcity.core.sms import MemorySmsBackend
from learningcity.core.text import persian_digits

from .conftest import visible_text

NEW_PASSWORD = "Another-good-pass-1405"
LINK = re.compile(r"https?://testserver(/\S+/reset/\S+/)")


def url(name, language="en", **kwargs):
    with translation.override(language):
        return reverse(f"accounts:{name}", kwargs=kwargs or None)


def ask_for_reset(client, identifier, language="en", **extra):
    return client.post(url("password_reset", language), {"identifier": identifier}, **extra)


def link_in(text: str) -> str:
    match = LINK.search(text)
    assert match, text
    return match.group(1)


def test_reset_page_asks_for_the_number_in_a_left_to_right_box(client, city):
    response = client.get(url("password_reset"))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<h1") == 1
    assert 'name="identifier"' in html and 'dir="ltr"' in html


def test_reset_sends_a_text_message_with_a_link_that_sets_a_new_password(client, citizen):
    response = ask_for_reset(client, persian_digits(citizen.mobile))
    assert response.status_code == 302
    assert response["Location"] == url("password_reset_done")

    assert [message.to for message in MemorySmsBackend.outbox] == [citizen.mobile]
    path = link_in(MemorySmsBackend.outbox[0].body)
    # The link opens a page that asks for the new password (Django moves the token to the session).
    page = client.get(path, follow=True)
    assert page.status_code == 200
    assert page.context["validlink"] is True
    set_password_url = page.redirect_chain[-1][0]
    done = client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    # The link is in the language the person chose (Persian by default).
    assert done["Location"] == url("password_reset_complete", citizen.preferred_language)

    citizen.refresh_from_db()
    assert citizen.check_password(NEW_PASSWORD)
    assert not citizen.check_password(PASSWORD)
    login = client.post(url("login"), {"username": citizen.mobile, "password": NEW_PASSWORD})
    assert login.status_code == 302
    assert client.session["_auth_user_id"] == str(citizen.pk)


def test_a_reset_link_works_only_once(client, citizen):
    ask_for_reset(client, citizen.mobile)
    path = link_in(MemorySmsBackend.outbox[0].body)
    set_password_url = client.get(path, follow=True).redirect_chain[-1][0]
    client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    second = client.get(path, follow=True)
    assert second.context["validlink"] is False
    with translation.override(citizen.preferred_language):
        assert translation.gettext("This link no longer works") in visible_text(second)


def test_a_forged_link_is_refused_politely(client, citizen):
    for uid, token in [("MQ", "garbage-token"), ("!!!", "x-y"), ("zzzzzz", "abc-def")]:
        response = client.get(url("password_reset_confirm", uidb64=uid, token=token), follow=True)
        assert response.status_code == 200
        assert response.context["validlink"] is False


def test_reset_for_an_unknown_number_shows_the_same_page_and_sends_nothing(client, citizen):
    known = ask_for_reset(client, citizen.mobile, follow=True)
    MemorySmsBackend.outbox.clear()
    mail.outbox.clear()
    unknown = ask_for_reset(client, "09359999999", follow=True)
    assert MemorySmsBackend.outbox == []
    assert mail.outbox == []
    assert unknown.redirect_chain == known.redirect_chain
    assert visible_text(unknown) == visible_text(known)


def test_reset_for_a_deactivated_account_sends_nothing(client, citizen):
    citizen.is_active = False
    citizen.save()
    ask_for_reset(client, citizen.mobile)
    assert MemorySmsBackend.outbox == []


def test_reset_also_emails_the_link_when_the_account_has_an_email(client, citizen):
    citizen.email = "maryam@example.org"
    citizen.save()
    ask_for_reset(client, citizen.mobile)
    assert len(MemorySmsBackend.outbox) == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["maryam@example.org"]
    assert link_in(mail.outbox[0].body) == link_in(MemorySmsBackend.outbox[0].body)


def test_reset_by_email_address_reaches_the_account_by_text_and_email(client, citizen):
    citizen.email = "maryam@example.org"
    citizen.save()
    ask_for_reset(client, "Maryam@Example.org")
    assert [message.to for message in MemorySmsBackend.outbox] == [citizen.mobile]
    assert mail.outbox[0].to == ["maryam@example.org"]


def test_reset_message_is_in_the_persons_language(client, citizen):
    citizen.preferred_language = "en"
    citizen.save()
    ask_for_reset(client, citizen.mobile, language="fa")
    body = MemorySmsBackend.outbox[0].body
    assert "/en/accounts/reset/" in body
    assert "to choose a new password" in body


def test_a_malformed_identifier_is_a_form_error(client, city):
    response = ask_for_reset(client, "hello")
    assert response.status_code == 200
    errors = response.context["form"].errors["identifier"]
    assert errors == ["Enter your mobile number or your email address."]
    assert MemorySmsBackend.outbox == []


def test_the_new_password_must_pass_the_password_rules(client, citizen):
    ask_for_reset(client, citizen.mobile)
    set_password_url = client.get(link_in(MemorySmsBackend.outbox[0].body), follow=True).redirect_chain[-1][0]
    response = client.post(set_password_url, {"new_password1": "12345678", "new_password2": "12345678"})
    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]
    citizen.refresh_from_db()
    assert citizen.check_password(PASSWORD)


def test_a_reset_is_audited_and_revokes_api_tokens(client, citizen):
    _token, key = token_issue(mobile=citizen.mobile, password=PASSWORD)
    ask_for_reset(client, citizen.mobile)
    set_password_url = client.get(link_in(MemorySmsBackend.outbox[0].body), follow=True).redirect_chain[-1][0]
    client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    entry = AuditEntry.objects.get(action="user.password_reset")
    assert entry.actor == citizen
    assert entry.changes["password"] == ["***", "***"]
    assert NEW_PASSWORD not in str(entry.changes)
    assert ApiToken.objects.get().revoked_at is not None
    assert client.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_a_failing_sms_gateway_does_not_break_the_page(client, citizen, settings):
    settings.SMS_BACKEND = "learningcity.core.sms.BaseSmsBackend"  # raises NotImplementedError
    response = ask_for_reset(client, citizen.mobile)
    assert response.status_code == 302
    assert response["Location"] == url("password_reset_done")


@pytest.mark.parametrize("vary", ["address", "number"])
def test_reset_requests_are_rate_limited(client, citizen, settings, vary):
    settings.PASSWORD_RESET_RATE = "2/h"
    for n in range(2):
        if vary == "address":  # one number asked for from many addresses
            response = ask_for_reset(client, citizen.mobile, REMOTE_ADDR=f"10.0.0.{n}")
        else:  # many numbers asked for from one address
            response = ask_for_reset(client, f"0935000000{n}")
        assert response.status_code == 302
    if vary == "address":
        response = ask_for_reset(client, "+98" + citizen.mobile[1:], REMOTE_ADDR="10.0.0.9")
    else:
        response = ask_for_reset(client, "09350000009")
    assert response.status_code == 429
    assert len(MemorySmsBackend.outbox) <= 2
