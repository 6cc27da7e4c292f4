"""In the browser: claiming a rewrite shows at once in the workspace, in a colleague's open copy of it, and in
the queue's "Assigned to me" filter."""

import pytest

from tests.browser import log_in, screenshot
from tests.factories import make_draft, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_claim_shows_in_the_workspace_in_a_colleagues_copy_and_in_the_queue(
    chromium, page, live_server, editor, seed_record, settings
):
    settings.NEWSROOM_PRESENCE_SECONDS = 1
    make_user(username="cole", role="Editors")
    rewrite = make_draft(seed=seed_record, number=1, headline="Claimed story")
    make_draft(seed=seed_record, number=2, headline="Someone else's story")
    url = f"{live_server.url}/rewrites/{rewrite.id}/"
    colleague = chromium.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(colleague, live_server, username="cole")
    colleague.goto(url)
    assert "Nobody is assigned." in colleague.locator("#assigned-to").inner_text()
    log_in(page, live_server, username="eda")
    page.goto(url)

    page.get_by_role("button", name="Claim").click()

    page.locator("#assigned-to:has-text('Assigned to you')").wait_for()
    assert "You claimed this rewrite." in page.locator("#action-result").inner_text()
    assert page.get_by_role("button", name="Claim").count() == 0
    colleague.locator("#assigned-to:has-text('Assigned to eda')").wait_for()
    screenshot(page, "workspace-assigned", docs=True, full_page=False)
    colleague.context.close()

    page.goto(f"{live_server.url}/")
    page.get_by_label("Assigned").select_option("mine")
    page.wait_for_url(f"{live_server.url}/?assigned=mine")
    page.locator("#rewrite-list .queue-row").first.wait_for()
    rows = page.locator("#rewrite-list .queue-row")
    assert rows.count() == 1
    assert "Claimed story" in rows.first.inner_text() and "you" in rows.first.inner_text()
