"""A fresh desk with the demo loaded, through the real ingest, clustering and offline-writer path (as `make run`
does): what a newcomer sees first."""

import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from clusters.models import Source
from clusters.sources.jobs import enqueue_due_sources
from rewrites.generation.jobs import enqueue_settled_clusters
from rewrites.models import PublishedStory, Rewrite
from rewrites.publishing.jobs import enqueue_missing_publications
from tests.browser import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
README_IMAGES = Path(__file__).resolve().parent.parent / "docs" / "images"


@pytest.fixture
def demo_desk(settings, tmp_path, live_server, run_jobs):
    """The demo loaded and run through the worker's queues until the drafts are written and the stories public."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.OPENAI_BASE_URL = ""
    settings.NEWSROOM_SETTLE_SECONDS = 0
    settings.NEWSROOM_FETCH_ALLOWED_HOSTS = [urlsplit(live_server.url).netloc]
    call_command("load_demo", feeds_url=f"{live_server.url}/demo-feeds/")
    Source.objects.update(next_poll_at=None)
    enqueue_due_sources()
    run_jobs("ingest", "default")
    enqueue_settled_clusters()
    run_jobs("generate")
    enqueue_missing_publications()
    run_jobs("publish")
    return live_server


def save_for_readme(page, name: str) -> None:
    """Keeps the screenshot in test-artifacts/ and, with NEWSROOM_README_SCREENSHOTS=1, in docs/images/ too."""
    import os

    path = screenshot(page, name)
    if os.environ.get("NEWSROOM_README_SCREENSHOTS") == "1":
        README_IMAGES.mkdir(exist_ok=True)
        shutil.copy(path, README_IMAGES / f"{name}.png")


def test_a_fresh_demo_desk_shows_the_product(page, demo_desk, editor):
    drafts = Rewrite.objects.filter(status=Rewrite.Status.DRAFT).select_related("cluster")
    english = [r for r in drafts if r.headline and r.headline.isascii()]
    assert len(english) >= 5
    assert len({r.cluster.domain for r in english}) >= 4
    clean = [r for r in english if r.lint_errors == 0]
    assert clean, [(r.headline, [(f["code"], f["field"], f.get("text")) for f in r.lint_flags if f["severity"] == "error"]) for r in english]
    assert PublishedStory.objects.live().exclude(image="").count() >= 3

    log_in(page, demo_desk, username="eda")
    rows = page.locator(".queue-row")
    expect(rows.first).to_be_visible()
    assert page.locator(".queue-row", has_text=clean[0].headline).count() == 1
    japanese = drafts.exclude(id__in=[r.id for r in english]).first()
    assert page.locator(".queue-row", has_text=japanese.cluster.canonical_title).locator(".original").count() == 0
    save_for_readme(page, "first-run-queue")

    page.get_by_role("link", name=clean[0].headline).click()
    expect(page.locator("#lead-image img").first).to_be_visible()
    expect(page.locator("#override-reason")).to_have_count(0)
    save_for_readme(page, "first-run-workspace")
    page.get_by_role("button", name="Approve", exact=True).click()
    expect(page.locator("#action-result").get_by_text("Approved.")).to_be_visible()
    page.reload()
    expect(page.locator("#actions .status")).to_have_text("Approved")

    page.get_by_role("link", name="Newsletter").click()
    items = page.locator(".newsletter-item")
    assert items.count() >= 3
    save_for_readme(page, "first-run-newsletter")

    visitor = page.context.browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    visitor.goto(f"{demo_desk.url}/")
    expect(visitor.get_by_role("heading", name="Latest stories")).to_be_visible()
    images = visitor.locator(".story-image img")
    assert images.count() >= 3
    visitor.wait_for_load_state("networkidle")
    assert all(visitor.evaluate("img => img.naturalWidth", handle) > 0 for handle in images.element_handles())
    save_for_readme(visitor, "first-run-front-page")
    visitor.locator(".story-item h2 a").first.click()
    expect(visitor.locator(".lead-image img")).to_be_visible()
    expect(visitor.locator(".licence")).to_contain_text("CC BY 2.5")
    visitor.context.close()
