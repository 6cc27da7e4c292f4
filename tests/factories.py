"""The tests' factories: users, sources, articles, clusters and rewrites, and the records they come from.

Each sets only what a test asks for (by keyword) and makes everything else
unique, so tests can make as many as they need without clashing.
"""

from __future__ import annotations

import copy
import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from clusters.models import Article, Cluster, Source
from newsroom.roles import ensure_roles
from rewrites.models import ModelCall, PublishedStory, PublishJob, Revision, Rewrite, Webhook, WebhookDelivery
from rewrites.records import import_record

_numbers = itertools.count(1)
BASE_TIME = datetime(2026, 7, 4, 9, 0, tzinfo=UTC)

ENGLISH_TEXT = (
    "Studio Trigger announced on July 10, 2026 that its new anime film, Starlight Relay, will open in Japanese "
    "cinemas in spring 2027. Director Hiroyuki Imaishi said the film runs 110 minutes. The studio said 7.4 million "
    "people watched its previous series. Tickets go on sale on August 1."
)
JAPANESE_TEXT = "スタジオトリガーは2026年7月10日、新作アニメ映画「スターライト・リレー」を発表した。上映時間は110分。前作は740万人が視聴した。"
# The seed story's facts, in Japanese and English, for claims to be checked against.
SEED_ARTICLE_TEXT = (
    "アリババは2026年7月10日から、従業員によるClaude Codeの使用を禁止する。"
    "Alibaba will ban Claude Code from July 10, 2026 after researchers found hidden code in version 2.9.1. "
    "The company told staff to use its own platform, qoder."
)


def make_user(*, username: str, role: str | None = None, password: str = "correct horse battery"):
    """A user in the named role (Editors, Staff, Admins), or in none."""
    user = get_user_model().objects.create_user(username=username, password=password)
    if role:
        user.groups.add(ensure_roles()[role])
    return user


def make_source(*, name: str | None = None, feed_url: str | None = None, **fields) -> Source:
    """A source with a unique name and feed address unless they are given."""
    number = next(_numbers)
    return Source.objects.create(
        name=name or f"Source {number}",
        feed_url=f"https://source{number}.example/feed" if feed_url is None else feed_url,
        **fields,
    )


def make_article(
    *, source: Source | None = None, cluster: Cluster | None = None, title: str = "", text: str = "",
    hours: float = 0, url: str = "", **fields,
) -> Article:
    """An article at a unique address, published `hours` after BASE_TIME; of a new source unless one is given."""
    number = next(_numbers)
    source = source or make_source()
    url = url or f"https://{source.name.lower().replace(' ', '-')}.example/articles/{number}"
    fields.setdefault("published_at", BASE_TIME + timedelta(hours=hours))
    return Article.objects.create(
        source=source, cluster=cluster, url=url, canonical_url=url, title=title or f"Story {number}", text=text,
        **fields,
    )


def make_clustered_article(**fields) -> Article:
    """An article (make_article's arguments) that the production clustering has placed in a cluster."""
    from clusters.clustering import assign_article

    article = make_article(**fields)
    assign_article(article_id=article.id)
    article.refresh_from_db()
    return article


def make_cluster(
    *, texts: list[tuple[str, str, str]] | None = None, seen_minutes_ago: float = 60, number: int = 1
) -> Cluster:
    """A cluster of articles given as (source name, title, text); by default one English and one Japanese source."""
    texts = texts or [
        ("Example Wire", "Studio Trigger announces new anime film for 2027", ENGLISH_TEXT),
        ("アニメニュース", "トリガー新作映画「スターライト・リレー」2027年公開", JAPANESE_TEXT),
    ]
    seen = timezone.now() - timedelta(minutes=seen_minutes_ago)
    cluster = Cluster.objects.create(
        canonical_title=texts[0][1], source_count=len(texts), is_solo=len(texts) == 1,
        first_seen_at=seen, last_seen_at=seen,
    )
    for position, (name, title, text) in enumerate(texts):
        source, _ = Source.objects.get_or_create(name=name, defaults={"language": "en", "domain": "anime"})
        url = f"https://news{position}.example.com/{number}/story-{cluster.id}"
        article = Article.objects.create(
            source=source, cluster=cluster, url=url, canonical_url=url, title=title, text=text,
            published_at=seen + timedelta(minutes=position), language="ja" if position else "en",
        )
        if position == 0:
            cluster.representative_article = article
            cluster.save(update_fields=["representative_article"])
    return cluster


# Records, and rewrites imported from them


def varied_record(seed: dict, *, number: int = 1) -> dict:
    """A record unlike the seed in every way the format allows."""
    record = copy.deepcopy(seed)
    suffix = f"{number:024x}"
    rewrite, cluster = record["rewrite"], record["cluster"]
    rewrite["id"] = "r_" + suffix
    cluster["id"] = rewrite["clusterId"] = "c_" + suffix
    cluster["representativeArticleId"] = "a_" + suffix
    rewrite["slug"] = f"varied-record-{number}"
    for entry in record["attribution"]:
        entry["url"] = entry["url"].rstrip("/") + f"-{number}/"
    return record


def approved_record(seed: dict, *, number: int, headline: str | None = None, **rewrite_fields) -> dict:
    """A varied record whose rewrite is approved and not yet published."""
    record = varied_record(seed, number=number)
    record["rewrite"].update({"status": "approved", "publishedAt": None})
    record["cluster"]["status"] = "approved"
    if headline is not None:
        record["rewrite"]["headline"] = headline
    record["rewrite"].update(rewrite_fields)
    return record


def make_approved(*, seed: dict, number: int, **rewrite_fields) -> Rewrite:
    """An imported approved rewrite (approved_record's arguments)."""
    rewrite, _ = import_record(approved_record(seed, number=number, **rewrite_fields))
    return rewrite


def make_draft(*, seed: dict, number: int = 1, **rewrite_fields) -> Rewrite:
    """An imported draft whose cluster has the seed's article with real text to check claims against."""
    record = varied_record(seed, number=number)
    record["rewrite"].update({"status": "draft", "publishedAt": None, **rewrite_fields})
    record["cluster"]["status"] = "draft"
    rewrite, _ = import_record(record)
    Article.objects.filter(cluster_id=rewrite.cluster_id).update(text=SEED_ARTICLE_TEXT, language="ja")
    return Rewrite.objects.select_related("cluster").get(id=rewrite.id)


# Operations: model calls, revisions, publishing and webhook failures at given times


def make_model_call(
    *, at: datetime | None = None, model: str = "gpt-test", outcome: str = ModelCall.Outcome.OK,
    cost: str = "0.01", input_tokens: int = 1000, output_tokens: int = 200, rewrite: Rewrite | None = None,
) -> ModelCall:
    """A finished model call made at `at` (now by default)."""
    return ModelCall.objects.create(
        rewrite=rewrite, model=model, prompt_version="test", purpose="generate", outcome=outcome,
        cost_usd=Decimal(cost), input_tokens=input_tokens, output_tokens=output_tokens,
        created_at=at or timezone.now(),
    )


def make_revision(*, rewrite: Rewrite, kind: str, at: datetime) -> Revision:
    """The rewrite's next revision, of the given kind, made at `at`."""
    number = rewrite.revisions.count() + 1
    return Revision.objects.create(rewrite=rewrite, number=number, kind=kind, fields={}, created_at=at)


def make_published_story(*, rewrite: Rewrite, at: datetime | None = None) -> PublishedStory:
    """The public copy of the rewrite, published at `at` (now by default)."""
    at = at or timezone.now()
    return PublishedStory.objects.create(
        rewrite=rewrite, slug=f"story-{rewrite.id}", headline=rewrite.headline or rewrite.id,
        published_at=at, updated_at=at, rewrite_version=rewrite.version,
    )


def make_failed_publish_job(*, rewrite: Rewrite, error: str, at: datetime | None = None) -> PublishJob:
    at = at or timezone.now()
    return PublishJob.objects.create(
        rewrite=rewrite, state=PublishJob.State.FAILED, error=error, created_at=at, started_at=at, finished_at=at,
    )


def make_failed_delivery(*, rewrite: Rewrite | None, error: str, at: datetime | None = None) -> WebhookDelivery:
    """A delivery to a new webhook that gave up after one attempt at `at`."""
    at = at or timezone.now()
    webhook = Webhook.objects.create(name=f"Hook {next(_numbers)}", url="https://hooks.example/in", secret="s")
    delivery = WebhookDelivery.objects.create(
        webhook=webhook, event=Webhook.Event.PUBLISHED, rewrite=rewrite, payload="{}",
        state=WebhookDelivery.State.FAILED, attempt_count=1, last_error=error, created_at=at,
    )
    delivery.attempts.create(number=1, started_at=at, status_code=500, error=error)
    return delivery


def make_rewrite(*, cluster: Cluster | None = None, **fields) -> Rewrite:
    """A rewrite (a draft unless status is given) of a new two-source cluster unless one is given."""
    fields.setdefault("status", Rewrite.Status.DRAFT)
    fields.setdefault("headline", f"Headline {next(_numbers)}")
    return Rewrite.objects.create(cluster=cluster or make_cluster(number=next(_numbers)), **fields)
