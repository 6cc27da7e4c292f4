"""The dashboard's daily sums: each finished UTC day counted once into small tables.

``roll_up_days`` counts the days with the same ``count_*`` functions the
dashboard uses for today, and replaces those days' rows in ``ReviewDay``,
``ModelCallDay``, ``LintDay`` and ``IntakeDay`` in one transaction.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from rewrites.dashboard.queries import (
    count_drafts,
    count_error_lints,
    count_intake,
    count_model_calls,
    count_published,
    count_to_draft,
    count_to_publish,
    day_start,
)
from rewrites.models import IntakeDay, LintDay, ModelCallDay, ReviewDay

# The tables of daily sums: a day's rows in all four are replaced or dropped together.
DAILY_SUMS = (ReviewDay, ModelCallDay, LintDay, IntakeDay)


def roll_up_days(days: list[date]) -> int:
    """Replaces the daily sums of every day from the first to the last of days (all finished); returns the
    number of days summed."""
    if not days:
        return 0
    first, last = min(days), max(days)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    start, end = day_start(first), day_start(last + timedelta(days=1))
    now = timezone.now()
    drafts = count_drafts(start, end)
    to_draft, to_publish = count_to_draft(start, end), count_to_publish(start, end)
    published = count_published(start, end)
    review = []
    for day in days:
        drafted, first_published = to_draft.get(day), to_publish.get(day)
        stories, cost = published.get(day, (0, Decimal(0)))
        review.append(
            ReviewDay(
                day=day, drafts=drafts.get(day, 0),
                drafted=drafted.count if drafted else 0,
                to_draft_median_hours=drafted.median_hours if drafted else None,
                to_draft_p90_hours=drafted.p90_hours if drafted else None,
                first_published=first_published.count if first_published else 0,
                to_publish_median_hours=first_published.median_hours if first_published else None,
                to_publish_p90_hours=first_published.p90_hours if first_published else None,
                published_stories=stories, published_cost_usd=cost, rolled_at=now,
            )
        )
    calls = [
        ModelCallDay(
            day=row.day, model=row.model, outcome=row.outcome, calls=row.calls, input_tokens=row.input_tokens,
            output_tokens=row.output_tokens, cost_usd=row.cost_usd, rolled_at=now,
        )
        for row in count_model_calls(start, end)
    ]
    lints = [
        LintDay(day=day, code=code, errors=count)
        for day, codes in count_error_lints(start, end).items()
        for code, count in codes.items()
    ]
    intake = [IntakeDay(**row) for row in count_intake(start, end)]
    with transaction.atomic():
        for model in DAILY_SUMS:
            model.objects.filter(day__gte=first, day__lte=last).delete()
        ReviewDay.objects.bulk_create(review)
        ModelCallDay.objects.bulk_create(calls)
        LintDay.objects.bulk_create(lints)
        IntakeDay.objects.bulk_create(intake)
    return len(days)


def reopen_days(*moments: datetime | None) -> int:
    """Drops the daily sums of the finished days these moments fall on: something dated then was written
    after the day was summed (an imported record, a story published with an earlier date). The dashboard
    counts those days live until the sweep sums them again. Returns the number of days reopened; a moment
    of today (the usual case) costs nothing.
    """
    today = timezone.now().astimezone(UTC).date()
    days = {moment.astimezone(UTC).date() for moment in moments if moment is not None}
    days = {day for day in days if day < today}
    if not days:
        return 0
    with transaction.atomic():
        for model in DAILY_SUMS:
            model.objects.filter(day__in=days).delete()
    return len(days)
