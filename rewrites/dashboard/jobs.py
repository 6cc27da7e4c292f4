"""The dashboard's scheduled sweep: sums each finished day's model calls once the day has settled."""

from __future__ import annotations

from datetime import UTC, timedelta

from django.db.models import Min
from django.utils import timezone

from rewrites.dashboard.queries import SPEND_DAYS, day_start, roll_up_days
from rewrites.models import ModelCallDay

# A call reserved just before midnight is finished (tokens and cost written) within the model's timeout;
# a day's sums taken later than this after its end are final.
SETTLED_AFTER = timedelta(hours=1)


def roll_up_model_calls() -> int:
    """Scheduled sweep: (re)writes the daily sums of the last SPEND_DAYS finished days that are missing or were
    taken before the day settled. Returns the rows written.

    It runs in the scheduler itself: one aggregate statement over the days that are due, which is lighter
    than queueing a job every tick.
    """
    now = timezone.now()
    today = now.astimezone(UTC).date()
    days = [today - timedelta(days=n) for n in range(SPEND_DAYS, 0, -1)]
    taken = dict(
        ModelCallDay.objects.filter(day__gte=days[0]).values("day").annotate(at=Min("rolled_at")).values_list("day", "at")
    )
    due = [day for day in days if day not in taken or taken[day] < day_start(day) + timedelta(days=1) + SETTLED_AFTER]
    # A day without calls has no rows and reads as due on every tick; summing it is one empty index range scan.
    return roll_up_days(due)
