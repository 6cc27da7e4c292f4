"""Clustering jobs on the ``default`` queue: assigning each stored article to a cluster, and the sweep
that catches articles whose job was lost."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from rq import Retry

from clusters.clustering import assign_article
from clusters.models import Article
from newsroom.queues import JobState, get_queue, job_state

QUEUE = "default"
# RQ runs a clustering job up to three times in a row; the sweep below then puts a failed one back
# SWEEP_RETRIES more times, one run each, minutes apart. That outlasts a short database or Redis outage,
# while an article that fails the same way every time stops there: its job stays among the default queue's
# failed jobs on the dashboard, with the error, for an admin to read and retry.
SWEEP_RETRIES = 2


def assign_article_job(article_id: str) -> str | None:
    """Clusters one stored article; safe to run twice. Returns the cluster id."""
    cluster = assign_article(article_id=article_id)
    return cluster.id if cluster else None


def _job_id(article_id: str) -> str:
    return f"assign-article-{article_id}"


def _enqueue_now(article_id: str, *, sweeps: int = 0) -> None:
    # Retries: a job whose worker died goes straight back in the queue (newsroom.jobs.requeue_abandoned_jobs),
    # rather than waiting for the sweep below.
    queue = get_queue(QUEUE)
    queue.enqueue(
        assign_article_job, article_id, job_id=_job_id(article_id), description=f"Cluster article {article_id}",
        retry=Retry(max=2), meta={"sweeps": sweeps},
    )
    # A job queued again under its id leaves the failed jobs until it fails again.
    queue.failed_job_registry.remove(_job_id(article_id))


def enqueue_assignment(article_id: str) -> None:
    """Queues clustering of a stored article once the current transaction commits.

    Listed in settings.NEWSROOM_AFTER_ARTICLE_STORED, which ingestion calls for
    every new article.
    """
    transaction.on_commit(lambda: _enqueue_now(article_id))


def enqueue_unclustered(*, limit: int = 500) -> str:
    """Scheduled sweep: queues articles still without a cluster a few minutes after they were
    stored (a lost job, a Redis restart, a failure that may pass).

    An article whose job failed is queued again at most SWEEP_RETRIES times (counted in the job's
    ``sweeps`` meta); after that its job is left among the failed jobs, where the dashboard shows it
    with its error. Returns what it did.
    """
    cutoff = timezone.now() - timedelta(minutes=5)
    ids = list(
        Article.objects.filter(cluster__isnull=True, fetched_at__lt=cutoff)
        .order_by("fetched_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    queue = get_queue(QUEUE)
    queued = given_up = 0
    for article_id in ids:
        job = queue.fetch_job(_job_id(article_id))
        state = job_state(job) if job is not None else JobState.MISSING
        if state in (JobState.QUEUED, JobState.RUNNING):
            continue
        sweeps = job.meta.get("sweeps", 0) if job is not None else 0
        if state == JobState.FAILED:
            if sweeps >= SWEEP_RETRIES:
                given_up += 1
                continue
            sweeps += 1
        _enqueue_now(article_id, sweeps=sweeps)
        queued += 1
    return f"{queued} queued, {given_up} left failed after {SWEEP_RETRIES} retries (see the dashboard)"
