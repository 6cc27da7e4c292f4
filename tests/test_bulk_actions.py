"""Bulk actions in the queue go through the same rules and functions as the single actions and report per row."""

import pytest

from rewrites.desk.review import edit_field, spike_rewrite
from rewrites.models import Revision, Rewrite
from tests.factories import make_draft, make_user

pytestmark = pytest.mark.django_db


def bulk(client, data: dict):
    return client.post("/rewrites/bulk/", data, headers={"HX-Request": "true"})


def test_a_bulk_spike_reports_each_row_and_refuses_what_the_rules_refuse(seed_record, editor, client):
    first = make_draft(seed=seed_record, number=1, headline="First draft")
    second = make_draft(seed=seed_record, number=2, headline="Second draft")
    gone = make_draft(seed=seed_record, number=3, headline="Already spiked")
    spike_rewrite(rewrite_id=gone.id, user=editor, reason="Duplicate")
    client.force_login(editor)

    answer = bulk(client, {"action": "spike", "reason": "Off topic", "ids": [first.id, gone.id, second.id]})

    body = answer.content.decode()
    assert answer.status_code == 200
    assert "2 done, 1 refused." in body
    assert "<strong>First draft</strong>: Spiked." in body
    assert "<strong>Already spiked</strong>: This rewrite is already spiked." in body
    assert "queue-changed" in answer["HX-Trigger"]
    for rewrite in (first, second):
        spiked = Rewrite.objects.get(id=rewrite.id)
        assert spiked.status == Rewrite.Status.SPIKED
        assert spiked.revisions.first().reason == "Off topic"


def test_a_bulk_spike_needs_a_reason(seed_record, editor, client):
    rewrite = make_draft(seed=seed_record)
    client.force_login(editor)

    answer = bulk(client, {"action": "spike", "reason": " ", "ids": [rewrite.id]})

    assert answer.status_code == 400 and "Say why these stories are spiked" in answer.content.decode()
    assert Rewrite.objects.get(id=rewrite.id).status == Rewrite.Status.DRAFT


def test_nothing_selected_says_how_to_select(seed_record, editor, client):
    client.force_login(editor)

    assert "press x on a row" in bulk(client, {"action": "assign", "assignee": "me"}).content.decode()


def test_a_bulk_regenerate_leaves_edited_rewrites_for_their_workspace(seed_record, editor, client):
    untouched = make_draft(seed=seed_record, number=1, headline="Untouched")
    edited = make_draft(seed=seed_record, number=2, headline="Edited")
    edit_field(rewrite_id=edited.id, field="summary", value="An editor's summary.", base_version=edited.version, user=editor)
    client.force_login(editor)

    body = bulk(client, {"action": "regenerate", "ids": [untouched.id, edited.id]}).content.decode()

    assert "<strong>Untouched</strong>: Regeneration queued." in body
    assert "Editors changed its text since it was written; regenerate it from its workspace" in body
    assert Rewrite.objects.get(id=untouched.id).status == Rewrite.Status.QUEUED
    assert Rewrite.objects.get(id=edited.id).status == Rewrite.Status.DRAFT


def test_a_bulk_assign_assigns_each_row_and_records_it(seed_record, editor, client):
    colleague = make_user(username="cole", role="Editors")
    rewrites = [make_draft(seed=seed_record, number=number) for number in (1, 2)]
    client.force_login(editor)

    body = bulk(client, {"action": "assign", "assignee": str(colleague.pk), "ids": [r.id for r in rewrites]}).content.decode()

    assert body.count("Assigned to cole.") == 2
    for rewrite in rewrites:
        assigned = Rewrite.objects.get(id=rewrite.id)
        assert assigned.assigned_to == colleague
        assert assigned.revisions.first().kind == Revision.Kind.ASSIGNED


def test_staff_cannot_act_in_bulk(seed_record, staff, client):
    rewrite = make_draft(seed=seed_record)
    client.force_login(staff)

    assert bulk(client, {"action": "spike", "reason": "x", "ids": [rewrite.id]}).status_code == 403
    assert 'id="bulk-form"' not in client.get("/").content.decode()
