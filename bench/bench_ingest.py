"""Ingest throughput: parse, dedupe and store for a 10,000-entry local feed set."""

import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from django.core.management import call_command
from django.db import transaction
from django.test.utils import override_settings

TITLE = "Ingest throughput (ingest)"
FEEDS = 50
ENTRIES_PER_FEED = 200
REPEATED_PER_FEED = 20  # entries whose link also appears in the previous feed: duplicates by URL


def _feed(number: int) -> bytes:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    items = []
    for entry in range(ENTRIES_PER_FEED):
        if entry < REPEATED_PER_FEED and number > 0:
            link_feed, link_entry = number - 1, ENTRIES_PER_FEED - 1 - entry
        else:
            link_feed, link_entry = number, entry
        items.append(
            f"<item><title>ベンチマーク記事 {number}-{entry}</title>"
            f"<link>https://bench{link_feed}.example/news/{link_entry}.html?utm_source=rss</link>"
            f"<pubDate>{format_datetime(start + timedelta(minutes=entry))}</pubDate>"
            f"<description>&lt;p&gt;{'本文の段落です。' * 30} {number}-{entry}&lt;/p&gt;</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Bench feed {number}</title>{''.join(items)}</channel></rss>"
    ).encode("utf-8")


def run() -> str:
    from clusters.models import Source
    from clusters.sources.ingest import ingest_feed_bytes

    call_command("migrate", interactive=False, verbosity=0)
    feeds = [_feed(number) for number in range(FEEDS)]
    entries = FEEDS * ENTRIES_PER_FEED
    counts = {"stored": 0, "duplicate": 0, "refused": 0}
    with override_settings(NEWSROOM_AFTER_ARTICLE_STORED=[]), transaction.atomic():
        sources = [Source.objects.create(name=f"bench-ingest-{number}") for number in range(FEEDS)]
        started = time.perf_counter()
        for source, body in zip(sources, feeds):
            _, outcomes = ingest_feed_bytes(body, source=source, fetch_pages=False, fetch_images=False)
            for outcome in outcomes:
                counts[outcome.outcome] += 1
        first_pass = time.perf_counter() - started
        started = time.perf_counter()
        for source, body in zip(sources, feeds):
            _, outcomes = ingest_feed_bytes(body, source=source, fetch_pages=False, fetch_images=False)
        second_pass = time.perf_counter() - started
        transaction.set_rollback(True)  # leave the database as it was
    return f"""{FEEDS} RSS feeds of {ENTRIES_PER_FEED} entries each ({entries:,} entries, Japanese text, built in
memory), run through `clusters.sources.ingest.ingest_feed_bytes`: feed parsing (defusedxml check, decoding,
feedparser), canonical URLs, deduplication by URL and content hash, language detection and one
INSERT per new article into PostgreSQL. Article pages and images are not fetched
(`fetch_pages=False`, `fetch_images=False`: network time depends on the publishers, not on the desk)
and no after-store hooks run. {REPEATED_PER_FEED} entries of each feed repeat a link from the
previous feed, so they are caught as duplicates.

| pass | entries | stored | duplicates | seconds | entries per second |
|---|---|---|---|---|---|
| first (new articles) | {entries:,} | {counts['stored']:,} | {counts['duplicate']:,} | {first_pass:.1f} | **{entries / first_pass:,.0f}** |
| second (everything already stored) | {entries:,} | 0 | {entries:,} | {second_pass:.1f} | {entries / second_pass:,.0f} |

Stored articles per second on the first pass: **{counts['stored'] / first_pass:,.0f}**. The benchmark
runs in one transaction that is rolled back, so it leaves no rows behind."""
