"""The operations dashboard (``/dashboard/``): spend, job queues, sources, failures, the review pipeline,
lints and intake, each chart with its numbers in a table; htmx polls the ``numbers`` partial."""

from __future__ import annotations

from datetime import timedelta

import redis
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html_join
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from newsroom.audit import record
from newsroom.queues import UNREACHABLE, RetryRefused, queue_summaries, retry_failed_job
from newsroom.responses import HtmxHttpRequest
from newsroom.rules import Action, may, requires
from rewrites.dashboard import queries
from rewrites.dashboard.charts import bar_chart, dollars
from rewrites.models import ModelCall

PAGE = "dashboard/dashboard.html"


@require_GET
@vary_on_headers("HX-Request")
@requires(Action.VIEW_DASHBOARD)
def dashboard(request: HtmxHttpRequest) -> TemplateResponse:
    """The whole page, or (htmx) just its numbers; an unknown ``range`` answers 400 saying which exist."""
    try:
        current = queries.period(request.GET.get("range"))
    except queries.BadRange as error:
        return TemplateResponse(
            request, "dashboard/bad_range.html", {"problem": str(error), "ranges": _range_links(None)}, status=400
        )
    return _numbers_response(request, current)


@require_POST
@requires(Action.RETRY_JOBS)
def retry_job(request: HtmxHttpRequest, queue_name: str, job_id: str):
    """Queues a failed job again; htmx gets the refreshed numbers with the outcome, a form post a redirect."""
    try:
        current = queries.period(request.POST.get("range"))
    except queries.BadRange:
        current = queries.period(None)
    try:
        job = retry_failed_job(queue_name=queue_name, job_id=job_id)
    except RetryRefused as error:
        outcome, ok = str(error), False
    except redis.RedisError:
        outcome, ok = UNREACHABLE, False
    else:
        outcome, ok = f"Queued {job.description or job.id} again on the {queue_name} queue.", True
        record(action="job_retry", actor=request.user, object_type="job", object_id=job.id,
               object_label=f"{queue_name}: {job.description or job.id}"[:200], request=request)
    if request.htmx:
        return _numbers_response(request, current, outcome=outcome, outcome_ok=ok, status=200 if ok else 409)
    (messages.success if ok else messages.error)(request, outcome)
    return redirect(f"{reverse('dashboard:page')}?range={current.key}")


def _numbers_response(
    request: HtmxHttpRequest, current: queries.Period, *, outcome: str = "", outcome_ok: bool = True, status: int = 200
) -> TemplateResponse:
    template = f"{PAGE}#numbers" if request.htmx else PAGE
    context = dashboard_numbers(current) | {
        "ranges": _range_links(current.key),
        "may_retry": may(request.user, Action.RETRY_JOBS),
        "outcome": outcome,
        "outcome_ok": outcome_ok,
        "refresh_url": f"{reverse('dashboard:page')}?range={current.key}",
    }
    return TemplateResponse(request, template, context, status=status)


def _range_links(selected: str | None) -> list[dict]:
    base = reverse("dashboard:page")
    return [
        {"key": key, "label": label, "url": f"{base}?range={key}", "selected": key == selected}
        for key, (label, _) in queries.RANGES.items()
    ]


def dashboard_numbers(current: queries.Period) -> dict:
    """Everything the numbers partial shows for the period: charts (with their tables) and lists."""
    day_label = "{:%m-%d}".format
    sums = queries.split(today=current.today)
    spend = queries.spend(current, sums, budget=settings.NEWSROOM_DAILY_BUDGET_USD)
    outcome_labels = dict(ModelCall.Outcome.choices)
    pipeline = queries.pipeline(current, sums)
    lints = queries.lint_trend(current, sums)
    intake = queries.intake(current, sums)
    try:
        queues, queue_problem = queue_summaries(), ""
    except (redis.RedisError, OSError):
        queues, queue_problem = [], UNREACHABLE
    since = current.now - timedelta(days=1)
    days = [day_label(day) for day in current.days]
    charts = {
        "spend": bar_chart(
            id="chart-spend", title=f"Model spend per day, last {queries.SPEND_DAYS} days (UTC)",
            label_header="Day", newest_first=True, labels=[day_label(day) for day in spend.by_day],
            series=[("Spend (USD)", list(spend.by_day.values()))], number=dollars,
        ),
        "tokens": bar_chart(
            id="chart-tokens", title="Tokens per day", label_header="Day", newest_first=True, labels=days,
            series=[("Tokens in", list(spend.tokens_in.values())), ("Tokens out", list(spend.tokens_out.values()))],
        ),
        "outcomes": bar_chart(
            id="chart-outcomes", title="Model calls by outcome", label_header="Outcome",
            labels=[outcome_labels.get(key, key) for key in spend.by_outcome],
            series=[("Calls", list(spend.by_outcome.values()))],
        ),
        "models": bar_chart(
            id="chart-models", title="Model spend by model", label_header="Model",
            labels=[entry["model"] for entry in spend.by_model],
            series=[("Spend (USD)", [entry["cost_usd"] for entry in spend.by_model])], number=dollars,
        ),
        "to_draft": _durations_chart(
            "chart-to-draft", "Hours from first article to draft", current, pipeline.to_draft, day_label
        ),
        "to_publish": _durations_chart(
            "chart-to-publish", "Hours from draft to publish", current, pipeline.to_publish, day_label
        ),
        "lints": bar_chart(
            id="chart-lints", title="Error lints per draft", label_header="Day", newest_first=True, labels=days,
            series=[("Error lints per draft", [round(lints.per_draft(day), 2) for day in current.days])],
        ),
        "intake": bar_chart(
            id="chart-intake", title="Articles and clusters per day", label_header="Day", newest_first=True, labels=days,
            series=[("Articles", list(intake.articles.values())), ("Clusters", list(intake.clusters.values()))],
        ),
    }
    return {
        "period": current,
        "spend": spend,
        "budget_percent": round(spend.budget_share * 100, 1),
        "charts": charts,
        "pipeline": pipeline,
        "lints": lints,
        "lint_rows": [
            {"day": day_label(day), "drafts": lints.drafts[day], "counts": [lints.errors[day].get(code, 0) for code in lints.codes]}
            for day in reversed(current.days)
        ],
        "intake": intake,
        # Up to a row per day, source and language: joined here, as the template engine takes ten times longer.
        "intake_rows": format_html_join(
            "\n", '<tr><th scope="row">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>',
            (
                (day_label(row["day"]), row["source"] or "unknown", row["language"] or "unknown", row["articles"], row["clusters"])
                for row in intake.by_source
            ),
        ),
        "queues": queues,
        "queue_problem": queue_problem,
        "sources": [(source, queries.source_health(source)[1]) for source in queries.sources_by_health()],
        "failed_publish_jobs": queries.failed_publish_jobs(since=since),
        "failed_deliveries": queries.failed_deliveries(since=since),
    }


def _durations_chart(id: str, title: str, current: queries.Period, durations: dict, day_label):
    """Median and 90th percentile per day; a day with no stories shows 0 (its count in the table is 0)."""
    empty = queries.Durations(0, None, None)
    by_day = [durations.get(day, empty) for day in current.days]
    return bar_chart(
        id=id, title=title, label_header="Day", newest_first=True, labels=[day_label(day) for day in current.days],
        series=[
            ("Stories", [entry.count for entry in by_day]),
            ("Median hours", [round(entry.median_hours or 0.0, 2) for entry in by_day]),
            ("90th percentile hours", [round(entry.p90_hours or 0.0, 2) for entry in by_day]),
        ],
        table_only=("Stories",),
    )
