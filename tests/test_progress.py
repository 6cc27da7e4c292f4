"""One progress mechanism: how the queue reads a job, and what the workspace, the publishing section and the
Sources page show while a job runs, when it ends, and when its worker dies."""

import os
import signal
import time

import django_rq
import pytest
from django.test import Client, TestCase
from django.urls import reverse
from rq import SimpleWorker

from clusters.sources.jobs import ingest_source_job
from newsroom.progress import read_job
from newsroom.queues import JobState, active_job
from newsroom.roles import ADMINS
from rewrites.generation.jobs import enqueue_now, job_id_for
from rewrites.models import ModelCall, PublishJob, Rewrite
from rewrites.publishing.jobs import request_publish, requeue_lost_publish_jobs
from tests.factories import make_approved, make_cluster, make_source, make_user
from tests.http_server import LocalHTTPServer, Reply, slow_reply
from tests.workers import start_worker

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def take_in_a_worker(job_id: str, queue_name: str):
    """Does to the job what a worker does when it takes it: an execution with a fresh heartbeat, the job started."""
    queue = django_rq.get_queue(queue_name)
    job = queue.fetch_job(job_id)
    worker = SimpleWorker([queue], connection=queue.connection)
    execution = worker.prepare_execution(job)
    with queue.connection.pipeline() as pipeline:
        job.prepare_for_execution(worker.name, pipeline)
        pipeline.execute()
    return execution


def outlive_heartbeat(job_id: str, queue_name: str) -> None:
    """Moves the job's heartbeat expiry into the past, as time does once a dead worker has sent its last one."""
    queue = django_rq.get_queue(queue_name)
    registry = queue.fetch_job(job_id).started_job_registry
    for member in registry.connection.zrange(registry.key, 0, -1):
        if member.decode().startswith(f"{job_id}:"):
            registry.connection.zadd(registry.key, {member: time.time() - 1})


def enqueue_fetch(job_id: str, *, source_id=0) -> None:
    """A fetch of source_id; of one that does not exist by default, which ends at once saying so."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        django_rq.get_queue("ingest").enqueue(ingest_source_job, source_id, job_id=job_id)


# How the queue reads a job


def test_a_started_job_whose_worker_still_sends_heartbeats_reads_running():
    enqueue_fetch("fetch-1")
    take_in_a_worker("fetch-1", "ingest")

    assert read_job("fetch-1").state == JobState.RUNNING


def test_a_started_job_whose_worker_stopped_sending_heartbeats_reads_stopped():
    enqueue_fetch("fetch-1")
    take_in_a_worker("fetch-1", "ingest")
    outlive_heartbeat("fetch-1", "ingest")

    assert read_job("fetch-1").state == JobState.STOPPED


def test_a_job_whose_worker_died_is_no_longer_active_so_it_can_be_queued_again():
    enqueue_fetch("fetch-1")
    take_in_a_worker("fetch-1", "ingest")
    assert active_job("fetch-1") is not None

    outlive_heartbeat("fetch-1", "ingest")

    assert active_job("fetch-1") is None


def test_a_job_the_queue_does_not_know_reads_missing():
    assert read_job("never-queued").state == JobState.MISSING


def test_a_finished_job_reads_finished_with_what_it_returned(run_jobs):
    enqueue_fetch("fetch-1")
    run_jobs("ingest")

    reading = read_job("fetch-1")

    assert reading.state == JobState.FINISHED
    assert reading.result["summary"] == "Source deleted."


def test_a_failed_job_reads_failed_with_the_last_line_of_its_error(run_jobs):
    enqueue_fetch("fetch-1", source_id="not-a-number")
    run_jobs("ingest")

    reading = read_job("fetch-1")

    assert reading.state == JobState.FAILED
    assert reading.error.startswith("ValueError: ")


def test_an_unreachable_queue_reads_unreachable(settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    assert read_job("fetch-1").state == JobState.UNREACHABLE


# The workspace: generation


def test_the_workspace_shows_a_running_generation_as_running(editor):
    rewrite = Rewrite.objects.create(cluster=make_cluster(), status=Rewrite.Status.GENERATING)
    with TestCase.captureOnCommitCallbacks(execute=True):
        enqueue_now(rewrite.id)
    take_in_a_worker(job_id_for(rewrite.id), "generate")
    client = Client()
    client.force_login(editor)

    progress = client.get(f"/rewrites/{rewrite.id}/progress/", **HX).content.decode()

    assert "Writing the rewrite with the offline writer" in progress
    assert 'hx-trigger="every 1s"' in progress


def test_a_running_generation_names_the_model_the_worker_is_waiting_on(editor):
    rewrite = Rewrite.objects.create(cluster=make_cluster(), status=Rewrite.Status.GENERATING)
    with TestCase.captureOnCommitCallbacks(execute=True):
        enqueue_now(rewrite.id, field="summary")
    take_in_a_worker(job_id_for(rewrite.id, "summary"), "generate")
    ModelCall.objects.create(rewrite=rewrite, model="gpt-4o-mini", prompt_version="1", purpose="summary")
    client = Client()
    client.force_login(editor)

    progress = client.get(f"/rewrites/{rewrite.id}/progress/", {"field": "summary"}, **HX).content.decode()

    assert "Writing the Summary field with gpt-4o-mini" in progress


def test_the_workspace_says_when_the_generation_worker_died_and_keeps_following_the_retry(editor):
    rewrite = Rewrite.objects.create(cluster=make_cluster(), status=Rewrite.Status.GENERATING)
    with TestCase.captureOnCommitCallbacks(execute=True):
        enqueue_now(rewrite.id)
    take_in_a_worker(job_id_for(rewrite.id), "generate")
    outlive_heartbeat(job_id_for(rewrite.id), "generate")
    client = Client()
    client.force_login(editor)

    page = client.get(f"/rewrites/{rewrite.id}/").content.decode()
    progress = client.get(f"/rewrites/{rewrite.id}/progress/", **HX).content.decode()

    for html in (page, progress):
        assert "The worker writing the rewrite stopped; retrying" in html
        assert "with the language model" not in html
    assert 'hx-trigger="every 1s"' in progress


# The publishing section


def publishing_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_publish_progress_is_polled_until_done_then_the_section_reloads(
    seed_record, editor, run_jobs, django_capture_on_commit_callbacks
):
    rewrite = make_approved(seed=seed_record, number=81)
    with django_capture_on_commit_callbacks(execute=True):
        job = request_publish(rewrite_id=rewrite.id, user=editor)
    client = publishing_client(editor)
    url = reverse("publishing:progress", args=[rewrite.id, job.id])

    waiting = client.get(url, **HX)
    run_jobs("publish")
    done = client.get(url, **HX)

    assert "Waiting for a worker to publish" in waiting.content.decode()
    assert 'hx-trigger="every 1s"' in waiting.content.decode() and "HX-Trigger" not in waiting
    assert "Publish done: published." in done.content.decode() and "hx-get" not in done.content.decode()
    assert "publish-finished" in done["HX-Trigger"]
    section = client.get(reverse("publishing:status", args=[rewrite.id]), **HX).content.decode()
    assert 'hx-trigger="publish-finished from:body"' in section


def publishing_in_a_worker(*, seed: dict, number: int, user) -> tuple[Rewrite, PublishJob]:
    """An approved rewrite whose publish job a worker has taken and marked running, as run_publish_job does."""
    rewrite = make_approved(seed=seed, number=number)
    with TestCase.captureOnCommitCallbacks(execute=True):
        job = request_publish(rewrite_id=rewrite.id, user=user)
    take_in_a_worker(job.rq_job_id, "publish")
    PublishJob.objects.filter(id=job.id).update(state=PublishJob.State.RUNNING)
    return rewrite, job


def test_a_publish_whose_worker_died_shows_failed_and_can_be_published_again(
    seed_record, editor, django_capture_on_commit_callbacks
):
    rewrite, job = publishing_in_a_worker(seed=seed_record, number=82, user=editor)
    outlive_heartbeat(job.rq_job_id, "publish")
    client = publishing_client(editor)

    progress = client.get(reverse("publishing:progress", args=[rewrite.id, job.id]), **HX)
    section = client.get(reverse("publishing:status", args=[rewrite.id]), **HX).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        again = request_publish(rewrite_id=rewrite.id, user=editor)

    assert "The worker stopped while publishing, so nothing was made public" in progress.content.decode()
    assert "publish-finished" in progress["HX-Trigger"]
    assert "<button type=\"submit\">Publish</button>" in section
    assert again.id != job.id and again.state == PublishJob.State.QUEUED
    assert PublishJob.objects.get(id=job.id).state == PublishJob.State.FAILED


def test_the_scheduler_fails_a_publish_whose_worker_died_without_waiting_for_the_timeout(seed_record, editor):
    _, job = publishing_in_a_worker(seed=seed_record, number=83, user=editor)
    assert requeue_lost_publish_jobs() == 0

    outlive_heartbeat(job.rq_job_id, "publish")

    assert requeue_lost_publish_jobs() == 1
    job.refresh_from_db()
    assert job.state == PublishJob.State.FAILED and "worker stopped" in job.error


# The Sources page: "Fetch now" with a real worker that is killed mid-fetch


@pytest.mark.django_db(transaction=True)
def test_fetch_now_whose_worker_is_killed_says_the_worker_stopped(tmp_path):
    server = LocalHTTPServer({"/feed": Reply(body=lambda handler: slow_reply(handler, delay=30))}).start()
    source = make_source(feed_url=server.url("/feed"))
    client = Client()
    client.force_login(make_user(username="ada", role=ADMINS))
    started = client.post(reverse("sources:fetch", args=[source.id]), **HX).content.decode()
    job_id = started.split(f"/sources/{source.id}/fetch/", 1)[1].split("/", 1)[0]
    status_url = reverse("sources:fetch-status", args=[source.id, job_id])
    worker = start_worker(
        "ingest", "--worker-class", "rq.worker.SimpleWorker",
        env={"NEWSROOM_FETCH_ALLOWED_HOSTS": server.host, "MEDIA_ROOT": str(tmp_path)},
    )
    try:
        assert server.received.wait(60), "the worker never fetched the feed"
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
        just_killed = client.get(status_url, **HX)
        outlive_heartbeat(job_id, "ingest")
        later = client.get(status_url, **HX)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
        server.stop()

    # Until the heartbeat expires the queue cannot tell a dead worker from a slow one.
    assert "fetching the feed and its articles" in just_killed.content.decode()
    assert "the worker stopped before the fetch finished" in later.content.decode()
    assert "hx-get" not in later.content.decode() and "source-fetched" in later["HX-Trigger"]
