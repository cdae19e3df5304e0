"""Deque's axe-core, run offline inside Chromium, finds no serious or critical violation on any
page type; the Actions menu is reached with the keyboard; every control has a name.

axe-core comes from npm (scripts/ensure-axe.sh installs it into .tools/axe). Without it the
checks are skipped locally, and fail in CI (CRM_REQUIRE_SERVICES=1), where it must be there.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser import pages
from tests.browser.conftest import sso_sign_in

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / ".tools" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = {"serious", "critical"}


@pytest.fixture
def axe_page(page: Page) -> Page:
    """The browser page with axe-core in every document it loads (an init script, which the
    page's Content-Security-Policy does not apply to)."""
    if not AXE.exists():
        reason = f"axe-core is not installed at {AXE}: run scripts/ensure-axe.sh"
        if os.environ.get("CRM_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{reason}, and CRM_REQUIRE_SERVICES=1 says it must be there")
        pytest.skip(reason)
    page.context.add_init_script(path=str(AXE))
    return page


def violations(page: Page) -> list[str]:
    """axe-core's serious and critical violations on the page as shown, one line each."""
    found = page.evaluate(
        """async () => {
          const result = await axe.run(document, { resultTypes: ["violations"] });
          return result.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            targets: v.nodes.slice(0, 3).map(
              n => n.target.join(" ") + " " + (n.failureSummary || "").split("\\n")[1])
          }));
        }"""
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {v['targets']}"
        for v in found
        if v["impact"] in SERIOUS
    ]


@pytest.mark.parametrize(
    "size",
    [
        pytest.param({"width": 1366, "height": 900}, id="1366"),
        pytest.param({"width": 390, "height": 844}, id="390"),
    ],
)
def test_axe_finds_no_serious_violation_on_any_page_type(
    axe_page, sso_admin, sandbox_connection, size
):
    page = axe_page
    found = {}
    page.set_viewport_size(size)
    page.goto("/accounts/login/")
    if problems := violations(page):
        found["login"] = problems
    sso_sign_in(page, sso_admin)
    for name in pages.page_types(page, sandbox_connection):
        if problems := violations(page):
            found[name] = problems
    assert found == {}, "\n".join(f"{name}: {line}" for name, ls in found.items() for line in ls)


def test_axe_finds_no_serious_violation_on_choose_organisation(
    axe_page, live_server, xero_sandbox, sso_admin, settings
):
    page = axe_page
    settings.XERO_REDIRECT_URI = f"{live_server.url}/integrations/xero/callback"
    sso_sign_in(page, sso_admin)
    page.goto("/integrations/")
    assert violations(page) == []
    page.get_by_role("button", name="Connect to Xero").click()
    page.get_by_label("Demo Admin").check()
    page.get_by_label("Demo Company (AU)").check()
    page.get_by_label("Demo Company (NZ)").check()
    page.get_by_role("button", name="Allow access").click()
    expect(page.get_by_role("heading", name="Choose the Xero organisation")).to_be_visible()
    assert violations(page) == []


def test_arrow_keys_move_through_the_actions_menu(page, sso_user, sandbox_connection):
    sso_sign_in(page, sso_user)
    org = pages.OrganizationFactory(name="O'Brien Plumbing")
    pages.link_contact(org, sandbox_connection, pages.xero_contact("O'Brien Plumbing"))
    panel = pages.open_xero_tab(page, org)
    button = panel.get_by_role("button", name="Actions")
    button.focus()
    page.keyboard.press("ArrowDown")
    expect(button).to_have_attribute("aria-expanded", "true")
    menu = panel.locator("#xero-actions")
    expect(menu.get_by_role("button", name="Create invoice draft")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(menu.get_by_role("button", name="Copy details to Xero")).to_be_focused()
    page.keyboard.press("End")
    expect(menu.get_by_role("button", name="Unlink")).to_be_focused()
    page.keyboard.press("ArrowDown")  # round to the first
    expect(menu.get_by_role("button", name="Create invoice draft")).to_be_focused()
    page.keyboard.press("ArrowUp")  # round to the last
    expect(menu.get_by_role("button", name="Unlink")).to_be_focused()
    page.keyboard.press("Home")
    expect(menu.get_by_role("button", name="Create invoice draft")).to_be_focused()
    page.keyboard.press("Escape")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(button).to_be_focused()
    # ArrowUp on the closed menu's button opens it at its last item.
    page.keyboard.press("ArrowUp")
    expect(menu.get_by_role("button", name="Unlink")).to_be_focused()
    # Enter on a focused item does what a click does.
    page.keyboard.press("Home")
    page.keyboard.press("Enter")
    expect(panel.get_by_role("button", name="Create draft in Xero")).to_be_visible()


NAMELESS = """() => Array.from(document.querySelectorAll(
    "button, a[href], [role=button], [role=tab], input:not([type=hidden]), select, textarea"))
  .filter(el => el.offsetParent !== null || el.getClientRects().length)
  .filter(el => {
    const label = el.getAttribute("aria-label") || el.getAttribute("aria-labelledby")
      || (el.labels && el.labels.length) || el.getAttribute("title") || el.innerText.trim();
    return !label;
  })
  .map(el => el.outerHTML.slice(0, 120))"""


def test_every_control_has_a_name_including_icon_only_ones(page, sso_admin, sandbox_connection):
    page.set_viewport_size({"width": 390, "height": 844})
    sso_sign_in(page, sso_admin)
    nameless = {}
    # The Menu button (an icon and a word) and the Actions button (a word and an arrow).
    expect(page.get_by_role("button", name="Menu", exact=True)).to_be_visible()
    for name in pages.page_types(page, sandbox_connection):
        if found := page.evaluate(NAMELESS):
            nameless[name] = found
    assert nameless == {}
