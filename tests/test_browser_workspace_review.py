"""Reviewing in the browser: evidence beside the span with the sources in view, the "checked, correct" override,
social posts as their networks show them, a workspace that fits a phone, and the keyboard."""

import re

import pytest
from playwright.sync_api import expect

from rewrites.desk.review import edit_field
from rewrites.models import CheckedFinding, Correction, PublishJob, Rewrite, Suggestion
from rewrites.publishing.publish import publish_rewrite
from tests.browser import log_in, screenshot
from tests.factories import make_approved, make_article, make_draft, make_source

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUBJECTS = ["Chinese technology companies", "Banks in Shanghai", "Large retailers", "Game studios", "Carmakers",
            "Telecom operators"]
PREDICATES = [
    "have tightened their rules on foreign software over the past two years.",
    "asked engineers to stop sending source code to services hosted abroad.",
    "now keep a list of tools that staff may not install.",
    "adopted coding assistants quickly, often without approval.",
    "have been warned by regulators about data leaving the country.",
]
LONG_SOURCE = "\n\n".join(
    [
        "Alibaba Group has told its employees to stop using Anthropic's Claude Code from July 10, 2026.",
        "The internal notice lists Claude Code among high-risk software and tells staff to use Qoder, "
        "the company's own coding platform.",
        *(f"{subject} {predicate}" for subject in SUBJECTS for predicate in PREDICATES),
        "Alibaba employs about 200,000 people worldwide, most of them in China.",
    ]
)
NUMBER = re.compile(r"^45,000$")
X_TOO_LONG = ("Alibaba has banned Claude Code for every employee after researchers found hidden code. " * 4).strip()


def open_workspace(page, live_server, rewrite, username="eda"):
    log_in(page, live_server, username=username)
    page.goto(f"{live_server.url}/rewrites/{rewrite.id}/")


def flagged_draft(seed_record, editor):
    """A draft whose newsletter blurb (low on the page) claims a number the sources do not have."""
    rewrite = make_draft(seed=seed_record)
    make_article(cluster=rewrite.cluster, source=make_source(name="Tech Wire"), title="Alibaba tells staff to drop Claude Code",
                 text=LONG_SOURCE, language="en", hours=-1)
    edit_field(rewrite_id=rewrite.id, field="newsletter_blurb", base_version=1, user=editor,
               value="Alibaba will ban Claude Code from July 10, 2026, affecting 45,000 staff.")
    return Rewrite.objects.get(id=rewrite.id)


def test_evidence_opens_beside_the_clicked_span_and_the_sources_scroll_to_the_sentence(page, live_server, editor, seed_record):
    rewrite = flagged_draft(seed_record, editor)
    open_workspace(page, live_server, rewrite)
    mark = page.locator("#field-newsletter_blurb .lint-mark", has_text=NUMBER)
    mark.scroll_into_view_if_needed()

    mark.click()

    evidence = page.locator("#evidence-newsletter_blurb .evidence")
    evidence.wait_for()
    span_box, evidence_box = mark.bounding_box(), evidence.bounding_box()
    assert 0 <= evidence_box["y"] - (span_box["y"] + span_box["height"]) < 300
    assert 0 <= evidence_box["y"] < page.viewport_size["height"]
    assert evidence.get_by_text("unsupported-number").is_visible()
    sentence = page.locator(".sources mark.evidence-sentence")
    sentence.wait_for()
    sentence_box = sentence.bounding_box()
    assert sentence_box["y"] >= 0 and sentence_box["y"] + sentence_box["height"] <= page.viewport_size["height"]
    assert sentence.inner_text() in evidence.locator("blockquote").inner_text()
    screenshot(page, "workspace-evidence", docs=True, full_page=False)


def test_the_sources_stay_in_view_while_the_outputs_scroll(page, live_server, editor, seed_record):
    rewrite = flagged_draft(seed_record, editor)
    open_workspace(page, live_server, rewrite)

    page.locator("#field-threads_post").scroll_into_view_if_needed()

    sources = page.locator(".workspace .sources").bounding_box()
    assert page.evaluate("window.scrollY") > 1000
    assert 0 <= sources["y"] < 50
    assert page.locator("#sources-heading").is_visible()


def test_marking_a_finding_checked_in_the_browser_silences_it_and_keeps_it_in_history(page, live_server, editor, seed_record):
    rewrite = flagged_draft(seed_record, editor)
    open_workspace(page, live_server, rewrite)
    page.locator("#field-newsletter_blurb .lint-mark", has_text=NUMBER).click()

    page.get_by_label("It is right because").fill("The company's notice gives 45,000 staff.")
    page.get_by_role("button", name="Checked, correct").click()

    blurb = page.locator("#field-newsletter_blurb")
    blurb.get_by_text("Checked, correct: unsupported-number on “45,000”").wait_for()
    assert blurb.locator(".lint-mark", has_text=NUMBER).count() == 0
    assert CheckedFinding.objects.get(rewrite=rewrite).reason == "The company's notice gives 45,000 staff."
    page.goto(f"{live_server.url}/rewrites/{rewrite.id}/history/")
    assert page.get_by_text("Checked unsupported-number '45,000' in newsletterBlurb").count() == 1


def test_the_publish_panel_leaves_the_comparison_in_view(page, live_server, editor, seed_record):
    rewrite = make_approved(seed=seed_record, number=3)
    publish_rewrite(rewrite_id=rewrite.id, user=editor)
    for note in ["The date was wrong.", "The studio's name was misspelt.", "A quote was cut."]:
        PublishJob.objects.create(rewrite=rewrite, state=PublishJob.State.DONE, outcome="republished",
                                  requested_by=editor, correction_note=note)
        Correction.objects.create(rewrite=rewrite, text=note, created_by=editor)
    open_workspace(page, live_server, rewrite)

    top = page.locator(".workspace").bounding_box()["y"]

    assert top < page.viewport_size["height"] * 0.6
    screenshot(page, "workspace", docs=True, full_page=False)


def test_the_x_over_limit_highlight_keeps_whole_words_and_reads_left_to_right(page, live_server, editor, seed_record):
    rewrite = make_draft(seed=seed_record, twitterPost=X_TOO_LONG)
    edit_field(rewrite_id=rewrite.id, field="twitter_post", value=X_TOO_LONG + " Done.", base_version=1, user=editor)
    open_workspace(page, live_server, rewrite)

    mark = page.locator("#field-twitter_post .lint-mark")
    text = page.locator("#field-twitter_post .field-text").inner_text()
    highlighted = mark.inner_text()
    before = text[: text.index(highlighted)]

    assert before.endswith(" ") and not highlighted.startswith(" ")
    assert mark.evaluate("element => getComputedStyle(element).display") == "inline"
    assert mark.evaluate("element => getComputedStyle(element).textAlign") in ("start", "left")
    field_left = page.locator("#field-twitter_post .field-text").bounding_box()["x"]
    line_starts = mark.evaluate("element => Array.from(element.getClientRects()).map(rect => rect.left)")
    assert all(abs(left - field_left) < 2 for left in line_starts[1:])


def test_the_header_counter_follows_the_live_one_while_typing(page, live_server, editor, seed_record):
    rewrite = make_draft(seed=seed_record)
    open_workspace(page, live_server, rewrite)

    page.get_by_role("button", name="Edit X post").click()
    page.get_by_role("textbox", name="X post").fill(X_TOO_LONG)

    live = page.locator("#count-twitter_post")
    header = page.locator("#header-count-twitter_post")
    assert live.get_attribute("data-count") == header.get_attribute("data-count")
    assert "over-limit" in header.get_attribute("class")
    assert header.inner_text() in live.inner_text()


def test_textareas_open_tall_enough_to_show_their_text(page, live_server, editor, seed_record):
    rewrite = make_draft(seed=seed_record)
    open_workspace(page, live_server, rewrite)

    for label in ["Threads post", "X post", "Summary", "Newsletter blurb"]:
        page.get_by_role("button", name=f"Edit {label}").click()
        box = page.get_by_role("textbox", name=label)
        box.wait_for()
        assert box.evaluate("element => element.scrollHeight <= element.clientHeight + 2"), label
        assert box.evaluate("element => element.rows") >= 3


def test_each_post_has_a_preview_as_its_network_shows_it(page, live_server, editor, seed_record):
    rewrite = make_draft(seed=seed_record, twitterPost="Alibaba bans Claude Code. https://desk.example/stories/varied-record-1/")
    open_workspace(page, live_server, rewrite)

    page.locator("#field-twitter_post").get_by_text("Preview on X").click()
    preview = page.locator("#field-twitter_post .post-preview-x")
    card = preview.locator(".link-card img")
    card.wait_for()
    page.wait_for_function("image => image.complete && image.naturalWidth === 1200", arg=card.element_handle())

    assert preview.locator(".post-text").inner_text() == "Alibaba bans Claude Code."
    assert preview.locator(".link-card-title").inner_text() == rewrite.headline
    assert preview.evaluate("element => element.getBoundingClientRect().width") == 598
    page.locator("#field-bluesky_post").get_by_text("Preview on Bluesky").click()
    assert page.locator("#field-bluesky_post .post-preview-bluesky .post-text").is_visible()
    screenshot(page, "workspace-social-preview", docs=True, full_page=False)


def test_at_390_pixels_wide_nothing_overflows(page, live_server, editor, admin_user, seed_record):
    rewrite = flagged_draft(seed_record, editor)
    page.set_viewport_size({"width": 390, "height": 844})
    open_workspace(page, live_server, rewrite)

    def width():
        return page.evaluate("document.documentElement.scrollWidth")

    assert width() <= 390
    screenshot(page, "workspace-390", docs=True, full_page=False)
    page.locator("#field-newsletter_blurb .lint-mark", has_text=NUMBER).click()
    page.locator("#evidence-newsletter_blurb .evidence").wait_for()
    page.get_by_role("button", name="Edit Attribution").click()
    page.locator(".credits-form").wait_for()
    page.get_by_role("button", name="Edit Summary").click()
    page.get_by_role("textbox", name="Summary").fill("Eda's summary.")
    edit_field(rewrite_id=rewrite.id, field="summary", value="Ada's summary.", base_version=rewrite.version, user=admin_user)
    page.get_by_role("button", name="Save", exact=True).click()
    page.locator("#field-summary.conflict").wait_for()
    for preview in ["Preview on X", "Preview on Bluesky", "Preview on Threads"]:
        page.get_by_text(preview).click()
    assert width() <= 390


def test_placeholders_fit_their_inputs(page, live_server, editor, seed_record):
    rewrite = flagged_draft(seed_record, editor)
    for viewport in ({"width": 1280, "height": 900}, {"width": 390, "height": 844}):
        page.set_viewport_size(viewport)
        open_workspace(page, live_server, rewrite)
        page.locator("#field-newsletter_blurb .lint-mark", has_text=NUMBER).click()
        page.locator("#evidence-newsletter_blurb .evidence").wait_for()
        page.get_by_role("button", name="Edit Attribution").click()
        page.locator(".credits-form").wait_for()

        cut = page.evaluate("""() => {
          const canvas = document.createElement("canvas").getContext("2d");
          return Array.from(document.querySelectorAll("input[placeholder], textarea[placeholder]")).filter((input) => {
            const style = getComputedStyle(input);
            canvas.font = `${style.fontSize} ${style.fontFamily}`;
            const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
            return canvas.measureText(input.placeholder).width > room;
          }).map((input) => input.placeholder);
        }""")
        assert cut == [], viewport
        page.context.clear_cookies()


def test_the_keyboard_moves_edits_saves_and_approves(page, live_server, editor, seed_record):
    rewrite = make_draft(seed=seed_record)
    open_workspace(page, live_server, rewrite)
    page.locator("h1").click()

    page.keyboard.press("?")
    assert page.locator("#shortcuts").is_visible()
    assert "open the next rewrite in the queue" in page.locator("#shortcuts").inner_text()
    page.keyboard.press("Escape")
    page.keyboard.press("j")
    page.keyboard.press("j")
    assert page.locator(".field.current").get_attribute("id") == "field-summary"
    page.keyboard.press("e")
    box = page.get_by_role("textbox", name="Summary")
    box.wait_for()
    box.fill("Alibaba banned Claude Code.")
    page.keyboard.press("Alt+ArrowDown")
    expect(page.get_by_role("textbox", name="Why it matters")).to_be_focused()
    assert Rewrite.objects.get(id=rewrite.id).summary == "Alibaba banned Claude Code."
    page.keyboard.press("Escape")
    page.locator("#field-why_it_matters:not(:has(form))").wait_for()
    page.locator("h1").click()
    page.keyboard.press("a")
    if page.locator("#override-reason").count():
        page.keyboard.type("Checked by hand")
        page.locator("#override-reason").press("Enter")
    page.locator("#action-result").get_by_text("Approved.").wait_for()
    assert Rewrite.objects.get(id=rewrite.id).status == "approved"


def test_after_approving_the_next_draft_in_the_queue_is_one_key_away(page, live_server, editor, seed_record):
    first = make_draft(seed=seed_record, number=21)
    second = make_draft(seed=seed_record, number=22)
    Rewrite.objects.filter(id=second.id).update(updated_at=first.updated_at.replace(year=2025))
    log_in(page, live_server, username="eda")
    page.goto(f"{live_server.url}/?status=draft")
    page.get_by_role("link", name=first.headline).first.click()
    page.wait_for_url(f"**/rewrites/{first.id}/")

    reason = page.locator("#override-reason")
    if reason.count():
        reason.fill("Fine as it is")
    page.get_by_role("button", name="Approve").click()
    page.locator("#action-result .next-link").wait_for()
    page.locator("h1").click()
    page.keyboard.press("n")

    page.wait_for_url(f"**/rewrites/{second.id}/**")


def test_a_regenerated_text_that_arrived_after_an_edit_is_accepted_beside_the_field(page, live_server, editor, seed_record):
    rewrite = make_draft(seed=seed_record)
    Suggestion.objects.create(rewrite=rewrite, field="why_it_matters", model="test-model", requested_by=editor,
                              text="Alibaba's ban shows how far companies now go to control the AI tools staff use.")
    open_workspace(page, live_server, rewrite)
    field = page.locator("#field-why_it_matters")
    field.get_by_text("New text from test-model").scroll_into_view_if_needed()
    screenshot(page, "workspace-suggestion", docs=True, full_page=False)

    field.get_by_role("button", name="Use the new text").click()

    page.locator("#field-why_it_matters:not(.has-suggestion)").get_by_text("how far companies now go").wait_for()
    assert Rewrite.objects.get(id=rewrite.id).why_it_matters.startswith("Alibaba's ban shows")
    page.locator("#lint-summary:not(:has-text('regenerated text'))").wait_for()
