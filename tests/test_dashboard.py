"""The operations dashboard: every chart's numbers against a direct count, roles, retry through a real worker."""

from __future__ import annotations

import json
import math
from datetime import UTC, timedelta
from decimal import Decimal

import django_rq
import pytest
import rq
from django.db.models import Count, Sum
from django.utils import timezone

from clusters.models import Article, Cluster, Source
from newsroom.models import AuditEntry
from newsroom.roles import ADMINS
from rewrites.dashboard.jobs import roll_up_finished_days
from rewrites.dashboard.queries import day_start
from rewrites.models import ModelCall, ModelCallDay, PublishedStory, ReviewDay, Revision, Rewrite
from tests.csrf import csrf_client, post_with_csrf
from tests.factories import (
    make_article,
    make_cluster,
    make_failed_delivery,
    make_failed_publish_job,
    make_model_call,
    make_published_story,
    make_revision,
    make_rewrite,
    make_source,
    make_user,
)

pytestmark = pytest.mark.django_db


def today():
    return timezone.now().astimezone(UTC).date()


def noon(days_ago: int):
    """Midday (UTC) of the day days_ago before today."""
    return day_start(today() - timedelta(days=days_ago)) + timedelta(hours=12)


def label(days_ago: int) -> str:
    return f"{today() - timedelta(days=days_ago):%m-%d}"


def dashboard(client, user, query: str = "?range=7d"):
    client.force_login(user)
    response = client.get(f"/dashboard/{query}")
    assert response.status_code == 200
    return response


def calls_on(days_ago: int):
    start = day_start(today() - timedelta(days=days_ago))
    return ModelCall.objects.filter(created_at__gte=start, created_at__lt=start + timedelta(days=1))


@pytest.fixture
def model_calls(db):
    """Calls of two models with several outcomes today, 2 and 6 days ago (in 7 days), 12 days ago (in 30 days)
    and 40 days ago (outside every range)."""
    make_model_call(model="gpt-a", cost="0.50", input_tokens=1000, output_tokens=300)
    make_model_call(model="gpt-b", cost="0.25", input_tokens=500, output_tokens=0, outcome=ModelCall.Outcome.TIMEOUT)
    make_model_call(at=noon(2), model="gpt-a", cost="1.25", input_tokens=4000, output_tokens=900)
    make_model_call(at=noon(2), model="gpt-a", cost="0", input_tokens=0, output_tokens=0, outcome=ModelCall.Outcome.RATE_LIMITED)
    make_model_call(at=noon(6), model="gpt-b", cost="0.75", input_tokens=2000, output_tokens=10, outcome=ModelCall.Outcome.INVALID_JSON)
    make_model_call(at=noon(12), model="gpt-a", cost="2.00", input_tokens=9000, output_tokens=800)
    make_model_call(at=noon(40), model="gpt-a", cost="9.00", input_tokens=99000, output_tokens=9900)


def assert_spend_matches_direct_counts(response, *, days: int):
    charts = response.context["charts"]
    for days_ago in range(30):
        assert charts["spend"].values["Spend (USD)"][label(days_ago)] == (calls_on(days_ago).total_cost() or 0)
    week = ModelCall.objects.filter(created_at__gte=day_start(today() - timedelta(days=days - 1)))
    for days_ago in range(days):
        sums = calls_on(days_ago).aggregate(i=Sum("input_tokens"), o=Sum("output_tokens"))
        assert charts["tokens"].values["Tokens in"][label(days_ago)] == (sums["i"] or 0)
        assert charts["tokens"].values["Tokens out"][label(days_ago)] == (sums["o"] or 0)
    by_outcome = dict(week.values_list("outcome").annotate(n=Count("id")))
    outcome_labels = dict(ModelCall.Outcome.choices)
    assert charts["outcomes"].values["Calls"] == {
        outcome_labels[value]: by_outcome.get(value, 0) for value in outcome_labels
    }
    assert charts["models"].values["Spend (USD)"] == dict(week.values_list("model").annotate(c=Sum("cost_usd")))
    assert response.context["spend"].today == calls_on(0).total_cost()


def test_spend_tokens_outcomes_and_models_equal_a_direct_count_of_the_calls(client, staff, model_calls):
    response = dashboard(client, staff)

    assert_spend_matches_direct_counts(response, days=7)
    assert response.context["charts"]["outcomes"].values["Calls"]["Timed out"] == 1
    content = response.content.decode()
    assert "0.7500 USD of 10.00 USD (7.5%)" in content
    assert "<td>$1.25</td>" in content  # the spend chart's table, two days ago


def test_finished_days_come_from_the_daily_sums_with_the_same_numbers(client, staff, model_calls):
    summed = roll_up_finished_days()

    assert summed == ReviewDay.objects.count() == 30
    assert ModelCallDay.objects.exists() and not ModelCallDay.objects.filter(day=today()).exists()
    response = dashboard(client, staff, "?range=30d")
    assert_spend_matches_direct_counts(response, days=30)
    # A finished day is read from its sums: a call changed afterwards shows only when the day is summed again.
    calls_on(12).update(cost_usd=Decimal("3.00"))
    assert dashboard(client, staff, "?range=30d").context["charts"]["spend"].values["Spend (USD)"][label(12)] == Decimal("2.00")


def test_the_sweep_sums_each_day_once_it_has_settled(model_calls):
    roll_up_finished_days()
    settled = list(ReviewDay.objects.filter(day__lt=today() - timedelta(days=1)).values_list("id", flat=True))

    again = roll_up_finished_days()

    assert list(ReviewDay.objects.filter(day__lt=today() - timedelta(days=1)).values_list("id", flat=True)) == settled
    # Yesterday is summed again only within the hour after midnight, while late calls may still finish.
    assert again == (1 if timezone.now() < day_start(today()) + timedelta(hours=1) else 0)


def test_every_section_reads_the_same_from_the_daily_sums_as_counted_live(client, editor, model_calls):
    japanese = make_source(name="Gigazine", language="ja")
    for days_ago in (0, 1, 3, 8, 20):
        make_article(source=japanese, language="ja", fetched_at=noon(days_ago))
        rewrite = make_rewrite(
            created_at=noon(days_ago), lint_flags_json=flags(("hype", "error")), lint_errors=1, cost_usd=Decimal("0.1")
        )
        Cluster.objects.filter(id=rewrite.cluster_id).update(first_seen_at=noon(days_ago) - timedelta(hours=days_ago + 1))
        make_revision(rewrite=rewrite, kind=Revision.Kind.GENERATED, at=noon(days_ago))
        make_revision(rewrite=rewrite, kind=Revision.Kind.PUBLISHED, at=noon(days_ago) + timedelta(hours=2))
        make_published_story(rewrite=rewrite, at=noon(days_ago) + timedelta(hours=2))

    def numbers():
        context = dashboard(client, editor, "?range=30d").context
        return (
            {name: chart.values for name, chart in context["charts"].items()},
            context["spend"].published_stories, context["spend"].published_cost,
            context["lints"].errors, context["lints"].drafts, context["intake"].by_source,
            context["pipeline"].to_draft, context["pipeline"].to_publish,
        )

    live = numbers()
    roll_up_finished_days()

    assert numbers() == live
    assert live[1] == PublishedStory.objects.filter(published_at__gte=day_start(today() - timedelta(days=29))).count() == 5


def test_a_story_dated_on_a_summed_day_is_counted_when_it_arrives(
    client, editor, seed_record, run_jobs, django_capture_on_commit_callbacks
):
    """A record imported with earlier dates (the demo's recent stories, a restored archive) and published
    afterwards lands on days already summed: those days are counted again, live, then summed again."""
    import copy

    from rewrites.publishing.jobs import enqueue_missing_publications
    from rewrites.records import import_record

    roll_up_finished_days()
    record = copy.deepcopy(seed_record)
    two_days_ago = noon(2).isoformat().replace("+00:00", "Z")
    record["rewrite"].update(createdAt=two_days_ago, publishedAt=two_days_ago, updatedAt=two_days_ago)
    record["cluster"].update(firstSeenAt=two_days_ago, lastSeenAt=two_days_ago, updatedAt=two_days_ago)
    import_record(record)
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_missing_publications()
    run_jobs("publish")

    assert not ReviewDay.objects.filter(day=today() - timedelta(days=2)).exists()
    assert dashboard(client, editor).context["spend"].published_stories == 1
    roll_up_finished_days()
    assert ReviewDay.objects.get(day=today() - timedelta(days=2)).published_stories == 1
    assert dashboard(client, editor).context["spend"].published_stories == 1


def test_cost_per_published_story_is_their_spend_over_their_number(client, editor):
    for cost, days_ago in [("0.30", 0), ("0.90", 3), ("5.00", 20)]:
        rewrite = make_rewrite(status=Rewrite.Status.PUBLISHED, cost_usd=Decimal(cost))
        make_published_story(rewrite=rewrite, at=noon(days_ago) if days_ago else None)

    spend = dashboard(client, editor).context["spend"]

    stories = PublishedStory.objects.filter(published_at__gte=day_start(today() - timedelta(days=6)))
    assert spend.published_stories == stories.count() == 2
    assert spend.cost_per_story == stories.aggregate(c=Sum("rewrite__cost_usd"))["c"] / 2 == Decimal("0.6")


def percentile(values: list[float], share: float) -> float:
    """PostgreSQL's percentile_cont: linear interpolation between the closest ranks."""
    values = sorted(values)
    position = share * (len(values) - 1)
    low, high = math.floor(position), math.ceil(position)
    return values[low] + (values[high] - values[low]) * (position - low)


def test_pipeline_times_are_the_median_and_90th_percentile_of_each_days_stories(client, editor):
    hours_to_draft = [1, 2, 4, 10]
    hours_to_publish = [3, 5]
    for number, hours in enumerate(hours_to_draft):
        rewrite = make_rewrite()
        Cluster.objects.filter(id=rewrite.cluster_id).update(first_seen_at=noon(1) - timedelta(hours=hours))
        make_revision(rewrite=rewrite, kind=Revision.Kind.GENERATED, at=noon(1))
        make_revision(rewrite=rewrite, kind=Revision.Kind.EDITED, at=noon(1) + timedelta(minutes=5))
        if number < len(hours_to_publish):
            make_revision(rewrite=rewrite, kind=Revision.Kind.PUBLISHED, at=noon(1) + timedelta(hours=hours_to_publish[number]))
    # Written before the period: not counted, though it was published in it.
    old = make_rewrite()
    make_revision(rewrite=old, kind=Revision.Kind.GENERATED, at=noon(9))
    make_revision(rewrite=old, kind=Revision.Kind.PUBLISHED, at=noon(1))
    make_rewrite(status=Rewrite.Status.APPROVED)

    response = dashboard(client, editor)

    pipeline = response.context["pipeline"]
    assert pipeline.drafts_waiting == Rewrite.objects.filter(status=Rewrite.Status.DRAFT).count() == 5
    day = today() - timedelta(days=1)
    assert pipeline.to_draft[day].count == 4
    assert pipeline.to_draft[day].median_hours == pytest.approx(percentile(hours_to_draft, 0.5))
    assert pipeline.to_draft[day].p90_hours == pytest.approx(percentile(hours_to_draft, 0.9))
    published = hours_to_publish + [24 * 8]
    assert pipeline.to_publish[day].count == 3
    assert pipeline.to_publish[day].median_hours == pytest.approx(percentile(published, 0.5))
    assert pipeline.to_publish[day].p90_hours == pytest.approx(percentile(published, 0.9))
    chart = response.context["charts"]["to_draft"]
    assert chart.values["Median hours"][label(1)] == pytest.approx(percentile(hours_to_draft, 0.5))


def flags(*codes_and_severities) -> str:
    return json.dumps([{"code": code, "severity": severity, "field": "headline", "message": "m"} for code, severity in codes_and_severities])


def test_error_lints_per_draft_count_each_code_of_the_days_drafts(client, editor):
    found = {
        2: [("hype", "error"), ("hype", "error"), ("empty-field", "error"), ("headline-length", "warning")],
        0: [("empty-field", "error")],
    }
    for days_ago, findings in found.items():
        errors = sum(1 for _, severity in findings if severity == "error")
        make_rewrite(created_at=noon(days_ago), lint_flags_json=flags(*findings), lint_hits=len(findings), lint_errors=errors)
        make_rewrite(created_at=noon(days_ago), lint_flags_json="[]")
    make_rewrite(created_at=noon(2), status=Rewrite.Status.QUEUED)  # not written yet

    response = dashboard(client, editor)

    lints = response.context["lints"]
    assert lints.codes == ["empty-field", "hype"]
    assert lints.errors[today() - timedelta(days=2)] == {"hype": 2, "empty-field": 1}
    assert lints.drafts[today() - timedelta(days=2)] == 2
    per_draft = response.context["charts"]["lints"].values["Error lints per draft"]
    assert per_draft[label(2)] == 1.5 and per_draft[label(0)] == 0.5 and per_draft[label(1)] == 0


def test_articles_and_clusters_per_day_equal_a_direct_count_by_source_and_language(client, editor):
    japanese, english = make_source(name="Gigazine", language="ja"), make_source(name="Wire", language="en")
    for days_ago, source, language in [(0, japanese, "ja"), (0, japanese, "ja"), (3, english, "en"), (3, japanese, "en"), (9, english, "en")]:
        make_article(source=source, language=language, fetched_at=noon(days_ago))
    make_cluster(seen_minutes_ago=60 * 24 * 3)
    merged = make_cluster(seen_minutes_ago=60 * 24 * 3, number=2)
    Cluster.objects.filter(id=merged.id).update(status=Cluster.Status.MERGED)

    response = dashboard(client, editor)

    intake = response.context["intake"]
    week = day_start(today() - timedelta(days=6))
    for days_ago in range(7):
        start = day_start(today() - timedelta(days=days_ago))
        span = {"gte": start, "lt": start + timedelta(days=1)}
        assert intake.articles[start.date()] == Article.objects.filter(fetched_at__gte=span["gte"], fetched_at__lt=span["lt"]).count()
        assert intake.clusters[start.date()] == Cluster.objects.exclude(status=Cluster.Status.MERGED).filter(
            first_seen_at__gte=span["gte"], first_seen_at__lt=span["lt"]
        ).count()
    direct = {
        (row["source__name"], row["language"]): row["n"]
        for row in Article.objects.filter(fetched_at__gte=week).values("source__name", "language").annotate(n=Count("id"))
    }
    shown: dict = {}
    for row in intake.by_source:
        if row["articles"]:
            shown[(row["source"], row["language"])] = shown.get((row["source"], row["language"]), 0) + row["articles"]
    assert shown == direct
    assert {(row["source"], row["language"]) for row in intake.by_source if row["clusters"]} == {("Example Wire", "en")}
    articles_today = Article.objects.filter(fetched_at__gte=day_start(today())).count()
    assert response.context["charts"]["intake"].values["Articles"][label(0)] == articles_today


def test_failing_sources_come_first_and_only_the_last_days_failures_are_listed(client, editor):
    make_source(name="Alpha", last_success_at=timezone.now())
    make_source(name="Beta", consecutive_failures=2, last_error="HTTP 503 from the feed")
    make_source(name="Gamma", consecutive_failures=7, last_error="The feed is not XML")
    make_source(name="Delta", enabled=False, disabled_reason="Disabled by ada")
    rewrite = make_rewrite(headline="Studio news")
    make_failed_publish_job(rewrite=rewrite, error="The card could not be drawn")
    make_failed_publish_job(rewrite=rewrite, error="An old failure", at=timezone.now() - timedelta(days=2))
    make_failed_delivery(rewrite=rewrite, error="HTTP 500 from the receiver")
    make_failed_delivery(rewrite=rewrite, error="An old delivery failure", at=timezone.now() - timedelta(days=3))

    response = dashboard(client, editor)

    names = [source.name for source, _ in response.context["sources"]]
    assert names[:2] == ["Gamma", "Beta"] and names.index("Delta") < names.index("Alpha")
    assert [job.error for job in response.context["failed_publish_jobs"]] == ["The card could not be drawn"]
    assert [delivery.last_error for delivery in response.context["failed_deliveries"]] == ["HTTP 500 from the receiver"]
    content = response.content.decode()
    assert "The feed is not XML" in content and "HTTP 500 from the receiver" in content
    assert "An old failure" not in content


# Roles, ranges, queries


def test_visitors_are_sent_to_log_in(client):
    response = client.get("/dashboard/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_an_account_without_a_role_is_told_why_not(client, nobody):
    client.force_login(nobody)
    response = client.get("/dashboard/")
    assert response.status_code == 403
    assert "cannot see the operations dashboard" in response.content.decode()


@pytest.mark.parametrize("role", ["editor", "staff", "admin_user"])
def test_every_role_sees_the_dashboard_in_its_navigation(client, role, request):
    user = request.getfixturevalue(role)
    response = dashboard(client, user)
    assert {"label": "Dashboard", "url": "/dashboard/"} in response.context["navigation"]


def test_bad_range_answers_400_saying_which_ranges_exist(client, editor):
    client.force_login(editor)
    response = client.get("/dashboard/?range=90d")
    assert response.status_code == 400
    content = response.content.decode()
    assert "no time range called “90d”" in content and "“30d” (30 days)" in content


def test_the_htmx_refresh_sends_only_the_numbers(client, editor):
    client.force_login(editor)
    response = client.get("/dashboard/?range=today", HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert response.status_code == 200
    assert content.lstrip().startswith('<div id="dashboard-numbers"') and "<html" not in content
    assert 'hx-get="/dashboard/?range=today"' in content


def test_the_page_runs_a_fixed_number_of_queries(client, admin_user, model_calls, django_assert_num_queries):
    for days_ago in range(3):
        rewrite = make_rewrite(created_at=noon(days_ago), lint_flags_json=flags(("hype", "error")), lint_errors=1)
        make_revision(rewrite=rewrite, kind=Revision.Kind.GENERATED, at=noon(days_ago))
        make_failed_publish_job(rewrite=rewrite, error="failed")
        make_failed_delivery(rewrite=rewrite, error="failed")
        make_source(consecutive_failures=days_ago)
    client.force_login(admin_user)
    client.get("/dashboard/")
    # 19 for the page's numbers and the session, one for the header's unread-notification count.
    with django_assert_num_queries(20):
        assert client.get("/dashboard/?range=30d").status_code == 200
    roll_up_finished_days()
    with django_assert_num_queries(20):
        assert client.get("/dashboard/?range=30d").status_code == 200


# Retrying failed jobs


def fail_unless_source(name: str) -> str:
    """A job that fails until a source with the name exists."""
    if not Source.objects.filter(name=name).exists():
        raise LookupError(f"No source called {name} yet")
    return name


@pytest.fixture
def failed_job(run_jobs):
    # Straight onto the queue: the desk's queues wait for the transaction to commit, which a test never does.
    job = rq.Queue("ingest", connection=django_rq.get_connection("ingest")).enqueue(fail_unless_source, "Late source")
    run_jobs("ingest")
    assert job.get_status() == "failed"
    return job


def test_failed_jobs_show_their_reason_and_staff_get_no_retry_button(client, staff, failed_job):
    response = dashboard(client, staff)
    content = response.content.decode()
    ingest = next(queue for queue in response.context["queues"] if queue.name == "ingest")
    assert ingest.failed == 1 and ingest.recent_failures[0].reason == "LookupError: No source called Late source yet"
    assert "LookupError: No source called Late source yet" in content
    assert "Retry</button>" not in content


def test_editors_see_no_retry_button_and_are_refused_the_retry(editor, failed_job):
    client = csrf_client(editor)
    assert "Retry</button>" not in client.get("/dashboard/").content.decode()
    response = post_with_csrf(client, f"/dashboard/jobs/ingest/{failed_job.id}/retry/", {"range": "7d"})
    assert response.status_code == 403
    assert "cannot retry failed background jobs" in response.content.decode()
    assert not AuditEntry.objects.filter(action="job_retry").exists()
    assert failed_job.get_status(refresh=True) == "failed"


def test_an_admins_retry_requeues_the_failed_job_and_a_worker_runs_it(admin_user, failed_job, run_jobs):
    client = csrf_client(admin_user)
    assert "Retry</button>" in client.get("/dashboard/").content.decode()
    make_source(name="Late source")

    response = post_with_csrf(
        client, f"/dashboard/jobs/ingest/{failed_job.id}/retry/", {"range": "today"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert "again on the ingest queue" in response.content.decode()
    assert failed_job.get_status(refresh=True) == "queued"
    entry = AuditEntry.objects.get(action="job_retry")
    assert (entry.actor_id, entry.object_id) == (admin_user.id, failed_job.id)
    run_jobs("ingest")
    assert failed_job.get_status(refresh=True) == "finished" and failed_job.return_value() == "Late source"
    ingest = next(queue for queue in dashboard(client, admin_user).context["queues"] if queue.name == "ingest")
    assert ingest.failed == 0


def test_retrying_a_job_that_is_no_longer_failed_says_so(admin_user, failed_job):
    client = csrf_client(admin_user)
    make_source(name="Late source")
    post_with_csrf(client, f"/dashboard/jobs/ingest/{failed_job.id}/retry/", {})

    response = post_with_csrf(client, f"/dashboard/jobs/ingest/{failed_job.id}/retry/", {}, HTTP_HX_REQUEST="true")

    assert response.status_code == 409
    assert "no longer among the failed jobs of the ingest queue" in response.content.decode()


def test_a_plain_form_retry_redirects_back_with_the_outcome(admin_user, failed_job):
    client = csrf_client(admin_user)
    response = post_with_csrf(client, f"/dashboard/jobs/ingest/{failed_job.id}/retry/", {"range": "30d"})
    assert response.status_code == 302 and response["Location"] == "/dashboard/?range=30d"
    page = client.get(response["Location"]).content.decode()
    assert "again on the ingest queue" in page


def test_admins_group_holds_the_retry_permission(admin_user):
    assert admin_user.groups.get().name == ADMINS
    assert admin_user.has_perm("rewrites.retry_job")
    assert not make_user(username="ed2", role="Editors").has_perm("rewrites.retry_job")


def test_the_sweep_is_on_the_schedule(settings):
    from django.utils.module_loading import import_string

    path = "rewrites.dashboard.jobs.roll_up_finished_days"
    assert path in settings.NEWSROOM_SCHEDULED_TASKS and import_string(path) is roll_up_finished_days


def test_bars_are_drawn_to_scale_and_the_table_holds_every_series():
    from rewrites.dashboard.charts import HEIGHT, TOP, bar_chart

    chart = bar_chart(
        id="c", title="t", label_header="Day", labels=["a", "b", "c"], newest_first=True,
        series=[("Count", [1, 2, 3]), ("Hours", [0, 5, 10])], table_only=("Count",),
    )

    plot = chart.plot_bottom - TOP
    assert [bar.height for bar in chart.bars] == [0, plot / 2, plot] and chart.plot_bottom < HEIGHT
    assert [bar.y + bar.height for bar in chart.bars] == [chart.plot_bottom] * 3
    assert chart.headers == ["Day", "Count", "Hours"]
    assert chart.rows == [["c", "3", "10"], ["b", "2", "5"], ["a", "1", "0"]]
    assert chart.y_ticks[-1].text == "10" and not chart.empty


def test_the_newest_failed_jobs_are_listed_first(run_jobs):
    from newsroom.queues import queue_summaries

    queue = rq.Queue("ingest", connection=django_rq.get_connection("ingest"))
    first = queue.enqueue(fail_unless_source, "First")
    run_jobs("ingest")
    second = queue.enqueue(fail_unless_source, "Second")
    run_jobs("ingest")

    ingest = next(summary for summary in queue_summaries() if summary.name == "ingest")

    assert [job.id for job in ingest.recent_failures] == [second.id, first.id]
    assert [job.reason for job in ingest.recent_failures] == ["LookupError: No source called Second yet", "LookupError: No source called First yet"]
