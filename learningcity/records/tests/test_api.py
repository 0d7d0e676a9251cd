"""API: GET /me/records for the person's own record, GET /certificates/{code} for anyone."""

from decimal import Decimal

import pytest
from django.test import override_settings

from learningcity.accounts.services import token_issue
from learningcity.core.text import persian_digits
from learningcity.records.services import certificate_revoke, record_correct, record_void

pytestmark = pytest.mark.django_db
PASSWORD = "a-Strong-pass-2026"


def _auth(user) -> dict:
    _token, key = token_issue(mobile=user.mobile, password=PASSWORD)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_my_records_lists_standing_records_with_certificate_code_and_verify_url(client, learner, completed):
    response = client.get("/api/v1/me/records", **_auth(learner))

    assert response.status_code == 200
    [row] = response.json()
    code = completed.certificate.code
    assert row["id"] == completed.pk
    assert row["title_fa"] == "سواد رسانه‌ای برای خانواده‌ها" and row["title_en"] == "Media literacy for families"
    assert row["provider_en"] == "Shahid Beheshti Public Library"
    assert row["domains"][0] == {"slug": "media-literacy", "name_fa": "سواد رسانه‌ای", "name_en": "Media literacy"}
    assert Decimal(str(row["hours"])) == Decimal("12")
    assert row["outcome"] == "completed"
    assert row["certificate_code"] == code
    assert row["verify_url"].endswith(f"/verify/{code}/") and row["verify_url"].startswith("http")


def test_my_records_leaves_out_superseded_and_voided_records(client, learner, completed, institution_admin):
    corrected = record_correct(record=completed, actor=institution_admin, hours=Decimal("10"))
    assert [row["id"] for row in client.get("/api/v1/me/records", **_auth(learner)).json()] == [corrected.pk]
    record_void(record=corrected, actor=institution_admin, reason="duplicate")
    assert client.get("/api/v1/me/records", **_auth(learner)).json() == []


def test_a_withdrawn_certificate_is_no_longer_offered_in_my_records(client, learner, completed, institution_admin):
    certificate_revoke(certificate=completed.certificate, actor=institution_admin, reason="A copy was misused.")

    [row] = client.get("/api/v1/me/records", **_auth(learner)).json()
    assert row["id"] == completed.pk
    assert row["certificate_code"] is None and row["verify_url"] is None


def test_my_records_shows_nobody_elses_records(client, other_citizen, completed):
    assert client.get("/api/v1/me/records", **_auth(other_citizen)).json() == []


def test_my_records_needs_a_token(client, completed):
    response = client.get("/api/v1/me/records")
    assert response.status_code == 401 and response.json()["code"] == "unauthorised"
    assert client.get("/api/v1/me/records", HTTP_AUTHORIZATION="Bearer nonsense").status_code == 401


def test_certificate_verification_is_public(client, completed):
    code = completed.certificate.code
    response = client.get(f"/api/v1/certificates/{persian_digits(code.lower().replace('-', ''))}")

    assert response.status_code == 200
    body = response.json()
    assert body["valid"] is True and body["state"] == "valid" and body["code"] == code
    assert body["learner"] == "زهرا احمدی" and body["title_en"] == "Media literacy for families"


def test_an_unknown_certificate_is_a_404_json_error(client, completed):
    response = client.get("/api/v1/certificates/ABCD-EFGH-JK")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_a_voided_certificate_is_not_valid_and_names_nobody(client, completed, institution_admin):
    record_void(record=completed, actor=institution_admin, reason="mistake")
    body = client.get(f"/api/v1/certificates/{completed.certificate.code}").json()
    assert body["valid"] is False and body["state"] == "voided" and body["learner"] is None


@override_settings(VERIFY_RATE="3/m")
def test_api_lookups_share_the_rate_limit_with_the_page(client, completed):
    code = completed.certificate.code
    assert client.get(f"/fa/verify/{code}/", REMOTE_ADDR="10.1.1.1").status_code == 200
    assert client.get(f"/api/v1/certificates/{code}", REMOTE_ADDR="10.1.1.1").status_code == 200
    assert client.get(f"/api/v1/certificates/{code}", REMOTE_ADDR="10.1.1.1").status_code == 200
    response = client.get(f"/api/v1/certificates/{code}", REMOTE_ADDR="10.1.1.1")
    assert response.status_code == 429 and response.json()["code"] == "rate_limited"


def test_both_endpoints_are_in_the_openapi_spec(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/me/records" in paths and "/api/v1/certificates/{code}" in paths


def test_api_stays_within_the_query_budget(client, learner, completed, django_assert_max_num_queries):
    headers = _auth(learner)
    with django_assert_max_num_queries(15):
        assert client.get("/api/v1/me/records", **headers).status_code == 200
