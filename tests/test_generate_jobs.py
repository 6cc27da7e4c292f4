from datetime import timedelta

import django_rq
import pytest
from django.utils import timezone

from rewrites.generation.jobs import (
    RegenerateRefused,
    enqueue_due_repairs,
    enqueue_now,
    enqueue_settled_clusters,
    recover_interrupted_generations,
    regenerate_rewrite,
)
from rewrites.models import Rewrite
from tests import llm_server as replies
from tests.factories import make_article, make_cluster, make_source
from tests.generate_helpers import good_content

pytestmark = pytest.mark.django_db


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Runs on_commit callbacks (the enqueues) as the block exits."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def generate_queue_size() -> int:
    return django_rq.get_queue("generate").count


def test_settled_cluster_is_written_by_a_generate_worker(llm, commit, run_jobs):
    cluster = make_cluster(seen_minutes_ago=60)
    llm.default = replies.good(good_content(cluster))

    with commit():
        summary = enqueue_settled_clusters()
    run_jobs("generate")

    assert summary.startswith("1 new")
    rewrite = Rewrite.objects.get(cluster=cluster)
    assert rewrite.status == Rewrite.Status.DRAFT


def test_unsettled_cluster_waits(llm, commit, settings):
    settings.NEWSROOM_SETTLE_SECONDS = 900
    make_cluster(seen_minutes_ago=1)

    with commit():
        enqueue_settled_clusters()

    assert not Rewrite.objects.exists() and generate_queue_size() == 0


def test_cluster_with_enough_sources_is_settled_at_once(llm, commit, settings):
    settings.NEWSROOM_SETTLE_SOURCE_COUNT = 2
    cluster = make_cluster(seen_minutes_ago=1)

    with commit():
        enqueue_settled_clusters()

    assert Rewrite.objects.get(cluster=cluster).status == Rewrite.Status.QUEUED
    assert generate_queue_size() == 1


def write_draft(llm, commit, run_jobs, cluster):
    llm.default = replies.good(good_content(cluster))
    with commit():
        enqueue_settled_clusters()
    run_jobs("generate")
    return Rewrite.objects.get(cluster=cluster)


def add_source(cluster) -> None:
    make_article(
        source=make_source(name="Third Wire"), cluster=cluster, url="https://third.example.com/x",
        title="Trigger film dated", text="Studio Trigger confirmed the film.", published_at=timezone.now(),
    )
    cluster.source_count = 3
    cluster.save(update_fields=["source_count"])


def test_stale_draft_is_rewritten_with_the_new_sources(llm, commit, run_jobs):
    cluster = make_cluster(seen_minutes_ago=60)
    rewrite = write_draft(llm, commit, run_jobs, cluster)
    add_source(cluster)
    content = good_content(cluster)
    content["attribution"].append({"source": "Third Wire", "url": "https://third.example.com/x", "title": "Film dated"})
    llm.default = replies.good(content)

    with commit():
        enqueue_settled_clusters()
    run_jobs("generate")

    rewrite.refresh_from_db()
    cluster.refresh_from_db()
    assert rewrite.status == Rewrite.Status.DRAFT, rewrite.failure_reason + str(rewrite.lint_flags)
    assert cluster.written_source_count == 3
    assert rewrite.attributions.count() == 3
    assert len(llm.requests) == 2


def test_stale_published_rewrite_is_only_flagged(llm, commit, run_jobs):
    cluster = make_cluster(seen_minutes_ago=60)
    rewrite = write_draft(llm, commit, run_jobs, cluster)
    Rewrite.objects.filter(id=rewrite.id).update(status=Rewrite.Status.PUBLISHED)
    add_source(cluster)

    with commit():
        summary = enqueue_settled_clusters()

    assert "1 edited, approved or published flagged as stale" in summary
    assert generate_queue_size() == 0
    assert Rewrite.objects.stale().get().status == Rewrite.Status.PUBLISHED


def test_stale_draft_edited_by_an_editor_is_only_flagged(llm, commit, run_jobs):
    cluster = make_cluster(seen_minutes_ago=60)
    rewrite = write_draft(llm, commit, run_jobs, cluster)
    Rewrite.objects.filter(id=rewrite.id).update(summary="Edited by hand.", updated_at=timezone.now())
    add_source(cluster)

    with commit():
        summary = enqueue_settled_clusters()

    assert "0 stale drafts rewritten, 1 edited" in summary
    assert Rewrite.objects.get(id=rewrite.id).summary == "Edited by hand."
    assert generate_queue_size() == 0


def test_due_repair_is_enqueued_and_a_future_one_is_not(llm, commit, run_jobs):
    due = Rewrite.objects.create(
        cluster=make_cluster(number=1), status=Rewrite.Status.QUEUED, repair_attempts=1,
        next_repair_at=timezone.now() - timedelta(seconds=1),
    )
    Rewrite.objects.create(
        cluster=make_cluster(number=2), status=Rewrite.Status.QUEUED, repair_attempts=1,
        next_repair_at=timezone.now() + timedelta(hours=1),
    )
    llm.default = replies.good(good_content(due.cluster))

    with commit():
        assert enqueue_due_repairs() == "1 enqueued"
    run_jobs("generate")

    due.refresh_from_db()
    assert due.status == Rewrite.Status.DRAFT


def test_a_rewrite_already_on_the_queue_is_not_enqueued_twice(llm, commit):
    Rewrite.objects.create(cluster=make_cluster(), status=Rewrite.Status.QUEUED)

    with commit():
        enqueue_due_repairs()
    with commit():
        enqueue_due_repairs()

    assert generate_queue_size() == 1


def test_regenerating_one_field_through_the_queue(llm, commit, run_jobs):
    cluster = make_cluster(seen_minutes_ago=60)
    rewrite = write_draft(llm, commit, run_jobs, cluster)
    llm.push(replies.good({"headline": "Starlight Relay Opens in Spring 2027"}))

    with commit():
        regenerate_rewrite(rewrite_id=rewrite.id, field="headline")
    run_jobs("generate")

    rewrite.refresh_from_db()
    assert rewrite.headline == "Starlight Relay Opens in Spring 2027"
    assert rewrite.slug == "starlight-relay-opens-in-spring-2027"
    assert rewrite.status == Rewrite.Status.DRAFT


def test_regenerating_a_draft_goes_back_through_the_queue(llm, commit, run_jobs, editor):
    cluster = make_cluster(seen_minutes_ago=60)
    rewrite = write_draft(llm, commit, run_jobs, cluster)

    with commit():
        regenerate_rewrite(rewrite_id=rewrite.id, user=editor)
    rewrite.refresh_from_db()
    assert rewrite.status == Rewrite.Status.QUEUED and rewrite.failure_reason == ""
    run_jobs("generate")

    rewrite.refresh_from_db()
    assert rewrite.status == Rewrite.Status.DRAFT and rewrite.failure_reason == ""
    assert rewrite.revisions.first().user == editor


def test_regenerating_a_spiked_rewrite_is_refused(db):
    rewrite = Rewrite.objects.create(cluster=make_cluster(), status=Rewrite.Status.SPIKED)

    with pytest.raises(RegenerateRefused, match="spiked"):
        regenerate_rewrite(rewrite_id=rewrite.id)


def test_a_generation_left_running_by_a_dead_worker_is_requeued(llm, commit, run_jobs):
    rewrite = Rewrite.objects.create(cluster=make_cluster(), status=Rewrite.Status.GENERATING)
    llm.default = replies.good(good_content(rewrite.cluster))

    with commit():
        assert recover_interrupted_generations() == "1 recovered"
    rewrite.refresh_from_db()
    assert rewrite.status == Rewrite.Status.QUEUED and "worker stopped" in rewrite.failure_reason
    run_jobs("generate")

    rewrite.refresh_from_db()
    assert rewrite.status == Rewrite.Status.DRAFT


def test_a_generation_still_held_by_a_live_worker_is_left_alone(db):
    from django.db import connection

    from rewrites.generation.write import _lock_key

    rewrite = Rewrite.objects.create(cluster=make_cluster(), status=Rewrite.Status.GENERATING)
    other = connection.copy()
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [_lock_key(rewrite.id)])

        assert recover_interrupted_generations() == "0 recovered"
    finally:
        other.close()
    rewrite.refresh_from_db()
    assert rewrite.status == Rewrite.Status.GENERATING


def test_enqueue_now_uses_one_job_per_rewrite(db, commit):
    rewrite = Rewrite.objects.create(cluster=make_cluster(), status=Rewrite.Status.QUEUED)

    with commit():
        first = enqueue_now(rewrite.id)
    with commit():
        second = enqueue_now(rewrite.id)

    assert first == second == f"generate-{rewrite.id}"
    assert generate_queue_size() == 1
