"""Marking a finding "checked, correct": kept in history, silent while the text is the same."""

import json

import pytest

from rewrites.desk.review import ReviewError, edit_field, mark_finding_checked
from rewrites.models import CheckedFinding, Revision, Rewrite
from tests.factories import make_cluster
from tests.generate_helpers import good_content

pytestmark = pytest.mark.django_db


def draft_rewrite(**changes) -> Rewrite:
    cluster = make_cluster()
    content = good_content(cluster)
    fields = {
        "headline": content["headline"], "summary": content["summary"], "why_it_matters": content["whyItMatters"],
        "web_card_html": content["webCardHtml"], "bluesky_post": content["blueskyPost"],
        "twitter_post": content["twitterPost"], "threads_post": content["threadsPost"],
        "newsletter_blurb": content["newsletterBlurb"],
    }
    fields.update(changes)
    rewrite = Rewrite.objects.create(
        cluster=cluster, status=Rewrite.Status.DRAFT, attribution_json=json.dumps(content["attribution"]), **fields,
    )
    from rewrites.checks.lint import store_lints

    store_lints(rewrite)
    rewrite.save()
    return rewrite


def codes(rewrite: Rewrite) -> list[tuple[str, str]]:
    rewrite.refresh_from_db()
    return [(flag["code"], flag.get("text")) for flag in rewrite.lint_flags]


SUMMARY = "Studio Trigger said the film runs 115 minutes."


def test_a_checked_finding_is_silent_and_in_the_history(editor):
    rewrite = draft_rewrite(summary=SUMMARY)
    assert ("unsupported-number", "115 minutes") in codes(rewrite)

    mark = mark_finding_checked(
        rewrite_id=rewrite.id, field="summary", code="unsupported-number", text="115 minutes",
        reason="The studio's press kit gives 115 minutes.", user=editor,
    )

    assert ("unsupported-number", "115 minutes") not in codes(rewrite)
    revision = rewrite.revisions.get(kind=Revision.Kind.CHECKED)
    assert revision.user == editor and "press kit" in revision.reason and mark.revision == revision
    assert rewrite.lint_errors == 0


def test_the_finding_stays_silent_after_an_edit_elsewhere(editor):
    rewrite = draft_rewrite(summary=SUMMARY)
    mark_finding_checked(rewrite_id=rewrite.id, field="summary", code="unsupported-number", text="115 minutes",
                         reason="Checked with the studio.", user=editor)
    rewrite.refresh_from_db()

    edit_field(rewrite_id=rewrite.id, field="summary", value="Studio Trigger says the film runs 115 minutes.",
               base_version=rewrite.version, user=editor)

    assert ("unsupported-number", "115 minutes") not in codes(rewrite)


def test_the_lint_speaks_again_once_the_text_changes_and_the_mark_is_cleared(editor):
    rewrite = draft_rewrite(summary=SUMMARY)
    mark_finding_checked(rewrite_id=rewrite.id, field="summary", code="unsupported-number", text="115 minutes",
                         reason="Checked with the studio.", user=editor)
    rewrite.refresh_from_db()
    edit_field(rewrite_id=rewrite.id, field="summary", value="Studio Trigger said the film runs 116 minutes.",
               base_version=rewrite.version, user=editor)
    rewrite.refresh_from_db()
    edit_field(rewrite_id=rewrite.id, field="summary", value=SUMMARY, base_version=rewrite.version, user=editor)

    assert ("unsupported-number", "115 minutes") in codes(rewrite)
    assert CheckedFinding.objects.get().cleared_at is not None


def test_a_mark_needs_a_reason(editor):
    rewrite = draft_rewrite(summary=SUMMARY)
    with pytest.raises(ReviewError, match="Say why"):
        mark_finding_checked(rewrite_id=rewrite.id, field="summary", code="unsupported-number", text="115 minutes",
                             reason="  ", user=editor)
    assert not CheckedFinding.objects.exists()


def test_a_finding_that_is_not_there_cannot_be_marked(editor):
    rewrite = draft_rewrite(summary=SUMMARY)
    with pytest.raises(ReviewError, match="no unsupported-number finding on '999'"):
        mark_finding_checked(rewrite_id=rewrite.id, field="summary", code="unsupported-number", text="999",
                             reason="Sure.", user=editor)


def test_only_findings_about_the_sources_can_be_marked(editor):
    rewrite = draft_rewrite(headline="")
    with pytest.raises(ReviewError, match="cannot be marked as checked"):
        mark_finding_checked(rewrite_id=rewrite.id, field="headline", code="empty-field", text="",
                             reason="Fine.", user=editor)
