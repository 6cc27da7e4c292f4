"""The one way to reach Redis: the job queues, a job by id and what it is doing, and a quick "is the queue up?" check.

Every module that enqueues work, reads a job's state or keeps short-lived
state in Redis (presence) goes through these functions.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import django_rq
import redis
import rq
from django.conf import settings
from rq.exceptions import NoSuchJobError
from rq.executions import Execution
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry
from rq.utils import as_text, current_timestamp, import_attribute, parse_composite_key
from rq.worker import SimpleWorker, Worker

logger = logging.getLogger(__name__)

UNREACHABLE = (
    "The job queue is unreachable, so this cannot run now. Everything you can read still works; "
    "try again when the queue server is back (an admin can check it at /admin/rq/)."
)


# Jobs queued before the packages were reorganised name their function by its old path. Workers
# run them under the new one, so a deploy never strands queued or scheduled work. Removed in the release
# after the one that moved them (README, "Upgrade notes").
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


# A desk worker refreshes ALIVE every NEWSROOM_WORKER_HEARTBEAT_SECONDS from a thread of its own, whatever
# its job is doing; the key expires NEWSROOM_WORKER_LOST_AFTER_SECONDS after the last beat. BEATS says the
# worker is one that beats at all, and outlives ALIVE by a day, so a missing ALIVE means the worker died.
WORKER_ALIVE_KEY = "newsroom:worker:{}:alive"
WORKER_BEATS_KEY = "newsroom:worker:{}:beats"
BEATS_MARKER_SECONDS = 86_400


class HeartbeatMixin:
    """Sends the desk's worker heartbeat from a thread while the worker lives.

    RQ's own heartbeat comes from the loop that runs jobs, so a long job (or a
    worker that runs jobs in its own process) looks the same as a dead worker
    until the job's timeout; this one does not depend on the job.
    """

    def register_birth(self):
        super().register_birth()
        self._heartbeat_stop = threading.Event()
        self.send_desk_heartbeat()
        threading.Thread(target=self._beat_until_stopped, name="desk-heartbeat", daemon=True).start()

    def register_death(self):
        stop = getattr(self, "_heartbeat_stop", None)
        if stop is not None:
            stop.set()
            with contextlib.suppress(redis.RedisError):
                self.connection.delete(WORKER_ALIVE_KEY.format(self.name))
        super().register_death()

    def send_desk_heartbeat(self) -> None:
        with self.connection.pipeline() as pipeline:
            pipeline.set(WORKER_ALIVE_KEY.format(self.name), int(time.time()),
                         ex=max(1, round(settings.NEWSROOM_WORKER_LOST_AFTER_SECONDS)))
            pipeline.set(WORKER_BEATS_KEY.format(self.name), 1, ex=BEATS_MARKER_SECONDS)
            pipeline.execute()

    def _beat_until_stopped(self) -> None:
        while not self._heartbeat_stop.wait(settings.NEWSROOM_WORKER_HEARTBEAT_SECONDS):
            try:
                self.send_desk_heartbeat()
            except (redis.RedisError, OSError) as error:
                logger.warning("Worker %s could not send its heartbeat: %s", self.name, error)


class DeskWorker(HeartbeatMixin, Worker):
    """The desk's worker (``settings.RQ["WORKER_CLASS"]``): RQ's forking worker with the desk's heartbeat."""


class SimpleDeskWorker(HeartbeatMixin, SimpleWorker):
    """RQ's worker that runs each job in its own process, with the desk's heartbeat."""


def worker_stopped(connection: redis.Redis, worker_name: str) -> bool:
    """Whether the worker is one that sends the desk's heartbeat and has stopped sending it."""
    if not worker_name:
        return False
    beats, alive = connection.mget(WORKER_BEATS_KEY.format(worker_name), WORKER_ALIVE_KEY.format(worker_name))
    return beats is not None and alive is None


def _execution_worker(connection: redis.Redis, member: bytes | str) -> str:
    execution = Execution.from_composite_key(as_text(member), connection=connection)
    return as_text(connection.hget(execution.key, "worker_name") or b"")


def requeue_abandoned_jobs() -> int:
    """Hands RQ every started job whose worker stopped its heartbeat; returns how many.

    RQ's own abandoned-job handling then takes exactly those: a job with
    retries left goes back in its queue, any other is failed (and the recovery
    sweep of its feature puts the work back). RQ alone would wait for the job's
    timeout and for its next maintenance run, ten minutes apart by default.
    """
    connection = redis_connection()
    total = 0
    for name in settings.RQ_QUEUES:
        registry = StartedJobRegistry(queue=get_queue(name))
        abandoned = [
            member for member in connection.zrange(registry.key, 0, -1)
            if worker_stopped(connection, _execution_worker(connection, member))
        ]
        if not abandoned:
            continue
        for member in abandoned:
            job_id, _ = parse_composite_key(as_text(member))
            logger.warning("The worker running job %s on queue %s stopped; handing the job back to RQ.", job_id, name)
        # Marked expired, they are what RQ's cleanup treats as abandoned; live executions keep their scores.
        connection.zadd(registry.key, {member: 1 for member in abandoned}, xx=True)
        registry.cleanup(timestamp=1)
        total += len(abandoned)
    return total


def get_queue(name: str) -> rq.Queue:
    """The RQ queue called name (default, ingest, generate or publish)."""
    return django_rq.get_queue(name)


def redis_connection() -> redis.Redis:
    """The desk's Redis connection, shared with the queues."""
    return django_rq.get_connection("default")


def quick_connection() -> redis.Redis:
    """A Redis connection that gives up after a second, for requests that must not hang on a dead server."""
    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)


class JobState(StrEnum):
    """What a job is doing, as job_state reads it; read_job (newsroom.progress) adds MISSING and UNREACHABLE."""

    QUEUED = "queued"  # waiting in its queue, or scheduled for later
    RUNNING = "running"  # a worker is running it and still sends heartbeats
    FINISHED = "finished"
    FAILED = "failed"  # raised, timed out, or was stopped or canceled by an admin
    STOPPED = "stopped"  # marked started, but the worker running it stopped sending heartbeats (it died)
    MISSING = "missing"  # Redis does not know the job: never queued yet, or its record expired
    UNREACHABLE = "unreachable"  # Redis did not answer


def fetch_job(job_id: str) -> Job | None:
    """The job with this id, or None when Redis no longer knows it. Raises redis.RedisError when Redis is down."""
    try:
        return Job.fetch(job_id, connection=quick_connection())
    except NoSuchJobError:
        return None


def job_state(job: Job) -> JobState:
    """What the job is doing, read honestly from RQ.

    RQ keeps a job marked started until its worker reports the end. A worker
    that dies never does, so a started job counts as running only while the
    worker's heartbeat for it is fresh in the queue's started-job registry (the
    test RQ itself uses to fail abandoned jobs, which it does only every few
    minutes) and, for a desk worker, while the worker still sends the desk's
    own heartbeat. Raises redis.RedisError when Redis is down.
    """
    status = job.get_status()
    if status == JobStatus.STARTED:
        if _has_live_execution(job):
            return JobState.RUNNING
        # A job that ended between the two reads has left the registry along with its final status.
        status = job.get_status()
        if status == JobStatus.STARTED:
            return JobState.STOPPED
    if status == JobStatus.FINISHED:
        return JobState.FINISHED
    if status in {JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED}:
        return JobState.FAILED
    return JobState.QUEUED


def _has_live_execution(job: Job) -> bool:
    registry = job.started_job_registry
    connection = registry.connection
    live = connection.zrangebyscore(registry.key, current_timestamp(), "+inf")
    return any(
        as_text(member).startswith(f"{job.id}:") and not worker_stopped(connection, _execution_worker(connection, member))
        for member in live
    )


def active_job(job_id: str) -> Job | None:
    """The job with this id if it is queued, scheduled or running; not one whose worker died."""
    try:
        job = Job.fetch(job_id, connection=redis_connection())
    except NoSuchJobError:
        return None
    return job if job_state(job) in {JobState.QUEUED, JobState.RUNNING} else None


def queue_problem() -> str | None:
    """Returns None when Redis answers, else a sentence saying what cannot be done."""
    try:
        quick_connection().ping()
    except (redis.RedisError, OSError):
        return UNREACHABLE
    return None


@dataclass(frozen=True)
class FailedJob:
    id: str
    queue: str
    description: str
    reason: str  # the last line of the error, in the job's own words
    ended_at: datetime | None


@dataclass(frozen=True)
class QueueSummary:
    name: str
    waiting: int
    running: int
    failed: int
    scheduled: int
    recent_failures: list[FailedJob]


def queue_summaries(*, failures_shown: int = 10) -> list[QueueSummary]:
    """Every queue of ``settings.RQ_QUEUES`` with its jobs waiting, running (live heartbeat), failed and
    scheduled, and its newest failed jobs. Raises redis.RedisError when Redis is down."""
    summaries = []
    for name in settings.RQ_QUEUES:
        queue = get_queue(name)
        failed = queue.failed_job_registry
        started = queue.started_job_registry
        running = queue.connection.zcount(started.key, current_timestamp(), "+inf")
        # Scored by when their record expires, so the newest failures score highest.
        newest = failed.get_job_ids(0, failures_shown - 1, desc=True, cleanup=False)
        jobs = [job for job in Job.fetch_many(newest, connection=queue.connection) if job is not None]
        # Scores are whole seconds; jobs that failed within the same second are ordered by when they ended.
        jobs.sort(key=lambda job: job.ended_at.timestamp() if job.ended_at else 0.0, reverse=True)
        summaries.append(
            QueueSummary(
                name=name,
                waiting=queue.count,
                running=running,
                failed=failed.count,
                scheduled=queue.scheduled_job_registry.count,
                recent_failures=[
                    FailedJob(
                        id=job.id, queue=name, description=job.description or job.func_name or job.id,
                        reason=failure_reason(job), ended_at=job.ended_at,
                    )
                    for job in jobs
                ],
            )
        )
    return summaries


def failure_reason(job: Job) -> str:
    """The last line of a failed job's traceback ("TimeoutError: ..."), or what RQ recorded instead."""
    result = job.latest_result()
    text = (result.exc_string if result is not None and result.exc_string else None) or job.exc_info or ""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "The job failed without an error message (its worker may have been stopped)."


class RetryRefused(Exception):
    """Why a failed job could not be queued again, in words for the person who asked."""


def retry_failed_job(*, queue_name: str, job_id: str) -> Job:
    """Queues a failed job of queue_name again (RQ keeps its id and arguments). Raises RetryRefused."""
    if queue_name not in settings.RQ_QUEUES:
        raise RetryRefused(f"There is no queue called {queue_name!r}.")
    queue = get_queue(queue_name)
    registry = queue.failed_job_registry
    if job_id not in registry:
        raise RetryRefused(
            f"Job {job_id} is no longer among the failed jobs of the {queue_name} queue: someone may have retried "
            "it already, or its record expired. The list below is up to date."
        )
    try:
        registry.requeue(job_id)
    except NoSuchJobError as error:
        raise RetryRefused(f"Job {job_id} no longer exists in Redis, so it cannot be retried.") from error
    return Job.fetch(job_id, connection=queue.connection)
