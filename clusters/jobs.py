"""Clustering jobs on the ``default`` queue: assigning each stored article to a cluster, and the sweep
that catches articles whose job was lost."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from rq import Retry

from clusters.clustering import assign_article
from clusters.models import Article
from newsroom.queues import active_job, get_queue

QUEUE = "default"


def assign_article_job(article_id: str) -> str | None:
    """Clusters one stored article; safe to run twice. Returns the cluster id."""
    cluster = assign_article(article_id=article_id)
    return cluster.id if cluster else None


def _job_id(article_id: str) -> str:
    return f"assign-article-{article_id}"


def _enqueue_now(article_id: str) -> None:
    # Retries: a job whose worker died goes straight back in the queue (newsroom.jobs.requeue_abandoned_jobs),
    # rather than waiting for the sweep below.
    get_queue(QUEUE).enqueue(
        assign_article_job, article_id, job_id=_job_id(article_id), description=f"Cluster article {article_id}",
        retry=Retry(max=2),
    )


def enqueue_assignment(article_id: str) -> None:
    """Queues clustering of a stored article once the current transaction commits.

    Listed in settings.NEWSROOM_AFTER_ARTICLE_STORED, which ingestion calls for
    every new article.
    """
    transaction.on_commit(lambda: _enqueue_now(article_id))


def enqueue_unclustered(*, limit: int = 500) -> int:
    """Scheduled sweep: queues articles still without a cluster a few minutes after they were
    stored (a lost job, a Redis restart). Returns how many were queued."""
    cutoff = timezone.now() - timedelta(minutes=5)
    ids = list(
        Article.objects.filter(cluster__isnull=True, fetched_at__lt=cutoff)
        .order_by("fetched_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    queued = 0
    for article_id in ids:
        if active_job(_job_id(article_id)) is not None:
            continue
        _enqueue_now(article_id)
        queued += 1
    return queued
