"""The dashboard in Chromium for an Admin: charts drawn without a script from elsewhere, tables, retry, refresh."""

from datetime import UTC, timedelta

import django_rq
import pytest
import rq
from django.utils import timezone
from playwright.sync_api import expect

from clusters.models import Cluster, Source
from rewrites.dashboard.queries import day_start
from rewrites.models import ModelCall, Revision, Rewrite
from tests.browser import log_in, screenshot
from tests.factories import (
    make_article,
    make_failed_delivery,
    make_failed_publish_job,
    make_model_call,
    make_published_story,
    make_revision,
    make_rewrite,
    make_source,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OUTCOMES = [ModelCall.Outcome.OK] * 6 + [ModelCall.Outcome.TIMEOUT, ModelCall.Outcome.RATE_LIMITED, ModelCall.Outcome.INVALID_JSON]


def fail_unless_source(name: str) -> str:
    """A job that fails until a source with the name exists."""
    if not Source.objects.filter(name=name).exists():
        raise LookupError(f"No source called {name} yet")
    return name


def fill_a_month() -> None:
    """A month of desk activity: calls of two models, drafts with lints and their times, intake, failures."""
    today = timezone.now().astimezone(UTC).date()
    gigazine = make_source(name="GIGAZINE", language="ja", last_success_at=timezone.now())
    wire = make_source(name="Example Wire", language="en", last_success_at=timezone.now())
    make_source(name="Anime Daily", language="ja", consecutive_failures=4, last_error="HTTP 503 from https://anime-daily.example/feed")
    for days_ago in range(30):
        noon = day_start(today - timedelta(days=days_ago)) + timedelta(hours=12)
        at = min(noon, timezone.now() - timedelta(minutes=5))
        for n in range(2 + (days_ago * 7) % 5):
            make_model_call(
                at=at, model="gpt-4.1-mini" if n % 3 else "gpt-4.1", outcome=OUTCOMES[(days_ago + n) % len(OUTCOMES)],
                cost=f"{0.02 + 0.01 * ((days_ago + n) % 4):.2f}", input_tokens=3000 + 150 * n, output_tokens=700 + 40 * n,
            )
        if days_ago < 7:
            for n in range(1 + days_ago % 3):
                lints = '[{"code": "unsupported-number", "severity": "error"}]' if n == 0 else "[]"
                rewrite = make_rewrite(created_at=at, lint_flags_json=lints, lint_errors=1 if n == 0 else 0)
                Cluster.objects.filter(id=rewrite.cluster_id).update(first_seen_at=at - timedelta(hours=2 + n + days_ago % 3))
                make_revision(rewrite=rewrite, kind=Revision.Kind.GENERATED, at=at)
                if n == 0:
                    Rewrite.objects.filter(id=rewrite.id).update(status=Rewrite.Status.PUBLISHED, cost_usd="0.04")
                    make_published_story(rewrite=rewrite, at=min(at + timedelta(hours=1 + days_ago % 4), timezone.now()))
                    make_revision(rewrite=rewrite, kind=Revision.Kind.PUBLISHED, at=min(at + timedelta(hours=1 + days_ago % 4), timezone.now()))
            for n in range(3 + days_ago % 4):
                make_article(source=gigazine if n % 2 else wire, language="ja" if n % 2 else "en", fetched_at=at)
    rewrite = Rewrite.objects.first()
    make_failed_publish_job(rewrite=rewrite, error="The social card could not be drawn: the lead image is missing.")
    make_failed_delivery(rewrite=rewrite, error="HTTP 500 from https://hooks.example/in")


def test_an_admin_reads_the_charts_and_retries_a_failed_job(page, live_server, admin_user):
    fill_a_month()
    queue = rq.Queue("ingest", connection=django_rq.get_connection("ingest"))
    job = queue.enqueue(fail_unless_source, "Late source")
    django_rq.get_worker("ingest", worker_class=rq.SimpleWorker).work(burst=True, with_scheduler=False)
    assert job.get_status(refresh=True) == "failed"
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)

    log_in(page, live_server, username="ada")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    page.get_by_role("link", name="30 days").click()
    page.wait_for_url(f"{live_server.url}/dashboard/?range=30d")

    expect(page.get_by_role("heading", name="Model spend")).to_be_visible()
    assert page.locator("#chart-spend svg rect.bar").count() == 30
    spend_rows = page.locator("#chart-spend table tbody tr")
    expect(spend_rows).to_have_count(30)
    assert page.locator("#chart-outcomes table").inner_text().count("Timed out") == 1
    expect(page.locator("#sources-table tbody tr").first).to_contain_text("Anime Daily")
    expect(page.locator("#failed-publish-jobs")).to_contain_text("the lead image is missing")
    expect(page.locator("#job-" + job.id)).to_contain_text("LookupError: No source called Late source yet")
    screenshot(page, "dashboard", docs=True)

    Source.objects.create(name="Late source")
    page.locator("#job-" + job.id).get_by_role("button", name="Retry").click()
    expect(page.get_by_role("status").filter(has_text="again on the ingest queue")).to_be_visible()
    expect(page.locator("#job-" + job.id)).to_have_count(0)
    django_rq.get_worker("ingest", worker_class=rq.SimpleWorker).work(burst=True, with_scheduler=False)
    assert job.get_status(refresh=True) == "finished"

    # The numbers refresh in place: a new call shows without a reload.
    make_model_call(model="gpt-refresh-check", cost="0.50")
    page.evaluate("htmx.trigger('#dashboard-numbers', 'dashboard-refresh')")
    expect(page.locator("#models-table")).to_contain_text("gpt-refresh-check")
    screenshot(page, "dashboard-after-retry", docs=True, full_page=False)
    assert problems == []
