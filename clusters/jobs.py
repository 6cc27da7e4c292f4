"""RQ jobs for sources and clustering: thin wrappers that take ids and call the module doing the work."""

from __future__ import annotations

import uuid

import django_rq
from django.conf import settings
from django.db import transaction

from clusters.clustering import assign_article
from clusters.ingest import ingest_source
from clusters.models import Source

CLUSTERING_QUEUE = "default"


def ingest_source_job(source_id: int) -> dict:
    """Ingests one source; returns the report as a dict (shown by the sources page)."""
    source = Source.objects.filter(id=source_id).first()
    if source is None:
        return {"source": "", "feed_error": f"Source {source_id} no longer exists.", "summary": "Source deleted."}
    return ingest_source(source=source).as_dict()


def enqueue_ingest(source_id: int) -> str:
    """Enqueues ingest_source_job for the source once the current transaction commits; returns the job id."""
    job_id = f"ingest-source-{source_id}-{uuid.uuid4().hex[:12]}"

    def enqueue() -> None:
        django_rq.get_queue("ingest").enqueue(
            ingest_source_job, source_id, job_id=job_id, result_ttl=3600, failure_ttl=7 * 24 * 3600,
            job_timeout=settings.NEWSROOM_INGEST_JOB_TIMEOUT,
        )

    transaction.on_commit(enqueue)
    return job_id



def assign_article_job(article_id: str) -> str | None:
    """Clusters one stored article; safe to run twice. Returns the cluster id."""
    cluster = assign_article(article_id=article_id)
    return cluster.id if cluster else None


def enqueue_assignment(article_id: str) -> None:
    """Queues clustering of a stored article once the current transaction commits.

    Listed in settings.NEWSROOM_AFTER_ARTICLE_STORED, which ingestion calls for
    every new article.
    """
    transaction.on_commit(
        lambda: django_rq.get_queue(CLUSTERING_QUEUE).enqueue(
            assign_article_job, article_id, job_id=f"assign-article-{article_id}", description=f"Cluster article {article_id}"
        )
    )


def enqueue_unclustered(*, limit: int = 500) -> int:
    """Scheduled sweep: queues articles still without a cluster a few minutes after they were
    stored (a lost job, a Redis restart). Returns how many were queued."""
    from datetime import timedelta

    from django.utils import timezone

    from clusters.models import Article

    cutoff = timezone.now() - timedelta(minutes=5)
    ids = list(
        Article.objects.filter(cluster__isnull=True, fetched_at__lt=cutoff)
        .order_by("fetched_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    queue = django_rq.get_queue(CLUSTERING_QUEUE)
    queued = 0
    for article_id in ids:
        job = queue.fetch_job(f"assign-article-{article_id}")
        if job is not None and job.get_status(refresh=False) in {"queued", "started", "deferred", "scheduled"}:
            continue
        queue.enqueue(assign_article_job, article_id, job_id=f"assign-article-{article_id}")
        queued += 1
    return queued
