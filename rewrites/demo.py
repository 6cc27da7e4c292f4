"""Demo content for a fresh desk: the bundled records, recently published stories, and the demo sources whose
feeds the desk serves."""

import hashlib
import json
from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from clusters.models import Source
from clusters.sources.demo import CC_BY_25, load_demo_sources
from clusters.sources.images import make_thumbnail
from newsroom.demo_feeds import DEMO_DIR
from newsroom.timestamps import format_timestamp
from rewrites.fields import OUTPUT_FIELDS
from rewrites.models import Rewrite
from rewrites.records import import_record, parse_records

__all__ = ["load_demo_records", "load_demo_sources", "load_recent_stories"]

RECENT_DIR = DEMO_DIR / "recent"
RECENT_SOURCE = "Wikinews (Japanese)"
RECENT_LICENCE = "Adapted from Japanese Wikinews (ウィキニュース) articles, CC BY 2.5."


def load_demo_records() -> int:
    """Imports the bundled demo records the desk does not have yet; returns how many.

    A demo record already on the desk is left alone, so edits made to it survive
    a restart.
    """
    stored = 0
    for path in sorted(DEMO_DIR.glob("*.json")):
        for _, item in parse_records(path.read_text(encoding="utf-8")):
            if not Rewrite.objects.filter(id=item["rewrite"]["id"]).exists():
                import_record(item)
                stored += 1
    return stored


def _id(prefix: str, slug: str) -> str:
    return prefix + hashlib.sha256(f"{prefix}{slug}".encode()).hexdigest()[:24]


def recent_record(story: dict, *, now) -> dict:
    """The record of one of the demo's recently published stories, published story["hours_ago"] before now."""
    published = now - timedelta(hours=story["hours_ago"])
    created = published - timedelta(minutes=40)
    seen = created - timedelta(minutes=30)
    entities = {
        "anime_titles": story["works"] if story["domain"] == "anime" else [], "manga_titles": [],
        "work_titles": story["works"] if story["domain"] != "anime" else [], "studios": [], "people": story["people"],
        "type": story["type"], "domain": story["domain"], "is_roundup": False,
    }
    attribution = [{"source": RECENT_SOURCE, "url": story["source_url"], "title": story["source_title"]}]
    english_attribution = [{"source": RECENT_SOURCE, "url": story["source_url"], "title": story["headline"]}]
    web_card = "".join(f"<p>{paragraph}</p>" for paragraph in story["web_card"])
    # The demo's stories are written for the networks the desk had then; a later one's post is left empty.
    written = {
        "headline": story["headline"], "summary": story["summary"], "whyItMatters": story["why"],
        "webCardHtml": web_card, "blueskyPost": story["bluesky"], "twitterPost": story["twitter"],
        "threadsPost": story["threads"], "newsletterBlurb": story["blurb"],
    }
    return {
        "rewrite": {
            "id": _id("r_", story["slug"]), "clusterId": _id("c_", story["slug"]), "slug": story["slug"],
            "model": "written by hand for the demo",
            **{field.record_name: written.get(field.record_name) for field in OUTPUT_FIELDS},
            "attributionJson": json.dumps(english_attribution, ensure_ascii=False, separators=(",", ":")),
            "lintFlagsJson": None, "lintHits": 0, "costUsd": 0, "inputTokens": 0, "outputTokens": 0,
            "status": "published", "repairAttempts": 0, "nextRepairAt": None,
            "factsAttemptedAt": int(created.timestamp()), "createdAt": format_timestamp(created),
            "publishedAt": format_timestamp(published), "updatedAt": format_timestamp(published),
        },
        "cluster": {
            "id": _id("c_", story["slug"]), "canonicalTitle": story["source_title"],
            "representativeArticleId": _id("a_", story["slug"]), "sourceCount": 1, "writtenSourceCount": 1,
            "writeAttempts": 0, "isSolo": True,
            "entitiesJson": json.dumps(entities, ensure_ascii=False, separators=(",", ":")),
            "contentType": story["type"], "status": "published", "firstSeenAt": format_timestamp(seen),
            "lastSeenAt": format_timestamp(seen), "updatedAt": format_timestamp(published),
        },
        "attribution": attribution,
        "entities": entities,
        "keyFacts": None,
    }


def load_recent_stories() -> int:
    """Imports the demo's recently published stories (newsroom/demo/recent/) the desk does not have yet, with
    times relative to now, so the newsletter and the front page have something to show on a first run.

    Each gets its lead image and alt text; the publish sweep makes their public copies. Returns how many.
    """
    path = RECENT_DIR / "stories.json"
    if not path.exists():
        return 0
    now = timezone.now()
    stored = 0
    for story in json.loads(path.read_text(encoding="utf-8")):
        if Rewrite.objects.filter(id=_id("r_", story["slug"])).exists():
            continue
        rewrite, _ = import_record(recent_record(story, now=now))
        image = RECENT_DIR / f"{story['slug']}.jpg"
        article = rewrite.cluster.representative_article
        if image.exists() and article is not None:
            article.image_url = story["source_url"]
            article.image_credit = "Image: abstract illustration drawn for the Newsroom demo (public domain)."
            article.image.save(f"{story['slug']}.jpg", ContentFile(make_thumbnail(image.read_bytes())), save=False)
            article.save(update_fields=["image", "image_url", "image_credit"])
            Rewrite.objects.filter(id=rewrite.id).update(
                lead_image_article=article, lead_image_chosen=True, lead_image_alt=f"Illustration: {story['headline']}",
            )
        stored += 1
    Source.objects.filter(name=RECENT_SOURCE, licence="").update(licence=RECENT_LICENCE, licence_url=CC_BY_25)
    return stored
