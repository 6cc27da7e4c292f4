"""A rewrite is assigned to an editor or claimed, through the rules; the queue filters "mine" and "unassigned";
the workspace shows who is assigned; the history records it."""

import pytest

from rewrites.desk.review import ReviewError, assign_rewrite, spike_rewrite
from rewrites.models import Revision, Rewrite
from tests.factories import make_draft, make_user

pytestmark = pytest.mark.django_db


def hx(client, url: str, data: dict):
    return client.post(url, data, headers={"HX-Request": "true"})


def test_an_editor_claims_a_rewrite_and_the_history_says_so(seed_record, editor, client):
    rewrite = make_draft(seed=seed_record)
    client.force_login(editor)

    answer = hx(client, f"/rewrites/{rewrite.id}/assign/", {"assignee": "me"})

    assert answer.status_code == 200 and "You claimed this rewrite." in answer.content.decode()
    rewrite = Rewrite.objects.get(id=rewrite.id)
    assert rewrite.assigned_to == editor and rewrite.assigned_at is not None
    revision = rewrite.revisions.first()
    assert revision.kind == Revision.Kind.ASSIGNED and revision.reason == "Claimed by eda" and revision.user == editor
    assert "Assigned to <strong>you</strong>" in client.get(f"/rewrites/{rewrite.id}/").content.decode()


def test_assigning_to_a_colleague_keeps_the_version_so_no_open_edit_conflicts(seed_record, editor, client):
    rewrite = make_draft(seed=seed_record)
    colleague = make_user(username="cole", role="Editors")
    client.force_login(editor)

    hx(client, f"/rewrites/{rewrite.id}/assign/", {"assignee": str(colleague.pk)})

    assigned = Rewrite.objects.get(id=rewrite.id)
    assert assigned.assigned_to == colleague
    assert assigned.version == rewrite.version
    assert assigned.revisions.first().reason == "Assigned to cole"
    page = client.get(f"/rewrites/{rewrite.id}/").content.decode()
    assert "Assigned to <strong>cole</strong>" in page
    hx(client, f"/rewrites/{rewrite.id}/assign/", {"assignee": ""})
    assert Rewrite.objects.get(id=rewrite.id).assigned_to is None
    assert Rewrite.objects.get(id=rewrite.id).revisions.first().reason == "Unassigned (was cole)"


def test_a_rewrite_cannot_be_assigned_to_someone_who_cannot_edit(seed_record, editor, staff, client):
    rewrite = make_draft(seed=seed_record)
    client.force_login(editor)

    answer = hx(client, f"/rewrites/{rewrite.id}/assign/", {"assignee": str(staff.pk)})

    assert answer.status_code == 400
    assert "cannot edit rewrites" in answer.content.decode()
    assert Rewrite.objects.get(id=rewrite.id).assigned_to is None


def test_a_spiked_rewrite_cannot_be_assigned(seed_record, editor):
    rewrite = make_draft(seed=seed_record)
    spike_rewrite(rewrite_id=rewrite.id, user=editor, reason="Duplicate")

    with pytest.raises(ReviewError, match="spiked rewrite needs no editor"):
        assign_rewrite(rewrite_id=rewrite.id, assignee=editor, user=editor)


def test_staff_cannot_assign(seed_record, staff, client):
    rewrite = make_draft(seed=seed_record)
    client.force_login(staff)

    assert client.post(f"/rewrites/{rewrite.id}/assign/", {"assignee": "me"}).status_code == 403
    assert 'id="claim-button"' not in client.get(f"/rewrites/{rewrite.id}/").content.decode()


def test_the_queue_filters_mine_and_unassigned(seed_record, editor, client):
    colleague = make_user(username="cole", role="Editors")
    mine = make_draft(seed=seed_record, number=1, headline="Mine to review")
    theirs = make_draft(seed=seed_record, number=2, headline="For Cole to review")
    nobodys = make_draft(seed=seed_record, number=3, headline="Nobody yet")
    assign_rewrite(rewrite_id=mine.id, assignee=editor, user=editor)
    assign_rewrite(rewrite_id=theirs.id, assignee=colleague, user=editor)
    client.force_login(editor)

    page_mine = client.get("/", {"assigned": "mine"}).content.decode()
    page_unassigned = client.get("/", {"assigned": "unassigned"}).content.decode()
    page_all = client.get("/").content.decode()

    assert mine.headline in page_mine and theirs.headline not in page_mine and nobodys.headline not in page_mine
    assert nobodys.headline in page_unassigned and mine.headline not in page_unassigned
    assert 'class="badge assignee" title="Assigned to cole">cole<' in page_all
    assert "There is no assignment filter" in client.get("/", {"assigned": "theirs"}).content.decode()


def test_the_queue_query_count_does_not_grow_with_assigned_rows(
    seed_record, editor, client, monkeypatch, django_assert_num_queries
):
    from tests.test_queue import force_estimate

    force_estimate(monkeypatch, 1.0)  # the walk down the sort, then the sorted matches, whatever the statistics say
    client.force_login(editor)
    for number in range(1, 4):
        rewrite = make_draft(seed=seed_record, number=number)
        assign_rewrite(rewrite_id=rewrite.id, assignee=editor, user=editor)
    client.get("/")
    # A short filtered page: the estimate, the walk, the sort (five statements inside the test's transaction)
    # and the page's rows.
    with django_assert_num_queries(14) as captured:
        client.get("/", {"assigned": "mine"})
    few = len(captured.captured_queries)
    for number in range(4, 9):
        rewrite = make_draft(seed=seed_record, number=number)
        assign_rewrite(rewrite_id=rewrite.id, assignee=editor, user=editor)
    with django_assert_num_queries(few):
        client.get("/", {"assigned": "mine"})


def test_a_colleague_assigned_a_rewrite_is_told_once_and_the_log_says_who_assigned_it(seed_record, editor):
    from newsroom.models import AuditEntry, Notification

    rewrite = make_draft(seed=seed_record)
    colleague = make_user(username="cole", role="Editors")

    assign_rewrite(rewrite_id=rewrite.id, assignee=colleague, user=editor)
    assign_rewrite(rewrite_id=rewrite.id, assignee=colleague, user=editor)

    told = Notification.objects.get(recipient=colleague, kind="assigned")
    assert told.link == f"/rewrites/{rewrite.id}/" and "eda assigned you" in told.message
    entry = AuditEntry.objects.get(action="assign")
    assert entry.actor_id == editor.pk and entry.changes == {"assigned to": ["", "cole"]}

    assign_rewrite(rewrite_id=rewrite.id, assignee=editor, user=editor)

    assert Notification.objects.get(pk=told.pk).cleared_at is not None
    assert not Notification.objects.filter(recipient=editor, kind="assigned").exists()  # claiming says nothing
