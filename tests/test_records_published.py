"""Records for stories on the public site: an import never takes a live page out of the desk's hands."""

import json

import pytest

from rewrites.models import PublishedStory, Rewrite
from rewrites.publishing.publish import publish_rewrite, unpublish_rewrite
from rewrites.records import RecordError, import_record, record_for
from tests.factories import make_approved, varied_record
from tests.test_records import run_import

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def published(seed_record: dict, editor, *, number: int) -> tuple[Rewrite, PublishedStory]:
    rewrite = make_approved(seed=seed_record, number=number)
    story = publish_rewrite(rewrite_id=rewrite.id, user=editor).story
    return Rewrite.objects.select_related("cluster").get(id=rewrite.id), story


def moved_to_a_new_cluster(record: dict, *, number: int) -> dict:
    """The record with its rewrite in the cluster of another varied record: a draft with a new slug."""
    other = varied_record(record, number=number)
    record = {**record, "cluster": other["cluster"], "attribution": other["attribution"]}
    record["rewrite"] = {
        **record["rewrite"], "clusterId": other["cluster"]["id"], "status": "draft", "slug": "a-new-address",
    }
    return record


def assert_still_live_and_killable(client, editor, rewrite: Rewrite, story: PublishedStory) -> None:
    assert client.get(f"/stories/{story.slug}/").status_code == 200
    unpublish_rewrite(rewrite_id=rewrite.id, user=editor, reason="Taken down after a refused import.")
    assert client.get(f"/stories/{story.slug}/").status_code == 410


def test_a_record_that_moves_a_live_story_to_another_cluster_is_refused(seed_record, editor, client):
    rewrite, story = published(seed_record, editor, number=51)
    bystander = varied_record(seed_record, number=52)
    moved = moved_to_a_new_cluster(record_for(rewrite), number=53)

    _, err, code = run_import(json.dumps(bystander) + "\n" + json.dumps(moved) + "\n")

    assert code == 1
    assert (
        f"Refused line 2: rewrite.clusterId: is {moved['cluster']['id']} but rewrite {rewrite.id} is published "
        f"at /stories/{story.slug}/ under cluster {rewrite.cluster_id}"
    ) in err
    assert "kill the story first" in err
    kept = Rewrite.objects.get(id=rewrite.id)
    assert (kept.cluster_id, kept.status, kept.slug) == (rewrite.cluster_id, Rewrite.Status.PUBLISHED, story.slug)
    assert Rewrite.objects.filter(id=bystander["rewrite"]["id"]).exists()
    assert_still_live_and_killable(client, editor, rewrite, story)


@pytest.mark.parametrize("status", ["draft", "approved", "spiked", "failed", "queued"])
def test_a_record_that_takes_a_live_story_out_of_published_is_refused(seed_record, editor, client, status):
    rewrite, story = published(seed_record, editor, number=54)
    record = record_for(rewrite)
    record["rewrite"]["status"] = status

    _, err, code = run_import(json.dumps(record))

    assert code == 1
    assert (
        f"Refused record 1: rewrite.status: is {status} but rewrite {rewrite.id} is published at /stories/{story.slug}/"
    ) in err
    assert "kill the story first" in err
    assert Rewrite.objects.get(id=rewrite.id).status == Rewrite.Status.PUBLISHED
    assert_still_live_and_killable(client, editor, rewrite, story)


def test_a_killed_story_can_be_moved_by_a_record(seed_record, editor, client):
    rewrite, story = published(seed_record, editor, number=55)
    unpublish_rewrite(rewrite_id=rewrite.id, user=editor, reason="Moving it to the right cluster.")
    moved = moved_to_a_new_cluster(record_for(Rewrite.objects.get(id=rewrite.id)), number=56)

    imported, created = import_record(moved)

    assert not created
    assert (imported.cluster_id, imported.status) == (moved["cluster"]["id"], Rewrite.Status.DRAFT)
    assert client.get(f"/stories/{story.slug}/").status_code == 410


def test_a_new_slug_for_a_live_story_moves_its_page_only_when_it_is_republished(seed_record, editor, client):
    rewrite, story = published(seed_record, editor, number=57)
    record = record_for(rewrite)
    record["rewrite"]["slug"] = "a-better-address"
    record["rewrite"]["headline"] = "A better headline"

    import_record(record)

    assert client.get(f"/stories/{story.slug}/").status_code == 200
    assert "A better headline" not in client.get(f"/stories/{story.slug}/").content.decode()
    publish_rewrite(rewrite_id=rewrite.id, user=editor)
    assert client.get(f"/stories/{story.slug}/").status_code == 301
    assert "A better headline" in client.get("/stories/a-better-address/").content.decode()
    unpublish_rewrite(rewrite_id=rewrite.id, user=editor, reason="Wrong story.")
    assert client.get("/stories/a-better-address/").status_code == 410


@pytest.mark.parametrize("killed", [False, True], ids=["live", "killed"])
def test_a_record_cannot_take_the_address_of_another_storys_page(seed_record, editor, killed):
    rewrite, story = published(seed_record, editor, number=58)
    if killed:
        unpublish_rewrite(rewrite_id=rewrite.id, user=editor, reason="Wrong story.")
    # The editor gave the rewrite a new slug; the page keeps its address until it is republished.
    Rewrite.objects.filter(id=rewrite.id).update(slug="renamed-since")
    other = varied_record(seed_record, number=59)
    other["rewrite"]["slug"] = story.slug

    with pytest.raises(RecordError) as refusal:
        import_record(other)

    assert refusal.value.field == "rewrite.slug"
    assert f"/stories/{story.slug}/" in refusal.value.message and rewrite.id in refusal.value.message
    assert not Rewrite.objects.filter(id=other["rewrite"]["id"]).exists()


def test_a_record_cannot_take_an_address_that_redirects_to_another_story(seed_record, editor):
    rewrite, story = published(seed_record, editor, number=60)
    Rewrite.objects.filter(id=rewrite.id).update(slug="moved-here", version=rewrite.version + 1)
    publish_rewrite(rewrite_id=rewrite.id, user=editor)
    other = varied_record(seed_record, number=61)
    other["rewrite"]["slug"] = story.slug

    with pytest.raises(RecordError) as refusal:
        import_record(other)

    assert refusal.value.field == "rewrite.slug"
    assert "redirects" in refusal.value.message


def test_reimporting_a_live_storys_own_record_is_accepted(seed_record, editor, client):
    rewrite, story = published(seed_record, editor, number=62)

    _, _, code = run_import(json.dumps(record_for(rewrite)))

    assert code == 0
    assert client.get(f"/stories/{story.slug}/").status_code == 200

