"""Publish-queue jobs: take ids, load, call rewrites.publish and rewrites.webhooks."""

from django.utils import timezone

from rewrites.models import PublishJob
from rewrites.publish import PublishError, publish_rewrite
from rewrites.webhooks import deliver_webhook


def run_publish_job(publish_job_id: int) -> str:
    """Runs one PublishJob, recording its progress; safe to run again."""
    job = PublishJob.objects.filter(id=publish_job_id).select_related("requested_by").first()
    if job is None or job.state in (PublishJob.State.DONE, PublishJob.State.FAILED):
        return "nothing to do"
    PublishJob.objects.filter(id=job.id).update(state=PublishJob.State.RUNNING, started_at=timezone.now())
    try:
        result = publish_rewrite(
            rewrite_id=job.rewrite_id, user=job.requested_by, correction_note=job.correction_note
        )
    except PublishError as error:
        PublishJob.objects.filter(id=job.id).update(
            state=PublishJob.State.FAILED, error=str(error), finished_at=timezone.now()
        )
        return f"refused: {error}"
    except Exception as error:
        PublishJob.objects.filter(id=job.id).update(
            state=PublishJob.State.FAILED,
            error=(
                f"Publishing stopped with an unexpected error ({type(error).__name__}: {error}). "
                "Nothing was made public. Try again; if it fails again, tell an admin."
            ),
            finished_at=timezone.now(),
        )
        raise
    PublishJob.objects.filter(id=job.id).update(
        state=PublishJob.State.DONE, outcome=result.outcome, finished_at=timezone.now()
    )
    return result.outcome


def run_webhook_delivery(delivery_id: int) -> str:
    attempt = deliver_webhook(delivery_id=delivery_id)
    return "skipped" if attempt is None else f"attempt {attempt.number}: {attempt.status_code or attempt.error}"
