"""Playwright driving Debian's /usr/bin/chromium, headless, against pytest-django's live server."""

from __future__ import annotations

import os
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make around it
# are still synchronous, so Django's guard against async-unsafe calls does not apply.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import Page, sync_playwright

from tests.factories import PASSWORD
from tests.sessions import sso_session_cookie

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-results"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def _no_sign_in_rate_limit(settings):
    """Browser tests sign in more often than allauth's 30 sign-ins a minute from one address allow
    (its counters live in the cache for the whole session); the limit is not under test here."""
    settings.ACCOUNT_RATE_LIMITS = {"login": False}


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail("/usr/bin/chromium is missing: run the README's test command to install it.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(request, browser, live_server) -> Page:
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def signed_in_page(page: Page) -> None:
    """Wait for a page that shows the signed-in header (its Main navigation, which below 700 px
    is folded behind the Menu button, so present rather than visible)."""
    page.locator('header nav[aria-label="Main"]').wait_for(state="attached")


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Sign in through the sign-in form, as a person would."""
    page.goto("/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    signed_in_page(page)


def sso_sign_in(page: Page, user) -> None:
    """Sign in as `user` in a session their SSO provider authenticated (the provider's own pages
    are driven in test_xero_connection.py's Sign in with Xero test)."""
    page.goto("/")  # the sign-in page, on the live server's origin
    host = urlsplit(page.url).hostname or "localhost"
    page.context.add_cookies([{**sso_session_cookie(user), "domain": host, "path": "/"}])
    page.goto("/")
    signed_in_page(page)


@pytest.fixture
def xero_wait_passes(time_machine):
    """`jump(seconds)`: the clock (time.time and datetime, for the live server, its rate budget
    and the in-process sandbox; not time.monotonic) moves on, as if Xero's Retry-After had
    passed."""

    def jump(seconds: float) -> None:
        time_machine.move_to(time.time() + seconds, tick=True)

    return jump
