"""The daily budget: every model call is reserved at its worst-case cost before it is made, and
recorded with its real tokens and cost after."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from newsroom.notifications import notify
from rewrites.generation.prompt import PROMPT_VERSION
from rewrites.models import ModelCall, Rewrite


class OverBudget(Exception):
    def __init__(self, *, spent: Decimal, budget: Decimal, estimate: Decimal):
        self.spent, self.budget, self.estimate = spent, budget, estimate
        super().__init__(
            f"Waiting for the daily budget: ${spent:.4f} of ${budget:.2f} spent today (UTC) and the next call "
            f"could cost up to ${estimate:.4f}. Generation resumes after midnight UTC, or sooner if an admin "
            "raises NEWSROOM_DAILY_BUDGET_USD."
        )


def estimate_tokens(text: str) -> int:
    """A conservative token estimate: one per CJK character, one per four other characters."""
    wide = sum(1 for char in text if ord(char) >= 0x2E80)
    return wide + (len(text) - wide + 3) // 4


def call_cost(input_tokens: int, output_tokens: int) -> Decimal:
    cost = (
        Decimal(input_tokens) * settings.NEWSROOM_PRICE_INPUT_PER_MTOK
        + Decimal(output_tokens) * settings.NEWSROOM_PRICE_OUTPUT_PER_MTOK
    ) / Decimal(1_000_000)
    return cost.quantize(Decimal("0.00000001"))


BUDGET_LOCK = 0x6E657773  # "news": serialises budget reservations across workers.


def today_start() -> datetime:
    return timezone.now().astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def spent_today() -> Decimal:
    return Decimal(ModelCall.objects.since(today_start()).total_cost())


def reserve_call(*, rewrite: Rewrite, model: str, purpose: str, input_estimate: int) -> ModelCall:
    """Records a pending call with its worst-case cost, or raises OverBudget without recording anything."""
    estimate = call_cost(input_estimate, settings.NEWSROOM_MODEL_MAX_OUTPUT_TOKENS)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [BUDGET_LOCK])
        spent = spent_today()
        budget = settings.NEWSROOM_DAILY_BUDGET_USD
        if spent + estimate > budget:
            error = OverBudget(spent=spent, budget=budget, estimate=estimate)
            tell_budget(spent=spent, budget=budget, refused=error)
            raise error
        return ModelCall.objects.create(
            rewrite=rewrite, model=model, prompt_version=PROMPT_VERSION, purpose=purpose,
            input_tokens=input_estimate, cost_usd=estimate,
        )


def finish_call(
    call: ModelCall, *, outcome: str, started: float, error: str = "",
    input_tokens: int = 0, output_tokens: int = 0,
) -> None:
    call.outcome = outcome
    call.error = error[:2000]
    call.latency_ms = int((time.monotonic() - started) * 1000)
    call.input_tokens = input_tokens
    call.output_tokens = output_tokens
    call.cost_usd = call_cost(input_tokens, output_tokens)
    call.save(update_fields=["outcome", "error", "latency_ms", "input_tokens", "output_tokens", "cost_usd"])
    tell_budget(spent=spent_today(), budget=settings.NEWSROOM_DAILY_BUDGET_USD)


BUDGET_THRESHOLDS = (80, 100)


def tell_budget(*, spent: Decimal, budget: Decimal, refused: OverBudget | None = None) -> None:
    """Tells the people who watch spend when today's spend reaches 80% and 100% of the daily budget, once a day
    each (a call refused for the budget counts as 100%)."""
    if budget <= 0:
        return
    share = Decimal(100) if refused is not None else spent * 100 / budget
    day = today_start().date().isoformat()
    link = reverse("admin:rewrites_modelcall_changelist")
    for threshold in BUDGET_THRESHOLDS:
        if share < threshold:
            continue
        detail = (
            str(refused) if refused is not None and threshold == 100
            else f"${spent:.2f} of the ${budget:.2f} daily model budget is spent today (UTC)."
        )
        notify(
            kind="budget", cause_key=f"budget-{threshold}:{day}", link=link,
            message=(
                f"The daily model budget is {threshold}% used. {detail}"
                + (" Generation waits until midnight UTC unless NEWSROOM_DAILY_BUDGET_USD is raised."
                   if threshold == 100 and refused is None else "")
            ),
        )


def mark_call(call: ModelCall, outcome: str, error: str) -> None:
    call.outcome, call.error = outcome, error[:2000]
    call.save(update_fields=["outcome", "error"])
