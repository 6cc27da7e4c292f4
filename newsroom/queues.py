"""The one way to reach Redis: the job queues, a job by id, and a quick "is the queue up?" check.

Every module that enqueues work, reads a job's state or keeps short-lived
state in Redis (presence) goes through these functions.
"""

from __future__ import annotations

import django_rq
import redis
import rq
from django.conf import settings
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.utils import import_attribute

UNREACHABLE = (
    "The job queue is unreachable, so this cannot run now. Everything you can read still works; "
    "try again when the queue server is back (an admin can check it at /admin/rq/)."
)
# A job in one of these states will still run (or is running): do not enqueue it again.
ACTIVE_JOB_STATES = frozenset({JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED})


# Jobs queued before the packages were reorganised name their function by its old path. Workers
# run them under the new one, so a deploy never strands queued or scheduled work. Remove after 0.3.
RENAMED_JOB_FUNCTIONS = {
    "clusters.jobs.ingest_source_job": "clusters.sources.jobs.ingest_source_job",
    "rewrites.jobs.generate_rewrite_job": "rewrites.generation.jobs.generate_rewrite_job",
    "rewrites.publish_jobs.run_publish_job": "rewrites.publishing.jobs.run_publish_job",
    "rewrites.publish_jobs.run_webhook_delivery": "rewrites.publishing.jobs.run_webhook_delivery",
}


class DeskJob(Job):
    """An RQ job that also runs jobs queued under a function's old dotted path (``settings.RQ["JOB_CLASS"]``)."""

    @property
    def func(self):
        renamed = RENAMED_JOB_FUNCTIONS.get(self.func_name or "")
        return import_attribute(renamed) if renamed and not self.instance else super().func


def get_queue(name: str) -> rq.Queue:
    """The RQ queue called name (default, ingest, generate or publish)."""
    return django_rq.get_queue(name)


def redis_connection() -> redis.Redis:
    """The desk's Redis connection, shared with the queues."""
    return django_rq.get_connection("default")


def quick_connection() -> redis.Redis:
    """A Redis connection that gives up after a second, for requests that must not hang on a dead server."""
    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)


def fetch_job(job_id: str) -> Job | None:
    """The job with this id, or None when Redis no longer knows it. Raises redis.RedisError when Redis is down."""
    try:
        return Job.fetch(job_id, connection=quick_connection())
    except NoSuchJobError:
        return None


def active_job(job_id: str) -> Job | None:
    """The job with this id if it is queued, scheduled or running."""
    try:
        job = Job.fetch(job_id, connection=redis_connection())
    except NoSuchJobError:
        return None
    return job if job.get_status() in ACTIVE_JOB_STATES else None


def queue_problem() -> str | None:
    """Returns None when Redis answers, else a sentence saying what cannot be done."""
    try:
        quick_connection().ping()
    except (redis.RedisError, OSError):
        return UNREACHABLE
    return None
