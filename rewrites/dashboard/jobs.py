"""The dashboard's scheduled sweep: sums each finished day once it has settled (``rollup.py``)."""

from __future__ import annotations

from datetime import UTC, timedelta

from django.utils import timezone

from rewrites.dashboard.queries import SPEND_DAYS, day_start
from rewrites.dashboard.rollup import roll_up_days
from rewrites.models import ReviewDay

# A call reserved just before midnight is finished (tokens and cost written) within the model's timeout,
# and a publish asked for then has run: a day summed later than this after its end is final.
SETTLED_AFTER = timedelta(hours=1)


def roll_up_finished_days() -> int:
    """Scheduled sweep: sums the last SPEND_DAYS finished days that have no sums yet or were summed before
    they settled. Returns the number of days summed (0 on almost every tick).

    It runs in the scheduler itself: a few aggregate statements over the due days, once or twice a day,
    which is lighter than queueing a job on every tick to find out there is nothing to do.
    """
    today = timezone.now().astimezone(UTC).date()
    days = [today - timedelta(days=n) for n in range(SPEND_DAYS, 0, -1)]
    taken = dict(ReviewDay.objects.filter(day__gte=days[0]).values_list("day", "rolled_at"))
    due = [day for day in days if day not in taken or taken[day] < day_start(day) + timedelta(days=1) + SETTLED_AFTER]
    return roll_up_days(due)
