"""At a phone's width (390 x 844) and a laptop's (1366 x 900), every page type fits the window:
nothing makes the page scroll sideways (a wide table scrolls inside its own box). Each page type
is also saved as a screenshot under var/screenshots/<width>/ for a person to look over."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser import pages
from tests.browser.conftest import sso_sign_in

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 900}
# The two widths the issue names, and the narrowest phone and a wide desktop screen.
SIZES = [
    pytest.param(PHONE, id="390"),
    pytest.param(LAPTOP, id="1366"),
    pytest.param({"width": 360, "height": 740}, id="360"),
    pytest.param({"width": 1920, "height": 1080}, id="1920"),
]

# The elements that stick out of the window, for the failure message.
WIDER_THAN_WINDOW = """() => {
  const width = window.innerWidth, out = [];
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    const scrolled = el.parentElement && el.parentElement.closest(".table-scroll");
    if (box.width && (box.right > width + 1 || box.left < -1) && !scrolled) {
      const classes = el.className ? "." + String(el.className).replace(/ /g, ".") : "";
      const where = Math.round(box.left) + "-" + Math.round(box.right);
      out.push(el.tagName.toLowerCase() + classes + " " + where);
    }
  }
  return out.slice(0, 8);
}"""


def overflow(page: Page) -> str | None:
    """None when the page is no wider than the window; else what sticks out."""
    scroll, inner = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    if scroll <= inner:
        return None
    return f"{scroll} px wide in {inner}: {', '.join(page.evaluate(WIDER_THAN_WINDOW))}"


def signed_in(page: Page, user, size: dict) -> None:
    """The window at `size`, and `user` signed in."""
    page.set_viewport_size(size)
    sso_sign_in(page, user)


def shoot(page: Page, size: dict, name: str) -> None:
    folder = pages.SCREENSHOTS / str(size["width"])
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("size", SIZES)
def test_no_page_type_is_wider_than_the_window(page, sso_admin, sandbox_connection, size):
    page.set_viewport_size(size)
    wide = {}
    page.goto("/accounts/login/")
    shoot(page, size, "login")
    if problem := overflow(page):
        wide["login"] = problem
    signed_in(page, sso_admin, size)
    for name in pages.page_types(page, sandbox_connection):
        shoot(page, size, name)
        if problem := overflow(page):
            wide[name] = problem
    assert wide == {}


def test_the_choose_organisation_radios_sit_beside_their_labels_at_both_widths(
    page, live_server, xero_sandbox, sso_admin, settings
):
    settings.XERO_REDIRECT_URI = f"{live_server.url}/integrations/xero/callback"
    signed_in(page, sso_admin, LAPTOP)
    page.goto("/integrations/")
    page.get_by_role("button", name="Connect to Xero").click()
    page.get_by_label("Demo Admin").check()
    page.get_by_label("Demo Company (AU)").check()
    page.get_by_label("Demo Company (NZ)").check()
    page.get_by_role("button", name="Allow access").click()
    expect(page.get_by_role("heading", name="Choose the Xero organisation")).to_be_visible()
    for size in (PHONE, LAPTOP):
        page.set_viewport_size(size)
        shoot(page, size, "choose-organisation")
        assert overflow(page) is None
        for name in ("Demo Company (AU)", "Demo Company (NZ)"):
            beside_its_label(page.get_by_role("radio", name=name), name)


BESIDE = """radio => {
  const label = radio.closest("label");
  const words = document.createRange();
  words.setStartAfter(radio);
  words.setEndAfter(label.lastChild);
  const box = radio.getBoundingClientRect(), first = words.getClientRects()[0];
  return { gap: first.left - box.right, middle: box.top + box.height / 2,
           top: first.top, bottom: first.bottom, text: words.toString().trim() };
}"""


def beside_its_label(control, name: str) -> None:
    """The control is just before its label's first line of words, on that line."""
    found = control.evaluate(BESIDE)
    assert found["text"].startswith(name), found
    assert found["top"] <= found["middle"] <= found["bottom"], found
    assert 0 <= found["gap"] <= 16, found


def test_the_deal_contact_pickers_radios_sit_beside_their_labels(
    page, sso_user, sandbox_connection
):
    signed_in(page, sso_user, PHONE)
    project = pages.ProjectFactory(name="Roof Repairs", organization=None, contact=None)
    panel = pages.open_xero_tab(page, project)
    pages.click(panel.get_by_role("button", name="Create invoice draft"))
    panel.get_by_label("Search Xero contacts").fill("Marine")
    pages.click(panel.get_by_role("button", name="Search", exact=True))
    radios = panel.get_by_role("radio")
    expect(radios.first).to_be_visible()
    for i in range(radios.count()):
        label = radios.nth(i).locator("xpath=ancestor::label[1]").inner_text().strip()
        beside_its_label(radios.nth(i), label.split(" (")[0])


def test_the_menu_button_shows_and_hides_the_navigation_on_a_phone(page, sso_admin):
    signed_in(page, sso_admin, PHONE)
    menu = page.get_by_role("button", name="Menu")
    nav = page.get_by_role("navigation", name="Main")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(nav.get_by_role("link", name="Organizations")).to_be_hidden()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    for name in ("Organizations", "Contacts", "Opportunities", "Projects", "Integrations"):
        expect(nav.get_by_role("link", name=name)).to_be_visible()
    shoot(page, PHONE, "menu-open")
    # The dark header spans the window, and Integrations reads white on it.
    header = page.locator("header.topbar").bounding_box()
    assert header is not None and header["width"] == PHONE["width"]
    colour = nav.get_by_role("link", name="Integrations").evaluate(
        "el => getComputedStyle(el).color"
    )
    assert colour == "rgb(255, 255, 255)"
    nav.get_by_role("link", name="Contacts").click()
    expect(page.get_by_role("heading", name="Contacts")).to_be_visible()
    expect(page.get_by_role("button", name="Menu")).to_have_attribute("aria-expanded", "false")
    page.get_by_role("button", name="Menu").click()
    page.keyboard.press("Escape")
    expect(page.get_by_role("button", name="Menu")).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_role("button", name="Menu")).to_be_focused()

    # On a laptop there is no menu button: the links are in the header.
    page.set_viewport_size(LAPTOP)
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(nav.get_by_role("link", name="Organizations")).to_be_visible()


def test_without_javascript_the_navigation_is_shown_on_a_phone(browser, live_server, sso_admin):
    context = browser.new_context(
        base_url=live_server.url, java_script_enabled=False, viewport=PHONE
    )
    page = context.new_page()
    try:
        sso_sign_in(page, sso_admin)
        nav = page.get_by_role("navigation", name="Main")
        expect(nav.get_by_role("link", name="Organizations")).to_be_visible()
        expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    finally:
        context.close()


# The lines of text in each date and amount cell of a table.
LINES_PER_CELL = """cells => cells.map(cell => {
  const words = document.createRange();
  words.selectNodeContents(cell);
  const tops = new Set(Array.from(words.getClientRects()).map(r => Math.round(r.top)));
  return [cell.innerText.trim(), tops.size];
})"""


def test_dates_and_amounts_stay_on_one_line_at_1366(page, sso_user, sandbox_connection):
    signed_in(page, sso_user, LAPTOP)
    made = pages.records(sandbox_connection)
    for record in (made["org"], made["deal"]):
        panel = pages.open_xero_tab(page, record)
        rows = panel.get_by_test_id("xero-item")
        expect(rows.first).to_be_visible()
        cells = rows.locator("td.nowrap, td.num").evaluate_all(LINES_PER_CELL)
        assert len(cells) >= 4 * rows.count()
        assert [text for text, lines in cells if lines != 1] == []
        # Each whole row fits the table's box at this width: nothing to scroll to.
        box = panel.get_by_test_id("xero-items").locator("xpath=..")
        width, room = box.evaluate("el => [el.scrollWidth, el.clientWidth]")
        assert width <= room, record
