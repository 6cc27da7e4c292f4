"""Outbound webhooks: signed POSTs of the record when a story is published, republished or killed.

The body is the record (``rewrites.records.record_for``) as it was when the
event happened. Each request carries::

    X-Newsroom-Event: published | republished | unpublished
    X-Newsroom-Delivery: <delivery id>
    X-Newsroom-Timestamp: <unix seconds>
    X-Newsroom-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with the webhook's secret>

Deliveries run on the ``publish`` queue, one attempt per job; a failed attempt
is retried after ``NEWSROOM_WEBHOOK_BACKOFF_SECONDS`` doubled each time, up to
``NEWSROOM_WEBHOOK_MAX_ATTEMPTS``. Every attempt is logged. A failing endpoint
never affects the publish that caused the event.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from datetime import datetime, timedelta

import django_rq
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from rewrites.models import Rewrite, Webhook, WebhookAttempt, WebhookDelivery
from rewrites.records import dump_record, record_for
from rewrites.safe_post import UnsafeAddress, post

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Newsroom-Signature"
TIMESTAMP_HEADER = "X-Newsroom-Timestamp"
EVENT_HEADER = "X-Newsroom-Event"
DELIVERY_HEADER = "X-Newsroom-Delivery"
LOST_AFTER = timedelta(minutes=2)
# Workers on other machines may have clocks slightly behind the one that set next_attempt_at.
CLOCK_TOLERANCE = timedelta(milliseconds=500)


def sign(*, secret: str, timestamp: str, body: bytes) -> str:
    """Returns the signature header value for body sent at timestamp."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_signature(*, secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """True when signature is the one secret gives for body and timestamp (what a receiver checks)."""
    return hmac.compare_digest(sign(secret=secret, timestamp=timestamp, body=body), signature or "")


def _enqueue(delivery_id: int, *, at: datetime | None = None) -> None:
    from rewrites.publish_jobs import run_webhook_delivery

    queue = django_rq.get_queue("publish")
    if at is None:
        queue.enqueue(run_webhook_delivery, delivery_id)
        return
    # RQ's scheduler keeps whole seconds and rounds down: round up so the retry is never early.
    if at.microsecond:
        at = at.replace(microsecond=0) + timedelta(seconds=1)
    queue.enqueue_at(at, run_webhook_delivery, delivery_id)


def queue_event(*, event: str, rewrite_id: str) -> list[WebhookDelivery]:
    """Creates a delivery per active webhook that wants event; they are sent after the commit."""
    hooks = [hook for hook in Webhook.objects.filter(active=True) if hook.wants(event)]
    if not hooks:
        return []
    rewrite = Rewrite.objects.select_related("cluster").prefetch_related("attributions").get(id=rewrite_id)
    payload = dump_record(record_for(rewrite))
    now = timezone.now()
    deliveries = [
        WebhookDelivery.objects.create(
            webhook=hook, event=event, rewrite=rewrite, payload=payload, next_attempt_at=now
        )
        for hook in hooks
    ]
    for delivery in deliveries:
        transaction.on_commit(lambda delivery_id=delivery.id: _enqueue(delivery_id))
    return deliveries


def redeliver(delivery: WebhookDelivery) -> WebhookDelivery:
    """Sends the same event and body again as a new delivery (the admin's Redeliver action)."""
    copy = WebhookDelivery.objects.create(
        webhook=delivery.webhook,
        event=delivery.event,
        rewrite=delivery.rewrite,
        payload=delivery.payload,
        redelivery_of=delivery,
        next_attempt_at=timezone.now(),
    )
    transaction.on_commit(lambda: _enqueue(copy.id))
    return copy


def backoff(attempt_number: int) -> timedelta:
    """The wait after the given failed attempt: the base delay doubled for each earlier failure."""
    return timedelta(seconds=settings.NEWSROOM_WEBHOOK_BACKOFF_SECONDS * 2 ** (attempt_number - 1))


def deliver_webhook(*, delivery_id: int) -> WebhookAttempt | None:
    """Makes the next attempt of a due delivery and logs it; None when it is not due or already done."""
    now = timezone.now()
    claimed = WebhookDelivery.objects.filter(
        id=delivery_id, state=WebhookDelivery.State.PENDING, next_attempt_at__lte=now + CLOCK_TOLERANCE
    ).update(state=WebhookDelivery.State.SENDING, next_attempt_at=now)
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("webhook").get(id=delivery_id)
    webhook = delivery.webhook
    number = delivery.attempt_count + 1
    body = delivery.payload.encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Newsroom-Webhooks/1",
        EVENT_HEADER: delivery.event,
        DELIVERY_HEADER: str(delivery.id),
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(secret=webhook.secret, timestamp=timestamp, body=body),
    }
    started = time.monotonic()
    status_code, error, excerpt = None, "", ""
    if not webhook.active:
        error = "The webhook was switched off before this attempt; nothing was sent."
    else:
        try:
            result = post(webhook.url, body=body, headers=headers, timeout=settings.NEWSROOM_WEBHOOK_TIMEOUT_SECONDS)
        except UnsafeAddress as refusal:
            error = f"Not sent: {refusal}."
        except (OSError, ValueError) as failure:
            error = f"Could not reach {webhook.url}: {failure or type(failure).__name__}."
        else:
            status_code = result.status
            excerpt = result.body[:2000].decode("utf-8", errors="replace")
            if not 200 <= result.status < 300:
                error = f"The endpoint answered HTTP {result.status}; a 2xx status is needed."
    duration_ms = int((time.monotonic() - started) * 1000)
    attempt = WebhookAttempt.objects.create(
        delivery=delivery,
        number=number,
        started_at=now,
        duration_ms=duration_ms,
        status_code=status_code,
        error=error,
        response_excerpt=excerpt,
    )
    fields = {"attempt_count": number, "last_error": error}
    if not error:
        fields.update(state=WebhookDelivery.State.SUCCEEDED, delivered_at=timezone.now(), next_attempt_at=None)
    elif number >= settings.NEWSROOM_WEBHOOK_MAX_ATTEMPTS or not webhook.active:
        fields.update(state=WebhookDelivery.State.FAILED, next_attempt_at=None)
        logger.warning("Webhook delivery %s to %s gave up after %s attempts: %s", delivery.id, webhook.url, number, error)
    else:
        fields.update(state=WebhookDelivery.State.PENDING, next_attempt_at=timezone.now() + backoff(number))
    WebhookDelivery.objects.filter(id=delivery.id).update(**fields)
    if fields["state"] == WebhookDelivery.State.PENDING:
        _enqueue(delivery.id, at=fields["next_attempt_at"])
    return attempt


def enqueue_due_deliveries() -> int:
    """Scheduled task: re-queues deliveries whose queued job was lost (Redis restart, worker killed)."""
    now = timezone.now()
    grace = LOST_AFTER + timedelta(seconds=settings.NEWSROOM_WEBHOOK_TIMEOUT_SECONDS)
    WebhookDelivery.objects.filter(state=WebhookDelivery.State.SENDING, next_attempt_at__lt=now - grace).update(
        state=WebhookDelivery.State.PENDING
    )
    lost = list(
        WebhookDelivery.objects.filter(state=WebhookDelivery.State.PENDING, next_attempt_at__lt=now - grace)
        .values_list("id", flat=True)[:500]
    )
    for delivery_id in lost:
        _enqueue(delivery_id)
    return len(lost)
