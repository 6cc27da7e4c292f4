from urllib.parse import urlsplit

import pytest
from PIL import Image

from clusters.models import Article, Source
from clusters.sources.demo import load_demo_sources
from clusters.sources.ingest import ingest_source
from newsroom.demo_feeds import DEMO_FEEDS_DIR


def test_demo_feed_files_are_served_without_login(client, db):
    response = client.get("/demo-feeds/wikinews-a/feed.xml")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/rss+xml; charset=utf-8"


def test_demo_feed_server_does_not_leave_its_folder(client, db):
    assert client.get("/demo-feeds/../../settings.py").status_code in {400, 404}


def test_demo_feeds_carry_their_licence():
    text = (DEMO_FEEDS_DIR / "ATTRIBUTION.md").read_text()
    assert "Japanese Wikinews" in text and "CC BY 2.5" in text
    assert "These are not English Wikinews articles" in text
    pages = list(DEMO_FEEDS_DIR.glob("*/*.html"))
    assert len(pages) == 36 and all("CC BY 2.5" in page.read_text() for page in pages)


def test_demo_images_are_served_as_jpeg(client, db):
    response = client.get("/demo-feeds/demo-wire-en/en-519.jpg")

    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"


def test_loading_demo_sources_twice_creates_them_once(db):
    assert load_demo_sources(base_url="http://127.0.0.1:8000/demo-feeds/") == 4
    assert load_demo_sources(base_url="http://127.0.0.1:8000/demo-feeds/") == 0
    assert sorted(Source.objects.values_list("feed_url", flat=True))[0] == (
        "http://127.0.0.1:8000/demo-feeds/demo-wire-en/feed.xml"
    )
    assert all("CC BY 2.5" in source.licence for source in Source.objects.all())


@pytest.mark.django_db(transaction=True)
def test_demo_sources_ingest_through_the_real_fetch_path(live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.NEWSROOM_AFTER_ARTICLE_STORED = []
    settings.NEWSROOM_FETCH_ALLOWED_HOSTS = [urlsplit(live_server.url).netloc]
    load_demo_sources(base_url=f"{live_server.url}/demo-feeds/")

    reports = [ingest_source(source=source) for source in Source.objects.all()]

    assert [report.feed_error for report in reports] == ["", "", "", ""]
    assert Article.objects.count() == 36
    article = Article.objects.get(canonical_url=f"{live_server.url}/demo-feeds/wikinews-a/story-0.html")
    assert article.text_origin == "page" and article.language == "ja"
    assert "2011年4月7日午後11時32分頃" in article.text
    assert "『地震情報" not in article.text and "メインページ" not in article.text
    assert article.image, (article.image_url, article.image_note)
    with article.image.open("rb") as stored:
        assert not Image.open(stored).getexif()  # the demo image's EXIF fields were left behind
    assert Image.open(DEMO_FEEDS_DIR / "wikinews-a" / "story-0.jpg").getexif()
    assert article.image_credit.endswith("(パブリックドメイン)")
    english = Article.objects.get(canonical_url=f"{live_server.url}/demo-feeds/demo-wire-en/en-456.html")
    assert english.language == "en" and english.url.endswith("?utm_source=rss&utm_medium=feed")


def test_recent_demo_stories_are_published_relative_to_now_with_their_images(db, settings, tmp_path):
    from datetime import timedelta

    from django.utils import timezone

    from rewrites.demo import load_recent_stories
    from rewrites.images import lead_image_article
    from rewrites.models import Rewrite

    settings.MEDIA_ROOT = tmp_path

    assert load_recent_stories() == 3
    assert load_recent_stories() == 0

    recent = Rewrite.objects.filter(status=Rewrite.Status.PUBLISHED, published_at__gte=timezone.now() - timedelta(days=3))
    assert recent.count() == 3
    assert all(lead_image_article(rewrite) is not None and rewrite.lead_image_alt for rewrite in recent)
    assert Source.objects.get(name="Wikinews (Japanese)").licence.endswith("CC BY 2.5.")
