"""Every accounts page: right language and direction, one heading, labelled inputs, no 500."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

PUBLIC_PAGES = ["signup", "login", "password_reset", "password_reset_done", "password_reset_complete"]


def page_url(name, language):
    with translation.override(language):
        if name == "password_reset_confirm":
            return reverse("accounts:password_reset_confirm", kwargs={"uidb64": "MQ", "token": "x-y"})
        return reverse(f"accounts:{name}")


def assert_accessible_page(html: str, language: str) -> None:
    direction = "rtl" if language == "fa" else "ltr"
    assert f'<html lang="{language}" dir="{direction}">' in html
    main = html[html.index("<main"):html.index("</main>")]
    assert html.count("<h1") == 1 and main.count("<h1") == 1
    for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", main):
        if 'type="hidden"' in tag:
            continue
        input_id = re.search(r'\sid="([^"]+)"', tag)
        assert input_id, tag
        assert f'for="{input_id.group(1)}"' in main, tag
    # Logical properties only: no physical left/right in inline styles.
    assert not re.search(r'style="[^"]*(left|right)', main)


@pytest.mark.parametrize("language", ["fa", "en"])
@pytest.mark.parametrize("name", [*PUBLIC_PAGES, "password_reset_confirm"])
def test_public_accounts_pages_open_in_both_languages(client, city, name, language):
    response = client.get(page_url(name, language), follow=True)
    assert response.status_code == 200
    assert_accessible_page(response.content.decode(), language)


@pytest.mark.parametrize("language", ["fa", "en"])
def test_the_profile_page_is_accessible_in_both_languages(client, citizen, language):
    client.force_login(citizen)
    response = client.get(page_url("profile", language))
    assert response.status_code == 200
    assert_accessible_page(response.content.decode(), language)


@pytest.mark.parametrize("name", ["signup", "login", "password_reset"])
def test_forms_with_errors_stay_accessible(client, city, name):
    response = client.post(page_url(name, "en"), {})
    assert response.status_code == 200
    html = response.content.decode()
    assert_accessible_page(html, "en")
    assert 'role="alert"' in html


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_pages_answer_head_requests(client, city, name):
    assert client.head(page_url(name, "en")).status_code == 200
