"""In a real browser: the desk works under its Content-Security-Policy, and injected inline script does not run."""

import pytest

from rewrites.records import import_record
from tests.browser import log_in
from tests.records_data import full_record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

INJECT = """() => {
    const script = document.createElement("script");
    script.textContent = "window.injectedScriptRan = true";
    document.body.append(script);
    const holder = document.createElement("div");
    holder.innerHTML = '<img src="data:," onerror="window.injectedHandlerRan = true">';
    document.body.append(holder);
    const link = document.createElement("a");
    link.href = "javascript:window.injectedLinkRan = true";
    link.id = "injected-link";
    link.textContent = "injected";
    document.body.append(link);
}"""


def test_the_queue_works_and_injected_inline_script_does_not_run(page, live_server, editor, seed_record):
    import_record(seed_record)
    import_record(full_record(seed_record))
    violations = []
    page.on("console", lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None)
    log_in(page, live_server, username="eda")

    page.get_by_label("Status").select_option("draft")  # htmx swaps the list in: scripts from /static/ run
    page.wait_for_url("**/?status=draft")
    assert page.locator("#rewrite-list").get_by_text("Alibaba Bans").count() == 0
    page.evaluate(INJECT)
    page.click("#injected-link")
    while len(violations) < 3:  # the script, the handler and the link, each refused
        page.wait_for_event("console", lambda message: "Content Security Policy" in message.text, timeout=15_000)

    ran = page.evaluate("() => [window.injectedScriptRan, window.injectedHandlerRan, window.injectedLinkRan]")
    assert ran == [None, None, None]
    assert len(violations) >= 3 and all("script-src" in text for text in violations)
