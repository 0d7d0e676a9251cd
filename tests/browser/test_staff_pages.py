"""The secretariat's and an institution's own pages: reachable after log-in, accessible, self-hosted."""

import pytest

from .test_pages import serious_violations

SECRETARIAT = "09120000002"
UNIVERSITY_ADMIN = "09120000003"
PASSWORD = "Kermanshah-1405"


def log_in(visit, mobile: str, language: str = "fa") -> None:
    visit.go(f"/{language}/accounts/login/")
    visit.page.fill("input[name=username]", mobile)
    visit.page.fill("input[name=password]", PASSWORD)
    visit.page.locator("form button[type=submit]").last.click()
    visit.page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("language", ["fa", "en"])
def test_secretariat_pages_pass_axe_and_load_only_from_this_server(demo_city, visit, language):
    log_in(visit, SECRETARIAT, language)
    problems = {}
    for path in ["/manage/", "/manage/audit/", "/partners/manage/", "/partners/manage/new/",
                 "/partners/razi-university/accreditation/", "/domains/manage/", "/domains/manage/new/",
                 "/accounts/me/"]:
        visit.go(f"/{language}{path}")
        violations = serious_violations(visit.page)
        if violations:
            problems[path] = violations
        visit.screenshot(f"staff-{language}{path.strip('/').replace('/', '-')}")
    assert problems == {}
    assert visit.foreign_requests() == []
    assert visit.failures == []


def test_institution_admin_edits_the_profile_and_the_change_is_in_the_audit_log(demo_city, visit):
    log_in(visit, UNIVERSITY_ADMIN)
    visit.go("/fa/partners/razi-university/edit/")
    assert serious_violations(visit.page) == []
    visit.page.fill("input[name=website]", "https://razi.ac.ir/learning")
    visit.page.locator("main form button[type=submit]").last.click()
    visit.page.wait_for_load_state("networkidle")
    from learningcity.core.models import AuditEntry

    entry = AuditEntry.objects.filter(action="institution.update").latest("at")
    assert entry.changes["website"][1] == "https://razi.ac.ir/learning"
    for path in ["/fa/partners/razi-university/staff/", "/fa/partners/razi-university/contacts/"]:
        visit.go(path)
        assert serious_violations(visit.page) == [], path
    visit.screenshot("staff-fa-razi-contacts")
    assert visit.foreign_requests() == []
