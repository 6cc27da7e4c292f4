"""Ingest jobs on the ``ingest`` queue: fetching a source now, and the scheduled sweep of due sources."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from clusters.models import Source
from clusters.sources.ingest import ingest_source
from newsroom.queues import get_queue

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
