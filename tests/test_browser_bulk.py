"""In the browser: rows picked with a click, a shift-click and the x key are spiked together, and the queue
reports what happened to each one."""

import pytest

from rewrites.desk.review import spike_rewrite
from rewrites.models import Rewrite
from tests.browser import log_in, screenshot
from tests.factories import make_draft

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_rows_picked_by_click_shift_click_and_x_are_spiked_with_a_result_per_row(page, live_server, editor, seed_record):
    drafts = [make_draft(seed=seed_record, number=number, headline=f"Story number {number}") for number in range(1, 6)]
    spike_rewrite(rewrite_id=drafts[0].id, user=editor, reason="Duplicate")  # the newest change: first in the queue
    log_in(page, live_server, username="eda")
    page.goto(f"{live_server.url}/")
    rows = page.locator("#rewrite-list .queue-row")
    order = [rows.nth(index).get_attribute("data-rewrite") for index in range(rows.count())]
    assert order[0] == drafts[0].id

    rows.nth(0).locator(".row-pick").click()
    rows.nth(2).locator(".row-pick").click(modifiers=["Shift"])
    for _ in range(5):
        page.keyboard.press("j")
    page.keyboard.press("x")
    assert page.locator("#picked-count").inner_text() == "4 selected"
    picked = [order[0], order[1], order[2], order[4]]

    page.get_by_label("With the selected rows").select_option("spike")
    page.get_by_label("Spike reason").fill("Off topic for the desk")
    screenshot(page, "queue-bulk-selection", docs=True, full_page=False)
    page.get_by_role("button", name="Apply to the selected").click()

    summary = page.locator("#bulk-result .bulk-summary")
    summary.wait_for()
    assert summary.inner_text() == "3 done, 1 refused."
    results = page.locator("#bulk-result li")
    assert [results.nth(index).get_attribute("data-rewrite") for index in range(4)] == picked
    assert "already spiked" in page.locator(f"#bulk-result li[data-rewrite='{drafts[0].id}']").inner_text()
    page.locator(f".queue-row[data-rewrite='{order[4]}'] .status-spiked").wait_for()
    assert page.locator("#picked-count").inner_text() == "0 selected"
    screenshot(page, "queue-bulk-result", docs=True, full_page=False)
    assert {rewrite.id for rewrite in Rewrite.objects.filter(status=Rewrite.Status.SPIKED)} == set(picked)
    assert Rewrite.objects.get(id=order[3]).status == Rewrite.Status.DRAFT
