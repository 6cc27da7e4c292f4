"""Publishing, republishing and killing stories, and the publish job's progress."""

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from clusters.models import Cluster
from rewrites.models import Correction, PublishedStory, PublishJob, Rewrite
from rewrites.publishing.jobs import enqueue_missing_publications, request_publish
from rewrites.publishing.publish import PublishError, publish_rewrite, unpublish_rewrite
from rewrites.records import import_record
from tests.factories import make_approved
from tests.publishing_helpers import edit_rewrite

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_first_publish_sets_both_times_and_makes_the_story_public(seed_record, editor, client):
    rewrite = make_approved(seed=seed_record, number=11)

    result = publish_rewrite(rewrite_id=rewrite.id, user=editor)

    rewrite.refresh_from_db()
    assert result.outcome == "published"
    assert rewrite.status == Rewrite.Status.PUBLISHED
    assert rewrite.published_at is not None and rewrite.updated_at == rewrite.published_at
    assert Cluster.objects.get(id=rewrite.cluster_id).status == Cluster.Status.PUBLISHED
    story = PublishedStory.objects.get(rewrite=rewrite)
    assert story.published_at == rewrite.published_at and story.slug == rewrite.slug
    assert default_storage.exists(story.card.name)
    page = client.get(f"/stories/{rewrite.slug}/")
    assert page.status_code == 200
    assert rewrite.headline in page.content.decode()


def test_republish_after_an_edit_sets_updated_at_only_and_clears_unpublished_changes(seed_record, editor, client):
    rewrite = make_approved(seed=seed_record, number=12)
    first = publish_rewrite(rewrite_id=rewrite.id, user=editor).story
    edit_rewrite(rewrite.id, headline="Alibaba Bars Claude Code for Staff")

    before = client.get(f"/stories/{first.slug}/").content.decode()
    result = publish_rewrite(rewrite_id=rewrite.id, user=editor)

    rewrite.refresh_from_db()
    assert "Alibaba Bars Claude Code for Staff" not in before
    assert result.outcome == "republished"
    assert rewrite.published_at == first.published_at
    assert rewrite.updated_at > first.updated_at
    assert rewrite.has_unpublished_changes is False
    assert "Alibaba Bars Claude Code for Staff" in client.get(f"/stories/{first.slug}/").content.decode()


def test_publishing_again_without_changes_changes_nothing(seed_record, editor):
    rewrite = make_approved(seed=seed_record, number=13)
    first = publish_rewrite(rewrite_id=rewrite.id, user=editor).story

    again = publish_rewrite(rewrite_id=rewrite.id, user=editor)

    assert again.outcome == "unchanged"
    assert again.story.updated_at == first.updated_at
    assert again.story.card.name == first.card.name


def test_republish_redraws_the_card_and_deletes_the_old_one(seed_record, editor, django_capture_on_commit_callbacks):
    rewrite = make_approved(seed=seed_record, number=14)
    first = publish_rewrite(rewrite_id=rewrite.id, user=editor).story
    edit_rewrite(rewrite.id, headline="A new headline for the card")

    with django_capture_on_commit_callbacks(execute=True):
        second = publish_rewrite(rewrite_id=rewrite.id, user=editor).story

    assert second.card.name != first.card.name
    assert default_storage.exists(second.card.name)
    assert not default_storage.exists(first.card.name)


@pytest.mark.parametrize("status", ["draft", "queued", "failed", "spiked"])
def test_only_approved_or_published_rewrites_can_be_published(seed_record, editor, status):
    rewrite = make_approved(seed=seed_record, number=15, status=status)

    with pytest.raises(PublishError, match="only an approved rewrite can be published"):
        publish_rewrite(rewrite_id=rewrite.id, user=editor)
    with pytest.raises(PublishError):
        request_publish(rewrite_id=rewrite.id, user=editor)
    assert not PublishedStory.objects.exists()


def test_a_correction_note_on_republish_is_shown_on_the_public_page(seed_record, editor, client):
    rewrite = make_approved(seed=seed_record, number=16)
    publish_rewrite(rewrite_id=rewrite.id, user=editor)
    edit_rewrite(rewrite.id, summary="Alibaba banned Claude Code from July 10.")

    publish_rewrite(rewrite_id=rewrite.id, user=editor, correction_note="An earlier version gave the wrong date.")
    publish_rewrite(rewrite_id=rewrite.id, user=editor, correction_note="An earlier version gave the wrong date.")

    assert Correction.objects.filter(rewrite=rewrite).count() == 1
    page = client.get(f"/stories/{rewrite.slug}/").content.decode()
    assert "Corrections" in page and "An earlier version gave the wrong date." in page


def test_a_correction_note_is_refused_on_first_publish(seed_record, editor):
    rewrite = make_approved(seed=seed_record, number=17)

    with pytest.raises(PublishError, match="only be attached when republishing"):
        publish_rewrite(rewrite_id=rewrite.id, user=editor, correction_note="Fixed a typo.")


def test_request_publish_runs_on_the_publish_queue_and_records_progress(
    seed_record, editor, run_jobs, django_capture_on_commit_callbacks
):
    rewrite = make_approved(seed=seed_record, number=18)

    with django_capture_on_commit_callbacks(execute=True):
        job = request_publish(rewrite_id=rewrite.id, user=editor)
        assert job.state == PublishJob.State.QUEUED
        assert request_publish(rewrite_id=rewrite.id, user=editor).id == job.id
    run_jobs("publish")

    job.refresh_from_db()
    assert job.state == PublishJob.State.DONE and job.outcome == "published"
    assert job.started_at and job.finished_at
    assert Rewrite.objects.get(id=rewrite.id).status == Rewrite.Status.PUBLISHED


def test_a_publish_job_for_a_rewrite_that_was_sent_back_fails_with_the_reason(
    seed_record, editor, run_jobs, django_capture_on_commit_callbacks
):
    rewrite = make_approved(seed=seed_record, number=19)
    with django_capture_on_commit_callbacks(execute=True):
        job = request_publish(rewrite_id=rewrite.id, user=editor)
    Rewrite.objects.filter(id=rewrite.id).update(status=Rewrite.Status.DRAFT)

    run_jobs("publish")

    job.refresh_from_db()
    assert job.state == PublishJob.State.FAILED
    assert "is draft" in job.error and "approve it first" in job.error


def test_killing_a_story_takes_it_off_the_page_the_feeds_and_the_card(
    seed_record, editor, client, django_capture_on_commit_callbacks
):
    rewrite = make_approved(seed=seed_record, number=20)
    story = publish_rewrite(rewrite_id=rewrite.id, user=editor).story
    assert client.get(f"/stories/{story.slug}/card.png").status_code == 200
    assert rewrite.id in client.get("/feeds/feed.json").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        unpublish_rewrite(rewrite_id=rewrite.id, user=editor, reason="Legal asked us to take it down.")

    assert client.get(f"/stories/{story.slug}/").status_code == 410
    assert client.get(f"/stories/{story.slug}/card.png").status_code == 410
    assert not default_storage.exists(story.card.name)
    assert rewrite.id not in client.get("/feeds/feed.json").content.decode()
    assert story.headline not in client.get("/feeds/rss.xml").content.decode()
    rewrite.refresh_from_db()
    assert rewrite.status == Rewrite.Status.SPIKED
    assert PublishJob.objects.get(rewrite=rewrite, action="unpublish").reason == "Legal asked us to take it down."


def test_killing_needs_a_reason_and_a_public_story(seed_record, editor):
    rewrite = make_approved(seed=seed_record, number=21)

    with pytest.raises(PublishError, match="not on the public site"):
        unpublish_rewrite(rewrite_id=rewrite.id, user=editor, reason="Wrong story.")
    with pytest.raises(PublishError, match="Give a reason"):
        unpublish_rewrite(rewrite_id=rewrite.id, user=editor, reason="  ")


def test_an_imported_published_record_gets_its_public_copy_with_its_own_times(
    seed_record, run_jobs, client, django_capture_on_commit_callbacks
):
    rewrite, _ = import_record(seed_record)

    with django_capture_on_commit_callbacks(execute=True):
        assert enqueue_missing_publications() == 1
    run_jobs("publish")

    story = PublishedStory.objects.get(rewrite_id=rewrite.id)
    assert story.published_at.isoformat().startswith("2026-07-04T15:13:32")
    assert client.get(f"/stories/{seed_record['rewrite']['slug']}/").status_code == 200
    assert enqueue_missing_publications() == 0


# The desk's publish pages


def test_editors_publish_through_the_desk_with_csrf_and_see_progress(
    seed_record, editor, run_jobs, django_capture_on_commit_callbacks
):
    rewrite = make_approved(seed=seed_record, number=22)
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    page = client.get(f"/rewrites/{rewrite.id}/publishing/")
    token = page.cookies["csrftoken"].value

    refused = client.post(f"/rewrites/{rewrite.id}/publish/", HTTP_HX_REQUEST="true")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/rewrites/{rewrite.id}/publish/", HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN=token)

    assert refused.status_code == 403
    assert response.status_code == 200
    assert 'hx-trigger="every 1s"' in response.content.decode()
    assert "Queued" in response.content.decode()
    run_jobs("publish")
    status = client.get(f"/rewrites/{rewrite.id}/publishing/", HTTP_HX_REQUEST="true").content.decode()
    assert "Done" in status and f"/stories/{rewrite.slug}/" in status and "every 1s" not in status


def test_publishing_a_draft_through_the_desk_shows_why_it_was_refused(seed_record, editor):
    rewrite = make_approved(seed=seed_record, number=23, status="draft")
    client = Client()
    client.force_login(editor)

    response = client.post(f"/rewrites/{rewrite.id}/publish/", HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert "only an approved rewrite can be published" in response.content.decode()
    assert not PublishJob.objects.exists()


@pytest.mark.parametrize("role, expected", [("editor", 302), ("admin_user", 302), ("staff", 403), ("nobody", 403)])
def test_only_editors_and_admins_publish_and_kill(request, seed_record, role, expected):
    rewrite = make_approved(seed=seed_record, number=24)
    client = Client()
    client.force_login(request.getfixturevalue(role))

    assert client.post(f"/rewrites/{rewrite.id}/publish/").status_code == expected
    assert client.post(f"/rewrites/{rewrite.id}/unpublish/", {"reason": "x"}).status_code == expected


def test_killing_through_the_desk(seed_record, editor, client):
    rewrite = make_approved(seed=seed_record, number=25)
    publish_rewrite(rewrite_id=rewrite.id, user=editor)
    client.force_login(editor)

    response = client.post(
        f"/rewrites/{rewrite.id}/unpublish/", {"reason": "Duplicate of another story."}, HTTP_HX_REQUEST="true"
    )

    assert "Taken down" in response.content.decode()
    assert client.get(f"/stories/{rewrite.slug}/").status_code == 410


def test_a_publish_job_lost_by_redis_is_queued_again(seed_record, editor, run_jobs, django_capture_on_commit_callbacks):
    from datetime import timedelta

    import django_rq
    from django.utils import timezone

    rewrite = make_approved(seed=seed_record, number=26)
    with django_capture_on_commit_callbacks(execute=True):
        job = request_publish(rewrite_id=rewrite.id, user=editor)
    django_rq.get_connection("publish").flushdb()
    PublishJob.objects.filter(id=job.id).update(created_at=timezone.now() - timedelta(minutes=6))

    with django_capture_on_commit_callbacks(execute=True):
        enqueue_missing_publications()
    run_jobs("publish")

    job.refresh_from_db()
    assert job.state == PublishJob.State.DONE


def test_a_publish_job_whose_worker_died_is_marked_failed(seed_record, editor):
    from datetime import timedelta

    from django.utils import timezone

    rewrite = make_approved(seed=seed_record, number=27)
    job = PublishJob.objects.create(
        rewrite=rewrite, state=PublishJob.State.RUNNING, started_at=timezone.now() - timedelta(hours=1)
    )

    enqueue_missing_publications()

    job.refresh_from_db()
    assert job.state == PublishJob.State.FAILED and "Publish again" in job.error


def test_a_rewrite_without_a_slug_gets_one_from_its_headline(seed_record, editor, client):
    rewrite = make_approved(seed=seed_record, number=28, slug=None, headline="Frieren Season 2: It's Official!")

    story = publish_rewrite(rewrite_id=rewrite.id, user=editor).story

    assert story.slug == "frieren-season-2-its-official"
    assert Rewrite.objects.get(id=rewrite.id).slug == story.slug
    assert client.get("/stories/frieren-season-2-its-official/").status_code == 200


def test_an_address_kept_by_a_killed_story_is_not_reused(seed_record, editor):
    killed = make_approved(seed=seed_record, number=29)
    publish_rewrite(rewrite_id=killed.id, user=editor)
    unpublish_rewrite(rewrite_id=killed.id, user=editor, reason="Wrong story.")
    Rewrite.objects.filter(id=killed.id).update(slug="renamed-after-the-kill")
    # Import and the slug editor refuse the address already; publish checks it again.
    other = make_approved(seed=seed_record, number=30)
    Rewrite.objects.filter(id=other.id).update(slug="varied-record-29")

    with pytest.raises(PublishError, match="already belongs to another story that was taken down"):
        publish_rewrite(rewrite_id=other.id, user=editor)

