"""Records that exercise every field of the format, built from the seed."""

import copy
import json

from tests.factories import varied_record


def full_record(seed: dict) -> dict:
    """Lint flags, key facts, several attributions, non-ASCII text, every number set."""
    record = varied_record(seed, number=1)
    rewrite, cluster = record["rewrite"], record["cluster"]
    rewrite.update(
        {
            "model": "gpt-5-mini",
            "headline": "『葬送のフリーレン』 Season 2 Confirmed for January — Studio Madhouse Returns",
            "summary": "Madhouse will produce the second season of Frieren, which premieres in January 2027. 🎉",
            "whyItMatters": "The first season was the year's most-watched anime on Crunchyroll.",
            "webCardHtml": "<p>Madhouse returns for <strong>Frieren</strong> season 2.</p><p>“Quotes” &amp; ümlauts.</p>",
            "blueskyPost": "Frieren season 2 is coming in January 2027 from Madhouse.",
            "twitterPost": "Frieren S2 lands January 2027 (Madhouse). https://example.com/frieren",
            "threadsPost": "Frieren returns: season 2 from Madhouse premieres January 2027.",
            "newsletterBlurb": "Madhouse confirmed Frieren season 2 for January 2027.",
            "attributionJson": json.dumps(
                [
                    {"source": "Natalie", "url": "https://natalie.mu/comic/news/1", "title": "Frieren season 2 confirmed"},
                    {"source": "Anime!Anime!", "url": "https://animeanime.jp/article/2", "title": "Madhouse returns"},
                ],
                ensure_ascii=False,
                separators=(",", ":"),
            ),
            "lintFlagsJson": json.dumps(
                [
                    {"code": "unsupported-number", "field": "summary", "severity": "error",
                     "message": "2027 is not in any source", "span": [73, 77]},
                    {"code": "hype", "field": "headline", "severity": "warning",
                     "message": "“Returns” reads as hype", "span": None},
                ],
                ensure_ascii=False,
            ),
            "lintHits": 2,
            "costUsd": 0.01234567,
            "inputTokens": 5120,
            "outputTokens": 733,
            "status": "draft",
            "repairAttempts": 2,
            "nextRepairAt": "2026-07-05T01:02:03.456Z",
            "factsAttemptedAt": 1783178999,
            "createdAt": "2026-07-05T00:00:00.001Z",
            "publishedAt": None,
            "updatedAt": "2026-07-05T00:10:00.999Z",
        }
    )
    entities = {
        "anime_titles": ["葬送のフリーレン"],
        "manga_titles": ["葬送のフリーレン"],
        "work_titles": [],
        "studios": ["マッドハウス"],
        "people": ["山田鐘人", "Abe Tsukasa"],
        "type": "announcement",
        "domain": "anime",
        "is_roundup": False,
    }
    cluster.update(
        {
            "canonicalTitle": "「葬送のフリーレン」第2期、2027年1月放送開始",
            "sourceCount": 3,
            "writtenSourceCount": 2,
            "writeAttempts": 3,
            "isSolo": False,
            "entitiesJson": json.dumps(entities, ensure_ascii=False, separators=(",", ":")),
            "contentType": "announcement",
            "status": "draft",
            "firstSeenAt": "2026-07-04T22:00:00.000Z",
            "lastSeenAt": "2026-07-04T23:59:59.500Z",
            "updatedAt": "2026-07-05T00:10:00.999Z",
        }
    )
    record["attribution"] = [
        {"source": "Natalie", "url": "https://natalie.mu/comic/news/1", "title": "「葬送のフリーレン」第2期、2027年1月放送開始"},
        {"source": "Anime!Anime!", "url": "https://animeanime.jp/article/2?utm_source=rss", "title": "フリーレン2期はマッドハウス"},
        {"source": "Natalie", "url": "https://natalie.mu/comic/news/3#top", "title": "第2期のPV公開"},
    ]
    record["entities"] = entities
    record["keyFacts"] = ["Season 2 premieres in January 2027.", "Madhouse produces it.", "原作は山田鐘人。"]
    return record


def null_record(seed: dict) -> dict:
    """Every field the format allows to be null, null."""
    record = varied_record(seed, number=2)
    rewrite, cluster = record["rewrite"], record["cluster"]
    for field in [
        "slug", "model", "headline", "summary", "whyItMatters", "webCardHtml", "blueskyPost", "twitterPost",
        "threadsPost", "newsletterBlurb", "attributionJson", "lintFlagsJson", "nextRepairAt",
        "factsAttemptedAt", "publishedAt",
    ]:
        rewrite[field] = None
    rewrite.update({"status": "queued", "lintHits": 0, "costUsd": 0, "inputTokens": 0, "outputTokens": 0})
    cluster.update(
        {"representativeArticleId": None, "entitiesJson": None, "contentType": None, "status": "queued"}
    )
    record["attribution"] = []
    record["entities"] = None
    record["keyFacts"] = None
    return record


def all_records(seed: dict) -> list[dict]:
    return [copy.deepcopy(seed), full_record(seed), null_record(seed)]
