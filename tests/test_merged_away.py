"""A rewrite whose cluster was merged into another leaves the queue, cannot be approved or published, points to
where its story went, and its public page is kept, redirected or taken down as an editor decides."""

import pytest

from clusters.editing import merge_clusters
from clusters.models import Cluster
from rewrites.desk.review import ReviewError, approve_rewrite
from rewrites.models import PublishedStory, Revision, Rewrite, StoryRedirect
from rewrites.publishing.publish import publish_rewrite
from tests.factories import make_approved, make_draft

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def merged_pair(seed_record, editor, *, away_status: str = "draft"):
    """A's rewrite (in away_status) and B's draft, after an editor merged A's cluster into B's."""
    keep = make_draft(seed=seed_record, number=1, headline="Alibaba bans Claude Code for its staff")
    if away_status == "draft":
        away = make_draft(seed=seed_record, number=2, headline="Alibaba tells staff to stop using Claude Code")
    else:
        away = make_approved(seed=seed_record, number=2, headline="Alibaba tells staff to stop using Claude Code")
        if away_status == "published":
            publish_rewrite(rewrite_id=away.id, user=editor)
    Cluster.objects.filter(id=keep.cluster_id).update(written_source_count=1, source_count=1)
    merge_clusters(keep_id=keep.cluster_id, merge_id=away.cluster_id, user=editor, reason="Same story")
    return Rewrite.objects.select_related("cluster").get(id=away.id), Rewrite.objects.select_related("cluster").get(id=keep.id)


def test_a_merged_away_rewrite_leaves_the_queue_and_the_survivor_is_stale(seed_record, editor, client):
    away, keep = merged_pair(seed_record, editor)
    client.force_login(editor)

    page = client.get("/").content.decode()

    assert keep.headline in page
    assert away.headline not in page
    assert keep.cluster.is_stale
    assert away.headline not in client.get("/?status=draft").content.decode()


def test_a_merged_away_draft_cannot_be_approved_edited_or_regenerated(seed_record, editor, client):
    away, _ = merged_pair(seed_record, editor)
    client.force_login(editor)

    answer = client.post(f"/rewrites/{away.id}/approve/", {"override_reason": "fine"}, headers={"HX-Request": "true"})

    assert answer.status_code == 400
    assert "its cluster was merged into another" in answer.content.decode()
    assert Rewrite.objects.get(id=away.id).status == Rewrite.Status.DRAFT
    with pytest.raises(ReviewError, match="cannot be approved"):
        approve_rewrite(rewrite_id=away.id, user=editor, override_reason="fine")
    edit = client.post(
        f"/rewrites/{away.id}/fields/summary/", {"value": "New text", "version": away.version}, headers={"HX-Request": "true"}
    )
    assert edit.status_code == 400 and "cannot be edited" in edit.content.decode()
    regenerate = client.post(f"/rewrites/{away.id}/regenerate/", {"confirm": "1"}, headers={"HX-Request": "true"})
    assert regenerate.status_code == 400 and "cannot be regenerated" in regenerate.content.decode()


def test_a_merged_away_approved_rewrite_cannot_be_published(seed_record, editor, client):
    away, _ = merged_pair(seed_record, editor, away_status="approved")
    client.force_login(editor)

    answer = client.post(f"/rewrites/{away.id}/publish/", headers={"HX-Request": "true"})

    assert "cannot be published" in answer.content.decode()
    assert not PublishedStory.objects.filter(rewrite=away).exists()


def test_the_workspace_says_where_the_story_went_with_a_link(seed_record, editor, client):
    away, keep = merged_pair(seed_record, editor)
    client.force_login(editor)

    page = client.get(f"/rewrites/{away.id}/").content.decode()

    assert "This story was merged into" in page
    assert f'href="/rewrites/{keep.id}/" id="merged-into-link"' in page
    assert 'id="approve-button"' not in page
    assert "merged-page-form" not in page  # not public: nothing to decide


def test_a_public_merged_away_story_asks_what_happens_to_its_page(seed_record, editor, client):
    away, _ = merged_pair(seed_record, editor, away_status="published")
    client.force_login(editor)

    page = client.get(f"/rewrites/{away.id}/").content.decode()

    assert "Its public page is still up. Decide what happens to it." in page
    assert "merged-page-form" in page
    assert client.get(f"/stories/{away.slug}/").status_code == 200


def test_keeping_the_page_leaves_it_up_and_is_in_the_history(seed_record, editor, client):
    away, _ = merged_pair(seed_record, editor, away_status="published")
    client.force_login(editor)

    answer = client.post(f"/rewrites/{away.id}/merged-page/", {"page": "keep"}, headers={"HX-Request": "true"})

    assert answer.status_code == 200 and "stays as it is" in answer.content.decode()
    assert client.get(f"/stories/{away.slug}/").status_code == 200
    revision = Rewrite.objects.get(id=away.id).revisions.first()
    assert revision.kind == Revision.Kind.MERGED and revision.user == editor
    assert "keep it as it is" in revision.reason


def test_taking_the_page_down_answers_410(seed_record, editor, client):
    away, _ = merged_pair(seed_record, editor, away_status="published")
    client.force_login(editor)

    client.post(f"/rewrites/{away.id}/merged-page/", {"page": "kill"}, headers={"HX-Request": "true"})

    assert client.get(f"/stories/{away.slug}/").status_code == 410
    assert Rewrite.objects.get(id=away.id).status == Rewrite.Status.SPIKED


def test_a_redirect_waits_for_the_surviving_story_to_be_published(seed_record, editor, client):
    away, keep = merged_pair(seed_record, editor, away_status="published")
    client.force_login(editor)

    answer = client.post(f"/rewrites/{away.id}/merged-page/", {"page": "redirect"}, headers={"HX-Request": "true"})

    assert "once that is published" in answer.content.decode()
    assert client.get(f"/stories/{away.slug}/").status_code == 200
    approve_rewrite(rewrite_id=keep.id, user=editor, override_reason="checked")
    publish_rewrite(rewrite_id=keep.id, user=editor)
    keep.refresh_from_db()
    moved = client.get(f"/stories/{away.slug}/")
    assert moved.status_code == 301
    assert moved["Location"] == f"/stories/{keep.slug}/"
    assert StoryRedirect.objects.get(slug=away.slug).story.rewrite_id == keep.id
    assert away.slug not in client.get("/feeds/rss.xml").content.decode()


def test_a_redirect_to_a_story_already_public_happens_at_once(seed_record, editor, client):
    away, keep = merged_pair(seed_record, editor, away_status="published")
    approve_rewrite(rewrite_id=keep.id, user=editor, override_reason="checked")
    keep = publish_rewrite(rewrite_id=keep.id, user=editor).story
    client.force_login(editor)

    answer = client.post(f"/rewrites/{away.id}/merged-page/", {"page": "redirect"}, headers={"HX-Request": "true"})

    assert f"now redirects to /stories/{keep.slug}/" in answer.content.decode()
    assert client.get(f"/stories/{away.slug}/")["Location"] == f"/stories/{keep.slug}/"


def test_the_page_decision_is_refused_for_a_story_that_was_not_merged(seed_record, editor, client):
    rewrite = make_approved(seed=seed_record, number=5)
    publish_rewrite(rewrite_id=rewrite.id, user=editor)
    client.force_login(editor)

    answer = client.post(f"/rewrites/{rewrite.id}/merged-page/", {"page": "kill"}, headers={"HX-Request": "true"})

    assert answer.status_code == 400
    assert "was not merged into another" in answer.content.decode()
    assert PublishedStory.objects.get(rewrite=rewrite).is_live


def test_staff_cannot_decide_a_merged_story_page(seed_record, editor, staff, client):
    away, _ = merged_pair(seed_record, editor, away_status="published")
    client.force_login(staff)

    assert client.post(f"/rewrites/{away.id}/merged-page/", {"page": "kill"}).status_code == 403
