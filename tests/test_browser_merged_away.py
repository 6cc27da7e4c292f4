"""In the browser: the workspace of a story merged into another says where it went and asks about its public page."""

import pytest

from clusters.editing import merge_clusters
from clusters.models import Cluster
from rewrites.models import MergedPage, Rewrite
from rewrites.publishing.publish import publish_rewrite
from tests.browser import log_in, screenshot
from tests.factories import make_approved, make_draft

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_a_merged_away_public_story_points_to_the_survivor_and_asks_about_its_page(page, live_server, editor, seed_record):
    keep = make_draft(seed=seed_record, number=1, headline="Alibaba bans Claude Code for its staff")
    away = make_approved(seed=seed_record, number=2, headline="Alibaba tells staff to stop using Claude Code")
    publish_rewrite(rewrite_id=away.id, user=editor)
    Cluster.objects.filter(id=keep.cluster_id).update(written_source_count=1, source_count=1)
    merge_clusters(keep_id=keep.cluster_id, merge_id=away.cluster_id, user=editor, reason="Same story")
    log_in(page, live_server, username="eda")

    page.goto(f"{live_server.url}/rewrites/{away.id}/")

    notice = page.locator("#merged-notice")
    assert "This story was merged into" in notice.inner_text()
    assert "Its public page is still up" in notice.inner_text()
    assert page.locator("#approve-button").count() == 0
    assert page.get_by_role("button", name="Publish", exact=True).count() == 0
    screenshot(page, "workspace-merged-away", docs=True, full_page=False)

    notice.get_by_label("Redirect to the story it was merged into, once that is published").check()
    notice.get_by_role("button", name="Save the decision").click()
    page.locator("#action-result .ok").wait_for()
    assert "will redirect to the story of" in page.locator("#action-result").inner_text()
    page.locator("#merged-decision:has-text('redirect to the story')").wait_for()
    assert Rewrite.objects.get(id=away.id).merged_page == MergedPage.REDIRECT

    page.locator("#merged-into-link").click()
    page.wait_for_url(f"{live_server.url}/rewrites/{keep.id}/")
    assert "stale" in page.locator("#actions").inner_text()
