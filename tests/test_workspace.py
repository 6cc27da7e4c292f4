import pytest
from django.test import Client

from rewrites.desk.review import EditConflict, ReviewError, edit_field, restore_revision
from rewrites.models import Revision, Rewrite
from rewrites.revisions import word_diff
from tests.csrf import csrf_client, post_with_csrf
from tests.factories import make_article, make_draft, make_source

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def field_url(rewrite, name):
    return f"/rewrites/{rewrite.id}/fields/{name}/"


def test_workspace_shows_sources_beside_every_output_field(client, editor, seed_record):
    rewrite = make_draft(seed=seed_record)
    make_article(cluster=rewrite.cluster, source=make_source(name="ITmedia"), title="アリババ、Claude Codeを禁止", text="別の記事。")
    client.force_login(editor)

    html = client.get(f"/rewrites/{rewrite.id}/").content.decode()

    for label in ["Headline", "Summary", "Why it matters", "Web card", "Bluesky post", "X post", "Threads post", "Newsletter blurb"]:
        assert f">{label}</h3>" in html
    assert "アリババが従業員のClaude Code使用を禁止" in html
    assert "ITmedia" in html and "アリババ、Claude Codeを禁止" in html
    assert "qoder" in html


def test_editor_saves_a_field_and_gets_the_fragment_back_with_lints_rerun(editor, seed_record):
    rewrite = make_draft(seed=seed_record)
    client = csrf_client(editor)
    long_post = "Alibaba banned Claude Code. " * 12

    response = post_with_csrf(
        client, field_url(rewrite, "twitter_post"), {"value": long_post, "version": rewrite.version}, **HX
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section class="field')
    assert "over-limit" in html
    rewrite.refresh_from_db()
    assert rewrite.twitter_post == long_post.strip()
    assert rewrite.version == 2
    assert any(flag["field"] == "twitterPost" and flag["severity"] == "error" for flag in rewrite.lint_flags)
    assert "rewrite-changed" in response["HX-Trigger"]


def test_a_save_on_an_older_version_is_refused_with_both_texts_and_nothing_lost(editor, seed_record):
    rewrite = make_draft(seed=seed_record)
    edit_field(rewrite_id=rewrite.id, field="summary", value="Their summary.", base_version=1, user=editor)
    client = csrf_client(editor)

    response = post_with_csrf(client, field_url(rewrite, "summary"), {"value": "My summary.", "version": 1}, **HX)

    html = response.content.decode()
    assert response.status_code == 409
    assert "My summary." in html and "Their summary." in html
    assert "Save mine on top" in html
    assert Rewrite.objects.get(id=rewrite.id).summary == "Their summary."

    reapplied = post_with_csrf(client, field_url(rewrite, "summary"), {"value": "My summary.", "version": 2}, **HX)
    assert reapplied.status_code == 200
    assert Rewrite.objects.get(id=rewrite.id).summary == "My summary."


def test_edit_conflict_is_raised_by_the_function_too(editor, seed_record):
    rewrite = make_draft(seed=seed_record)
    edit_field(rewrite_id=rewrite.id, field="headline", value="One", base_version=1, user=editor)

    with pytest.raises(EditConflict) as conflict:
        edit_field(rewrite_id=rewrite.id, field="headline", value="Two", base_version=1, user=editor)

    assert conflict.value.your_value == "Two"
    assert conflict.value.rewrite.headline == "One"


def test_web_card_edits_are_sanitised(editor, seed_record):
    rewrite = make_draft(seed=seed_record)

    edit_field(
        rewrite_id=rewrite.id, field="web_card_html", base_version=1, user=editor,
        value='<p hx-get="/admin/" onclick="x()">Hi<script>alert(1)</script></p><img src=x onerror=alert(1)>',
    )

    stored = Rewrite.objects.get(id=rewrite.id).web_card_html
    assert stored == "<p>Hi</p>"


def test_web_card_is_shown_in_a_sandboxed_frame_that_cannot_run_script_or_fetch(client, editor, seed_record):
    rewrite = make_draft(seed=seed_record)
    Rewrite.objects.filter(id=rewrite.id).update(web_card_html="<p>Card</p><script>alert(1)</script>")
    client.force_login(editor)

    html = client.get(f"/rewrites/{rewrite.id}/").content.decode()

    assert 'sandbox=""' in html
    assert "default-src 'none'" in html
    assert "<script>alert(1)</script>" not in html


def test_approve_is_refused_while_error_lints_remain_unless_overridden(editor, seed_record):
    rewrite = make_draft(seed=seed_record)
    edit_field(rewrite_id=rewrite.id, field="headline", value="", base_version=1, user=editor)
    client = csrf_client(editor)

    refused = post_with_csrf(client, f"/rewrites/{rewrite.id}/approve/", {}, **HX)
    assert refused.status_code == 400
    assert "error-level lint" in refused.content.decode()
    assert Rewrite.objects.get(id=rewrite.id).status == "draft"

    approved = post_with_csrf(client, f"/rewrites/{rewrite.id}/approve/", {"override_reason": "Headline comes later"}, **HX)
    assert approved.status_code == 200
    assert Rewrite.objects.get(id=rewrite.id).status == "approved"
    assert "Headline comes later" in Revision.objects.filter(rewrite=rewrite, kind="approved").get().reason


def test_spike_needs_a_reason(editor, seed_record):
    rewrite = make_draft(seed=seed_record)
    client = csrf_client(editor)

    refused = post_with_csrf(client, f"/rewrites/{rewrite.id}/spike/", {"reason": " "}, **HX)
    spiked = post_with_csrf(client, f"/rewrites/{rewrite.id}/spike/", {"reason": "Duplicate of another story"}, **HX)

    assert refused.status_code == 400
    assert "Say why" in refused.content.decode()
    assert spiked.status_code == 200
    rewrite.refresh_from_db()
    assert rewrite.status == "spiked"
    assert rewrite.cluster.status == "spiked"


@pytest.mark.parametrize(
    "url, data",
    [
        ("fields/summary/", {"value": "x", "version": 1}),
        ("approve/", {"override_reason": "x"}),
        ("spike/", {"reason": "x"}),
        ("history/restore/", {"number": 1, "version": 1}),
    ],
)
def test_staff_can_read_but_not_act(staff, seed_record, url, data):
    rewrite = make_draft(seed=seed_record)
    client = csrf_client(staff)

    assert client.get(f"/rewrites/{rewrite.id}/").status_code == 200
    assert post_with_csrf(client, f"/rewrites/{rewrite.id}/{url}", data).status_code == 403
    assert Rewrite.objects.get(id=rewrite.id).version == 1


@pytest.mark.parametrize("url", ["fields/summary/", "approve/", "spike/", "history/restore/", "presence/"])
def test_every_action_needs_the_csrf_token(editor, seed_record, url):
    rewrite = make_draft(seed=seed_record)
    client = csrf_client(editor)

    response = client.post(f"/rewrites/{rewrite.id}/{url}", {"value": "x", "version": 1, "reason": "x", "number": 1})

    assert response.status_code == 403
    assert Rewrite.objects.get(id=rewrite.id).version == 1


def test_admin_can_act(admin_user, seed_record):
    rewrite = make_draft(seed=seed_record)
    client = csrf_client(admin_user)

    response = post_with_csrf(client, field_url(rewrite, "summary"), {"value": "Admin summary.", "version": 1}, **HX)

    assert response.status_code == 200


def test_staff_cannot_open_an_editor(staff, seed_record):
    rewrite = make_draft(seed=seed_record)
    client = Client()
    client.force_login(staff)

    assert client.get(field_url(rewrite, "summary") + "?edit=1").status_code == 403
    assert "Edit Summary" not in client.get(f"/rewrites/{rewrite.id}/").content.decode()


def test_every_change_is_a_revision_that_can_be_compared_and_restored(client, editor, seed_record):
    rewrite = make_draft(seed=seed_record)
    original = rewrite.summary
    edit_field(rewrite_id=rewrite.id, field="summary", value="Alibaba banned a coding tool.", base_version=1, user=editor)
    edit_field(rewrite_id=rewrite.id, field="summary", value="Alibaba banned Claude Code.", base_version=2, user=editor)
    client.force_login(editor)

    comparison = client.get(f"/rewrites/{rewrite.id}/history/", {"a": 1, "b": 2}).content.decode()
    assert "<del>a coding tool.</del> <ins>Claude Code.</ins>" in comparison
    assert ">eda<" in comparison

    restore_revision(rewrite_id=rewrite.id, number=1, user=editor, base_version=3)
    rewrite.refresh_from_db()
    assert rewrite.summary == "Alibaba banned a coding tool."
    assert list(rewrite.revisions.values_list("kind", flat=True)) == ["restored", "edited", "edited"]
    assert original != rewrite.summary


def test_restore_on_a_changed_rewrite_is_refused(editor, seed_record):
    rewrite = make_draft(seed=seed_record)
    edit_field(rewrite_id=rewrite.id, field="summary", value="One.", base_version=1, user=editor)

    with pytest.raises(ReviewError, match="changed while you were looking"):
        restore_revision(rewrite_id=rewrite.id, number=1, user=editor, base_version=1)


def test_editing_a_published_rewrite_marks_unpublished_changes(editor, seed_record):
    rewrite = make_draft(seed=seed_record, status="published", publishedAt="2026-07-04T15:13:32.000Z")

    edit_field(rewrite_id=rewrite.id, field="summary", value="Updated summary.", base_version=1, user=editor)

    rewrite.refresh_from_db()
    assert rewrite.status == "published"
    assert rewrite.has_unpublished_changes


def test_queued_rewrites_cannot_be_edited_yet(editor, seed_record):
    rewrite = make_draft(seed=seed_record, status="generating")

    with pytest.raises(ReviewError, match="once the draft is written"):
        edit_field(rewrite_id=rewrite.id, field="summary", value="x", base_version=1, user=editor)


def test_unsupported_claim_is_highlighted_and_its_evidence_shown(client, editor, seed_record):
    rewrite = make_draft(seed=seed_record)
    edit_field(
        rewrite_id=rewrite.id, field="summary", base_version=1, user=editor,
        value="Alibaba will ban Claude Code from July 10, 2026, affecting 45,000 staff.",
    )
    rewrite.refresh_from_db()
    flags = [flag for flag in rewrite.lint_flags if flag["field"] == "summary" and flag.get("span")]
    assert flags, rewrite.lint_flags
    index = rewrite.lint_flags and [f for f in rewrite.lint_flags if f["field"] == "summary"].index(flags[0])
    client.force_login(editor)

    page = client.get(f"/rewrites/{rewrite.id}/").content.decode()
    evidence = client.get(f"/rewrites/{rewrite.id}/evidence/", {"field": "summary", "flag": index}).content.decode()

    assert 'class="lint-mark' in page
    assert "45,000" in evidence
    assert "Alibaba will ban Claude Code from July 10, 2026" in evidence


def test_presence_shows_another_editor(editor, admin_user, seed_record):
    rewrite = make_draft(seed=seed_record)
    first, second = csrf_client(editor), csrf_client(admin_user)

    post_with_csrf(first, f"/rewrites/{rewrite.id}/presence/", {})
    seen = post_with_csrf(second, f"/rewrites/{rewrite.id}/presence/", {}).content.decode()

    assert "Also here: eda" in seen


def test_word_diff_marks_added_and_removed_words():
    assert word_diff("the cat sat", "the dog sat") == [
        ("same", "the "), ("removed", "cat"), ("gap", " "), ("added", "dog"), ("same", " sat")
    ]


def test_word_diff_keeps_a_space_between_a_replaced_word_and_its_replacement():
    parts = word_diff("A", "Canada")

    assert parts == [("removed", "A"), ("gap", " "), ("added", "Canada")]
    assert "".join(text for _, text in parts) == "A Canada"


def test_word_diff_gives_replaced_words_as_one_run_each():
    assert word_diff("a big red dog barked", "a small blue cat barked") == [
        ("same", "a "), ("removed", "big red dog"), ("gap", " "), ("added", "small blue cat"), ("same", " barked")
    ]


def test_workspace_query_count_does_not_grow_with_sources_or_revisions(client, editor, seed_record, django_assert_num_queries):
    rewrite = make_draft(seed=seed_record)
    client.force_login(editor)
    client.get(f"/rewrites/{rewrite.id}/")
    with django_assert_num_queries(13) as few:
        client.get(f"/rewrites/{rewrite.id}/")

    for number in range(6):
        make_article(cluster=rewrite.cluster, source=make_source(name=f"Source {number}"), title=f"記事 {number}", text="本文")
        edit_field(rewrite_id=rewrite.id, field="summary", value=f"Summary {number}.", base_version=number + 1, user=editor)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(f"/rewrites/{rewrite.id}/")


def test_regenerate_queues_a_job_shows_progress_and_finishes(editor, seed_record, run_jobs, django_capture_on_commit_callbacks):
    rewrite = make_draft(seed=seed_record)
    client = csrf_client(editor)

    with django_capture_on_commit_callbacks(execute=True):
        queued = post_with_csrf(client, f"/rewrites/{rewrite.id}/regenerate/", {"field": ""}, **HX)
    waiting = client.get(f"/rewrites/{rewrite.id}/progress/", **HX)
    run_jobs("generate")
    finished = client.get(f"/rewrites/{rewrite.id}/progress/", **HX)

    assert queued.status_code == 200
    assert "Regeneration queued." in queued.content.decode()
    assert 'id="generation-progress"' in queued.content.decode()
    assert "Waiting" in waiting.content.decode()
    assert "rewrite-changed" in finished["HX-Trigger"]
    assert "written by the offline writer" in finished.content.decode()
    rewrite.refresh_from_db()
    assert rewrite.status == "draft"
    assert rewrite.model == "newsroom-offline-1"
    assert rewrite.revisions.filter(kind="generated").exists()


def test_regenerating_one_field_changes_only_that_field(editor, seed_record, run_jobs, django_capture_on_commit_callbacks):
    rewrite = make_draft(seed=seed_record)
    before = {name: getattr(rewrite, name) for name in ["headline", "summary", "twitter_post"]}
    client = csrf_client(editor)

    with django_capture_on_commit_callbacks(execute=True):
        post_with_csrf(client, f"/rewrites/{rewrite.id}/regenerate/", {"field": "summary"}, **HX)
    run_jobs("generate")

    rewrite.refresh_from_db()
    assert rewrite.headline == before["headline"]
    assert rewrite.twitter_post == before["twitter_post"]
    revision = rewrite.revisions.first()
    assert revision.kind == "regenerated"
    assert set(revision.changed_fields) <= {"summary"}


def test_regenerate_is_refused_for_staff_and_needs_csrf(staff, editor, seed_record):
    rewrite = make_draft(seed=seed_record)

    assert post_with_csrf(csrf_client(staff), f"/rewrites/{rewrite.id}/regenerate/", {}).status_code == 403
    assert csrf_client(editor).post(f"/rewrites/{rewrite.id}/regenerate/", {}).status_code == 403
    assert Rewrite.objects.get(id=rewrite.id).status == "draft"


def test_when_the_job_queue_is_unreachable_reads_work_and_actions_say_why(editor, seed_record, settings):
    rewrite = make_draft(seed=seed_record)
    client = csrf_client(editor)
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    page = client.get(f"/rewrites/{rewrite.id}/")
    presence = post_with_csrf(client, f"/rewrites/{rewrite.id}/presence/", {}).content.decode()
    refused = post_with_csrf(client, f"/rewrites/{rewrite.id}/regenerate/", {}, **HX)
    progress = client.get(f"/rewrites/{rewrite.id}/progress/", **HX).content.decode()
    saved = post_with_csrf(client, field_url(rewrite, "summary"), {"value": "Still editable.", "version": 1}, **HX)

    assert page.status_code == 200
    assert "the queue server is unreachable" in presence
    assert refused.status_code == 400
    assert "The job queue is unreachable" in refused.content.decode()
    assert "The job queue is unreachable" in progress
    assert saved.status_code == 200
    assert Rewrite.objects.get(id=rewrite.id).status == "draft"


def test_the_workspace_gives_each_id_to_one_element(client, editor, seed_record):
    """htmx swaps panels by id: two elements with one id would each be swapped and shown twice."""
    from collections import Counter
    from html.parser import HTMLParser

    class Ids(HTMLParser):
        def __init__(self):
            super().__init__()
            self.ids = Counter()

        def handle_starttag(self, tag, attrs):
            self.ids.update(value for name, value in attrs if name == "id")

    rewrite = make_draft(seed=seed_record)
    client.force_login(editor)
    parser = Ids()
    parser.feed(client.get(f"/rewrites/{rewrite.id}/").content.decode())

    assert parser.ids and [name for name, count in parser.ids.items() if count > 1] == []
