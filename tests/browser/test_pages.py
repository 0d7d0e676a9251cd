"""What a person sees in a real browser: Persian RTL with Jalali dates, no outside requests, accessible pages."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe

PUBLIC_PAGES = ["/", "/partners/", "/domains/", "/city/", "/learning-cities/", "/accounts/login/",
                "/accounts/signup/", "/accounts/password-reset/"]
PERSIAN_MONTHS = ["فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور", "مهر", "آبان", "آذر", "دی",
                  "بهمن", "اسفند"]


def serious_violations(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} – {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_home_page_is_persian_rtl_with_jalali_date_and_vazirmatn(demo_city, visit):
    visit.go("/fa/")
    page = visit.page
    assert page.get_attribute("html", "lang") == "fa"
    assert page.get_attribute("html", "dir") == "rtl"
    assert "کرمانشاه" in page.locator("h1").inner_text()
    assert "یادگیری برای همه و برای همیشه" in page.content()
    footer = page.locator("footer").inner_text()
    assert any(month in footer for month in PERSIAN_MONTHS), footer
    assert re.search(r"[۰-۹]{4}", footer), "the Jalali year is written in Persian digits"
    assert page.evaluate("document.fonts.check('16px Vazirmatn')")
    assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith('"Vazirmatn"') or \
        "Vazirmatn" in page.evaluate("getComputedStyle(document.body).fontFamily")
    # key numbers are in Persian digits
    assert re.search(r"[۰-۹]", page.locator("[data-figure=partners] .value").inner_text())
    visit.screenshot("home-fa")
    assert visit.foreign_requests() == []
    assert visit.failures == []


def test_english_home_is_ltr_with_gregorian_date(demo_city, visit):
    visit.go("/en/")
    page = visit.page
    assert page.get_attribute("html", "dir") == "ltr"
    assert "Kermanshah" in page.locator("h1").inner_text()
    footer = page.locator("footer").inner_text()
    assert re.search(r"(January|February|March|April|May|June|July|August|September|October|November|December) 20\d\d",
                     footer), footer
    visit.screenshot("home-en")
    assert visit.foreign_requests() == []


def test_language_switcher_stays_on_the_same_page_with_its_query(demo_city, visit):
    visit.go("/fa/partners/?q=%D8%AF%D8%A7%D9%86%D8%B4%DA%AF%D8%A7%D9%87")
    visit.page.locator("header a[hreflang=en]").click()
    visit.page.wait_for_load_state("networkidle")
    assert visit.page.url.endswith("/en/partners/?q=%D8%AF%D8%A7%D9%86%D8%B4%DA%AF%D8%A7%D9%87")
    assert visit.page.get_attribute("html", "lang") == "en"
    visit.page.locator("header a[hreflang=fa]").click()
    visit.page.wait_for_load_state("networkidle")
    assert "/fa/partners/" in visit.page.url


@pytest.mark.parametrize("language", ["fa", "en"])
def test_public_pages_load_only_from_this_server_and_pass_axe(demo_city, visit, language):
    problems = {}
    for path in PUBLIC_PAGES:
        visit.go(f"/{language}{path}")
        violations = serious_violations(visit.page)
        if violations:
            problems[path] = violations
        visit.screenshot(f"{language}{path.strip('/').replace('/', '-') or '-home'}")
    assert problems == {}
    assert visit.foreign_requests() == []
    assert visit.failures == []


def test_partner_page_and_map_load_without_outside_requests(demo_city, visit):
    visit.go("/fa/partners/")
    visit.page.locator("a[href*='/fa/partners/razi']").first.click()
    visit.page.wait_for_load_state("networkidle")
    assert "رازی" in visit.page.locator("h1").inner_text()
    assert serious_violations(visit.page) == []
    visit.go("/fa/city/")
    # the district map drew eight district shapes from the city's own GeoJSON
    visit.page.wait_for_selector("#district-map path.leaflet-interactive")
    assert visit.page.locator("#district-map path.leaflet-interactive").count() == 8
    visit.screenshot("city-fa")
    assert visit.foreign_requests() == []
    assert visit.failures == []


def test_home_page_fits_a_phone_screen(demo_city, mobile_visit):
    mobile_visit.go("/fa/")
    page = mobile_visit.page
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert page.locator(".navbar-toggler").is_visible()
    page.locator(".navbar-toggler").click()
    page.wait_for_selector("#site-nav.show")
    mobile_visit.screenshot("home-fa-phone")
    assert mobile_visit.foreign_requests() == []


def test_api_docs_render_from_this_server_only(demo_city, visit):
    visit.go("/api/v1/docs")
    visit.page.wait_for_selector(".swagger-ui .opblock")
    text = visit.page.content()
    assert "/api/v1/cities" in text and "/api/v1/auth/token" in text
    assert visit.foreign_requests() == []


def test_programme_pages_of_the_full_demo_pass_axe_in_both_languages(full_demo_city, visit):
    from learningcity.catalogue.models import Programme

    programme = Programme.objects.filter(city=full_demo_city, status="published").order_by("pk").first()
    problems = {}
    for language in ("fa", "en"):
        for path in ["/programmes/", "/programmes/?q=سواد", f"/programmes/{programme.pk}/", "/programmes/calendar/"]:
            visit.go(f"/{language}{path}")
            violations = serious_violations(visit.page)
            if violations:
                problems[f"{language}{path}"] = violations
            visit.screenshot(f"full-{language}{path.strip('/').replace('/', '-').replace('?', '-')}")
    assert problems == {}
    assert visit.foreign_requests() == []
    assert visit.failures == []
