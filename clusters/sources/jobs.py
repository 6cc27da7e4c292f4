"""Ingest jobs on the ``ingest`` queue: fetching a source now (and how that fetch is getting on), and the
scheduled sweep of due sources."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from clusters.models import Source
from clusters.sources.ingest import ingest_source
from newsroom.progress import JobReading, Progress, ProgressState, read_job
from newsroom.queues import UNREACHABLE, JobState, get_queue

QUEUE = "ingest"


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
        get_queue(QUEUE).enqueue(
            ingest_source_job, source_id, job_id=job_id, result_ttl=3600, failure_ttl=7 * 24 * 3600,
            job_timeout=settings.NEWSROOM_INGEST_JOB_TIMEOUT,
        )

    transaction.on_commit(enqueue)
    return job_id


def ingest_progress(*, source: Source, job_id: str, reading: JobReading | None = None) -> Progress:
    """How a "fetch now" job is getting on, from the queue (or the given reading) and, once it ends, its report."""
    job = reading or read_job(job_id)
    name = source.name
    if job.state == JobState.UNREACHABLE:
        return Progress(ProgressState.UNKNOWN, f"{name}: {UNREACHABLE}")
    if job.state == JobState.QUEUED:
        return Progress(ProgressState.QUEUED, f"{name}: waiting in the ingest queue…")
    if job.state == JobState.RUNNING:
        return Progress(ProgressState.RUNNING, f"{name}: fetching the feed and its articles…")
    if job.state == JobState.FINISHED:
        return Progress(ProgressState.DONE, f"{name}: {(job.result or {}).get('summary', 'fetched.')}")
    if job.state == JobState.FAILED:
        return Progress(
            ProgressState.FAILED,
            f"{name}: the fetch job failed: {job.error}. It can be retried from the queue dashboard or with “Fetch now”.",
        )
    if job.state == JobState.STOPPED:
        return Progress(
            ProgressState.FAILED,
            f"{name}: the worker stopped before the fetch finished; the articles stored so far are kept. "
            "Press “Fetch now” to fetch the rest.",
        )
    return Progress(
        ProgressState.UNKNOWN,
        f"{name}: no record of this fetch (it may have expired); the table shows the source's latest health.",
    )


def enqueue_due_sources() -> int:
    """Scheduled sweep: enqueues an ingest job for every enabled source whose next poll is due; returns how many.

    The next poll is pushed one interval ahead at once, so a source is not
    enqueued again on every scheduler tick while its job waits in the queue.
    """
    now = timezone.now()
    due = list(Source.objects.due(now).values_list("id", "poll_interval_minutes"))
    for source_id, interval in due:
        Source.objects.filter(id=source_id).update(next_poll_at=now + timedelta(minutes=interval))
        enqueue_ingest(source_id)
    return len(due)
