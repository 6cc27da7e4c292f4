"""The workspace keeps every panel true: one state refresh after any change, the heartbeat that notices
someone else's change, regeneration that asks before replacing edits and never overwrites an edit saved
while it runs, credits and slug, history labels and versions."""

import json
import re

import pytest
from django.db import connection
from django.test import Client

from rewrites.desk.review import edit_field
from rewrites.desk.workspace import state_token
from rewrites.generation.jobs import regenerate_rewrite
from rewrites.models import Revision, Rewrite, Suggestion
from rewrites.revisions import edits_since_generation
from tests import llm_server as replies
from tests.csrf import csrf_client, post_with_csrf
from tests.factories import make_cluster, make_draft
from tests.generate_helpers import good_content

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def triggered(response) -> dict:
    return json.loads(response["HX-Trigger"]) if response.has_header("HX-Trigger") else {}


def test_the_state_refresh_sends_every_panel_out_of_band(client, editor, seed_record):
    rewrite = make_draft(seed=seed_record)
    client.force_login(editor)

    html = client.get(f"/rewrites/{rewrite.id}/state/", **HX).content.decode()

    assert f"<title>{rewrite.headline} · Newsroom</title>" in html
    for panel in ["headline", "actions", "publish-panel", "credits", "slug", *(
        f"field-{name}" for name in ["headline", "summary", "why_it_matters", "web_card_html", "bluesky_post",
                                     "twitter_post", "threads_post", "newsletter_blurb", "key_facts"]
    )]:
        assert re.search(rf'id="{panel}"[^>]*hx-swap-oob="true"', html), panel


def test_every_change_from_the_workspace_tells_the_page_to_refresh_its_panels(editor, seed_record):
    rewrite = make_draft(seed=seed_record)
    client = csrf_client(editor)

    saved = post_with_csrf(client, f"/rewrites/{rewrite.id}/fields/summary/", {"value": "New.", "version": 1}, **HX)
    approved = post_with_csrf(client, f"/rewrites/{rewrite.id}/approve/", {"override_reason": "Checked"}, **HX)

    assert triggered(saved)["rewrite-changed"] == {"version": 2, "elsewhere": False, "state": "2-draft-0-0"}
    assert triggered(approved)["rewrite-changed"]["state"] == "3-approved-0-0"
    assert "Approved." in approved.content.decode()


def test_the_heartbeat_tells_the_page_when_someone_else_changed_the_rewrite(editor, admin_user, seed_record):
    rewrite = make_draft(seed=seed_record)
    shown = state_token(rewrite)
    client = csrf_client(editor)
    quiet = post_with_csrf(client, f"/rewrites/{rewrite.id}/presence/", {"state": shown})
    edit_field(rewrite_id=rewrite.id, field="summary", value="Ada's summary.", base_version=1, user=admin_user)

    noticed = post_with_csrf(client, f"/rewrites/{rewrite.id}/presence/", {"state": shown})

    assert "rewrite-changed" not in triggered(quiet)
    assert triggered(noticed)["rewrite-changed"] == {"version": 2, "elsewhere": True, "state": "2-draft-0-0"}
    assert "Updated to version 2 (ada)" in noticed.content.decode()


def test_a_request_to_regenerate_is_not_shown_as_an_error(client, editor, seed_record, django_capture_on_commit_callbacks):
    rewrite = make_draft(seed=seed_record)
    with django_capture_on_commit_callbacks(execute=True):
        regenerate_rewrite(rewrite_id=rewrite.id, user=editor)
    client.force_login(editor)

    page = client.get(f"/rewrites/{rewrite.id}/").content.decode()

    assert 'class="error"' not in page
    assert "Waiting for a worker to write the rewrite with the offline writer" in page


def test_regenerating_over_an_editors_change_asks_first_and_shows_what_would_be_replaced(editor, seed_record):
    rewrite = make_draft(seed=seed_record)
    edit_field(rewrite_id=rewrite.id, field="summary", value="Eda's own summary.", base_version=1, user=editor)
    client = csrf_client(editor)

    asked = post_with_csrf(client, f"/rewrites/{rewrite.id}/regenerate/", {"field": ""}, **HX)

    html = asked.content.decode()
    assert asked.status_code == 200
    assert "replaces edits made since the model wrote it" in html
    assert "Summary" in html and "edited by eda" in html
    assert "Eda&#x27;s own summary." in html
    assert 'name="confirm" value="1"' in html
    assert Rewrite.objects.get(id=rewrite.id).status == "draft"


def test_a_confirmed_regeneration_runs_and_its_revision_names_the_editor(editor, seed_record, run_jobs, django_capture_on_commit_callbacks):
    rewrite = make_draft(seed=seed_record)
    edit_field(rewrite_id=rewrite.id, field="summary", value="Eda's own summary.", base_version=1, user=editor)
    client = csrf_client(editor)

    with django_capture_on_commit_callbacks(execute=True):
        queued = post_with_csrf(client, f"/rewrites/{rewrite.id}/regenerate/", {"field": "", "confirm": "1"}, **HX)
    run_jobs("generate")

    assert "Regeneration queued." in queued.content.decode()
    revision = Rewrite.objects.get(id=rewrite.id).revisions.first()
    assert revision.kind == Revision.Kind.GENERATED
    assert revision.user == editor


@pytest.mark.django_db(transaction=True)
def test_what_regenerating_would_replace_is_shown_against_what_the_model_wrote(llm, run_jobs, editor):
    cluster = make_cluster()
    llm.push(replies.good(good_content(cluster)))
    rewrite = Rewrite.objects.create(cluster=cluster)
    from rewrites.generation.jobs import enqueue_now

    enqueue_now(rewrite.id)
    run_jobs("generate")
    edit_field(rewrite_id=rewrite.id, field="why_it_matters", value="Fans waited 7.4 million views for this.",
               base_version=Rewrite.objects.get(id=rewrite.id).version, user=editor)

    [edit] = edits_since_generation(Rewrite.objects.get(id=rewrite.id))

    assert (edit.field, edit.editors) == ("why_it_matters", ["eda"])
    assert edit.written == "The studio said 7.4 million people watched its previous series."
    assert "".join(text for op, text in edit.parts if op in ("same", "removed")) == edit.written
    assert "".join(text for op, text in edit.parts if op in ("same", "added")) == "Fans waited 7.4 million views for this."


def test_regenerating_a_field_nobody_edited_does_not_ask(editor, seed_record, django_capture_on_commit_callbacks):
    rewrite = make_draft(seed=seed_record)
    edit_field(rewrite_id=rewrite.id, field="summary", value="Eda's own summary.", base_version=1, user=editor)
    client = csrf_client(editor)

    with django_capture_on_commit_callbacks(execute=True):
        response = post_with_csrf(client, f"/rewrites/{rewrite.id}/regenerate/", {"field": "headline"}, **HX)

    assert "Regeneration queued." in response.content.decode()
    assert [edit.field for edit in edits_since_generation(Rewrite.objects.get(id=rewrite.id))] == ["summary"]


def _edit_while_the_model_writes(rewrite_id: str, user, field: str, text: str, reply: dict):
    """A model reply that first saves an editor's edit through the workspace, as if typed while the job ran."""

    def respond(body):
        client = Client()
        client.force_login(user)
        version = Rewrite.objects.get(id=rewrite_id).version
        response = client.post(f"/rewrites/{rewrite_id}/fields/{field}/", {"value": text, "version": version}, **HX)
        assert response.status_code == 200, response.content
        connection.close()
        return json.dumps(reply)

    return replies.Behaviour(respond=respond)


@pytest.mark.django_db(transaction=True)
def test_an_edit_saved_while_a_field_is_regenerated_is_kept_and_the_new_text_offered(llm, run_jobs, editor):
    cluster = make_cluster()
    llm.push(replies.good(good_content(cluster)))
    rewrite = Rewrite.objects.create(cluster=cluster)
    from rewrites.generation.jobs import enqueue_now

    enqueue_now(rewrite.id)
    run_jobs("generate")
    llm.push(_edit_while_the_model_writes(
        rewrite.id, editor, "summary", "Studio Trigger announced Starlight Relay, an editor's summary.",
        {"summary": "Studio Trigger will open Starlight Relay in spring 2027, the model's summary."},
    ))

    regenerate_rewrite(rewrite_id=rewrite.id, field="summary", user=editor)
    run_jobs("generate")

    rewrite.refresh_from_db()
    assert rewrite.summary == "Studio Trigger announced Starlight Relay, an editor's summary."
    offered = Suggestion.objects.get(rewrite=rewrite)
    assert offered.field == "summary" and offered.text.endswith("the model's summary.")
    assert offered.requested_by == editor and offered.resolved_at is None
    revision = rewrite.revisions.first()
    assert revision.kind == Revision.Kind.REGENERATED and revision.changed_fields == [] and revision.user == editor
    assert "changed while it was being written" in revision.reason


@pytest.mark.django_db(transaction=True)
def test_an_edit_saved_while_a_published_rewrite_is_regenerated_keeps_every_field(llm, run_jobs, editor):
    cluster = make_cluster()
    llm.push(replies.good(good_content(cluster)))
    rewrite = Rewrite.objects.create(cluster=cluster)
    from rewrites.generation.jobs import enqueue_now

    enqueue_now(rewrite.id)
    run_jobs("generate")
    Rewrite.objects.filter(id=rewrite.id).update(status=Rewrite.Status.PUBLISHED)
    before = Rewrite.objects.get(id=rewrite.id)
    new = good_content(cluster) | {"headline": "A Different Headline From the Model", "whyItMatters": "A new reason."}
    llm.push(_edit_while_the_model_writes(rewrite.id, editor, "headline", "The Editor's Headline", new))

    regenerate_rewrite(rewrite_id=rewrite.id, user=editor)
    run_jobs("generate")

    rewrite.refresh_from_db()
    assert rewrite.headline == "The Editor's Headline"
    assert rewrite.why_it_matters == before.why_it_matters
    offered = {s.field: s.text for s in Suggestion.objects.filter(rewrite=rewrite)}
    assert offered == {"headline": "A Different Headline From the Model", "why_it_matters": "A new reason."}


@pytest.mark.django_db(transaction=True)
def test_a_field_regenerated_without_a_concurrent_edit_is_stored(llm, run_jobs, editor):
    cluster = make_cluster()
    llm.push(replies.good(good_content(cluster)))
    rewrite = Rewrite.objects.create(cluster=cluster)
    from rewrites.generation.jobs import enqueue_now

    enqueue_now(rewrite.id)
    run_jobs("generate")
    llm.push(replies.good({"summary": "Studio Trigger will open Starlight Relay in spring 2027."}))

    regenerate_rewrite(rewrite_id=rewrite.id, field="summary", user=editor)
    run_jobs("generate")

    rewrite.refresh_from_db()
    assert rewrite.summary == "Studio Trigger will open Starlight Relay in spring 2027."
    assert not Suggestion.objects.exists()
    assert rewrite.revisions.first().user == editor


def test_accepting_a_suggestion_makes_it_the_fields_text_as_a_revision(editor, seed_record):
    rewrite = make_draft(seed=seed_record)
    offered = Suggestion.objects.create(rewrite=rewrite, field="summary", text="The model's summary.", model="test-model")
    client = csrf_client(editor)

    response = post_with_csrf(
        client, f"/rewrites/{rewrite.id}/suggestions/{offered.id}/accept/", {"version": rewrite.version}, **HX
    )

    rewrite.refresh_from_db()
    offered.refresh_from_db()
    assert response.status_code == 200 and "rewrite-changed" in triggered(response)
    assert rewrite.summary == "The model's summary."
    assert offered.resolution == "accepted" and offered.resolved_by == editor
    revision = rewrite.revisions.first()
    assert (revision.kind, revision.user, revision.changed_fields) == ("regenerated", editor, ["summary"])


def test_accepting_a_suggestion_on_a_changed_rewrite_shows_the_conflict(editor, admin_user, seed_record):
    rewrite = make_draft(seed=seed_record)
    offered = Suggestion.objects.create(rewrite=rewrite, field="summary", text="The model's summary.")
    edit_field(rewrite_id=rewrite.id, field="summary", value="Ada's summary.", base_version=1, user=admin_user)
    client = csrf_client(editor)

    response = post_with_csrf(client, f"/rewrites/{rewrite.id}/suggestions/{offered.id}/accept/", {"version": 1}, **HX)

    assert response.status_code == 409
    assert "The model&#x27;s summary." in response.content.decode()
    assert Rewrite.objects.get(id=rewrite.id).summary == "Ada's summary."
    assert Suggestion.objects.get(id=offered.id).resolved_at is None


def test_discarding_a_suggestion_keeps_the_text(editor, seed_record):
    rewrite = make_draft(seed=seed_record)
    offered = Suggestion.objects.create(rewrite=rewrite, field="summary", text="The model's summary.")
    client = csrf_client(editor)

    post_with_csrf(client, f"/rewrites/{rewrite.id}/suggestions/{offered.id}/discard/", {}, **HX)

    assert Rewrite.objects.get(id=rewrite.id).summary == rewrite.summary
    assert Suggestion.objects.get(id=offered.id).resolution == "discarded"


def test_the_workspace_shows_an_open_suggestion_beside_its_field(client, editor, seed_record):
    rewrite = make_draft(seed=seed_record)
    Suggestion.objects.create(rewrite=rewrite, field="summary", text="The model's summary.", model="test-model")
    client.force_login(editor)

    html = client.get(f"/rewrites/{rewrite.id}/").content.decode()
    field = html[html.index('id="field-summary"'):html.index('id="field-why_it_matters"')]

    assert "New text from test-model" in field
    assert "Use the new text" in field and "Keep mine, discard it" in field
    assert "1 regenerated text waits beside its field" in html


def test_the_state_refresh_costs_the_same_queries_whatever_the_history(client, editor, seed_record, django_assert_num_queries):
    rewrite = make_draft(seed=seed_record)
    client.force_login(editor)
    url = f"/rewrites/{rewrite.id}/state/"
    client.get(url, **HX)
    with django_assert_num_queries(12) as few:
        client.get(url, **HX)

    for number, field in enumerate(["summary", "twitter_post", "threads_post"], start=1):
        edit_field(rewrite_id=rewrite.id, field=field, value=f"Alibaba banned it, part {number}.", base_version=number, user=editor)
        Suggestion.objects.create(rewrite=rewrite, field=field, text=f"The model's text {number}.")
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(url, **HX)
