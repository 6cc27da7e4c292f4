import pytest

from rewrites.records import import_record
from tests.browser import log_in, screenshot
from tests.records_data import full_record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_editor_logs_in_filters_the_queue_and_opens_a_record(page, live_server, editor, seed_record):
    import_record(seed_record)
    import_record(full_record(seed_record))

    log_in(page, live_server, username="eda")
    assert page.get_by_role("link", name="Alibaba Bans Employees From Using Claude Code Over Security Risk").is_visible()

    page.get_by_label("Status").select_option("draft")
    page.wait_for_url("**/?status=draft")
    assert page.locator("#rewrite-list").get_by_text("Season 2 Confirmed").is_visible()
    assert page.locator("#rewrite-list").get_by_text("Alibaba Bans").count() == 0
    screenshot(page, "queue")

    page.get_by_role("link", name="Season 2 Confirmed", exact=False).click()
    assert page.get_by_role("heading", name="Sources (3)").is_visible()
    assert page.get_by_role("heading", name="フリーレン2期はマッドハウス").is_visible()

    page.get_by_role("link", name="Record").click()
    assert page.get_by_role("heading", name="Attribution").is_visible()
    screenshot(page, "record")


def test_wrong_password_says_so(page, live_server, editor):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("eda")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Log in").click()

    assert page.get_by_role("alert").inner_text().startswith("Your username and password didn't match")


def test_queue_is_usable_from_the_keyboard(page, live_server, editor, seed_record):
    import_record(seed_record)
    import_record(full_record(seed_record))
    log_in(page, live_server, username="eda")

    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "queue-search"
    page.keyboard.type("Frieren Madhouse")
    page.wait_for_url("**/?q=Frieren+Madhouse")
    page.locator("#rewrite-list .queue-row").first.wait_for()
    assert page.locator("#rewrite-list .queue-row").count() == 1
    page.locator("body").click(position={"x": 5, "y": 400})
    page.wait_for_load_state("networkidle")
    page.keyboard.press("j")
    assert "Season 2 Confirmed" in page.evaluate("document.activeElement.textContent")
    page.keyboard.press("o")
    page.wait_for_url("**/rewrites/**")
    assert page.get_by_role("heading", name="Output").is_visible()
