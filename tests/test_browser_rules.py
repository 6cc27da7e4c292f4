import pytest

from tests.browser import log_in, screenshot
from tests.factories import make_draft

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_action_refused_by_the_role_says_what_the_role_cannot_do(page, live_server, editor, seed_record):
    rewrite = make_draft(seed=seed_record)
    log_in(page, live_server, username="eda")
    page.goto(f"{live_server.url}/rewrites/{rewrite.id}/")
    page.wait_for_load_state("networkidle")  # the presence heartbeat has been answered
    editor.groups.clear()  # an admin took the role away while the page was open

    page.get_by_role("button", name="Approve").click()

    problem = page.locator("#request-problem")
    problem.wait_for(state="visible")
    assert "Your account has no role yet, so it cannot approve rewrites" in problem.inner_text()
    screenshot(page, "workspace-role-refused")
