"""A citizen signs up in Persian, typing the mobile number in Persian digits, and lands logged in."""

from learningcity.accounts.models import User


def test_citizen_signs_up_in_persian_with_persian_digits_and_is_logged_in(demo_city, visit):
    visit.go("/fa/accounts/signup/")
    page = visit.page
    page.fill("input[name=name]", "پروین اعتصامی")
    page.fill("input[name=mobile]", "۰۹۱۸ ۱۲۳ ۴۵۶۷")
    page.fill("input[name=password1]", "Bisotun-Taq-1405")
    page.fill("input[name=password2]", "Bisotun-Taq-1405")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state("networkidle")
    assert User.objects.filter(mobile="09181234567", name="پروین اعتصامی").exists()
    # the header now greets the person instead of offering log-in
    assert "پروین" in page.locator("header").inner_text()
    assert page.locator("header a[href$='/accounts/login/']").count() == 0
    visit.screenshot("signup-done-fa")
    assert visit.foreign_requests() == []


def test_wrong_password_in_persian_shows_one_message_and_keeps_the_number(demo_city, visit):
    visit.go("/fa/accounts/login/")
    page = visit.page
    page.fill("input[name=username]", "۰۹۱۲۰۰۰۰۰۰۲")
    page.fill("input[name=password]", "not-the-password")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state("networkidle")
    assert page.locator("[role=alert]").count() >= 1
    assert page.input_value("input[name=username]") in ("۰۹۱۲۰۰۰۰۰۰۲", "09120000002")
    visit.screenshot("login-wrong-fa")
