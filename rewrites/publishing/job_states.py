"""The only writers of ``PublishJob.state`` and ``WebhookDelivery.state``: one function per transition.

Workers, sweeps and requests race for the same rows, so every transition is one
conditional UPDATE: it names the states it may start from and changes nothing
(returning False or 0) when the row has moved on. A new job or delivery starts
in its model's default state (queued, pending); a kill, which is done at once,
is created done here.

PublishJob: queued → running → done or failed; queued or running → failed
(the worker died, or the job ran too long).
WebhookDelivery: pending → sending (an attempt is made) → succeeded, failed,
or pending again with its retry time; sending → pending when the attempt was
lost with its worker.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from rewrites.models import PublishJob, WebhookDelivery

Job = PublishJob.State
Delivery = WebhookDelivery.State
PENDING_JOB = (Job.QUEUED, Job.RUNNING)


# Publish jobs


def start_publish_job(job_id: int) -> bool:
    """queued (or running, run again after a lost worker) → running; False when the job already ended."""
    return bool(PublishJob.objects.filter(id=job_id, state__in=PENDING_JOB).update(
        state=Job.RUNNING, started_at=timezone.now()
    ))


def finish_publish_job(job_id: int, *, outcome: str) -> bool:
    """running → done, with what was done (published, republished). The job ran to its end, so it is done even
    if a sweep meanwhile took its worker for dead and failed it."""
    return bool(PublishJob.objects.filter(id=job_id).update(
        state=Job.DONE, outcome=outcome, finished_at=timezone.now()
    ))


def fail_publish_jobs(*, error: str, job_id: int | None = None, started_before: datetime | None = None) -> int:
    """queued or running → failed with the error, for one job (job_id) or every running job started before a
    time; returns how many failed (0 when they had already ended)."""
    jobs = PublishJob.objects.filter(state__in=PENDING_JOB)
    if job_id is not None:
        jobs = jobs.filter(id=job_id)
    if started_before is not None:
        jobs = jobs.filter(state=Job.RUNNING, started_at__lt=started_before)
    return jobs.update(state=Job.FAILED, error=error, finished_at=timezone.now())


def create_done_job(**fields) -> PublishJob:
    """A job done as it is created (a kill takes the story down in the request itself)."""
    now = timezone.now()
    return PublishJob.objects.create(state=Job.DONE, created_at=now, started_at=now, finished_at=now, **fields)


# Webhook deliveries


def claim_delivery(delivery_id: int, *, due_by: datetime) -> bool:
    """pending and due by due_by → sending; False when another worker has it or it is not due."""
    return bool(WebhookDelivery.objects.filter(
        id=delivery_id, state=Delivery.PENDING, next_attempt_at__lte=due_by
    ).update(state=Delivery.SENDING, next_attempt_at=timezone.now()))


def settle_delivery(delivery_id: int, *, error: str, attempts: int, retry_at: datetime | None) -> tuple[str, datetime | None]:
    """sending → succeeded (no error), failed (an error and no retry_at) or pending until retry_at; returns the
    state and the retry time."""
    fields: dict = {"attempt_count": attempts, "last_error": error}
    if not error:
        fields.update(state=Delivery.SUCCEEDED, delivered_at=timezone.now(), next_attempt_at=None)
    elif retry_at is None:
        fields.update(state=Delivery.FAILED, next_attempt_at=None)
    else:
        fields.update(state=Delivery.PENDING, next_attempt_at=retry_at)
    WebhookDelivery.objects.filter(id=delivery_id, state=Delivery.SENDING).update(**fields)
    return fields["state"], fields["next_attempt_at"]


def release_lost_deliveries(*, sending_since: datetime) -> int:
    """sending since before sending_since → pending: the attempt was lost with its worker."""
    return WebhookDelivery.objects.filter(state=Delivery.SENDING, next_attempt_at__lt=sending_since).update(
        state=Delivery.PENDING
    )
