"""Every editorial action refuses the same way through each entry point that reaches it: the service (what
commands, bulk actions and jobs call), the workspace's HTTP view and the queue's bulk action. The services
ask the rule set themselves, so a refusal is the same sentence wherever it starts."""

import pytest

from newsroom.rules import Action, refusal
from rewrites import states
from rewrites.desk.bulk import bulk_action
from rewrites.desk.review import (
    ReviewError,
    approve_rewrite,
    assign_rewrite,
    edit_field,
    restore_revision,
    spike_rewrite,
)
from rewrites.generation.jobs import RegenerateRefused, regenerate_rewrite
from rewrites.models import Rewrite
from rewrites.publishing.jobs import kill_story, request_publish
from rewrites.publishing.publish import PublishError
from tests.factories import make_draft

pytestmark = pytest.mark.django_db

REFUSED = (ReviewError, RegenerateRefused, PublishError)

# action: (the service called as commands and jobs call it, the view's address and form)
ENTRY_POINTS = {
    Action.EDIT: (
        lambda r, user: edit_field(rewrite_id=r.id, field="summary", value="New text.", base_version=r.version, user=user),
        lambda r: (f"/rewrites/{r.id}/fields/summary/", {"value": "New text.", "version": r.version}),
    ),
    Action.APPROVE: (
        lambda r, user: approve_rewrite(rewrite_id=r.id, user=user, override_reason="Checked by hand."),
        lambda r: (f"/rewrites/{r.id}/approve/", {"override_reason": "Checked by hand."}),
    ),
    Action.SPIKE: (
        lambda r, user: spike_rewrite(rewrite_id=r.id, user=user, reason="Off topic."),
        lambda r: (f"/rewrites/{r.id}/spike/", {"reason": "Off topic."}),
    ),
    Action.RESTORE: (
        lambda r, user: restore_revision(rewrite_id=r.id, number=1, user=user, base_version=r.version),
        lambda r: (f"/rewrites/{r.id}/history/restore/", {"number": 1, "version": r.version}),
    ),
    Action.REGENERATE: (
        lambda r, user: regenerate_rewrite(rewrite_id=r.id, user=user),
        lambda r: (f"/rewrites/{r.id}/regenerate/", {"confirm": "1"}),
    ),
    Action.ASSIGN: (
        lambda r, user: assign_rewrite(rewrite_id=r.id, assignee=None, user=user),
        lambda r: (f"/rewrites/{r.id}/assign/", {"assignee": ""}),
    ),
    Action.PUBLISH: (
        lambda r, user: request_publish(rewrite_id=r.id, user=user),
        lambda r: (f"/rewrites/{r.id}/publish/", {}),
    ),
    Action.KILL: (
        lambda r, user: kill_story(rewrite_id=r.id, user=user, reason="Wrong story."),
        lambda r: (f"/rewrites/{r.id}/unpublish/", {"reason": "Wrong story."}),
    ),
}
BULK = {Action.SPIKE: "spike", Action.REGENERATE: "regenerate", Action.ASSIGN: "assign"}


def shown(response) -> str:
    """The page's text with the HTML-escaped apostrophes and quotes of the sentences put back."""
    return response.content.decode().replace("&#x27;", "'").replace("&quot;", '"').replace("&amp;", "&")


@pytest.mark.parametrize("action", list(ENTRY_POINTS))
def test_a_role_that_may_not_act_is_refused_with_the_same_sentence_everywhere(action, seed_record, staff, client):
    rewrite = make_draft(seed=seed_record)
    service, view = ENTRY_POINTS[action]
    sentence = refusal(staff, action, rewrite)
    client.force_login(staff)
    before = Rewrite.objects.get(id=rewrite.id)

    with pytest.raises(REFUSED, match="^" + sentence.replace("(", r"\(").replace(")", r"\)")):
        service(rewrite, staff)
    path, form = view(rewrite)
    response = client.post(path, form)
    if action in BULK:
        rows = bulk_action(rewrite_ids=[rewrite.id], action=BULK[action], user=staff, reason="Off topic.")
        assert [row.message for row in rows if not row.done] == [sentence]

    assert sentence.startswith("Your role (Staff) cannot")
    assert response.status_code == 403 and sentence in shown(response)
    after = Rewrite.objects.get(id=rewrite.id)
    assert (after.status, after.version, after.summary) == (before.status, before.version, before.summary)


@pytest.mark.parametrize("action", list(ENTRY_POINTS))
def test_a_status_that_does_not_allow_the_action_is_refused_with_the_same_sentence_everywhere(
    action, seed_record, editor, client
):
    rewrite = make_draft(seed=seed_record)
    # A draft allows editing, approval, spiking, restoring, regenerating and assignment; a spiked rewrite allows
    # none of these but restoring, and nothing is published, so publishing a draft and killing are refused.
    status = Rewrite.Status.DRAFT if action in (Action.PUBLISH, Action.KILL) else (
        Rewrite.Status.QUEUED if action == Action.RESTORE else Rewrite.Status.SPIKED
    )
    Rewrite.objects.filter(id=rewrite.id).update(status=status)
    rewrite.refresh_from_db()
    service, view = ENTRY_POINTS[action]
    sentence = states.refusal(rewrite, action)
    client.force_login(editor)

    with pytest.raises(REFUSED) as refused:
        service(rewrite, editor)
    path, form = view(rewrite)
    # The history page's restore is a plain form that redirects back with a message; the rest answer htmx.
    headers = {} if action == Action.RESTORE else {"HTTP_HX_REQUEST": "true"}
    response = client.post(path, form, follow=True, **headers)
    if action in BULK:
        rows = bulk_action(rewrite_ids=[rewrite.id], action=BULK[action], user=editor, reason="Off topic.")
        assert [row.message for row in rows if not row.done] == [sentence]

    assert sentence and str(refused.value) == sentence
    assert sentence in shown(response)
    assert Rewrite.objects.get(id=rewrite.id).status == status
