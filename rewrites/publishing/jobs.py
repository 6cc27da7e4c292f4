"""Publish-queue jobs: publishing, republishing and webhook deliveries, and the sweeps that find lost ones.

Everything that puts work on the ``publish`` queue is here, enqueued once the
transaction commits; the jobs take ids and call ``publish.py`` and ``webhooks.py``.
``publish_progress`` tells the desk how a publish job is getting on.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from rq.job import Job

from newsroom.notifications import clear, notify
from newsroom.progress import Progress, ProgressState, read_job
from newsroom.queues import UNREACHABLE, JobState, get_queue, redis_connection
from rewrites.models import PublishedStory, PublishJob, Rewrite, WebhookDelivery
from rewrites.publishing import job_states
from rewrites.publishing.publish import (
    KillResult,
    PublishError,
    check_publishable,
    locked_rewrite,
    publish_rewrite,
    unpublish_rewrite,
)
from rewrites.publishing.webhooks import copy_delivery, deliver_webhook

logger = logging.getLogger(__name__)

QUEUE = "publish"
MISSING_PUBLICATIONS_PER_TICK = 500
MISSING_PUBLICATION_RETRY = timedelta(hours=1)
LOST_JOB_AFTER = timedelta(minutes=5)
LOST_DELIVERY_AFTER = timedelta(minutes=2)
WORKER_STOPPED = "The worker stopped while publishing, so nothing was made public. Publish again."


# Jobs


def run_publish_job(publish_job_id: int) -> str:
    """Runs one PublishJob, recording its progress; safe to run again."""
    job = PublishJob.objects.filter(id=publish_job_id).select_related("requested_by").first()
    if job is None or job.state in (PublishJob.State.DONE, PublishJob.State.FAILED):
        return "nothing to do"
    if not job_states.start_publish_job(job.id):
        return "nothing to do"
    try:
        with transaction.atomic():
            result = publish_rewrite(
                rewrite_id=job.rewrite_id, user=job.requested_by, correction_note=job.correction_note
            )
            send_deliveries(result.deliveries)
    except PublishError as error:
        job_states.fail_publish_jobs(job_id=job.id, error=str(error))
        _tell_publish_failed(job, str(error))
        return f"refused: {error}"
    except Exception as error:
        message = (
            f"Publishing stopped with an unexpected error ({type(error).__name__}: {error}). "
            "Nothing was made public. Try again; if it fails again, tell an admin."
        )
        job_states.fail_publish_jobs(job_id=job.id, error=message)
        _tell_publish_failed(job, message)
        raise
    job_states.finish_publish_job(job.id, outcome=result.outcome)
    clear(f"publish-failed:{job.rewrite_id}")
    return result.outcome


def _tell_publish_failed(job: PublishJob, error: str) -> None:
    """A failed publish is said once per rewrite, until a publish of it succeeds."""
    notify(
        kind="job", cause_key=f"publish-failed:{job.rewrite_id}",
        message=f"{job.get_action_display()} of rewrite {job.rewrite_id} failed: {error}",
        link=reverse("rewrites:workspace", args=[job.rewrite_id]),
    )


def run_webhook_delivery(delivery_id: int) -> str:
    """Makes the next attempt of one webhook delivery and schedules the retry when it failed."""
    outcome = deliver_webhook(delivery_id=delivery_id)
    if outcome is None:
        return "skipped"
    if outcome.retry_at is not None:
        _enqueue_delivery(delivery_id, at=outcome.retry_at)
    attempt = outcome.attempt
    return f"attempt {attempt.number}: {attempt.status_code or attempt.error}"


# Progress


def publish_progress(job: PublishJob) -> Progress:
    """How a publish job is getting on: its PublishJob row, and while that is pending, the queue's reading."""
    if job.state == PublishJob.State.DONE:
        return Progress(ProgressState.DONE, f"{job.get_action_display()} done: {job.outcome or 'finished'}.")
    if job.state == PublishJob.State.FAILED:
        return Progress(ProgressState.FAILED, job.error or "Publishing failed.")
    reading = read_job(job.rq_job_id)
    if reading.state == JobState.UNREACHABLE:
        return Progress(ProgressState.UNKNOWN, UNREACHABLE)
    if _ended_in_the_worker(job, reading.state):
        return Progress(ProgressState.FAILED, WORKER_STOPPED)
    if job.state == PublishJob.State.QUEUED and reading.state in {JobState.QUEUED, JobState.MISSING}:
        # MISSING: not enqueued until the request commits, or lost by Redis (the sweep puts it back).
        return Progress(ProgressState.QUEUED, "Waiting for a worker to publish…")
    return Progress(ProgressState.RUNNING, "Publishing the story page, the feeds and the card…")


def _ended_in_the_worker(job: PublishJob, state: JobState) -> bool:
    """A pending publish whose job the queue has ended without the job recording it: its worker died."""
    return job.is_pending and state in {JobState.STOPPED, JobState.FAILED}


def fail_if_worker_stopped(job: PublishJob) -> bool:
    """Marks a pending publish job failed when its worker died mid-run; returns whether it did.

    A publish is one transaction, so a job whose worker died made nothing public.
    """
    if not _ended_in_the_worker(job, read_job(job.rq_job_id).state):
        return False
    failed = job_states.fail_publish_jobs(job_id=job.id, error=WORKER_STOPPED)
    if failed:
        _tell_publish_failed(job, WORKER_STOPPED)
    return bool(failed)


# Enqueueing


def _enqueue_publish_job(job: PublishJob) -> None:
    get_queue(QUEUE).enqueue(run_publish_job, job.id, job_id=job.rq_job_id)


def _enqueue_delivery(delivery_id: int, *, at: datetime | None = None) -> None:
    queue = get_queue(QUEUE)
    if at is None:
        queue.enqueue(run_webhook_delivery, delivery_id)
        return
    # RQ's scheduler keeps whole seconds and rounds down: round up so the retry is never early.
    if at.microsecond:
        at = at.replace(microsecond=0) + timedelta(seconds=1)
    queue.enqueue_at(at, run_webhook_delivery, delivery_id)


def send_deliveries(delivery_ids: list[int]) -> None:
    """Enqueues the first attempt of each webhook delivery once the current transaction commits."""
    for delivery_id in delivery_ids:
        transaction.on_commit(lambda delivery_id=delivery_id: _enqueue_delivery(delivery_id))


def redeliver(delivery: WebhookDelivery) -> WebhookDelivery:
    """Sends the same event and body again as a new delivery (the admin's Redeliver action)."""
    copy = copy_delivery(delivery)
    send_deliveries([copy.id])
    return copy


@transaction.atomic
def request_publish(*, rewrite_id: str, user, correction_note: str = "") -> PublishJob:
    """Queues a publish or republish on the publish queue; returns the job the workspace follows.

    A request for a rewrite that already has a queued or running job returns that job.
    """
    rewrite = locked_rewrite(rewrite_id)
    check_publishable(rewrite, user=user)
    note = (correction_note or "").strip()
    if note and not PublishedStory.objects.live().filter(rewrite=rewrite).exists():
        raise PublishError("A correction note can only be attached when republishing a story that is already public.")
    pending = rewrite.publish_jobs.filter(state__in=[PublishJob.State.QUEUED, PublishJob.State.RUNNING]).first()
    if pending is not None and not fail_if_worker_stopped(pending):
        return pending
    job = PublishJob.objects.create(rewrite=rewrite, requested_by=user, correction_note=note)
    job.rq_job_id = f"publish-job-{job.id}"
    job.save(update_fields=["rq_job_id"])
    transaction.on_commit(lambda: _enqueue_publish_job(job))
    return job


@transaction.atomic
def kill_story(*, rewrite_id: str, user, reason: str) -> KillResult:
    """Takes a published story down at once (``publish.unpublish_rewrite``) and tells the webhooks."""
    result = unpublish_rewrite(rewrite_id=rewrite_id, user=user, reason=reason)
    send_deliveries(result.deliveries)
    return result


# Scheduled sweeps


def requeue_lost_publish_jobs() -> int:
    """Puts back publish jobs that Redis lost and fails those whose worker died mid-run.

    A publish is one transaction, so a job whose worker died made nothing public.
    Returns how many jobs were put back or failed.
    """
    now = timezone.now()
    connection = redis_connection()
    count = 0
    for job in PublishJob.objects.filter(state=PublishJob.State.QUEUED, created_at__lt=now - LOST_JOB_AFTER):
        if not Job.exists(job.rq_job_id, connection=connection):
            _enqueue_publish_job(job)
            count += 1
    for job in PublishJob.objects.filter(state=PublishJob.State.RUNNING):
        count += fail_if_worker_stopped(job)
    count += job_states.fail_publish_jobs(
        error=WORKER_STOPPED, started_before=now - timedelta(seconds=settings.RQ_QUEUES[QUEUE]["DEFAULT_TIMEOUT"] * 2)
    )
    return count


def enqueue_missing_publications() -> int:
    """Scheduled sweep: queues a publish for published rewrites that have no public copy yet (e.g. imported).

    A rewrite whose last attempt failed is tried again after an hour.
    """
    requeue_lost_publish_jobs()
    missing = (
        Rewrite.objects.published()
        .filter(published_story__isnull=True)
        .exclude(publish_jobs__state__in=[PublishJob.State.QUEUED, PublishJob.State.RUNNING])
        .exclude(
            publish_jobs__state=PublishJob.State.FAILED,
            publish_jobs__finished_at__gt=timezone.now() - MISSING_PUBLICATION_RETRY,
        )
        .exclude(headline__isnull=True)
        .exclude(headline="")
        .values_list("id", flat=True)[:MISSING_PUBLICATIONS_PER_TICK]
    )
    count = 0
    for rewrite_id in list(missing):
        try:
            request_publish(rewrite_id=rewrite_id, user=None)
        except PublishError:
            logger.warning("Could not queue the public copy of %s", rewrite_id, exc_info=True)
            continue
        count += 1
    return count


def enqueue_due_deliveries() -> int:
    """Scheduled sweep: re-queues deliveries whose queued job was lost (Redis restart, worker killed)."""
    now = timezone.now()
    grace = LOST_DELIVERY_AFTER + timedelta(seconds=settings.NEWSROOM_WEBHOOK_TIMEOUT_SECONDS)
    job_states.release_lost_deliveries(sending_since=now - grace)
    lost = list(
        WebhookDelivery.objects.filter(state=WebhookDelivery.State.PENDING, next_attempt_at__lt=now - grace)
        .values_list("id", flat=True)[:500]
    )
    for delivery_id in lost:
        _enqueue_delivery(delivery_id)
    return len(lost)
