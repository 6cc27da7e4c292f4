"""The Sources page in Chromium: "Fetch now" shows live progress and refreshes the counts."""

import threading

import pytest
from django.conf import settings as django_settings
from django.db import connections
from django.test import Client
from playwright.sync_api import expect

from newsroom.roles import ADMINS
from tests.factories import make_source, make_user
from tests.http_server import LocalHTTPServer, Reply
from tests.ingest_helpers import rss

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def chromium_page(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url)
    yield context
    context.close()
    # Inside Playwright's event loop Django gives this thread a separate database
    # connection; close it here or the test database cannot be dropped.
    connections.close_all()
    # Let the live server's request threads see the browser's connections close and release
    # their database connections before the test database is dropped.
    for thread in threading.enumerate():
        if "process_request_thread" in thread.name:
            thread.join(timeout=5)


def test_fetch_now_shows_progress_and_the_new_article_count(chromium_page, live_server, settings, run_jobs, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.NEWSROOM_AFTER_ARTICLE_STORED = []
    server = LocalHTTPServer().start()
    settings.NEWSROOM_FETCH_ALLOWED_HOSTS = [server.host]
    server.routes["/feed"] = Reply(200, rss([{"title": "Live", "link": server.url("/1"), "description": "live text"}]))
    source = make_source(feed_url=server.url("/feed"))
    client = Client()
    client.force_login(make_user(username="ada", role=ADMINS))
    chromium_page.add_cookies([{
        "name": django_settings.SESSION_COOKIE_NAME, "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }])
    page = chromium_page.new_page()
    try:
        page.goto("/sources/")
        row = page.locator(f"#source-{source.id}")
        assert row.locator("td").nth(6).inner_text() == "0"

        row.get_by_role("button", name="Fetch now").click()
        page.get_by_text("waiting in the ingest queue").wait_for()
        run_jobs("ingest")

        page.get_by_text("1 stored, 0 duplicate, 0 refused.").wait_for(timeout=10_000)
        expect(page.locator(f"#source-{source.id} td:nth-child(7)")).to_have_text("1", timeout=10_000)
        assert "OK" in page.locator(f"#source-{source.id}").inner_text()
    finally:
        page.close()
        server.stop()
