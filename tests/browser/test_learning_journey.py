"""Issue 4, in Persian RTL in Chromium: a citizen searches and joins a waitlist; a provider takes attendance
and records completion; the citizen's record shows it and the certificate downloads and verifies."""

import datetime as dt

from django.utils import timezone, translation

from conftest import PASSWORD
from learningcity.catalogue.services import programme_search_text
from learningcity.enrolment.models import Enrolment, EnrolmentStatus
from learningcity.enrolment.services import enrolment_request
from learningcity.factories import CitizenFactory, OfferingFactory, ProgrammeFactory
from learningcity.records.models import Certificate, LearningRecord

from .test_pages import serious_violations


def log_in(visit, mobile: str) -> None:
    visit.go("/fa/accounts/login/")
    visit.page.fill("input[name=username]", mobile)
    visit.page.fill("input[name=password]", PASSWORD)
    visit.page.locator("main form button[type=submit]").last.click()
    visit.page.wait_for_load_state("networkidle")


def fa(text: str) -> str:
    with translation.override("fa"):
        return translation.gettext(text)


def indexed(programme):
    programme.search_key = programme_search_text(programme)
    programme.save(update_fields=["search_key"])
    return programme


def test_search_waitlist_attendance_completion_certificate(live_server, chromium, institution, institution_admin):
    city = institution.city
    now = timezone.now()
    learner = CitizenFactory(city=city, name="پروین اعتصامی")
    other = CitizenFactory(city=city, name="سیمین دانشور")

    # A full run of a media-literacy programme: one seat, already taken.
    media = indexed(ProgrammeFactory(institution=institution, title_fa="سواد رسانه‌ای برای خانواده‌ها",
                                     title_en="Media literacy for families"))
    full_run = OfferingFactory(programme=media, capacity=1)
    enrolment_request(offering=full_run, citizen=other, acting_user=None)

    # A first-aid run that met yesterday; the learner holds a confirmed seat.
    first_aid = indexed(ProgrammeFactory(institution=institution, title_fa="کمک‌های اولیه در خانه",
                                         title_en="First aid at home"))
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    past_run = OfferingFactory(programme=first_aid, capacity=5, sessions=1, starts_on=yesterday, ends_on=yesterday,
                               enrolment_opens_at=now - dt.timedelta(days=10),
                               enrolment_closes_at=now + dt.timedelta(days=1), attendance_percent=100)
    past_run.sessions.update(starts_at=now - dt.timedelta(days=1), ends_at=now - dt.timedelta(days=1, hours=-2))
    enrolment_request(offering=past_run, citizen=learner, acting_user=None)

    citizen_ctx = chromium.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    from .conftest import Visit

    citizen = Visit(citizen_ctx.new_page(), live_server.url)

    # 1. The citizen searches with a space instead of the half-space and finds the programme.
    log_in(citizen, learner.mobile)
    citizen.go("/fa/programmes/?q=سواد رسانه ای")
    citizen.page.locator(f"a[href*='/fa/programmes/{media.pk}/']").first.click()
    citizen.page.wait_for_load_state("networkidle")
    assert "سواد رسانه‌ای برای خانواده‌ها" in citizen.page.locator("h1").inner_text()
    assert serious_violations(citizen.page) == []

    # 2. The run is full: the citizen joins the waitlist and sees position 1, in Persian digits.
    citizen.screenshot("journey-programme-fa")
    with citizen.page.expect_response(lambda r: f"/offerings/{full_run.pk}/enrol/" in r.url) as answer:
        citizen.page.get_by_role("button", name=fa("Join the waitlist")).first.click()
    assert answer.value.status < 400, answer.value.status
    citizen.page.wait_for_load_state("networkidle")
    waiting = Enrolment.objects.get(offering=full_run, citizen=learner)
    assert waiting.status == EnrolmentStatus.WAITLISTED
    assert "۱" in citizen.page.locator(f"#offering-{full_run.pk}").inner_text() or \
        "۱" in citizen.page.locator("main").inner_text()
    citizen.screenshot("journey-waitlist-fa")

    # 3. The provider marks attendance on a phone and records completion.
    staff_ctx = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    staff = Visit(staff_ctx.new_page(), live_server.url)
    log_in(staff, institution_admin.mobile)
    session = past_run.sessions.get()
    staff.go(f"/fa/enrolments/sessions/{session.pk}/check-in/")
    row = staff.page.locator(f"[data-enrolment='{Enrolment.objects.get(offering=past_run).pk}']")
    row.locator("label").first.click()
    staff.page.wait_for_selector(f"text={fa('Saved: present')}")
    staff.screenshot("journey-check-in-fa-phone")
    staff.go(f"/fa/offerings/{past_run.pk}/completion/")
    staff.page.locator("form input[name=action][value=complete_all] ~ button").click()
    staff.page.wait_for_load_state("networkidle")
    record = LearningRecord.objects.get(citizen=learner)
    assert record.title_fa == "کمک‌های اولیه در خانه"

    # 4. The citizen's record shows it; the certificate PDF downloads and verifies.
    citizen.go("/fa/me/learning/")
    assert "کمک‌های اولیه در خانه" in citizen.page.locator("main").inner_text()
    assert serious_violations(citizen.page) == []
    citizen.screenshot("journey-my-learning-fa")
    pdf = citizen.page.request.get(f"{live_server.url}/fa/me/learning/records/{record.pk}/certificate.pdf")
    assert pdf.status == 200 and pdf.headers["content-type"].startswith("application/pdf")
    assert pdf.body()[:4] == b"%PDF"
    code = Certificate.objects.get(record=record).code
    citizen.go(f"/fa/verify/{code.lower()}/")
    text = citizen.page.locator("main").inner_text()
    assert "پروین اعتصامی" in text and "کمک‌های اولیه در خانه" in text
    citizen.screenshot("journey-verify-fa")
    assert citizen.foreign_requests() == [] and staff.foreign_requests() == []
    citizen_ctx.close()
    staff_ctx.close()
