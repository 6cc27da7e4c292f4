"""A real rqworker process killed with SIGKILL in the middle of a generation."""

import os
import signal
import subprocess
import time

import django_rq
import pytest
from rq.registry import FailedJobRegistry

from newsroom.queues import requeue_abandoned_jobs
from rewrites.generation.jobs import (
    enqueue_due_repairs,
    enqueue_now,
    generate_rewrite_job,
    generation_progress,
    job_id_for,
    recover_interrupted_generations,
)
from rewrites.models import ModelCall, Rewrite
from tests import llm_server as replies
from tests.factories import make_cluster
from tests.generate_helpers import good_content
from tests.llm_server import LLMServer
from tests.workers import kill_worker_and_its_children, start_worker


def start_generation_worker(server: LLMServer, *extra: str) -> subprocess.Popen:
    return start_worker(
        "generate", *extra,
        env={
            "OPENAI_BASE_URL": server.base_url,
            "OPENAI_API_KEY": "test-key",
            "NEWSROOM_MODEL": "test-model",
            "NEWSROOM_MODEL_TIMEOUT_SECONDS": "60",
            # Short, so the test does not wait long for the dead worker's heartbeat to lapse.
            "NEWSROOM_WORKER_HEARTBEAT_SECONDS": "0.5",
            "NEWSROOM_WORKER_LOST_AFTER_SECONDS": "2",
        },
    )


def wait_for(check, what: str, limit: float = 60):
    """Returns check()'s first true answer; fails, naming what never happened, after limit seconds."""
    deadline = time.monotonic() + limit
    while not (answer := check()):
        assert time.monotonic() < deadline, f"{what} never happened"
        time.sleep(0.2)
    return answer


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "job_retries, worker_class",
    [
        (True, "newsroom.queues.SimpleDeskWorker"),
        (False, "newsroom.queues.SimpleDeskWorker"),
        (True, "newsroom.queues.DeskWorker"),
    ],
    ids=["rq-retries-the-job", "job-fails-and-is-requeued", "forking-worker"],
)
def test_worker_killed_mid_generation_is_found_by_its_heartbeat_and_recovers_with_exactly_one_rewrite(
    job_retries, worker_class
):
    cluster = make_cluster()
    rewrite = Rewrite.objects.create(cluster=cluster, status=Rewrite.Status.QUEUED)
    with LLMServer(default=replies.good(good_content(cluster))) as server:
        # Far longer than the heartbeat: only the missing heartbeat, not the job's timeout, can free the job.
        server.push(replies.slow(good_content(cluster), 60))
        if job_retries:
            enqueue_now(rewrite.id)
        else:
            django_rq.get_queue("generate").enqueue(generate_rewrite_job, rewrite.id, job_id=job_id_for(rewrite.id))
        worker = start_generation_worker(server, "--worker-class", worker_class)
        try:
            assert server.received.wait(60), worker.communicate(timeout=5)[0].decode()
            rewrite.refresh_from_db()
            assert rewrite.status == Rewrite.Status.GENERATING
            assert generation_progress(rewrite).message.startswith("Writing the rewrite")
            kill_worker_and_its_children(worker)
        finally:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGKILL)

        # Before any recovery runs, the workspace already says what happened.
        progress = wait_for(
            lambda: (reading := generation_progress(rewrite)).message.startswith("The worker") and reading,
            "the stopped worker shown",
        )
        assert "stopped; retrying" in progress.message and not progress.finished

        # The scheduler's sweep finds the job by its worker's missing heartbeat (its timeout is ten minutes away).
        assert wait_for(requeue_abandoned_jobs, "the abandoned job handed back") == 1
        queue = django_rq.get_queue("generate")
        job_id = job_id_for(rewrite.id)
        retried = job_id in queue.job_ids
        failed = job_id in FailedJobRegistry(queue=queue).get_job_ids()
        assert (retried, failed) == ((True, False) if job_retries else (False, True))
        rewrite.refresh_from_db()
        assert rewrite.status == Rewrite.Status.GENERATING
        assert "stopped; retrying" in generation_progress(rewrite).message
        if failed:
            # Failed in the registry; the scheduler's recovery requeues it once the dead worker's lock is gone.
            wait_for(lambda: recover_interrupted_generations() == "1 recovered", "the dead worker's lock released")
            rewrite.refresh_from_db()
            assert rewrite.status == Rewrite.Status.QUEUED and "worker stopped" in rewrite.failure_reason
        enqueue_due_repairs()

        finisher = start_generation_worker(server, "--burst")
        output = finisher.communicate(timeout=120)[0].decode()
        assert finisher.returncode == 0, output

    assert Rewrite.objects.filter(cluster=cluster).count() == 1
    rewrite.refresh_from_db()
    assert rewrite.status == Rewrite.Status.DRAFT, rewrite.failure_reason
    assert list(ModelCall.objects.filter(rewrite=rewrite).values_list("outcome", flat=True)) == ["interrupted", "ok"]
    assert rewrite.attributions.count() == 2
