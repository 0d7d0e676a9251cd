"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server."""

import os
import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test
# itself are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            # one worker runs all browser tests, so Chromium starts once
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium (see .ci/run)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Visit:
    """A browser tab that records every request it makes."""

    def __init__(self, page, base_url):
        self.page = page
        self.base_url = base_url
        self.requests: list[str] = []
        self.failures: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("requestfailed", lambda request: self.failures.append(request.url))
        page.on("pageerror", lambda error: self.failures.append(f"js error: {error}"))

    def go(self, path: str):
        response = self.page.goto(self.base_url + path, wait_until="networkidle")
        assert response is not None and response.status < 400, f"{path} answered {response and response.status}"
        return response

    def foreign_requests(self) -> list[str]:
        host = urlparse(self.base_url).netloc
        return [url for url in self.requests
                if not url.startswith(("data:", "blob:")) and urlparse(url).netloc != host]

    def screenshot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def visit(chromium, live_server):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield Visit(page, live_server.url)
    context.close()


@pytest.fixture
def mobile_visit(chromium, live_server):
    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    yield Visit(page, live_server.url)
    context.close()


@pytest.fixture
def demo_city(transactional_db):
    """The Kermanshah demo without its programmes (fast), through the command `make run` uses."""
    from django.core.management import call_command

    call_command("demo", no_programmes=True, verbosity=0)
    from learningcity.cities.models import City

    return City.objects.get(slug="kermanshah")


@pytest.fixture
def full_demo_city(transactional_db):
    """The whole Kermanshah demo: programmes, runs, enrolments, records (slower; for programme pages)."""
    from django.core.management import call_command

    call_command("demo", verbosity=0)
    from learningcity.cities.models import City

    return City.objects.get(slug="kermanshah")
