"""Jobs queued before the packages were reorganised name their function by its old dotted path; workers run
them under the new one (newsroom.queues.RENAMED_JOB_FUNCTIONS), so a deploy strands no queued work."""

from importlib import import_module

import django_rq
import pytest
from django.test import TestCase
from rq.job import Job

from newsroom.queues import RENAMED_JOB_FUNCTIONS
from rewrites.models import PublishJob, Rewrite, Webhook, WebhookDelivery
from rewrites.publishing.publish import publish_rewrite
from tests.factories import make_approved, make_cluster
from tests.publishing_helpers import Receiver
from tests.workers import start_worker

pytestmark = pytest.mark.django_db


def enqueue_by_old_path(queue_name: str, path: str, *args, job_id: str) -> None:
    """Queues a job the way a worker of the previous release left it: by the function's old dotted path."""
    module, _, name = path.rpartition(".")
    with pytest.raises((ImportError, AttributeError)):
        getattr(import_module(module), name)  # the old path is gone: only the alias can run it
    with TestCase.captureOnCommitCallbacks(execute=True):
        django_rq.get_queue(queue_name).enqueue(path, *args, job_id=job_id)


def finished_job(queue_name: str, job_id: str) -> Job:
    job = django_rq.get_queue(queue_name).fetch_job(job_id)
    assert job.get_status() == "finished", job.latest_result().exc_string if job.latest_result() else job.get_status()
    return job


def test_every_old_path_points_at_a_function_that_exists():
    for new in RENAMED_JOB_FUNCTIONS.values():
        module, _, name = new.rpartition(".")
        assert callable(getattr(import_module(module), name))


def test_an_ingest_job_queued_under_its_old_path_runs(run_jobs):
    enqueue_by_old_path("ingest", "clusters.jobs.ingest_source_job", 0, job_id="old-ingest")

    run_jobs("ingest")

    assert finished_job("ingest", "old-ingest").return_value()["summary"] == "Source deleted."


def test_a_generation_job_queued_under_its_old_path_writes_the_rewrite(run_jobs):
    rewrite = Rewrite.objects.create(cluster=make_cluster(), status=Rewrite.Status.QUEUED)
    enqueue_by_old_path("generate", "rewrites.jobs.generate_rewrite_job", rewrite.id, job_id="old-generate")

    run_jobs("generate")

    finished_job("generate", "old-generate")
    rewrite.refresh_from_db()
    assert rewrite.status == Rewrite.Status.DRAFT and rewrite.headline


def test_a_publish_job_queued_under_its_old_path_publishes(seed_record, editor, run_jobs):
    rewrite = make_approved(seed=seed_record, number=91)
    job = PublishJob.objects.create(rewrite=rewrite, requested_by=editor, rq_job_id="old-publish")
    enqueue_by_old_path("publish", "rewrites.publish_jobs.run_publish_job", job.id, job_id="old-publish")

    run_jobs("publish")

    finished_job("publish", "old-publish")
    job.refresh_from_db()
    assert (job.state, job.outcome) == (PublishJob.State.DONE, "published")


def test_a_webhook_delivery_queued_under_its_old_path_is_sent(seed_record, editor, run_jobs, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.NEWSROOM_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    rewrite = make_approved(seed=seed_record, number=92)
    with Receiver() as receiver:
        Webhook.objects.create(name="site build", url=receiver.hook_url, secret="shared")
        delivery_id = publish_rewrite(rewrite_id=rewrite.id, user=editor).deliveries[0]
        enqueue_by_old_path("publish", "rewrites.publish_jobs.run_webhook_delivery", delivery_id, job_id="old-hook")

        run_jobs("publish")

    finished_job("publish", "old-hook")
    assert len(receiver.requests) == 1
    assert WebhookDelivery.objects.get(id=delivery_id).state == WebhookDelivery.State.SUCCEEDED


@pytest.mark.django_db(transaction=True)
def test_the_rqworker_command_runs_jobs_queued_under_old_paths():
    enqueue_by_old_path("ingest", "clusters.jobs.ingest_source_job", 0, job_id="old-ingest")

    worker = start_worker("ingest", "--burst")
    output = worker.communicate(timeout=120)[0].decode()

    assert worker.returncode == 0, output
    assert finished_job("ingest", "old-ingest").return_value()["summary"] == "Source deleted."
