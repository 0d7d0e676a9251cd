"""The public verification page: valid or not (unknown, voided, superseded, revoked), any spelling of the code."""

from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone

from learningcity.core.text import persian_digits
from learningcity.records.models import Certificate
from learningcity.records.services import record_correct, record_void

pytestmark = pytest.mark.django_db


def test_a_valid_certificate_shows_the_learner_programme_provider_hours_and_date(client, completed):
    response = client.get(f"/fa/verify/{completed.certificate.code}/")

    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-state="valid"' in body
    for text in ("زهرا احمدی", "سواد رسانه‌ای برای خانواده‌ها", "کتابخانه عمومی شهید بهشتی", "۱۲"):
        assert text in body
    assert persian_digits(str(__import__("jdatetime").date.fromgregorian(date=completed.completed_on).year)) in body
    assert 'name="robots" content="noindex"' in body


def test_the_english_page_shows_english_titles(client, completed):
    body = client.get(f"/en/verify/{completed.certificate.code}/").content.decode()
    assert "Media literacy for families" in body and "Shahid Beheshti Public Library" in body


@pytest.mark.parametrize("spelling", [
    lambda code: code.lower(),
    lambda code: code.replace("-", ""),
    lambda code: persian_digits(code.lower()),
    lambda code: code.replace("-", " ").lower().replace(" ", "%20"),
])
def test_codes_are_accepted_in_any_case_without_dashes_and_in_persian_digits(client, completed, spelling):
    code = completed.certificate.code
    response = client.get(f"/fa/verify/{spelling(code)}/")
    assert response.status_code == 200
    assert 'data-state="valid"' in response.content.decode()


def test_a_code_with_persian_digits_verifies(client, completed):
    Certificate.objects.filter(pk=completed.certificate.pk).update(code="AB23-CD45-E6")
    response = client.get("/fa/verify/ab۲۳cd۴۵e۶/")
    assert 'data-state="valid"' in response.content.decode()


@pytest.mark.parametrize("code", ["ABCD-EFGH-JK", "nonsense", "0000000000"])
def test_an_unknown_code_is_not_valid_and_reveals_nothing(client, completed, code):
    response = client.get(f"/fa/verify/{code}/")
    assert response.status_code == 404
    body = response.content.decode()
    assert 'data-state="unknown"' in body and "زهرا احمدی" not in body


def test_a_voided_certificate_is_not_valid_and_shows_no_personal_data(client, completed, institution_admin):
    record_void(record=completed, actor=institution_admin, reason="ثبت اشتباه")
    response = client.get(f"/fa/verify/{completed.certificate.code}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-state="voided"' in body and "زهرا احمدی" not in body


def test_a_superseded_certificate_points_to_the_corrected_one(client, completed, institution_admin):
    corrected = record_correct(record=completed, actor=institution_admin, hours=Decimal("16"))
    old = client.get(f"/fa/verify/{completed.certificate.code}/").content.decode()
    new = client.get(f"/fa/verify/{corrected.certificate.code}/").content.decode()
    assert 'data-state="superseded"' in old
    assert 'data-state="valid"' in new and "۱۶" in new


def test_a_revoked_certificate_is_not_valid(client, completed):
    Certificate.objects.filter(pk=completed.certificate.pk).update(revoked_at=timezone.now(), revoked_reason="fraud")
    body = client.get(f"/fa/verify/{completed.certificate.code}/").content.decode()
    assert 'data-state="revoked"' in body


def test_html_in_names_is_shown_escaped(client, completed):
    completed.citizen.name = "<script>alert(1)</script>"
    completed.citizen.save(update_fields=["name"])
    body = client.get(f"/fa/verify/{completed.certificate.code}/").content.decode()
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body


@override_settings(VERIFY_RATE="5/m")
def test_lookups_are_rate_limited_per_address(client, completed):
    statuses = [client.get(f"/fa/verify/AAAA-BBBB-C{n}/", REMOTE_ADDR="10.0.0.1").status_code for n in range(2, 8)]
    assert statuses[:5] == [404] * 5
    assert statuses[5] == 429
    # Another address still has its own budget.
    assert client.get(f"/fa/verify/{completed.certificate.code}/", REMOTE_ADDR="10.0.0.2").status_code == 200


def test_default_rate_allows_sixty_lookups_a_minute(client, completed, monkeypatch):
    # Rate windows are whole minutes of the clock: hold the clock still so the 61 lookups share one window.
    monkeypatch.setattr("django_ratelimit.core.time.time", lambda: 1_800_000_010.0)
    statuses = [client.get("/fa/verify/AAAA-BBBB-CC/", REMOTE_ADDR="10.0.0.3").status_code for _ in range(61)]
    assert statuses.count(404) == 60 and statuses[-1] == 429


def test_the_lookup_form_sends_a_typed_code_to_its_page(client, completed):
    code = completed.certificate.code
    response = client.get("/fa/verify/", {"code": persian_digits(code.lower())})
    assert response.status_code == 302 and response["Location"] == f"/fa/verify/{code}/"
    bad = client.get("/fa/verify/", {"code": "abc"})
    assert bad.status_code == 200 and "is-invalid" in bad.content.decode()
    assert client.get("/fa/verify/").status_code == 200


def test_verification_page_stays_within_the_query_budget(client, completed, django_assert_max_num_queries):
    with django_assert_max_num_queries(15):
        assert client.get(f"/fa/verify/{completed.certificate.code}/").status_code == 200
