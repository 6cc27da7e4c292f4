"""In the browser: the queue keeps its keyboard selection when an editor comes back from a workspace; at a phone's
width (390 px) the queue and the workspace fit the screen and no placeholder is cut off."""

import pytest

from tests.browser import log_in, screenshot
from tests.factories import make_draft

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Inputs whose placeholder text is wider than the box it is shown in.
CUT_PLACEHOLDERS = """() => {
  const canvas = document.createElement("canvas").getContext("2d");
  return Array.from(document.querySelectorAll("input[placeholder], textarea[placeholder]"))
    .filter((input) => input.checkVisibility() && !input.value)
    .filter((input) => {
      const style = getComputedStyle(input);
      canvas.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
      const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      return input.tagName === "INPUT" && canvas.measureText(input.placeholder).width > room + 1;
    })
    .map((input) => `${input.id || input.name}: “${input.placeholder}”`);
}"""
OVERFLOW = "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"


@pytest.fixture
def drafts(seed_record):
    return [make_draft(seed=seed_record, number=number, headline=f"Draft number {number}") for number in range(1, 5)]


def selected_rewrite(page) -> str | None:
    return page.evaluate("() => { const row = document.querySelector('.queue-row.selected'); return row && row.dataset.rewrite; }")


def test_back_from_a_workspace_keeps_the_queue_selection(page, live_server, editor, drafts):
    log_in(page, live_server, username="eda")
    page.goto(f"{live_server.url}/?status=draft")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("j")
    chosen = selected_rewrite(page)
    assert chosen

    page.keyboard.press("o")
    page.wait_for_url(f"{live_server.url}/rewrites/{chosen}/")
    page.locator("#back-to-queue").click()
    page.wait_for_url(f"{live_server.url}/?status=draft")

    page.wait_for_function("id => { const row = document.querySelector('.queue-row.selected'); return row && row.dataset.rewrite === id; }", arg=chosen)
    assert page.evaluate("() => document.activeElement.closest('.queue-row').dataset.rewrite") == chosen

    page.keyboard.press("k")
    above = selected_rewrite(page)
    assert above != chosen
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/rewrites/{above}/")
    page.go_back()
    page.wait_for_function("id => { const row = document.querySelector('.queue-row.selected'); return row && row.dataset.rewrite === id; }", arg=above)


@pytest.mark.parametrize("path", ["/", "/rewrites/{id}/", "/clusters/"])
def test_at_390_px_nothing_overflows_and_no_placeholder_is_cut_off(page, live_server, editor, drafts, path):
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server, username="eda")

    page.goto(live_server.url + path.format(id=drafts[0].id))

    scroll_width, client_width = page.evaluate(OVERFLOW)
    name = {"/": "narrow-queue", "/clusters/": "narrow-clusters"}.get(path, "narrow-workspace")
    screenshot(page, name, docs=True, full_page=False)
    assert scroll_width <= client_width, f"the page is {scroll_width} px wide in a {client_width} px window"
    assert page.evaluate(CUT_PLACEHOLDERS) == []


@pytest.mark.parametrize("path", ["/", "/rewrites/{id}/", "/clusters/", "/sources/new/"])
def test_no_placeholder_is_cut_off_at_desktop_width(page, live_server, admin_user, drafts, path):
    log_in(page, live_server, username="ada")

    page.goto(live_server.url + path.format(id=drafts[0].id))

    assert page.evaluate(CUT_PLACEHOLDERS) == []
