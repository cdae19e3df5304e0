"""In the browser: a Xero tab request that fails never leaves "Loading Xero…" for ever.

Whatever goes wrong with the fragment request — an error status that is not one of the app's
own panels (4xx, 5xx), no answer (the network drops it) or no answer in time — the tab says so
in words and offers Try again, which then loads the tab. The failures are made in the browser
(page.route), the way a proxy, a crashed worker or a dropped connection would show them.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, Route, expect

from crm_xero.celery import app
from sandbox import seed
from tests.browser.conftest import sso_sign_in
from tests.browser.test_xero_tab import click, link, settled, xero_contact
from tests.factories import OrganizationFactory
from tests.test_redis_down import _reset_broker_connections, free_port, use_redis

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def signed_in(page, sso_user, sandbox_connection) -> Page:
    sso_sign_in(page, sso_user)
    return page


@pytest.fixture
def org(sandbox_connection):
    org = OrganizationFactory(name="City Agency Holdings")
    link(org, sandbox_connection, xero_contact(seed.BIG_CUSTOMER_NAME))
    return org


def tab_url(org) -> str:
    return f"**/xero/tab/organization/{org.pk}/"


def open_tab(page: Page, org):
    page.goto(org.get_absolute_url())
    page.get_by_role("tab", name="Xero").click()
    return page.get_by_role("tabpanel", name="Xero")


def failed_then_try_again(page: Page, panel, words: str) -> None:
    """The panel says what failed with Try again; Try again (now answered) loads the tab."""
    failure = panel.get_by_test_id("xero-request-failed")
    expect(failure).to_have_text(words)
    expect(failure).to_have_attribute("role", "alert")
    expect(panel.get_by_text("Loading Xero…")).to_have_count(0)
    page.unroute_all()
    click(panel.get_by_role("button", name="Try again"))
    expect(panel.get_by_role("heading", name="Xero contact: City Agency")).to_be_visible()
    expect(failure).to_have_count(0)


def test_a_500_from_the_server_shows_a_message_and_try_again_loads_the_tab(signed_in, org):
    page = signed_in
    page.route(
        tab_url(org),
        lambda route: route.fulfill(
            status=500, content_type="text/html", body="<h1>Server Error (500)</h1>"
        ),
    )
    panel = open_tab(page, org)
    failed_then_try_again(
        page,
        panel,
        "The Xero tab could not be loaded: something went wrong on the server (HTTP 500).",
    )


def test_a_gateway_timeout_from_a_proxy_says_the_server_did_not_answer(signed_in, org):
    page = signed_in
    page.route(tab_url(org), lambda route: route.fulfill(status=504, body="Gateway Time-out"))
    panel = open_tab(page, org)
    failed_then_try_again(
        page,
        panel,
        "The Xero tab could not be loaded: the server is unavailable or did not answer in time "
        "(HTTP 504).",
    )


def test_a_403_says_the_session_may_have_ended(signed_in, org):
    page = signed_in
    page.route(tab_url(org), lambda route: route.fulfill(status=403, body="Forbidden"))
    panel = open_tab(page, org)
    failed_then_try_again(
        page,
        panel,
        "The Xero tab could not be loaded: the server refused it (HTTP 403); your session may "
        "have ended, so reload the page.",
    )


def test_a_dropped_connection_shows_a_message_and_try_again_loads_the_tab(signed_in, org):
    page = signed_in
    page.route(tab_url(org), lambda route: route.abort("connectionreset"))
    panel = open_tab(page, org)
    failed_then_try_again(
        page,
        panel,
        "The Xero tab could not be loaded: the server could not be reached; check the connection.",
    )


def test_no_answer_in_time_shows_a_message_and_try_again_loads_the_tab(signed_in, org):
    page = signed_in
    page.goto(org.get_absolute_url())
    page.evaluate("htmx.config.timeout = 500")  # instead of waiting out the real 90 s
    hung: list[Route] = []
    page.route(tab_url(org), lambda route: hung.append(route))  # never answered
    page.get_by_role("tab", name="Xero").click()
    panel = page.get_by_role("tabpanel", name="Xero")
    words = "The Xero tab could not be loaded: the server did not answer in time."
    expect(panel.get_by_test_id("xero-request-failed")).to_have_text(words)
    page.evaluate("htmx.config.timeout = 90000")  # the real tab may take longer than 500 ms
    failed_then_try_again(page, panel, words)


def test_a_failed_action_in_a_loaded_tab_says_so_and_try_again_shows_the_tab(signed_in, org):
    page = signed_in
    panel = open_tab(page, org)
    expect(panel.get_by_role("heading", name="Xero contact: City Agency")).to_be_visible()
    settled(page)
    page.route(
        re.compile(rf"/xero/tab/organization/{org.pk}/refresh$"),
        lambda route: route.fulfill(status=502, body="Bad Gateway"),
    )
    click(panel.get_by_role("button", name="Refresh"))
    failure = panel.get_by_test_id("xero-request-failed")
    expect(failure).to_have_text(
        "That did not go through: the server is unavailable or did not answer in time "
        "(HTTP 502). Try again shows the tab as it is now."
    )
    expect(panel.get_by_role("button", name="Try again")).to_be_focused()
    page.unroute_all()
    click(panel.get_by_role("button", name="Try again"))
    expect(panel.get_by_role("heading", name="Xero contact: City Agency")).to_be_visible()
    expect(failure).to_have_count(0)


def test_an_error_status_with_one_of_the_apps_own_panels_shows_that_panel(signed_in, org):
    page = signed_in
    own = (
        '<div class="xero-panel" id="xero-panel" data-testid="xero-panel">'
        '<p class="note error" role="alert" data-testid="xero-problem">'
        "That record is not one this tab can show.</p></div>"
    )
    page.route(
        tab_url(org), lambda route: route.fulfill(status=404, content_type="text/html", body=own)
    )
    panel = open_tab(page, org)
    expect(panel.get_by_test_id("xero-problem")).to_have_text(
        "That record is not one this tab can show."
    )
    expect(panel.get_by_test_id("xero-request-failed")).to_have_count(0)


def test_with_redis_unreachable_sign_in_and_the_tab_work_in_the_browser(
    page, settings, sso_user, org
):
    broker_url = app.conf.broker_url
    use_redis(settings, f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    try:
        sso_sign_in(page, sso_user)
        panel = open_tab(page, org)
        expect(panel.get_by_role("heading", name="Xero contact: City Agency")).to_be_visible()
        expect(panel.get_by_test_id("xero-invoices-total")).to_have_text(re.compile(r"^AUD "))
    finally:
        _reset_broker_connections()
        app.conf.broker_url = broker_url
