from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from rewrites.models import PublishedStory
from rewrites.publishing.publish import publish_rewrite
from tests.browser import log_in, screenshot
from tests.factories import make_approved

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_staff_reorder_drop_and_copy_the_newsletter(page, live_server, staff, editor, seed_record):
    now = timezone.now()
    for number, headline in [(81, "First story 『フリーレン』"), (82, "Second story"), (83, "Third story")]:
        rewrite = make_approved(seed=seed_record, number=number, headline=headline, newsletterBlurb=f"Blurb of {headline}.")
        publish_rewrite(rewrite_id=rewrite.id, user=editor)
        PublishedStory.objects.filter(rewrite=rewrite).update(published_at=now - timezone.timedelta(minutes=number))
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)

    log_in(page, live_server, username="stan")
    page.get_by_role("link", name="Newsletter").click()
    items = page.locator(".newsletter-item .headline")
    assert items.all_inner_texts() == ["First story 『フリーレン』", "Second story", "Third story"]

    page.get_by_role("button", name="Move “Third story” up").click()
    expect(items.nth(1)).to_have_text("Third story")
    page.get_by_role("button", name="Drop “First story 『フリーレン』”").click()
    expect(page.locator(".newsletter-item")).to_have_count(2)
    assert items.all_inner_texts() == ["Third story", "Second story"]

    page.get_by_role("button", name="Copy Markdown").click()
    page.get_by_text("Copied.").wait_for()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.index("Third story") < copied.index("Second story") and "フリーレン" not in copied
    screenshot(page, "newsletter")

    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    path = download.value.path()
    text = Path(path).read_text(encoding="utf-8-sig")
    assert download.value.suggested_filename.startswith("newsletter-") and text.index("Third") < text.index("Second")
