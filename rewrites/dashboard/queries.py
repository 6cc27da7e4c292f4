"""The dashboard's numbers: spend, the review pipeline, lints and intake, per UTC day.

Every function takes the period it counts and answers with plain values; the
charts and tables are made from these in ``views.py``. Model calls are read
from the daily sums (``ModelCallDay``) for finished days and counted live for
today and for any day not summed yet, so the answer is the same either way.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from clusters.models import Source
from rewrites.models import ModelCall, ModelCallDay, PublishedStory, PublishJob, Revision, Rewrite, WebhookDelivery

RANGES = {"today": ("Today", 1), "7d": ("7 days", 7), "30d": ("30 days", 30)}
DEFAULT_RANGE = "7d"
SPEND_DAYS = 30
FAILURES_SHOWN = 50


class BadRange(ValueError):
    """A range the dashboard does not offer, with the sentence that says which ones it does."""


@dataclass(frozen=True)
class Period:
    key: str
    label: str
    days: list[date]
    now: datetime

    @property
    def start(self) -> datetime:
        return day_start(self.days[0])

    @property
    def today(self) -> date:
        return self.days[-1]


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def period(key: str | None, *, now: datetime | None = None) -> Period:
    """The period a ``range`` parameter names (today, 7d or 30d; none: 7d). Raises BadRange."""
    key = DEFAULT_RANGE if key is None else key
    if key not in RANGES:
        offered = ", ".join(f"“{name}” ({label.lower()})" for name, (label, _) in RANGES.items())
        raise BadRange(f"The dashboard has no time range called “{key[:40]}”. Choose one of {offered}.")
    now = now or timezone.now()
    label, length = RANGES[key]
    today = now.astimezone(UTC).date()
    return Period(key=key, label=label, days=[today - timedelta(days=n) for n in range(length - 1, -1, -1)], now=now)


# Model calls


@dataclass(frozen=True)
class CallSums:
    day: date
    model: str
    outcome: str
    calls: int
    input_tokens: int
    output_tokens: int
    cost_usd: Decimal


def _day_ranges(days: list[date]) -> Q:
    """created_at within any of the days, as few ranges as the days allow (each one index range scan)."""
    condition = Q(pk__in=[])
    run: list[date] = []
    for day in sorted(days) + [None]:
        if run and (day is None or day != run[-1] + timedelta(days=1)):
            condition |= Q(created_at__gte=day_start(run[0]), created_at__lt=day_start(run[-1] + timedelta(days=1)))
            run = []
        if day is not None:
            run.append(day)
    return condition


def model_call_sums(days: list[date], *, today: date) -> list[CallSums]:
    """Calls, tokens and cost per day, model and outcome: summed days from the rollup, the rest counted live."""
    summed = [
        CallSums(row.day, row.model, row.outcome, row.calls, row.input_tokens, row.output_tokens, row.cost_usd)
        for row in ModelCallDay.objects.filter(day__gte=days[0], day__lte=days[-1], day__lt=today)
    ]
    covered = {row.day for row in summed}
    live_days = [day for day in days if day not in covered]
    live = (
        ModelCall.objects.filter(_day_ranges(live_days))
        .annotate(day=TruncDate("created_at", tzinfo=UTC))
        .values("day", "model", "outcome")
        .annotate(
            calls=Count("id"), input=Sum("input_tokens"), output=Sum("output_tokens"), cost=Sum("cost_usd")
        )
        .order_by()
    )
    return summed + [
        CallSums(row["day"], row["model"], row["outcome"], row["calls"], row["input"], row["output"], row["cost"])
        for row in live
    ]


def roll_up_days(days: list[date]) -> int:
    """Replaces the daily sums of the given finished days with fresh ones; returns the rows written."""
    if not days:
        return 0
    now = timezone.now()
    rows = [
        ModelCallDay(
            day=row["day"], model=row["model"], outcome=row["outcome"], calls=row["calls"],
            input_tokens=row["input"], output_tokens=row["output"], cost_usd=row["cost"], rolled_at=now,
        )
        for row in ModelCall.objects.filter(_day_ranges(days))
        .annotate(day=TruncDate("created_at", tzinfo=UTC))
        .values("day", "model", "outcome")
        .annotate(calls=Count("id"), input=Sum("input_tokens"), output=Sum("output_tokens"), cost=Sum("cost_usd"))
        .order_by()
    ]
    with transaction.atomic():
        ModelCallDay.objects.filter(day__in=days).delete()
        ModelCallDay.objects.bulk_create(rows)
    return len(rows)


@dataclass
class Spend:
    budget: Decimal
    today: Decimal
    by_day: dict[date, Decimal]  # the last SPEND_DAYS days
    tokens_in: dict[date, int]  # the period's days
    tokens_out: dict[date, int]
    by_outcome: dict[str, int]
    by_model: list[dict]  # model, calls, input_tokens, output_tokens, cost_usd
    published_stories: int
    published_cost: Decimal

    @property
    def budget_share(self) -> float:
        return float(self.today / self.budget) if self.budget else 0.0

    @property
    def cost_per_story(self) -> Decimal | None:
        return self.published_cost / self.published_stories if self.published_stories else None


def spend(current: Period, *, budget: Decimal) -> Spend:
    """Spend per day for SPEND_DAYS days, and the period's tokens, calls by outcome and model, cost per story."""
    month = [current.today - timedelta(days=n) for n in range(SPEND_DAYS - 1, -1, -1)]
    days = sorted(set(month) | set(current.days))
    rows = model_call_sums(days, today=current.today)
    by_day = dict.fromkeys(month, Decimal(0))
    tokens_in = dict.fromkeys(current.days, 0)
    tokens_out = dict.fromkeys(current.days, 0)
    by_outcome = {value: 0 for value, _ in ModelCall.Outcome.choices}
    models: dict[str, dict] = {}
    in_period = set(current.days)
    for row in rows:
        if row.day in by_day:
            by_day[row.day] += row.cost_usd
        if row.day not in in_period:
            continue
        tokens_in[row.day] += row.input_tokens
        tokens_out[row.day] += row.output_tokens
        by_outcome[row.outcome] = by_outcome.get(row.outcome, 0) + row.calls
        entry = models.setdefault(
            row.model, {"model": row.model, "calls": 0, "input_tokens": 0, "output_tokens": 0, "cost_usd": Decimal(0)}
        )
        entry["calls"] += row.calls
        entry["input_tokens"] += row.input_tokens
        entry["output_tokens"] += row.output_tokens
        entry["cost_usd"] += row.cost_usd
    stories = PublishedStory.objects.filter(published_at__gte=current.start).aggregate(
        stories=Count("id"), cost=Sum("rewrite__cost_usd")
    )
    return Spend(
        budget=budget,
        today=by_day[current.today],
        by_day=by_day,
        tokens_in=tokens_in,
        tokens_out=tokens_out,
        by_outcome=by_outcome,
        by_model=sorted(models.values(), key=lambda entry: (-entry["cost_usd"], -entry["calls"], entry["model"])),
        published_stories=stories["stories"],
        published_cost=stories["cost"] or Decimal(0),
    )


# Sources, publishing and webhooks


def sources_by_health() -> list[Source]:
    """Every source, failing ones first (most failures in a row first), then disabled, never fetched, healthy."""
    sources = list(Source.objects.all())
    return sorted(sources, key=lambda source: (source_health(source)[0], -source.consecutive_failures, source.name))


def source_health(source: Source) -> tuple[int, str]:
    """(rank, words): 0 failing, 1 disabled, 2 not fetched yet, 3 healthy."""
    if source.enabled and (source.consecutive_failures or source.last_error):
        return 0, "Failing"
    if not source.enabled:
        return 1, "Disabled"
    if not source.last_success_at:
        return 2, "Not fetched yet"
    return 3, "OK"


def failed_publish_jobs(*, since: datetime) -> list[PublishJob]:
    return list(
        PublishJob.objects.filter(state=PublishJob.State.FAILED, created_at__gte=since)
        .select_related("rewrite", "requested_by")
        .order_by("-created_at")[:FAILURES_SHOWN]
    )


def failed_deliveries(*, since: datetime) -> list[WebhookDelivery]:
    """Webhook deliveries that gave up, whose last attempt was after since."""
    return list(
        WebhookDelivery.objects.filter(state=WebhookDelivery.State.FAILED)
        .annotate(last_attempt_at=Max("attempts__started_at"))
        .filter(Q(last_attempt_at__gte=since) | Q(last_attempt_at__isnull=True, created_at__gte=since))
        .select_related("webhook", "rewrite")
        .order_by("-last_attempt_at")[:FAILURES_SHOWN]
    )


# The review pipeline


@dataclass(frozen=True)
class Durations:
    count: int
    median_hours: float | None
    p90_hours: float | None


@dataclass
class Pipeline:
    drafts_waiting: int
    to_draft: dict[date | None, Durations] = field(default_factory=dict)  # None: the whole period
    to_publish: dict[date | None, Durations] = field(default_factory=dict)


WRITTEN_KINDS = (Revision.Kind.GENERATED, Revision.Kind.REPAIRED)

# First model-written version of each rewrite written in the period, against its cluster's first article.
TO_DRAFT_SQL = """
    WITH drafted AS (
        SELECT rewrite_id, min(created_at) AS at FROM rewrites_revision
         WHERE kind = ANY(%(kinds)s) AND created_at >= %(start)s GROUP BY rewrite_id
    ), first_drafted AS (
        SELECT d.rewrite_id, d.at FROM drafted d
         WHERE NOT EXISTS (SELECT 1 FROM rewrites_revision e
                            WHERE e.rewrite_id = d.rewrite_id AND e.kind = ANY(%(kinds)s) AND e.created_at < %(start)s)
    )
    SELECT (f.at AT TIME ZONE 'UTC')::date AS day, count(*),
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM f.at - c.first_seen_at)),
           percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM f.at - c.first_seen_at))
      FROM first_drafted f
      JOIN rewrites_rewrite r ON r.id = f.rewrite_id
      JOIN clusters_cluster c ON c.id = r.cluster_id
     GROUP BY GROUPING SETS ((1), ())
"""

# First publish of each rewrite first published in the period, against its first model-written version.
TO_PUBLISH_SQL = """
    WITH published AS (
        SELECT rewrite_id, min(created_at) AS at FROM rewrites_revision
         WHERE kind = %(published)s AND created_at >= %(start)s GROUP BY rewrite_id
    ), first_published AS (
        SELECT p.rewrite_id, p.at FROM published p
         WHERE NOT EXISTS (SELECT 1 FROM rewrites_revision e
                            WHERE e.rewrite_id = p.rewrite_id AND e.kind = %(published)s AND e.created_at < %(start)s)
    ), pairs AS (
        SELECT p.at, (SELECT min(w.created_at) FROM rewrites_revision w
                       WHERE w.rewrite_id = p.rewrite_id AND w.kind = ANY(%(kinds)s)) AS drafted_at
          FROM first_published p
    )
    SELECT (at AT TIME ZONE 'UTC')::date AS day, count(*),
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM at - drafted_at)),
           percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM at - drafted_at))
      FROM pairs WHERE drafted_at IS NOT NULL AND drafted_at <= at
     GROUP BY GROUPING SETS ((1), ())
"""


def _durations(sql: str, start: datetime) -> dict[date | None, Durations]:
    with connection.cursor() as cursor:
        cursor.execute(
            sql, {"kinds": [str(kind) for kind in WRITTEN_KINDS], "published": str(Revision.Kind.PUBLISHED), "start": start}
        )
        return {
            day: Durations(
                count=count,
                median_hours=None if median is None else float(median) / 3600,
                p90_hours=None if p90 is None else float(p90) / 3600,
            )
            for day, count, median, p90 in cursor.fetchall()
        }


def pipeline(current: Period) -> Pipeline:
    return Pipeline(
        drafts_waiting=Rewrite.objects.filter(status=Rewrite.Status.DRAFT).count(),
        to_draft=_durations(TO_DRAFT_SQL, current.start),
        to_publish=_durations(TO_PUBLISH_SQL, current.start),
    )


# Lints


@dataclass
class LintTrend:
    drafts: dict[date, int]
    errors: dict[date, dict[str, int]]  # day → lint code → error findings
    codes: list[str]  # most frequent first

    def per_draft(self, day: date) -> float:
        return sum(self.errors[day].values()) / self.drafts[day] if self.drafts[day] else 0.0


# Rewrites that have been written (not queued or generating), by the day they were created.
WRITTEN = ~Q(status__in=[Rewrite.Status.QUEUED, Rewrite.Status.GENERATING])

ERROR_LINTS_SQL = """
    SELECT (r.created_at AT TIME ZONE 'UTC')::date AS day, finding->>'code' AS code, count(*)
      FROM rewrites_rewrite r, jsonb_array_elements(r.lint_flags_json::jsonb) AS finding
     WHERE r.created_at >= %(start)s AND r.lint_errors > 0 AND r.status NOT IN ('queued', 'generating')
       AND left(r.lint_flags_json, 1) = '[' AND finding->>'severity' = 'error'
     GROUP BY 1, 2
"""


def lint_trend(current: Period) -> LintTrend:
    """Error lint findings of the rewrites written each day (their current findings), by lint code."""
    drafts = dict.fromkeys(current.days, 0)
    for row in (
        Rewrite.objects.filter(WRITTEN, created_at__gte=current.start)
        .annotate(day=TruncDate("created_at", tzinfo=UTC))
        .values("day")
        .annotate(count=Count("id"))
        .order_by()
    ):
        drafts[row["day"]] = row["count"]
    errors: dict[date, dict[str, int]] = {day: {} for day in current.days}
    totals: dict[str, int] = defaultdict(int)
    with connection.cursor() as cursor:
        cursor.execute(ERROR_LINTS_SQL, {"start": current.start})
        for day, code, count in cursor.fetchall():
            if day in errors:
                errors[day][code] = count
                totals[code] += count
    return LintTrend(drafts=drafts, errors=errors, codes=sorted(totals, key=lambda code: (-totals[code], code)))


# Intake


@dataclass
class Intake:
    articles: dict[date, int]
    clusters: dict[date, int]
    by_source: list[dict]  # day, source, language, articles, clusters; newest day first


INTAKE_SQL = """
    SELECT day, source, language, sum(articles)::int, sum(clusters)::int FROM (
        SELECT (a.fetched_at AT TIME ZONE 'UTC')::date AS day, s.name AS source, a.language, count(*) AS articles,
               0 AS clusters
          FROM clusters_article a JOIN clusters_source s ON s.id = a.source_id
         WHERE a.fetched_at >= %(start)s GROUP BY 1, 2, 3
        UNION ALL
        SELECT (c.first_seen_at AT TIME ZONE 'UTC')::date, coalesce(s.name, ''), coalesce(a.language, ''), 0, count(*)
          FROM clusters_cluster c
          LEFT JOIN clusters_article a ON a.id = c.representative_article_id
          LEFT JOIN clusters_source s ON s.id = a.source_id
         WHERE c.first_seen_at >= %(start)s AND c.status <> 'merged' GROUP BY 1, 2, 3
    ) AS counted GROUP BY 1, 2, 3 ORDER BY 1 DESC, 4 DESC, 2, 3
"""


def intake(current: Period) -> Intake:
    """Articles fetched and clusters started per day (clusters other than merged-away ones), by the source
    and language of the article (for a cluster: of its representative article)."""
    articles = dict.fromkeys(current.days, 0)
    clusters = dict.fromkeys(current.days, 0)
    by_source = []
    with connection.cursor() as cursor:
        cursor.execute(INTAKE_SQL, {"start": current.start})
        for day, source, language, article_count, cluster_count in cursor.fetchall():
            if day not in articles:
                continue
            articles[day] += article_count
            clusters[day] += cluster_count
            by_source.append(
                {"day": day, "source": source, "language": language, "articles": article_count, "clusters": cluster_count}
            )
    return Intake(articles=articles, clusters=clusters, by_source=by_source)
