"""A real rqworker process killed with SIGKILL in the middle of a generation."""

import os
import signal
import subprocess
import time

import django_rq
import pytest
from rq.registry import FailedJobRegistry, StartedJobRegistry

from rewrites.generation.jobs import (
    enqueue_due_repairs,
    enqueue_now,
    generate_rewrite_job,
    job_id_for,
    recover_interrupted_generations,
)
from rewrites.models import ModelCall, Rewrite
from tests import llm_server as replies
from tests.factories import make_cluster
from tests.generate_helpers import good_content
from tests.llm_server import LLMServer
from tests.workers import start_worker


def start_generation_worker(server: LLMServer, *extra: str) -> subprocess.Popen:
    return start_worker(
        "generate", *extra,
        env={
            "OPENAI_BASE_URL": server.base_url,
            "OPENAI_API_KEY": "test-key",
            "NEWSROOM_MODEL": "test-model",
            "NEWSROOM_MODEL_TIMEOUT_SECONDS": "60",
        },
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("job_retries", [True, False], ids=["rq-retries-the-job", "job-fails-and-is-requeued"])
def test_worker_killed_mid_generation_recovers_with_exactly_one_rewrite(job_retries):
    cluster = make_cluster()
    rewrite = Rewrite.objects.create(cluster=cluster, status=Rewrite.Status.QUEUED)
    with LLMServer(default=replies.good(good_content(cluster))) as server:
        server.push(replies.slow(good_content(cluster), 60))
        if job_retries:
            enqueue_now(rewrite.id)
        else:
            django_rq.get_queue("generate").enqueue(generate_rewrite_job, rewrite.id, job_id=job_id_for(rewrite.id))
        # A worker that runs jobs in its own process, so SIGKILL stops the generation itself
        # (a forking worker's work-horse runs in a session of its own).
        worker = start_generation_worker(server, "--worker-class", "rq.worker.SimpleWorker")
        try:
            assert server.received.wait(60), worker.communicate(timeout=5)[0].decode()
            rewrite.refresh_from_db()
            assert rewrite.status == Rewrite.Status.GENERATING
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)
        finally:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGKILL)

        # Recovery: RQ notices the abandoned job (as it does once its heartbeat expires) and the scheduler runs.
        queue = django_rq.get_queue("generate")
        StartedJobRegistry(queue=queue).cleanup(timestamp=time.time() + 3600)
        job_id = job_id_for(rewrite.id)
        retried = job_id in queue.job_ids
        failed = job_id in FailedJobRegistry(queue=queue).get_job_ids()
        assert (retried, failed) == ((True, False) if job_retries else (False, True))
        rewrite.refresh_from_db()
        assert rewrite.status == Rewrite.Status.GENERATING
        if failed:
            # Shown failed in the registry; the scheduler's recovery requeues it once the dead worker's lock is gone.
            deadline = time.monotonic() + 10
            while recover_interrupted_generations() != "1 recovered":
                assert time.monotonic() < deadline, "the dead worker's lock was never released"
                time.sleep(0.2)
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
