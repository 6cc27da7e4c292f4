import pytest

from rewrites.models import Rewrite
from tests.browser import log_in, screenshot
from tests.factories import make_draft

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TOO_LONG = ("Alibaba has banned Claude Code for every employee after researchers found hidden code. " * 4).strip()


def open_workspace(page, live_server, rewrite, username="eda"):
    log_in(page, live_server, username=username)
    page.goto(f"{live_server.url}/rewrites/{rewrite.id}/")


def test_editor_makes_the_x_post_too_long_sees_the_counter_and_lint_then_fixes_it(page, live_server, editor, seed_record):
    rewrite = make_draft(seed=seed_record)
    open_workspace(page, live_server, rewrite)

    page.get_by_role("button", name="Edit X post").click()
    box = page.get_by_role("textbox", name="X post")
    box.fill(TOO_LONG)
    counter = page.locator("#count-twitter_post")
    assert "over-limit" in counter.get_attribute("class")
    browser_count = int(counter.get_attribute("data-count"))
    page.get_by_role("button", name="Save", exact=True).click()

    field = page.locator("#field-twitter_post:not(:has(form))")
    field.locator(".counter.over-limit").wait_for()
    assert int(field.locator(".counter").get_attribute("data-server-count")) == browser_count
    assert field.get_by_text("x-length").count() or field.locator(".severity-error").count()
    screenshot(page, "workspace-x-too-long")

    page.get_by_role("button", name="Edit X post").click()
    page.get_by_role("textbox", name="X post").fill("Alibaba banned Claude Code after hidden code was found.")
    assert "over-limit" not in (page.locator("#count-twitter_post").get_attribute("class") or "")
    page.get_by_role("button", name="Save", exact=True).click()
    page.locator("#field-twitter_post:not(:has(form)) .counter:not(.over-limit)").wait_for()
    assert Rewrite.objects.get(id=rewrite.id).twitter_post == "Alibaba banned Claude Code after hidden code was found."


def test_browser_and_server_count_the_same(page, live_server, editor, seed_record):
    from rewrites.checks.counters import count_for

    rewrite = make_draft(seed=seed_record)
    open_workspace(page, live_server, rewrite)
    samples = [
        "Plain text.",
        "アリババがClaude Codeを禁止 https://gigazine.net/news/20260704-alibaba-bans-claude-code/ 👍🏽",
        "Family 👨‍👩‍👧‍👦 and flags 🇯🇵 with ｆｕｌｌ－ｗｉｄｔｈ text, see example.com/path.",
        "e\u0301 combining and “quotes” — dashes… " * 3,
    ]
    for record_name in ["blueskyPost", "twitterPost", "threadsPost"]:
        for text in samples:
            in_browser = page.evaluate("([name, text]) => window.newsroomCount(name, text)", [record_name, text])
            assert in_browser == count_for(record_name, text)["count"], (record_name, text)


def test_approve_then_publish_from_the_workspace(page, live_server, editor, seed_record, run_jobs):
    rewrite = make_draft(seed=seed_record)
    Rewrite.objects.filter(id=rewrite.id).update(lint_flags_json=None, lint_hits=0, lint_errors=0)
    open_workspace(page, live_server, rewrite)

    page.get_by_role("button", name="Approve").click()
    page.locator("#action-result").get_by_text("Approved.").wait_for()
    assert Rewrite.objects.get(id=rewrite.id).status == "approved"
    screenshot(page, "workspace")

    page.reload()
    page.get_by_role("button", name="Publish", exact=True).click()
    page.locator("#publish-status").get_by_text("Queued", exact=False).first.wait_for()
    run_jobs("publish")
    page.locator("#publish-status .status-published").wait_for()
    published = Rewrite.objects.get(id=rewrite.id)
    assert published.status == "published"
    assert published.published_at is not None
    page.goto(f"{live_server.url}/stories/{published.slug}/")
    assert page.get_by_role("heading", level=1).inner_text() == published.headline


def test_two_editors_edit_the_same_field_and_the_second_sees_the_conflict(chromium, live_server, editor, admin_user, seed_record):
    rewrite = make_draft(seed=seed_record)
    first = chromium.new_context().new_page()
    second = chromium.new_context().new_page()
    open_workspace(first, live_server, rewrite, username="eda")
    open_workspace(second, live_server, rewrite, username="ada")
    second.locator("#presence").get_by_text("Also here: eda").wait_for()

    first.get_by_role("button", name="Edit Summary").click()
    second.get_by_role("button", name="Edit Summary").click()
    first.get_by_role("textbox", name="Summary").fill("First editor's summary.")
    second.get_by_role("textbox", name="Summary").fill("Second editor's summary.")
    first.get_by_role("button", name="Save", exact=True).click()
    first.locator("#field-summary").get_by_text("First editor's summary.").wait_for()
    second.get_by_role("button", name="Save", exact=True).click()

    conflict = second.locator("#field-summary.conflict")
    conflict.wait_for()
    assert "Second editor's summary." in conflict.locator(".yours").inner_text()
    assert "First editor's summary." in conflict.locator(".theirs").inner_text()
    screenshot(second, "workspace-conflict", docs=True, full_page=False)
    second.get_by_role("button", name="Save mine on top").click()
    second.locator("#field-summary:not(.conflict)").get_by_text("Second editor's summary.").wait_for()
    assert Rewrite.objects.get(id=rewrite.id).summary == "Second editor's summary."
    first.context.close()
    second.context.close()


def test_a_web_card_carrying_a_script_runs_nothing(page, live_server, editor, seed_record):
    rewrite = make_draft(seed=seed_record)
    Rewrite.objects.filter(id=rewrite.id).update(
        web_card_html='<p>Card</p><script>window.parent.document.title="owned"</script>'
        '<img src="https://example.com/x.png" onerror="window.parent.document.title=\'owned\'">'
    )
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    open_workspace(page, live_server, rewrite)

    frame = page.frame_locator("iframe.web-card")
    assert frame.get_by_text("Card").is_visible()
    # The sandbox runs no script at all, so nothing is reported: the card's load event comes after its script
    # and its image (loaded or failed), which is when either would have run.
    page.locator("iframe.web-card").element_handle().content_frame().wait_for_load_state("load")
    assert page.title() != "owned"
    assert not dialogs
    assert not [url for url in requests if "example.com" in url]
