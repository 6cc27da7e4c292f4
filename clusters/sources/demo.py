"""Demo sources: the bundled Wikinews feeds, served by the desk itself at /demo-feeds/."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from clusters.models import Source
from newsroom.demo_feeds import DEMO_FEEDS_DIR

DEMO_SOURCE_NAMES = {
    "wikinews-a": "Wikinews デモ A",
    "wikinews-b": "Wikinews デモ B",
    "wikinews-c": "Wikinews デモ C",
    "demo-wire-en": "Demo Wire (English)",
}
CC_BY_25 = "https://creativecommons.org/licenses/by/2.5/"
# (language, site, licence notice) of each demo source; see newsroom/demo/feeds/ATTRIBUTION.md.
DEMO_SOURCE_DETAILS = {
    "wikinews-a": ("ja", "https://ja.wikinews.org/", "Text from Japanese Wikinews (ウィキニュース), CC BY 2.5."),
    "wikinews-b": ("ja", "https://ja.wikinews.org/", "Text from Japanese Wikinews (ウィキニュース), CC BY 2.5."),
    "wikinews-c": ("ja", "https://ja.wikinews.org/", "Text from Japanese Wikinews (ウィキニュース), CC BY 2.5."),
    "demo-wire-en": (
        "en", "",
        "Demo Wire's articles were written in English for this demo from the facts of Japanese Wikinews "
        "articles, and are shared like them under CC BY 2.5.",
    ),
}


def load_demo_sources(*, base_url: str | None = None) -> int:
    """Creates the demo sources the desk does not have yet; returns how many were created.

    Their feeds point at ``base_url`` (default ``settings.NEWSROOM_DEMO_FEEDS_URL``),
    where the desk serves newsroom/demo/feeds/, so the scheduler ingests them
    through the real fetch path once the web server is up. An existing demo
    source keeps its settings (an admin may have disabled it) but follows a
    changed base address.
    """
    base = (base_url or settings.NEWSROOM_DEMO_FEEDS_URL).rstrip("/") + "/"
    # Give the web server a moment to start before the first poll, so it is not a failure.
    first_poll = timezone.now() + timedelta(seconds=15)
    created = 0
    for folder, name in DEMO_SOURCE_NAMES.items():
        if not (DEMO_FEEDS_DIR / folder / "feed.xml").exists():
            continue
        feed_url = f"{base}{folder}/feed.xml"
        language, site_url, licence = DEMO_SOURCE_DETAILS[folder]
        source, was_created = Source.objects.get_or_create(
            name=name,
            defaults={
                "feed_url": feed_url,
                "site_url": site_url,
                "language": language,
                "licence": licence,
                "licence_url": CC_BY_25,
                "trust": 3,
                "poll_interval_minutes": 30,
                "next_poll_at": first_poll,
            },
        )
        if was_created:
            created += 1
            continue
        fields = []
        if source.feed_url != feed_url:
            source.feed_url = feed_url
            fields.append("feed_url")
        if not source.licence:
            source.licence, source.licence_url = licence, CC_BY_25
            fields += ["licence", "licence_url"]
        if source.enabled and source.last_success_at is None:
            source.next_poll_at = first_poll
            fields.append("next_poll_at")
        if fields:
            source.save(update_fields=fields)
    return created
