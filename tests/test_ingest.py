import email.utils
import importlib
import io
import json
import struct
import zlib
from datetime import UTC, datetime, timedelta

import pytest
from django.apps import apps as django_apps
from django.utils import timezone
from PIL import Image

from clusters.clustering import assign_article
from clusters.models import Article, ClusterTerm, Source
from clusters.sources.extract import decode_html
from clusters.sources.feeds import FeedError
from clusters.sources.images import ImageRefused, make_thumbnail
from clusters.sources.ingest import ingest_feed_bytes, ingest_source
from clusters.sources.jobs import enqueue_due_sources, enqueue_ingest
from rewrites.generation.jobs import enqueue_settled_clusters
from rewrites.models import Rewrite
from tests.factories import make_article, make_source
from tests.http_server import LocalHTTPServer, Reply
from tests.ingest_helpers import rss

ARTICLE_TEXT = "新しい駅が市の北部に開業した。" * 20
STORED_HOOK_CALLS: list[str] = []


def record_hook_call(article_id: str) -> None:
    STORED_HOOK_CALLS.append(article_id)


def failing_hook(article_id: str) -> None:
    raise RuntimeError("clustering is down")


def article_page(title: str, text: str, *, image: str = "") -> bytes:
    meta = f'<meta property="og:image" content="{image}">' if image else ""
    paragraphs = "".join(f"<p>{text}</p>" for _ in range(3))
    return (f"<html><head><title>{title}</title>{meta}</head><body><nav>メニュー ホーム</nav>"
            f"<article><h1>{title}</h1>{paragraphs}</article><footer>著作権</footer></body></html>").encode()


def png_bytes(width: int = 40, height: int = 30) -> bytes:
    output = io.BytesIO()
    Image.new("RGB", (width, height), "red").save(output, "PNG")
    return output.getvalue()


def png_bomb_header(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge image."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


@pytest.fixture
def server(settings):
    local = LocalHTTPServer().start()
    settings.NEWSROOM_FETCH_ALLOWED_HOSTS = [local.host]
    settings.NEWSROOM_AFTER_ARTICLE_STORED = []
    yield local
    local.stop()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def serve_story(server, number: int, *, title: str, text: str = ARTICLE_TEXT, image: str = "") -> dict:
    server.routes[f"/news/{number}.html"] = Reply(200, article_page(title, text, image=image), {"Content-Type": "text/html; charset=utf-8"})
    return {"title": title, "link": server.url(f"/news/{number}.html?utm_source=rss"),
            "description": f"{title}の要約。", "pubDate": "Wed, 25 Nov 2026 01:00:00 GMT"}


def test_feed_entries_become_articles_with_page_text(db, server, media):
    items = [serve_story(server, 1, title="北部に新駅が開業")]
    server.routes["/feed"] = Reply(200, rss(items), {"Content-Type": "application/rss+xml"})
    source = make_source(feed_url=server.url("/feed"), language="ja")

    report = ingest_source(source=source)

    article = Article.objects.get()
    assert report.summary() == "1 stored, 0 duplicate, 0 refused."
    assert article.canonical_url == server.url("/news/1.html")
    assert (article.title, article.language, article.text_origin) == ("北部に新駅が開業", "ja", "page")
    assert "新しい駅が市の北部に開業した。" in article.text and "メニュー" not in article.text
    assert article.published_at.isoformat() == "2026-11-25T01:00:00+00:00"


def test_page_that_cannot_be_fetched_falls_back_to_feed_text_with_the_reason(db, server, media):
    item = {"title": "消えた記事", "link": server.url("/gone.html"), "description": "<p>フィードの本文です。</p>"}
    server.routes["/feed"] = Reply(200, rss([item]))

    ingest_source(source=make_source(feed_url=server.url("/feed")))

    article = Article.objects.get()
    assert (article.text, article.text_origin) == ("フィードの本文です。", "feed")
    assert "could not be fetched" in article.extraction_note and "404" in article.extraction_note


def test_non_utf8_japanese_feed_is_read_correctly(db, server, media):
    items = [serve_story(server, 1, title="札幌で初雪を観測")]
    body = rss(items, encoding="euc_jp").replace(b' encoding="euc_jp"', b"")
    server.routes["/feed"] = Reply(200, body, {"Content-Type": "application/rss+xml"})

    ingest_source(source=make_source(feed_url=server.url("/feed")))

    assert Article.objects.get().title == "札幌で初雪を観測"


@pytest.mark.parametrize(
    "content_type, head",
    [("text/html; charset=Shift_JIS", '<meta charset="utf-8">'), ("text/html", '<meta charset="shift_jis">')],
)
def test_article_pages_are_decoded_by_header_then_meta_charset(content_type, head):
    page = f"<html><head>{head}</head><body><p>大阪で祭り</p></body></html>"

    assert "大阪で祭り" in decode_html(page.encode("shift_jis"), content_type=content_type)


def test_duplicate_entry_is_stored_once(db, server, media):
    story = serve_story(server, 1, title="同じ記事")
    same_link_with_tracking = {**story, "link": story["link"].replace("utm_source=rss", "utm_medium=x") + "#top"}
    server.routes["/feed"] = Reply(200, rss([story, same_link_with_tracking]))
    source = make_source(feed_url=server.url("/feed"))

    first = ingest_source(source=source)
    second = ingest_source(source=source)

    assert Article.objects.count() == 1
    assert (first.stored, first.duplicates, second.stored, second.duplicates) == (1, 1, 0, 2)


def test_identical_text_under_another_address_is_a_duplicate(db, server, media):
    items = [serve_story(server, 1, title="同じ本文"), serve_story(server, 2, title="同じ本文")]
    server.routes["/feed"] = Reply(200, rss(items))

    report = ingest_source(source=make_source(feed_url=server.url("/feed")))

    assert (report.stored, report.duplicates) == (1, 1)
    assert "identical text" in [o for o in report.outcomes if o.outcome == "duplicate"][0].reason


def test_one_bad_entry_does_not_lose_the_others(db, media, settings):
    settings.NEWSROOM_AFTER_ARTICLE_STORED = []
    body = json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": [
        {"id": "1", "url": "https://a.example/1", "title": "good one", "content_text": "first text"},
        {"id": "2", "url": "https://a.example/2", "title": "bad\u0000title", "content_text": "second text"},
        {"id": "3", "url": "javascript:alert(1)", "title": "script link", "content_text": "third text"},
        {"id": "4", "url": "https://a.example/4", "title": "good two", "content_text": "fourth text"},
    ]}).encode()

    _, outcomes = ingest_feed_bytes(body, source=make_source(), fetch_pages=False, fetch_images=False)

    assert [o.outcome for o in outcomes] == ["stored", "refused", "refused", "stored"]
    assert "title contains a NUL character" in outcomes[1].reason and "http(s)" in outcomes[2].reason
    assert sorted(Article.objects.values_list("title", flat=True)) == ["good one", "good two"]


def test_not_modified_feed_keeps_the_source_healthy(db, server, media):
    def feed(request):
        if request.headers.get("If-None-Match") == '"abc"':
            return Reply(304)
        return Reply(200, rss([serve_story(server, 1, title="一回だけ")]), {"ETag": '"abc"'})

    server.routes["/feed"] = feed
    source = make_source(feed_url=server.url("/feed"))

    ingest_source(source=source)
    report = ingest_source(source=source)

    source.refresh_from_db()
    assert report.not_modified and source.etag == '"abc"' and source.last_error == ""
    assert Article.objects.count() == 1


def test_failing_source_backs_off_and_is_disabled_with_the_reason(db, server, settings):
    settings.NEWSROOM_INGEST_MAX_FAILURES = 3
    source = make_source(feed_url=server.url("/missing-feed"), poll_interval_minutes=10)
    delays = []

    for _ in range(3):
        before = timezone.now()
        ingest_source(source=source)
        source.refresh_from_db()
        delays.append(round((source.next_poll_at - before) / timedelta(minutes=1)))

    assert delays == [20, 40, 80]
    assert source.consecutive_failures == 3 and not source.enabled
    assert "answered 404" in source.last_error
    assert "after 3 failed fetches in a row" in source.disabled_reason


def test_success_after_failures_resets_the_count(db, server, media):
    source = make_source(feed_url=server.url("/feed"), consecutive_failures=2, last_error="old")
    server.routes["/feed"] = Reply(200, rss([]))

    ingest_source(source=source)

    source.refresh_from_db()
    assert (source.consecutive_failures, source.last_error) == (0, "")
    assert source.last_success_at is not None


def test_unreadable_feed_is_a_source_failure(db, server):
    server.routes["/feed"] = Reply(200, b"<html><body>not a feed</body></html>")
    source = make_source(feed_url=server.url("/feed"))

    report = ingest_source(source=source)

    source.refresh_from_db()
    assert report.feed_error == source.last_error
    assert "not an RSS, Atom or JSON feed" in source.last_error
    assert source.consecutive_failures == 1


def test_lead_image_is_thumbnailed(db, server, media):
    server.routes["/lead.png"] = Reply(200, png_bytes(1600, 1200), {"Content-Type": "image/png"})
    items = [{**serve_story(server, 1, title="画像つき"), "image": server.url("/lead.png")}]
    server.routes["/feed"] = Reply(200, rss(items))

    ingest_source(source=make_source(feed_url=server.url("/feed")))

    article = Article.objects.get()
    with Image.open(article.image.path) as thumbnail:
        assert max(thumbnail.size) == 640 and thumbnail.format == "JPEG"


def test_image_bomb_is_refused_and_the_article_kept(db, server, media):
    server.routes["/bomb.png"] = Reply(200, png_bomb_header(100_000, 100_000), {"Content-Type": "image/png"})
    items = [serve_story(server, 1, title="爆弾画像", image=server.url("/bomb.png"))]
    server.routes["/feed"] = Reply(200, rss(items))

    ingest_source(source=make_source(feed_url=server.url("/feed")))

    article = Article.objects.get()
    assert not article.image
    assert "possible decompression bomb" in article.image_note


def test_image_over_the_pixel_limit_is_refused_before_decoding(settings):
    settings.NEWSROOM_IMAGE_MAX_PIXELS = 1_000_000

    with pytest.raises(ImageRefused, match="2000×1000 pixels, over the limit of 1,000,000"):
        make_thumbnail(png_bomb_header(2000, 1000))


def test_non_image_is_refused():
    with pytest.raises(ImageRefused, match="not an image"):
        make_thumbnail(b"<html>hello</html>")


def test_new_articles_are_passed_to_the_after_store_hooks(db, settings):
    settings.NEWSROOM_AFTER_ARTICLE_STORED = ["tests.test_ingest.record_hook_call", "tests.test_ingest.failing_hook"]
    STORED_HOOK_CALLS.clear()
    body = rss([{"title": "t", "link": "https://a.example/1", "description": "text"}])

    _, outcomes = ingest_feed_bytes(body, source=make_source(), fetch_pages=False, fetch_images=False)

    assert [Article.objects.get().id] == STORED_HOOK_CALLS
    assert outcomes[0].outcome == "stored" and "clustering is down" in outcomes[0].reason


def test_entity_bomb_served_as_a_feed_is_refused_at_its_declarations(db, server):
    from tests.test_feeds import BILLION_LAUGHS

    server.routes["/feed"] = Reply(200, BILLION_LAUGHS, {"Content-Type": "application/rss+xml"})
    source = make_source(feed_url=server.url("/feed"))

    report = ingest_source(source=source)

    assert "declares its own XML entities" in report.feed_error
    assert not Article.objects.exists()


def test_entity_bomb_feed_is_a_feed_error(db):
    body = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><rss><channel><title>&a;</title></channel></rss>'
    with pytest.raises(FeedError):
        ingest_feed_bytes(body, source=make_source())


def test_due_sources_are_enqueued_and_ingested_by_a_worker(db, server, media, run_jobs, django_capture_on_commit_callbacks):
    server.routes["/feed"] = Reply(200, rss([serve_story(server, 1, title="ワーカーで取得")]))
    due = make_source(feed_url=server.url("/feed"))
    make_source(name="Later", feed_url=server.url("/other"), next_poll_at=timezone.now() + timedelta(hours=1))
    make_source(name="Off", feed_url=server.url("/off"), enabled=False)

    with django_capture_on_commit_callbacks(execute=True):
        assert enqueue_due_sources() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert enqueue_due_sources() == 0
    run_jobs("ingest")

    due.refresh_from_db()
    assert Article.objects.get().source == due and due.last_success_at is not None


def test_fetch_now_job_reports_its_result(db, server, media, run_jobs, django_capture_on_commit_callbacks):
    import django_rq

    server.routes["/feed"] = Reply(200, rss([serve_story(server, 1, title="今すぐ")]))
    source = make_source(feed_url=server.url("/feed"))

    with django_capture_on_commit_callbacks(execute=True):
        job_id = enqueue_ingest(source.id)
    run_jobs("ingest")

    job = django_rq.get_queue("ingest").fetch_job(job_id)
    assert job.return_value()["summary"] == "1 stored, 0 duplicate, 0 refused."
    assert Source.objects.get().articles.count() == 1


def test_unexpected_error_is_recorded_on_the_source_and_raised(db, server, settings):
    settings.NEWSROOM_INGEST_MAX_ENTRIES = "not a number"  # makes ingestion crash after the fetch
    server.routes["/feed"] = Reply(200, rss([{"title": "t", "link": "https://a.example/1"}]))
    source = make_source(feed_url=server.url("/feed"))

    with pytest.raises(TypeError):
        ingest_source(source=source)

    source.refresh_from_db()
    assert source.consecutive_failures == 1 and "unexpected error (TypeError" in source.last_error


def json_feed(items: list[dict], **fields) -> bytes:
    return json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "Example", **fields,
                       "items": items}).encode()


def test_a_nul_in_one_entrys_link_is_refused_and_the_rest_of_the_feed_is_stored(db, server, media):
    first, last = serve_story(server, 1, title="北部に新駅が開業"), serve_story(server, 2, title="札幌で初雪を観測")
    server.routes["/feed.json"] = Reply(200, json_feed([
        {"id": "1", "url": first["link"], "title": first["title"]},
        {"id": "2", "url": server.url("/news/\u0000evil.html"), "title": "NUL in the link"},
        {"id": "3", "url": last["link"], "title": last["title"]},
    ]), {"Content-Type": "application/feed+json"})
    source = make_source(feed_url=server.url("/feed.json"))

    report = ingest_source(source=source)

    assert report.feed_error == "" and report.summary() == "2 stored, 0 duplicate, 1 refused."
    refusal = next(item for item in report.outcomes if item.outcome == "refused")
    assert "link contains a NUL character" in refusal.reason and "\\x00" in refusal.reason
    assert sorted(Article.objects.values_list("title", flat=True)) == ["北部に新駅が開業", "札幌で初雪を観測"]
    source.refresh_from_db()
    assert source.consecutive_failures == 0 and source.last_error == ""


def test_a_nul_in_an_rss_entrys_link_is_refused_and_the_rest_stored(db, server, media):
    good = serve_story(server, 1, title="北部に新駅が開業")
    server.routes["/feed"] = Reply(200, rss([good, {"title": "NUL", "link": server.url("/news/bad.html") + "&#0;x"}]))

    report = ingest_source(source=make_source(feed_url=server.url("/feed")))

    assert report.feed_error == "" and report.stored == 1
    assert Article.objects.get().title == "北部に新駅が開業"


def test_a_deeply_nested_json_feed_is_refused_with_a_clear_reason(db, server):
    server.routes["/feed.json"] = Reply(200, b'{"items": [' + b"[" * 200_000 + b"]" * 200_000 + b"]}",
                                        {"Content-Type": "application/feed+json"})
    source = make_source(feed_url=server.url("/feed.json"))

    report = ingest_source(source=source)

    assert "nested too deeply" in report.feed_error
    source.refresh_from_db()
    assert "nested too deeply" in source.last_error


def test_huge_titles_and_texts_are_cut_at_ingest_with_a_note(db, media, settings):
    settings.NEWSROOM_AFTER_ARTICLE_STORED = []
    body = json_feed([{"id": "1", "url": "https://a.example/1", "title": "長" * 300_000, "content_text": "本文。" * 100_000}])

    _, outcomes = ingest_feed_bytes(body, source=make_source(), fetch_pages=False, fetch_images=False)

    article = Article.objects.get()
    assert outcomes[0].outcome == "stored"
    assert len(article.title) == settings.NEWSROOM_INGEST_MAX_TITLE_CHARS and article.title.endswith("…")
    assert len(article.text) <= settings.NEWSROOM_INGEST_MAX_TEXT_CHARS
    assert "title was cut from 300,000 to 500 characters" in article.extraction_note
    assert "text was cut from 300,000 to 100,000 characters" in article.extraction_note


# Publication times in the future


def test_an_entry_dated_in_the_year_9999_is_stored_at_its_fetch_time_with_a_note_and_gets_a_draft(
    db, media, settings, run_jobs, django_capture_on_commit_callbacks, client, editor
):
    settings.OPENAI_BASE_URL = ""  # the offline writer
    settings.NEWSROOM_SETTLE_SECONDS = 0
    body = rss([{"title": "Harbour bridge reopens after repairs", "link": "https://a.example/bridge",
                 "description": "The harbour bridge reopened to traffic on Monday after two years of repairs, "
                                "the city transport office said.",
                 "pubDate": "Fri, 31 Dec 9999 23:59:59 GMT"}])

    with django_capture_on_commit_callbacks(execute=True):
        ingest_feed_bytes(body, source=make_source(), fetch_pages=False, fetch_images=False)
    run_jobs("default")
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_settled_clusters()
    run_jobs("generate")

    article = Article.objects.get()
    assert article.published_at == article.fetched_at
    assert "The feed dated this article 9999-12-31 23:59 UTC, in the future" in article.date_note
    assert article.cluster.last_seen_at == article.fetched_at
    rewrite = Rewrite.objects.get(cluster=article.cluster)
    assert rewrite.status == Rewrite.Status.DRAFT
    client.force_login(editor)
    assert "9999-12-31 23:59 UTC, in the future" in client.get(f"/rewrites/{rewrite.id}/").content.decode()
    assert "9999-12-31 23:59 UTC, in the future" in client.get("/clusters/").content.decode()


def test_an_entry_dated_a_few_minutes_ahead_keeps_its_date(db, media, settings):
    settings.NEWSROOM_AFTER_ARTICLE_STORED = []
    ahead = (timezone.now() + timedelta(minutes=5)).replace(microsecond=0)
    body = rss([{"title": "Clock skew", "link": "https://a.example/skew", "description": "A story from a fast clock.",
                 "pubDate": email.utils.format_datetime(ahead, usegmt=True)}])

    ingest_feed_bytes(body, source=make_source(), fetch_pages=False, fetch_images=False)

    article = Article.objects.get()
    assert article.published_at == ahead
    assert article.date_note == ""


def test_a_json_feed_date_past_the_year_9999_in_utc_is_read_as_no_date(db, media, settings):
    settings.NEWSROOM_AFTER_ARTICLE_STORED = []
    body = json_feed([{"id": "1", "url": "https://a.example/1", "title": "Far future", "content_text": "Text.",
                       "date_published": "9999-12-31T23:00:00-05:00"}])

    _, outcomes = ingest_feed_bytes(body, source=make_source(), fetch_pages=False, fetch_images=False)

    assert [outcome.outcome for outcome in outcomes] == ["stored"]
    article = Article.objects.get()
    assert article.published_at is None


def test_articles_stored_with_a_future_date_before_the_check_are_clamped_by_the_migration(
    db, settings, run_jobs, django_capture_on_commit_callbacks
):
    settings.OPENAI_BASE_URL = ""
    settings.NEWSROOM_SETTLE_SECONDS = 0
    fetched = timezone.now() - timedelta(hours=1)
    article = make_article(title="Harbour bridge reopens", text="The harbour bridge reopened on Monday.",
                           published_at=datetime(9999, 12, 31, 23, 59, tzinfo=UTC), fetched_at=fetched)
    cluster = assign_article(article_id=article.id)
    assert cluster.last_seen_at.year == 9999

    migration = importlib.import_module("clusters.migrations.0009_clamp_future_publication_times")
    migration.clamp_future_publication_times(django_apps, None)
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_settled_clusters()
    run_jobs("generate")

    article.refresh_from_db()
    cluster.refresh_from_db()
    assert article.published_at == fetched
    assert "The feed dated this article 9999-12-31 23:59 UTC" in article.date_note
    assert cluster.first_seen_at == cluster.last_seen_at == fetched
    assert set(ClusterTerm.objects.filter(cluster=cluster).values_list("last_seen_at", flat=True)) == {fetched}
    assert Rewrite.objects.get(cluster=cluster).status == Rewrite.Status.DRAFT
