import pytest

from newsroom.audit import record
from newsroom.notifications import notify
from rewrites.desk.review import approve_rewrite
from tests.browser import log_in, screenshot
from tests.factories import make_draft

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_header_inbox_leads_to_where_the_editor_acts(page, live_server, editor, seed_record):
    rewrite = make_draft(seed=seed_record)
    notify(
        kind="stale", cause_key=f"stale:{rewrite.cluster_id}", link=f"/rewrites/{rewrite.id}/",
        message=f"The published story “{rewrite.headline}” has 2 new source(s) since it was written. "
                "Regenerate it to take them in, then republish.",
    )
    notify(kind="generation", cause_key="generation-failed:r_x", link="/",
           message="Writing “Studio Trigger announces new anime film” failed. Gave up after 4 attempts.")
    log_in(page, live_server, username="eda")

    inbox = page.get_by_role("link", name="Notifications")
    assert inbox.inner_text().strip() == "Notifications 2"
    inbox.click()
    page.wait_for_url(f"{live_server.url}/notifications/")
    screenshot(page, "notifications-inbox", docs=True)
    page.locator(".notification", has_text="new source(s)").get_by_role("button", name="Open").click()

    page.wait_for_url(f"{live_server.url}/rewrites/{rewrite.id}/")
    assert page.get_by_role("link", name="Notifications").inner_text().strip() == "Notifications 1"


def test_an_admin_filters_the_audit_log_by_action(page, live_server, admin_user, editor, seed_record):
    rewrite = make_draft(seed=seed_record)
    approve_rewrite(rewrite_id=rewrite.id, user=editor, override_reason="Numbers checked against the press release")
    record(action="source_add", actor=admin_user, object_type="source", object_id="3", object_label="Anime Wire",
           changes={"feed_url": [None, "https://animewire.example/feed"]})
    log_in(page, live_server, username="ada")

    page.get_by_role("link", name="Audit log").click()
    page.wait_for_url(f"{live_server.url}/audit/")
    page.get_by_label("Action").select_option(label="Approved")
    page.get_by_role("button", name="Filter").click()

    page.wait_for_url("**/audit/?*action=approve*")
    rows = page.locator("table.audit tbody tr")
    assert rows.count() == 1
    assert "Numbers checked against the press release" in rows.first.inner_text()
    assert "eda" in rows.first.inner_text()
    page.get_by_label("Action").select_option(value="")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/audit/?*")
    screenshot(page, "audit-log", docs=True)
