"""Certificates: codes, the PDF (Persian shaped, Jalali dates), and the page shown when PDFs cannot be made."""

import builtins
import re
import subprocess

import jdatetime
import pytest

from learningcity.core.text import persian_digits
from learningcity.records.codes import ALPHABET, new_code, normalise_code
from learningcity.records.models import Certificate

pytestmark = pytest.mark.django_db

BIDI_CONTROLS = re.compile("[\u200c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def pdf_text(data: bytes) -> str:
    """The PDF's text in logical order (pdftotext), without direction marks or ZWNJs, spaces collapsed."""
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True,
                          check=True).stdout.decode()
    return " ".join(BIDI_CONTROLS.sub("", text).split())


def plain(text: str) -> str:
    return BIDI_CONTROLS.sub("", text)


def test_codes_use_only_unambiguous_characters_in_three_groups():
    for _ in range(200):
        code = new_code()
        assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{2}", code)
        assert set(code.replace("-", "")) <= set(ALPHABET)
    assert not set(ALPHABET) & set("01OI")


def test_codes_do_not_repeat():
    assert len({new_code() for _ in range(5000)}) == 5000


@pytest.mark.parametrize("typed", ["ABCD-EFGH-JK", "abcd-efgh-jk", "ABCDEFGHJK", " abcd efgh jk ", "abcd–efgh–jk"])
def test_typed_codes_are_read_in_any_case_with_or_without_dashes(typed):
    assert normalise_code(typed) == "ABCD-EFGH-JK"


def test_typed_codes_are_read_in_persian_and_arabic_indic_digits():
    assert normalise_code("AB۲۳-CD۴۵-E۶") == "AB23-CD45-E6"
    assert normalise_code("ab٢٣cd٤٥e٦") == "AB23-CD45-E6"


@pytest.mark.parametrize("typed", ["", "ABCD", "ABCD-EFGH-JKL", "0BCD-EFGH-JK", "IBCD-EFGH-JK", "سلام"])
def test_what_cannot_be_a_code_is_not_looked_up(typed):
    assert normalise_code(typed) is None


def test_each_certificate_gets_its_own_code(offering, learner, other_citizen, citizen, institution_admin):
    from learningcity.records.services import offering_complete_all

    from .conftest import enrol

    for person in (learner, other_citizen, citizen):
        enrol(offering, person, attended=4)
    offering_complete_all(offering=offering, actor=institution_admin)
    codes = list(Certificate.objects.values_list("code", flat=True))
    assert len(codes) == 3 and len(set(codes)) == 3


def test_persian_certificate_is_a_pdf_with_shaped_persian_text_and_jalali_dates(client, learner, completed):
    client.force_login(learner)

    response = client.get(f"/fa/me/learning/records/{completed.pk}/certificate.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    assert plain("زهرا احمدی") in text
    assert plain("سواد رسانه‌ای برای خانواده‌ها") in text
    assert plain("کتابخانه عمومی شهید بهشتی") in text
    assert "کرمانشاه" in text
    completed_jalali = jdatetime.date.fromgregorian(date=completed.completed_on, locale="fa_IR")
    assert persian_digits(completed_jalali.year) in text
    assert completed_jalali.strftime("%B") in text
    assert "۱۲" in text  # hours, in Persian digits
    assert completed.certificate.code in text
    assert f"/fa/verify/{completed.certificate.code}/" in text


def test_english_site_gives_an_english_certificate(client, learner, completed):
    client.force_login(learner)

    response = client.get(f"/en/me/learning/records/{completed.pk}/certificate.pdf")

    text = pdf_text(response.content)
    assert response["Content-Type"] == "application/pdf"
    assert "Certificate of completion" in text
    assert "Media literacy for families" in text and "Shahid Beheshti Public Library" in text
    assert plain("زهرا احمدی") in text  # the name as the person wrote it
    assert str(completed.completed_on.year) in text and completed.completed_on.strftime("%B") in text
    assert f"/en/verify/{completed.certificate.code}/" in text


def test_certificate_qr_code_is_inline_svg_of_the_verification_address(completed):
    from learningcity.records.pdf import certificate_html

    html = certificate_html(completed, verify_url="https://example.org/fa/verify/X/", language="fa")
    assert "<svg" in html and 'dir="rtl"' in html and "file://" in html and "Vazirmatn-Regular.ttf" in html


def test_without_pango_the_certificate_page_says_which_packages_to_install(client, learner, completed, monkeypatch):
    real_import = builtins.__import__

    def import_without_pango(name, *args, **kwargs):
        if name == "weasyprint" or name.startswith("weasyprint."):
            raise OSError("cannot load library 'libpango-1.0-0': libpango-1.0-0: cannot open shared object file")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", import_without_pango)
    client.force_login(learner)

    response = client.get(f"/fa/me/learning/records/{completed.pk}/certificate.pdf")

    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0" in body
    assert f"/fa/verify/{completed.certificate.code}/" in body


def test_certificate_pdf_stays_within_the_query_budget(client, learner, completed, django_assert_max_num_queries):
    client.force_login(learner)
    with django_assert_max_num_queries(15):
        response = client.get(f"/fa/me/learning/records/{completed.pk}/certificate.pdf")
    assert response.status_code == 200


def test_a_voided_records_certificate_is_not_served(client, learner, completed, institution_admin):
    from learningcity.records.services import record_void

    record_void(record=completed, actor=institution_admin, reason="mistake")
    client.force_login(learner)
    assert client.get(f"/fa/me/learning/records/{completed.pk}/certificate.pdf").status_code == 404
