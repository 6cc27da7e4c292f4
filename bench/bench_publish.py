"""Publishing: one rewrite end to end (card included), and newsletter exports of 10,000 blurbs."""

from __future__ import annotations

import copy
import json
import os
import statistics
import tempfile
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

TITLE = "Publishing and newsletter export"
PUBLISHES = 20
EXPORT_ITEMS = 10_000


class _Rollback(Exception):
    pass


def _seed() -> dict:
    from django.conf import settings

    return json.loads((Path(settings.BASE_DIR) / "newsroom" / "demo" / "seed-record.json").read_text("utf-8"))


def _record(seed: dict, number: int) -> dict:
    record = copy.deepcopy(seed)
    suffix = f"{0xbe0000 + number:024x}"
    record["rewrite"].update(
        {"id": "r_" + suffix, "clusterId": "c_" + suffix, "slug": f"bench-publish-{number}", "status": "approved",
         "publishedAt": None}
    )
    record["cluster"].update({"id": "c_" + suffix, "representativeArticleId": "a_" + suffix, "status": "approved"})
    for entry in record["attribution"]:
        entry["url"] = entry["url"].rstrip("/") + f"-bench-{number}/"
    return record


def _time_publishes(seed: dict, user) -> list[str]:
    from rewrites.publishing.cards import render_social_card
    from rewrites.publishing.publish import publish_rewrite
    from rewrites.records import import_record

    rewrites = [import_record(_record(seed, number))[0] for number in range(PUBLISHES)]
    publish_times, republish_times = [], []
    for rewrite in rewrites:
        started = time.perf_counter()
        publish_rewrite(rewrite_id=rewrite.id, user=user)
        publish_times.append(time.perf_counter() - started)
    for rewrite in rewrites:
        rewrite.refresh_from_db()
        type(rewrite).objects.filter(id=rewrite.id).update(version=rewrite.version + 1, has_unpublished_changes=True)
        started = time.perf_counter()
        publish_rewrite(rewrite_id=rewrite.id, user=user, correction_note="Bench correction.")
        republish_times.append(time.perf_counter() - started)
    with_image = [import_record(_record(seed, number))[0] for number in range(PUBLISHES, 2 * PUBLISHES)]
    image_times = []
    for rewrite in with_image:
        _attach_demo_image(rewrite)
        started = time.perf_counter()
        publish_rewrite(rewrite_id=rewrite.id, user=user)
        image_times.append(time.perf_counter() - started)
    card_times = []
    for rewrite in rewrites:
        started = time.perf_counter()
        render_social_card(headline=rewrite.headline, source_credit="Source: GIGAZINE", site_name="Newsroom")
        card_times.append(time.perf_counter() - started)

    def row(name, values):
        values = sorted(values)
        p95 = values[int(len(values) * 0.95) - 1]
        return f"| {name} | {statistics.median(values) * 1000:.1f} ms | {p95 * 1000:.1f} ms |"

    return [
        f"Each of {PUBLISHES} imported rewrites published, then edited and republished with a correction note "
        "(`publish_rewrite`, what the publish job runs: public copy, sanitising, card drawn and stored, "
        "status changes), with no webhooks configured. Then 20 more, each with a lead image, published once; they "
        "run after the rows above (code and fonts warm), so compare them with care: the image adds its re-encoding "
        "and the photo panel, while the headline wraps in less space.",
        "",
        "| step | median | p95 |",
        "|---|---|---|",
        row("first publish (card included)", publish_times),
        row("republish after an edit (card redrawn)", republish_times),
        row("first publish with a lead image (640x360 thumbnail re-encoded, card with the photo)", image_times),
        row("social card alone (draw + PNG encode)", card_times),
    ]


def _attach_demo_image(rewrite) -> None:
    """Gives the rewrite's article a stored lead image (a demo illustration, thumbnailed as ingest does)."""
    from django.conf import settings
    from django.core.files.base import ContentFile

    from clusters.sources.images import make_thumbnail

    picture = Path(settings.BASE_DIR) / "newsroom" / "demo" / "feeds" / "demo-wire-en" / "en-519.jpg"
    article = rewrite.cluster.articles.get()
    article.image.save(f"bench-{article.id}.jpg", ContentFile(make_thumbnail(picture.read_bytes())), save=True)


def _make_stories(seed: dict) -> None:
    from django.utils import timezone

    from clusters.models import Cluster
    from rewrites.models import PublishedStory, Rewrite

    now = timezone.now()
    clusters, rewrites, stories = [], [], []
    for number in range(EXPORT_ITEMS):
        suffix = f"{0xbf000000 + number:024x}"
        clusters.append(Cluster(id="c_" + suffix, canonical_title=f"記事 {number}", domain="anime", content_type="news"))
        rewrites.append(
            Rewrite(id="r_" + suffix, cluster_id="c_" + suffix, slug=f"bench-export-{number}", status="published",
                    headline=f"Story {number}: 『葬送のフリーレン』 season news", published_at=now, updated_at=now)
        )
        stories.append(
            PublishedStory(
                rewrite_id="r_" + suffix, slug=f"bench-export-{number}",
                headline=f"Story {number}: 『葬送のフリーレン』 season news",
                newsletter_blurb=seed["rewrite"]["newsletterBlurb"] + " 第2期、2027年1月放送開始。",
                sources=[{"source": "GIGAZINE", "url": f"https://gigazine.net/news/{number}/", "title": "元記事"}],
                domain="anime", content_type="news", published_at=now - timedelta(seconds=number),
                updated_at=now, rewrite_version=1,
            )
        )
    Cluster.objects.bulk_create(clusters, batch_size=2000)
    Rewrite.objects.bulk_create(rewrites, batch_size=2000)
    PublishedStory.objects.bulk_create(stories, batch_size=2000)


def _time_exports(client) -> list[str]:
    from django.utils import timezone

    today = timezone.localdate().isoformat()
    token = client.cookies["csrftoken"].value if "csrftoken" in client.cookies else ""
    lines = [
        f"{EXPORT_ITEMS:,} published stories exported through the view (`POST /newsletter/export/`, "
        "streamed), no chosen order; peak is the Python memory traced while streaming (tracemalloc, a second run).",
        "",
        "| format | time | size | peak Python memory |",
        "|---|---|---|---|",
    ]
    for chosen in ["markdown", "html", "text", "csv"]:
        data = {"date_from": today, "date_to": today, "format": chosen, "csrfmiddlewaretoken": token}
        started = time.perf_counter()
        response = client.post("/newsletter/export/", data)
        size = sum(len(chunk) for chunk in response.streaming_content)
        elapsed = time.perf_counter() - started
        tracemalloc.start()
        response = client.post("/newsletter/export/", data)
        for _ in response.streaming_content:
            pass
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert response.status_code == 200, response.status_code
        lines.append(f"| {chosen} | {elapsed:.2f} s | {size / 1e6:.1f} MB | {peak / 1e6:.1f} MB |")
    return lines


def run() -> str:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import transaction
    from django.test import Client, override_settings

    call_command("migrate", interactive=False, verbosity=0)
    seed = _seed()
    lines: list[str] = []
    with tempfile.TemporaryDirectory() as media, override_settings(MEDIA_ROOT=media, ALLOWED_HOSTS=["testserver"]):
        try:
            with transaction.atomic():
                user = get_user_model().objects.create_superuser("bench-publisher", password="bench-password-1")
                lines += _time_publishes(seed, user)
                lines.append("")
                _make_stories(seed)
                client = Client()
                client.force_login(user)
                lines += _time_exports(client)
                raise _Rollback
        except _Rollback:
            pass
    load = os.getloadavg()[0]
    lines.append("")
    lines.append(f"Load average when the run ended: {load:.1f} on {os.cpu_count()} cores (other work slows these numbers).")
    return "\n".join(lines)
