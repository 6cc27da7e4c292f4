"""The workspace tells the truth: after every action, job and someone else's save, every panel shows what a
fresh load of the page shows; an idle tab sends one heartbeat per interval."""


import contextlib

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from rewrites.desk.review import edit_field, restore_revision
from rewrites.models import Rewrite
from tests.browser import log_in, screenshot
from tests.factories import make_draft

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Everything the page shows that depends on the rewrite's state (not the transient lines: progress, last outcome).
READ_PANELS = """() => {
  const text = (selector) => { const element = document.querySelector(selector); return element ? element.innerText.trim() : null; };
  const fields = {};
  document.querySelectorAll(".outputs > section").forEach((field) => { fields[field.id] = field.innerText.trim(); });
  return {
    title: document.title, headline: text("h1"), actions: text("#actions"), publishing: text("#publish-status"), fields,
  };
}"""


def click(button) -> None:
    """Scrolls the button into view, then clicks it. (Playwright's own scrolling, from far down a page whose
    sources column is sticky, can land its click on the web card's frame instead.)"""
    button.scroll_into_view_if_needed()
    button.click()


def panels(page) -> dict:
    return page.evaluate(READ_PANELS)


def assert_every_panel_is_true(page, url: str) -> None:
    """Loads the workspace afresh in another tab and waits for the open page to show the same in every panel."""
    fresh = page.context.new_page()
    fresh.goto(url)
    fresh.locator("#lead-image.lead-image-panel").wait_for(state="attached")  # loaded just after the page
    expected = panels(fresh)
    fresh.close()
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_function(
            f"expected => JSON.stringify(({READ_PANELS})()) === JSON.stringify(expected)", arg=expected, timeout=15_000
        )
    assert panels(page) == expected


def test_an_idle_workspace_sends_one_presence_request_per_interval(page, live_server, editor, seed_record, settings):
    # A one-second interval stands in for the usual fifteen. (Playwright's fake clock also slows the runaway
    # "load" loop this guards against down to its own pace, so it could not show the flood.)
    settings.NEWSROOM_PRESENCE_SECONDS = 1
    rewrite = make_draft(seed=seed_record)
    log_in(page, live_server, username="eda")
    heartbeats = []
    page.on("request", lambda request: heartbeats.append(request) if request.url.endswith("/presence/") else None)

    page.goto(f"{live_server.url}/rewrites/{rewrite.id}/")
    while len(heartbeats) < 5:  # one on load and one per interval after it
        with page.expect_request(lambda request: request.url.endswith("/presence/"), timeout=30_000):
            pass

    # The browser's own start times: timers never fire early, so four intervals separate the first and the
    # fifth, however slow the machine; the runaway loop sent some thirty a second.
    started = [request.response() and request.timing["startTime"] for request in heartbeats[:5]]
    assert started[4] - started[0] >= 4 * 900


def test_every_action_leaves_every_panel_as_a_fresh_load_shows_it(page, live_server, editor, admin_user, seed_record, run_jobs, settings):
    settings.NEWSROOM_PRESENCE_SECONDS = 1
    rewrite = make_draft(seed=seed_record)
    url = f"{live_server.url}/rewrites/{rewrite.id}/"
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, live_server, username="eda")
    page.goto(url)

    # Edit: version, lint counts, the field's lints
    page.get_by_role("button", name="Edit Summary").click()
    page.get_by_role("textbox", name="Summary").fill("Alibaba will ban Claude Code from July 10, 2026, affecting 45,000 staff.")
    page.get_by_role("button", name="Save", exact=True).click()
    page.locator("#field-summary:not(:has(form))").wait_for()
    assert_every_panel_is_true(page, url)

    # Approve: status, and the publish panel now offers Publish
    override = page.get_by_label("Reason to approve anyway")
    if override.count():
        override.fill("The staff count is from the company's own notice.")
    page.get_by_role("button", name="Approve").click()
    page.locator("#publish-status").get_by_role("button", name="Publish", exact=True).wait_for()
    assert_every_panel_is_true(page, url)
    screenshot(page, "workspace-approved", docs=True, full_page=False)

    # Publish (a job): status Published, no Spike, Republish and Kill offered
    page.locator("#publish-status").get_by_role("button", name="Publish", exact=True).click()
    page.locator("#publish-status").get_by_text("Queued", exact=False).first.wait_for()
    run_jobs("publish")
    page.locator("#status-badge", has_text="Published").wait_for()
    assert_every_panel_is_true(page, url)

    # Edit a published story: headline, title, the unpublished-changes note
    page.get_by_role("button", name="Edit Headline").click()
    page.get_by_role("textbox", name="Headline").fill("Alibaba Bans Claude Code for Its Staff")
    page.get_by_role("button", name="Save", exact=True).click()
    page.locator("#actions").get_by_text("unpublished changes").wait_for()
    assert_every_panel_is_true(page, url)
    assert page.title().startswith("Alibaba Bans Claude Code for Its Staff")

    # Republish (a job)
    page.locator("#publish-status").get_by_role("button", name="Republish").click()
    page.locator("#publish-status").get_by_text("Queued", exact=False).first.wait_for()
    run_jobs("publish")
    page.locator("#actions:not(:has-text('unpublished changes'))").wait_for()
    assert_every_panel_is_true(page, url)

    # Kill
    page.get_by_label("Reason for taking it down").fill("Published by mistake.")
    page.get_by_role("button", name="Unpublish (kill)").click()
    page.locator("#status-badge", has_text="Spiked").wait_for()
    assert_every_panel_is_true(page, url)

    # Restore, by another editor: the heartbeat brings it in
    spiked = Rewrite.objects.get(id=rewrite.id)
    restore_revision(rewrite_id=rewrite.id, number=1, user=admin_user, base_version=spiked.version)
    page.locator("#status-badge", has_text="Draft").wait_for()
    assert_every_panel_is_true(page, url)

    # Regenerate the whole draft (asks first: there are edits), written by a worker
    click(page.get_by_role("button", name="Regenerate", exact=True))
    page.get_by_role("button", name="Regenerate and replace these edits").wait_for()
    screenshot(page, "workspace-regenerate-asks", docs=True, full_page=False)
    page.get_by_role("button", name="Regenerate and replace these edits").click()
    page.locator("#generation").get_by_text("with the offline writer").wait_for()
    run_jobs("generate")
    page.locator("#generation").get_by_text("Finished: the rewrite written by the offline writer").wait_for()
    assert_every_panel_is_true(page, url)

    # Spike
    page.get_by_label("Spike reason").fill("Duplicate of another story.")
    click(page.get_by_role("button", name="Spike"))
    page.locator("#status-badge", has_text="Spiked").wait_for()
    assert_every_panel_is_true(page, url)


def test_another_editors_save_reaches_an_open_workspace_and_an_open_form_still_conflicts(page, live_server, editor, admin_user, seed_record, settings):
    settings.NEWSROOM_PRESENCE_SECONDS = 1
    rewrite = make_draft(seed=seed_record)
    url = f"{live_server.url}/rewrites/{rewrite.id}/"
    log_in(page, live_server, username="eda")
    page.goto(url)
    page.get_by_role("button", name="Edit Summary").click()
    page.get_by_role("textbox", name="Summary").fill("Eda's summary, typed before Ada saved.")

    edit_field(rewrite_id=rewrite.id, field="headline", value="Ada's New Headline", base_version=1, user=admin_user)
    edit_field(rewrite_id=rewrite.id, field="summary", value="Ada's summary.", base_version=2, user=admin_user)

    page.locator("#headline", has_text="Ada's New Headline").wait_for()
    page.locator("#presence").get_by_text("Updated to version 3 (ada)").wait_for()
    assert page.get_by_role("textbox", name="Summary").input_value() == "Eda's summary, typed before Ada saved."
    page.get_by_role("button", name="Save", exact=True).click()
    page.locator("#field-summary.conflict").wait_for()
    assert "Ada's summary." in page.locator("#field-summary .theirs").inner_text()
    page.get_by_role("button", name="Keep the current text").click()
    page.locator("#field-summary:not(.conflict)").wait_for()
    assert_every_panel_is_true(page, url)
