"""Generation jobs on the ``generate`` queue: thin wrappers that take ids."""

from __future__ import annotations

import django_rq
from django.conf import settings
from django.db import transaction
from rq import Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

QUEUE = "generate"
ACTIVE = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED}


def generate_rewrite_job(rewrite_id: str, field: str | None = None, regenerate: bool = False) -> str:
    from rewrites.generate import write_rewrite

    rewrite = write_rewrite(rewrite_id=rewrite_id, field=field, regenerate=regenerate)
    if rewrite is None:
        return "skipped: another worker is generating it"
    return f"{rewrite.status}: {rewrite.failure_reason}" if rewrite.failure_reason else rewrite.status


def job_id_for(rewrite_id: str, field: str | None = None) -> str:
    return f"generate-{rewrite_id}" + (f"-{field}" if field else "")


def active_job(rewrite_id: str, field: str | None = None) -> Job | None:
    """Returns the rewrite's queued or running generation job, if there is one."""
    queue = django_rq.get_queue(QUEUE)
    try:
        job = Job.fetch(job_id_for(rewrite_id, field), connection=queue.connection)
    except NoSuchJobError:
        return None
    return job if job.get_status() in ACTIVE else None


def enqueue_now(rewrite_id: str, *, field: str | None = None, regenerate: bool = False) -> str:
    """Puts the generation job on the queue unless it is already there or running; returns its id."""
    job_id = job_id_for(rewrite_id, field)
    if active_job(rewrite_id, field) is None:
        django_rq.get_queue(QUEUE).enqueue(
            generate_rewrite_job,
            rewrite_id,
            field,
            regenerate,
            job_id=job_id,
            job_timeout=settings.NEWSROOM_GENERATE_JOB_TIMEOUT_SECONDS,
            retry=Retry(max=1),
            result_ttl=24 * 3600,
            failure_ttl=7 * 24 * 3600,
        )
    return job_id


def enqueue_generation(rewrite_id: str, *, field: str | None = None, regenerate: bool = False) -> str:
    """Enqueues the generation job once the current transaction commits; returns the job id."""
    transaction.on_commit(lambda: enqueue_now(rewrite_id, field=field, regenerate=regenerate))
    return job_id_for(rewrite_id, field)
