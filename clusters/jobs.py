"""RQ jobs on the `ingest` queue: take ids, load, call clusters.ingest."""

from __future__ import annotations

import uuid

import django_rq
from django.conf import settings
from django.db import transaction

from clusters.ingest import ingest_source
from clusters.models import Source


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
