"""What editors can fix from the workspace beyond the text: credits, slug (and the redirect it leaves), findings
marked checked; and the history, evidence, social previews and "next in queue" that go with them."""

import json

import pytest

from rewrites.checks import lint
from rewrites.desk.previews import StoryLinks, display_link, post_preview
from rewrites.desk.review import ReviewError, change_slug, edit_attribution, edit_field
from rewrites.models import PublishedStory, Rewrite
from rewrites.publishing.publish import publish_rewrite
from rewrites.revisions import word_diff
from tests.csrf import csrf_client, post_with_csrf
from tests.factories import make_approved, make_draft

pytestmark = pytest.mark.django_db


def publish(rewrite, user):
    return publish_rewrite(rewrite_id=rewrite.id, user=user).story

HX = {"HTTP_HX_REQUEST": "true"}


def credits_form(*entries) -> dict:
    data = {"rows": str(len(entries))}
    for index, (source, url, title) in enumerate(entries):
        data.update({f"source-{index}": source, f"url-{index}": url, f"title-{index}": title})
    return data


def test_the_workspace_shows_the_credits_with_their_lints_so_it_counts_what_the_queue_counts(client, editor, seed_record):
    rewrite = make_draft(seed=seed_record)
    edit_field(rewrite_id=rewrite.id, field="summary", value="Alibaba banned Claude Code.", base_version=1, user=editor)
    rewrite.refresh_from_db()
    client.force_login(editor)

    html = client.get(f"/rewrites/{rewrite.id}/").content.decode()
    queue = client.get("/").content.decode()

    credit_codes = [flag["code"] for flag in rewrite.lint_flags if flag["field"] == "attributionJson"]
    assert credit_codes, rewrite.lint_flags
    credits = html[html.index('id="credits"'):html.index('id="slug"')]
    for code in credit_codes:
        assert code in credits
    assert f"<strong>{rewrite.lint_hits} lints</strong>" in html
    assert f"<td>{rewrite.lint_hits}" in queue
    shown = sum(int(count) for count in __import__("re").findall(r'class="lint-count"[^>]*>(\d+) lint', html))
    assert shown == rewrite.lint_hits


def test_an_editor_fixes_a_credit_and_its_lint_goes(editor, seed_record):
    rewrite = make_draft(seed=seed_record)
    article = rewrite.cluster.articles.get()
    client = csrf_client(editor)

    response = post_with_csrf(
        client, f"/rewrites/{rewrite.id}/credits/save/",
        {"version": 1, **credits_form(("GIGAZINE", article.url, "Alibaba bans Claude Code"))}, **HX,
    )

    rewrite.refresh_from_db()
    assert response.status_code == 200 and "rewrite-changed" in response["HX-Trigger"]
    assert rewrite.attribution == [{"source": "GIGAZINE", "url": article.url, "title": "Alibaba bans Claude Code"}]
    assert not [flag for flag in rewrite.lint_flags if flag["field"] == "attributionJson"]
    assert rewrite.revisions.first().changed_fields == ["attribution_json"]


def test_a_credit_without_a_proper_link_is_refused_with_the_reason(editor, seed_record):
    rewrite = make_draft(seed=seed_record)
    client = csrf_client(editor)

    response = post_with_csrf(
        client, f"/rewrites/{rewrite.id}/credits/save/", {"version": 1, **credits_form(("GIGAZINE", "gigazine", "x"))}, **HX
    )

    assert response.status_code == 400
    assert "Credit 1 (GIGAZINE) needs the address of the article it credits" in response.content.decode()
    assert 'value="gigazine"' in response.content.decode()
    assert Rewrite.objects.get(id=rewrite.id).version == 1


def test_restoring_a_revision_brings_its_credits_back(editor, seed_record):
    rewrite = make_draft(seed=seed_record)
    original = rewrite.attribution
    edit_attribution(rewrite_id=rewrite.id, credits=[{"source": "X", "url": "https://x.example/a", "title": "A"}],
                     base_version=1, user=editor)
    edit_attribution(rewrite_id=rewrite.id, credits=original, base_version=2, user=editor)
    from rewrites.desk.review import restore_revision

    restore_revision(rewrite_id=rewrite.id, number=1, user=editor, base_version=3)

    assert Rewrite.objects.get(id=rewrite.id).attribution == [{"source": "X", "url": "https://x.example/a", "title": "A"}]


def test_history_names_fields_by_their_labels_and_says_the_version_of_each_revision(client, editor, seed_record):
    rewrite = make_draft(seed=seed_record)
    edit_field(rewrite_id=rewrite.id, field="web_card_html", value="<p>Card.</p>", base_version=1, user=editor)
    client.force_login(editor)
    from rewrites.desk.review import approve_rewrite

    approve_rewrite(rewrite_id=rewrite.id, user=editor, override_reason="fine")
    html = client.get(f"/rewrites/{rewrite.id}/history/").content.decode()

    assert "<td>Web card</td>" in html
    assert "web_card_html" not in html
    assert "Version 3 now" in html
    assert "<td>v3</td>" in html and "<td>v2</td>" in html


def test_the_conflict_diff_keeps_a_space_between_words(editor, admin_user, seed_record):
    rewrite = make_draft(seed=seed_record)
    edit_field(rewrite_id=rewrite.id, field="headline", value="A", base_version=1, user=admin_user)
    client = csrf_client(editor)

    response = post_with_csrf(client, f"/rewrites/{rewrite.id}/fields/headline/", {"value": "Canada", "version": 1}, **HX)

    assert response.status_code == 409
    assert "<del>A</del> <ins>Canada</ins>" in response.content.decode()


def test_a_slug_can_be_changed_before_publishing(editor, seed_record):
    rewrite = make_draft(seed=seed_record)
    client = csrf_client(editor)

    response = post_with_csrf(client, f"/rewrites/{rewrite.id}/slug/", {"slug": "Alibaba Bans Claude", "version": 1}, **HX)

    assert response.status_code == 200
    assert Rewrite.objects.get(id=rewrite.id).slug == "alibaba-bans-claude"
    assert Rewrite.objects.get(id=rewrite.id).revisions.first().changed_fields == ["slug"]


def test_a_slug_another_story_uses_is_refused(editor, seed_record):
    first = make_draft(seed=seed_record, number=1)
    make_draft(seed=seed_record, number=2)

    with pytest.raises(ReviewError, match="already belongs to another story"):
        change_slug(rewrite_id=first.id, slug="varied-record-2", base_version=1, user=editor)


def test_after_publish_a_new_slug_moves_the_story_and_the_old_address_redirects_permanently(client, editor, seed_record):
    rewrite = make_approved(seed=seed_record, number=5)
    story = publish(rewrite, editor)
    old = story.slug

    rewrite = change_slug(rewrite_id=rewrite.id, slug="a-better-address", base_version=rewrite.version, user=editor)
    assert rewrite.has_unpublished_changes
    assert client.get(f"/stories/{old}/").status_code == 200
    publish(rewrite, editor)

    page = client.get(f"/stories/{old}/")
    card = client.get(f"/stories/{old}/card.png")
    assert page.status_code == 301 and page["Location"] == "/stories/a-better-address/"
    assert card.status_code == 301 and card["Location"] == "/stories/a-better-address/card.png"
    assert client.get("/stories/a-better-address/").status_code == 200
    assert PublishedStory.objects.get(rewrite=rewrite).slug == "a-better-address"


def test_an_old_address_of_another_story_cannot_be_taken(editor, seed_record):
    first = make_approved(seed=seed_record, number=6)
    publish(first, editor)
    old = PublishedStory.objects.get(rewrite=first).slug
    first = change_slug(rewrite_id=first.id, slug="moved-away", base_version=Rewrite.objects.get(id=first.id).version, user=editor)
    publish(first, editor)
    second = make_draft(seed=seed_record, number=7)

    with pytest.raises(ReviewError, match="already belongs to another story"):
        change_slug(rewrite_id=second.id, slug=old, base_version=1, user=editor)


def test_a_finding_is_marked_checked_from_the_evidence_and_the_lint_goes_quiet(client, editor, seed_record):
    rewrite = make_draft(seed=seed_record)
    edit_field(rewrite_id=rewrite.id, field="summary", base_version=1, user=editor,
               value="Alibaba will ban Claude Code from July 10, 2026, affecting 45,000 staff.")
    rewrite.refresh_from_db()
    flags = [flag for flag in rewrite.lint_flags if flag["field"] == "summary"]
    index = next(i for i, flag in enumerate(flags) if flag["code"] == "unsupported-number")
    client = csrf_client(editor)

    evidence = client.get(f"/rewrites/{rewrite.id}/evidence/", {"field": "summary", "flag": index}).content.decode()
    marked = post_with_csrf(client, f"/rewrites/{rewrite.id}/findings/check/", {
        "field": "summary", "code": "unsupported-number", "text": "45,000", "reason": "The staff count is on the company site.",
    }, **HX)

    assert "Checked, correct" in evidence and 'name="reason"' in evidence
    assert marked.status_code == 200 and "rewrite-changed" in marked["HX-Trigger"]
    rewrite.refresh_from_db()
    assert not [f for f in rewrite.lint_flags if f["code"] == "unsupported-number" and f["field"] == "summary"]
    page = client.get(f"/rewrites/{rewrite.id}/").content.decode()
    assert "Checked, correct: unsupported-number on “45,000” — eda: The staff count is on the company site." in page
    assert rewrite.revisions.first().kind == "checked"


def test_the_evidence_quotes_the_source_sentence_in_its_language_with_the_match_marked(client, editor, seed_record):
    rewrite = make_draft(seed=seed_record)
    edit_field(rewrite_id=rewrite.id, field="summary", base_version=1, user=editor,
               value="Alibaba will ban Claude Code from July 12, 2026.")
    rewrite.refresh_from_db()
    flags = [flag for flag in rewrite.lint_flags if flag["field"] == "summary"]
    index = next(i for i, flag in enumerate(flags) if flag["code"] == "unsupported-date")
    client.force_login(editor)

    html = client.get(f"/rewrites/{rewrite.id}/evidence/", {"field": "summary", "flag": index}).content.decode()

    sentence = flags[index]["evidence"]["sentence"]
    start, end = flags[index]["evidence"]["match"]
    assert '<blockquote lang="ja">' in html
    assert f"<mark>{sentence[start:end]}</mark>" in html
    assert f'data-evidence-sentence="{sentence}"' in html


def test_the_x_over_limit_highlight_starts_at_a_word():
    # The 281st weighted character falls inside "banned".
    text = "A " + ("Alibaba has banned Claude Code for every employee after researchers found hidden code. " * 4).strip()

    [finding] = lint.lint_network_limits(lint.Draft(fields={"twitterPost": text}))

    start = finding.span[0]
    assert text[start - 1] == " " and text[start:].startswith("banned Claude Code")


def test_x_preview_shortens_links_and_hides_the_one_that_makes_the_card():
    links = StoryLinks(
        story_paths=frozenset({"/stories/alibaba-bans/"}), headline="Alibaba Bans Claude Code", summary="Summary.",
        card_image_url="/stories/alibaba-bans/card.png",
    )

    preview = post_preview("twitterPost", "Alibaba bans it. https://news.example.com/stories/alibaba-bans/", links=links)

    assert preview.segments == [("text", "Alibaba bans it.")]
    assert preview.card.is_story and preview.card.image_url == "/stories/alibaba-bans/card.png"
    assert preview.card.title == "Alibaba Bans Claude Code" and preview.card.domain == "news.example.com"


def test_each_network_shows_a_link_its_own_way():
    url = "https://www.gigazine.net/news/20260704-alibaba-bans-claude-code/"

    assert display_link("twitterPost", url) == "gigazine.net/news/20260…"
    assert display_link("blueskyPost", url) == "gigazine.net/news/2026070..."
    assert display_link("threadsPost", url) == "gigazine.net/news/20260704-ali…"


def test_a_post_without_a_link_says_there_is_no_card():
    links = StoryLinks(story_paths=frozenset(), headline="", summary="", card_image_url="")

    preview = post_preview("blueskyPost", "Just words #anime", links=links)

    assert preview.card is None and "no link card" in preview.note
    assert preview.segments == [("text", "Just words "), ("hashtag", "#anime")]


def test_the_workspace_shows_each_post_as_its_network_will(client, editor, seed_record):
    rewrite = make_draft(seed=seed_record, twitterPost="Alibaba bans Claude Code. https://example.com/stories/varied-record-1/")
    client.force_login(editor)

    html = client.get(f"/rewrites/{rewrite.id}/").content.decode()

    assert 'class="post-preview post-preview-x"' in html
    assert f'src="/rewrites/{rewrite.id}/card-preview.png"' in html
    assert 'class="post-preview post-preview-bluesky"' in html and 'class="post-preview post-preview-threads"' in html


def test_the_card_preview_is_the_story_card_drawn_now(client, editor, seed_record):
    rewrite = make_draft(seed=seed_record)
    client.force_login(editor)

    response = client.get(f"/rewrites/{rewrite.id}/card-preview.png")
    again = client.get(f"/rewrites/{rewrite.id}/card-preview.png", HTTP_IF_NONE_MATCH=response["ETag"])

    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG")
    assert again.status_code == 304


def test_next_in_queue_opens_the_following_draft_in_the_queue_order(client, editor, seed_record):
    drafts = [make_draft(seed=seed_record, number=number) for number in (11, 12, 13)]
    for offset, draft in enumerate(drafts):
        Rewrite.objects.filter(id=draft.id).update(updated_at=draft.updated_at.replace(year=2026, month=1, day=10 - offset))
    client.force_login(editor)
    page = client.get(f"/rewrites/{drafts[1].id}/", HTTP_REFERER="http://testserver/?status=draft").content.decode()
    next_url = page.split('id="next-in-queue"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")

    response = client.get(next_url)

    assert response.status_code == 302
    assert response["Location"].startswith(f"/rewrites/{drafts[2].id}/?queue=status")


def test_next_in_queue_after_the_last_one_goes_back_to_the_queue_saying_so(client, editor, seed_record):
    rewrite = make_draft(seed=seed_record)
    client.force_login(editor)

    response = client.get(f"/rewrites/{rewrite.id}/next/", {"queue": "status=draft"}, follow=True)

    assert "Nothing else in this queue view needs you now." in response.content.decode()


def test_approving_offers_the_next_rewrite_in_the_queue(editor, seed_record):
    rewrite = make_draft(seed=seed_record)
    client = csrf_client(editor)

    response = post_with_csrf(client, f"/rewrites/{rewrite.id}/approve/", {"override_reason": "ok", "next": "/rewrites/x/next/"}, **HX)

    assert 'href="/rewrites/x/next/" class="next-link">Next in queue' in response.content.decode()
    assert json.loads(response["HX-Trigger"])["rewrite-changed"]["state"].endswith("approved-0-0")


def test_word_diff_of_history_separates_a_replacement():
    assert word_diff("version A", "version Canada")[-3:] == [("removed", "A"), ("gap", " "), ("added", "Canada")]


def test_a_finding_inside_a_longer_one_keeps_a_highlight_of_its_own():
    from rewrites.desk.evidence import highlight_segments

    text = "Alibaba bans it, affecting 45,000 staff."
    content = {"code": "unsupported-content", "severity": "warning", "span": [0, 39]}
    number = {"code": "unsupported-number", "severity": "error", "span": [27, 33]}

    segments = highlight_segments(text, [content, number])

    assert [(segment.text, segment.index) for segment in segments] == [
        ("Alibaba bans it, affecting ", 0), ("45,000", 1), (" staff", 0), (".", None)
    ]
