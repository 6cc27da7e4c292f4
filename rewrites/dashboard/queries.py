"""The dashboard's numbers: spend, the review pipeline, lints and intake, per UTC day.

Finished days are read from the daily sums (``ReviewDay``, ``ModelCallDay``,
``LintDay``, ``IntakeDay``) that ``rollup.py`` writes; today, and every day from
the first one not summed yet, are counted live by the ``count_*`` functions
here, which the roll-up also uses, so a day reads the same either way.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from clusters.models import Source
from rewrites.models import (
    IntakeDay,
    LintDay,
    ModelCall,
    ModelCallDay,
    PublishedStory,
    PublishJob,
    ReviewDay,
    Revision,
    Rewrite,
    WebhookDelivery,
)

RANGES = {"today": ("Today", 1), "7d": ("7 days", 7), "30d": ("30 days", 30)}
DEFAULT_RANGE = "7d"
SPEND_DAYS = 30
FAILURES_SHOWN = 50


class BadRange(ValueError):
    """A range the dashboard does not offer, with the sentence that says which ones it does."""


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


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


@dataclass(frozen=True)
class Split:
    """Which of the last SPEND_DAYS days are read from the daily sums (those before live_from)."""

    summed: dict[date, ReviewDay]
    live_from: date

    @property
    def live_start(self) -> datetime:
        return day_start(self.live_from)

    def live_start_for(self, current: Period) -> datetime:
        return day_start(max(self.live_from, current.days[0]))


def split(*, today: date) -> Split:
    """Reads the summed days of the last SPEND_DAYS days; everything from the first day without a sum is live."""
    first = today - timedelta(days=SPEND_DAYS - 1)
    summed = {row.day: row for row in ReviewDay.objects.filter(day__gte=first, day__lt=today)}
    live_from = next((day for day in (first + timedelta(days=n) for n in range(SPEND_DAYS)) if day not in summed), today)
    return Split(summed={day: row for day, row in summed.items() if day < live_from}, live_from=live_from)


# Live counts over [start, end): the dashboard's today and the roll-up's finished days


@dataclass(frozen=True)
class CallSums:
    day: date
    model: str
    outcome: str
    calls: int
    input_tokens: int
    output_tokens: int
    cost_usd: Decimal


def count_model_calls(start: datetime, end: datetime) -> list[CallSums]:
    return [
        CallSums(row["day"], row["model"], row["outcome"], row["calls"], row["input"], row["output"], row["cost"])
        for row in ModelCall.objects.filter(created_at__gte=start, created_at__lt=end)
        .annotate(day=TruncDate("created_at", tzinfo=UTC))
        .values("day", "model", "outcome")
        .annotate(calls=Count("id"), input=Sum("input_tokens"), output=Sum("output_tokens"), cost=Sum("cost_usd"))
        .order_by()
    ]


def count_published(start: datetime, end: datetime) -> dict[date, tuple[int, Decimal]]:
    """Day → (public stories published that day, their rewrites' model spend)."""
    return {
        row["day"]: (row["stories"], row["cost"] or Decimal(0))
        for row in PublishedStory.objects.filter(published_at__gte=start, published_at__lt=end)
        .annotate(day=TruncDate("published_at", tzinfo=UTC))
        .values("day")
        .annotate(stories=Count("id"), cost=Sum("rewrite__cost_usd"))
        .order_by()
    }


@dataclass(frozen=True)
class Durations:
    count: int
    median_hours: float | None
    p90_hours: float | None


WRITTEN_KINDS = [str(Revision.Kind.GENERATED), str(Revision.Kind.REPAIRED)]

# The first model-written version of each rewrite, against its cluster's first article.
TO_DRAFT_SQL = """
    WITH drafted AS (
        SELECT rewrite_id, min(created_at) AS at FROM rewrites_revision
         WHERE kind = ANY(%(kinds)s) AND created_at >= %(start)s AND created_at < %(end)s GROUP BY rewrite_id
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
     GROUP BY 1
"""

# The first publish of each story, against its first model-written version.
TO_PUBLISH_SQL = """
    WITH published AS (
        SELECT rewrite_id, min(created_at) AS at FROM rewrites_revision
         WHERE kind = %(published)s AND created_at >= %(start)s AND created_at < %(end)s GROUP BY rewrite_id
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
     GROUP BY 1
"""


def _durations(sql: str, start: datetime, end: datetime) -> dict[date, Durations]:
    with connection.cursor() as cursor:
        cursor.execute(sql, {"kinds": WRITTEN_KINDS, "published": str(Revision.Kind.PUBLISHED), "start": start, "end": end})
        return {
            day: Durations(
                count=count,
                median_hours=None if median is None else float(median) / 3600,
                p90_hours=None if p90 is None else float(p90) / 3600,
            )
            for day, count, median, p90 in cursor.fetchall()
        }


def count_to_draft(start: datetime, end: datetime) -> dict[date, Durations]:
    return _durations(TO_DRAFT_SQL, start, end)


def count_to_publish(start: datetime, end: datetime) -> dict[date, Durations]:
    return _durations(TO_PUBLISH_SQL, start, end)


# Rewrites that have been written (not queued or generating), by the day they were created.
WRITTEN = ~Q(status__in=[Rewrite.Status.QUEUED, Rewrite.Status.GENERATING])


def count_drafts(start: datetime, end: datetime) -> dict[date, int]:
    return {
        row["day"]: row["count"]
        for row in Rewrite.objects.filter(WRITTEN, created_at__gte=start, created_at__lt=end)
        .annotate(day=TruncDate("created_at", tzinfo=UTC))
        .values("day")
        .annotate(count=Count("id"))
        .order_by()
    }


ERROR_LINTS_SQL = """
    SELECT (r.created_at AT TIME ZONE 'UTC')::date AS day, finding->>'code' AS code, count(*)
      FROM rewrites_rewrite r, jsonb_array_elements(r.lint_flags_json::jsonb) AS finding
     WHERE r.created_at >= %(start)s AND r.created_at < %(end)s AND r.lint_errors > 0
       AND r.status NOT IN ('queued', 'generating')
       AND left(r.lint_flags_json, 1) = '[' AND finding->>'severity' = 'error'
     GROUP BY 1, 2
"""


def count_error_lints(start: datetime, end: datetime) -> dict[date, dict[str, int]]:
    """Day → lint code → error findings of the rewrites written that day (their current findings)."""
    found: dict[date, dict[str, int]] = defaultdict(dict)
    with connection.cursor() as cursor:
        cursor.execute(ERROR_LINTS_SQL, {"start": start, "end": end})
        for day, code, count in cursor.fetchall():
            found[day][code] = count
    return found


INTAKE_SQL = """
    SELECT day, source, language, sum(articles)::int, sum(clusters)::int FROM (
        SELECT (a.fetched_at AT TIME ZONE 'UTC')::date AS day, s.name AS source, a.language, count(*) AS articles,
               0 AS clusters
          FROM clusters_article a JOIN clusters_source s ON s.id = a.source_id
         WHERE a.fetched_at >= %(start)s AND a.fetched_at < %(end)s GROUP BY 1, 2, 3
        UNION ALL
        SELECT (c.first_seen_at AT TIME ZONE 'UTC')::date, coalesce(s.name, ''), coalesce(a.language, ''), 0, count(*)
          FROM clusters_cluster c
          LEFT JOIN clusters_article a ON a.id = c.representative_article_id
          LEFT JOIN clusters_source s ON s.id = a.source_id
         WHERE c.first_seen_at >= %(start)s AND c.first_seen_at < %(end)s AND c.status <> 'merged' GROUP BY 1, 2, 3
    ) AS counted GROUP BY 1, 2, 3
"""


def count_intake(start: datetime, end: datetime) -> list[dict]:
    """Articles fetched and clusters started (other than merged-away ones) per day, by the source and language
    of the article (for a cluster: of its representative article)."""
    with connection.cursor() as cursor:
        cursor.execute(INTAKE_SQL, {"start": start, "end": end})
        return [
            {"day": day, "source": source, "language": language, "articles": articles, "clusters": clusters}
            for day, source, language, articles, clusters in cursor.fetchall()
        ]


# What the dashboard shows


def _live_end(current: Period) -> datetime:
    return day_start(current.today + timedelta(days=1))


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


def spend(current: Period, sums: Split, *, budget: Decimal) -> Spend:
    """Spend per day for SPEND_DAYS days, and the period's tokens, calls by outcome and model, cost per story."""
    month = [current.today - timedelta(days=n) for n in range(SPEND_DAYS - 1, -1, -1)]
    rows = [
        CallSums(row.day, row.model, row.outcome, row.calls, row.input_tokens, row.output_tokens, row.cost_usd)
        for row in ModelCallDay.objects.filter(day__gte=month[0], day__lt=sums.live_from)
    ] + count_model_calls(sums.live_start, _live_end(current))
    by_day = dict.fromkeys(month, Decimal(0))
    tokens_in = dict.fromkeys(current.days, 0)
    tokens_out = dict.fromkeys(current.days, 0)
    by_outcome = {value: 0 for value, _ in ModelCall.Outcome.choices}
    models: dict[str, dict] = {}
    for row in rows:
        if row.day in by_day:
            by_day[row.day] += row.cost_usd
        if row.day not in tokens_in:
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
    stories, cost = 0, Decimal(0)
    for day, summed in sums.summed.items():
        if day >= current.days[0]:
            stories, cost = stories + summed.published_stories, cost + summed.published_cost_usd
    for day_stories, day_cost in count_published(sums.live_start_for(current), _live_end(current)).values():
        stories, cost = stories + day_stories, cost + day_cost
    return Spend(
        budget=budget,
        today=by_day[current.today],
        by_day=by_day,
        tokens_in=tokens_in,
        tokens_out=tokens_out,
        by_outcome=by_outcome,
        by_model=sorted(models.values(), key=lambda entry: (-entry["cost_usd"], -entry["calls"], entry["model"])),
        published_stories=stories,
        published_cost=cost,
    )


@dataclass
class Pipeline:
    drafts_waiting: int
    to_draft: dict[date, Durations]
    to_publish: dict[date, Durations]

    @property
    def drafted(self) -> int:
        return sum(durations.count for durations in self.to_draft.values())

    @property
    def first_published(self) -> int:
        return sum(durations.count for durations in self.to_publish.values())


def pipeline(current: Period, sums: Split) -> Pipeline:
    """Drafts waiting now; per day, how long stories took from first article to draft and from draft to publish."""
    to_draft, to_publish = {}, {}
    for day, row in sums.summed.items():
        if day >= current.days[0]:
            if row.drafted:
                to_draft[day] = Durations(row.drafted, row.to_draft_median_hours, row.to_draft_p90_hours)
            if row.first_published:
                to_publish[day] = Durations(row.first_published, row.to_publish_median_hours, row.to_publish_p90_hours)
    start, end = sums.live_start_for(current), _live_end(current)
    return Pipeline(
        drafts_waiting=Rewrite.objects.filter(status=Rewrite.Status.DRAFT).count(),
        to_draft=to_draft | count_to_draft(start, end),
        to_publish=to_publish | count_to_publish(start, end),
    )


@dataclass
class LintTrend:
    drafts: dict[date, int]
    errors: dict[date, dict[str, int]]  # day → lint code → error findings
    codes: list[str]  # most frequent first

    def per_draft(self, day: date) -> float:
        return sum(self.errors[day].values()) / self.drafts[day] if self.drafts[day] else 0.0


def lint_trend(current: Period, sums: Split) -> LintTrend:
    """Error lint findings of the rewrites written each day, by lint code; finished days as they were summed."""
    drafts = dict.fromkeys(current.days, 0)
    errors: dict[date, dict[str, int]] = {day: {} for day in current.days}
    for day, row in sums.summed.items():
        if day in drafts:
            drafts[day] = row.drafts
    for row in LintDay.objects.filter(day__gte=current.days[0], day__lt=sums.live_from):
        errors[row.day][row.code] = row.errors
    start, end = sums.live_start_for(current), _live_end(current)
    drafts |= {day: count for day, count in count_drafts(start, end).items() if day in drafts}
    errors |= {day: codes for day, codes in count_error_lints(start, end).items() if day in errors}
    totals: dict[str, int] = defaultdict(int)
    for codes in errors.values():
        for code, count in codes.items():
            totals[code] += count
    return LintTrend(drafts=drafts, errors=errors, codes=sorted(totals, key=lambda code: (-totals[code], code)))


@dataclass
class Intake:
    articles: dict[date, int]
    clusters: dict[date, int]
    by_source: list[dict]  # day, source, language, articles, clusters; newest day first


def intake(current: Period, sums: Split) -> Intake:
    """Articles fetched and clusters started per day, in all and by source and language."""
    rows = [
        {"day": row.day, "source": row.source, "language": row.language, "articles": row.articles, "clusters": row.clusters}
        for row in IntakeDay.objects.filter(day__gte=current.days[0], day__lt=sums.live_from)
    ] + count_intake(sums.live_start_for(current), _live_end(current))
    articles = dict.fromkeys(current.days, 0)
    clusters = dict.fromkeys(current.days, 0)
    for row in rows:
        if row["day"] in articles:
            articles[row["day"]] += row["articles"]
            clusters[row["day"]] += row["clusters"]
    rows.sort(key=lambda row: (-row["day"].toordinal(), -row["articles"], row["source"], row["language"]))
    return Intake(articles=articles, clusters=clusters, by_source=[row for row in rows if row["day"] in articles])


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
