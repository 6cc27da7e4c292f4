"""How a rewrite's generation job is getting on, for the workspace's live progress."""

from __future__ import annotations

from dataclasses import dataclass

import redis
from rq.job import JobStatus

from newsroom.queues import UNREACHABLE, fetch_job
from rewrites.generation.jobs import job_id_for
from rewrites.models import Rewrite


@dataclass
class Progress:
    state: str  # "queued", "running", "done", "failed" or "unknown"
    message: str

    @property
    def finished(self) -> bool:
        return self.state in {"done", "failed", "unknown"}


def generation_progress(rewrite: Rewrite, *, field: str | None = None) -> Progress:
    """Reads the generation job's state from the queue and the outcome from the rewrite."""
    what = f"the {field} field" if field else "the rewrite"
    try:
        job = fetch_job(job_id_for(rewrite.id, field))
        status = job.get_status() if job is not None else None
    except (redis.RedisError, OSError):
        return Progress("unknown", UNREACHABLE)
    if status in {JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED}:
        return Progress("queued", f"Waiting for a worker to write {what}…")
    if status == JobStatus.STARTED:
        return Progress("running", f"Writing {what} with the language model…")
    if status == JobStatus.FAILED:
        return Progress(
            "failed",
            rewrite.failure_reason or f"Writing {what} failed in the worker; an admin can see why at /admin/rq/.",
        )
    if rewrite.status == Rewrite.Status.FAILED:
        return Progress("failed", rewrite.failure_reason or f"Writing {what} failed.")
    if rewrite.status in {Rewrite.Status.QUEUED, Rewrite.Status.GENERATING} and status is None:
        return Progress("queued", rewrite.failure_reason or f"Waiting to write {what}…")
    if rewrite.failure_reason:
        return Progress("failed", rewrite.failure_reason)
    return Progress("done", f"Finished writing {what}.")
