"""A clustering job whose worker is killed with SIGKILL is back in the queue as soon as the worker's heartbeat
lapses, not when the sweep for lost articles next looks (five minutes)."""

import pytest
from django.db import transaction

from clusters.clustering import lock_clusters
from clusters.jobs import _job_id, enqueue_assignment
from newsroom.queues import WORKER_ALIVE_KEY, fetch_job, get_queue, redis_connection, requeue_abandoned_jobs
from tests.factories import make_article
from tests.test_generate_worker_kill import wait_for
from tests.workers import kill_worker_and_its_children, start_worker


def worker_name(job_id: str) -> str:
    return fetch_job(job_id).worker_name


def beat_of(name: str) -> int:
    """The time (unix seconds) of the worker's last heartbeat."""
    return int(redis_connection().get(WORKER_ALIVE_KEY.format(name)))


HEARTBEAT = {"NEWSROOM_WORKER_HEARTBEAT_SECONDS": "0.5", "NEWSROOM_WORKER_LOST_AFTER_SECONDS": "2"}


@pytest.mark.django_db(transaction=True)
def test_a_clustering_job_of_a_killed_worker_is_back_in_the_queue_and_runs_once():
    article = make_article(title="Studio Trigger announces a new film", text="Studio Trigger announced a film.")
    enqueue_assignment(article.id)
    job_id = _job_id(article.id)
    with transaction.atomic():
        # Holding the clustering lock keeps the job waiting inside the worker, so the kill lands mid-job.
        lock_clusters()
        worker = start_worker("default", env=HEARTBEAT)
        try:
            wait_for(lambda: fetch_job(job_id).get_status() == "started", "the job started")
            kill_worker_and_its_children(worker)
        finally:
            if worker.poll() is None:
                kill_worker_and_its_children(worker)

        assert wait_for(requeue_abandoned_jobs, "the abandoned job handed back") == 1
        assert job_id in get_queue("default").job_ids

    finisher = start_worker("default", "--burst", env=HEARTBEAT)
    output = finisher.communicate(timeout=120)[0].decode()
    assert finisher.returncode == 0, output
    article.refresh_from_db()
    assert article.cluster_id is not None
    assert fetch_job(job_id).get_status() == "finished"


@pytest.mark.django_db(transaction=True)
def test_a_live_worker_busy_with_a_long_job_is_not_taken_for_dead():
    article = make_article(title="Studio Trigger announces a new film", text="Studio Trigger announced a film.")
    enqueue_assignment(article.id)
    job_id = _job_id(article.id)
    with transaction.atomic():
        lock_clusters()
        worker = start_worker("default", env=HEARTBEAT)
        try:
            wait_for(lambda: fetch_job(job_id).get_status() == "started", "the job started")
            first_beat = beat_of(worker_name(job_id))

            def beating_past(seconds: int) -> bool:
                assert worker.poll() is None and requeue_abandoned_jobs() == 0
                return beat_of(worker_name(job_id)) >= first_beat + seconds

            # Three lapses of the heartbeat's two-second limit while the job is stuck: the worker still beats.
            wait_for(lambda: beating_past(3 * 2), "three lapses of the heartbeat's limit")
            assert fetch_job(job_id).get_status() == "started"
        finally:
            kill_worker_and_its_children(worker)
