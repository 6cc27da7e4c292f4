"""Outbound webhooks: signed POSTs of the record when a story is published, republished or killed.

The body is the record (``rewrites.records.record_for``) as it was when the
event happened. Each request carries::

    X-Newsroom-Event: published | republished | unpublished
    X-Newsroom-Delivery: <delivery id>
    X-Newsroom-Timestamp: <unix seconds>
    X-Newsroom-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with the webhook's secret>

Deliveries run on the ``publish`` queue (``jobs.py``), one attempt per job; a failed attempt
is retried after ``NEWSROOM_WEBHOOK_BACKOFF_SECONDS`` doubled each time, up to
``NEWSROOM_WEBHOOK_MAX_ATTEMPTS``. Every attempt is logged. A failing endpoint
never affects the publish that caused the event.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from newsroom.notifications import clear, notify
from newsroom.outbound import BlockedAddressError, FetchError, TimedOutError, masked_url, post
from rewrites.models import Rewrite, Webhook, WebhookAttempt, WebhookDelivery
from rewrites.publishing import job_states
from rewrites.records import dump_record, record_for

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Newsroom-Signature"
TIMESTAMP_HEADER = "X-Newsroom-Timestamp"
EVENT_HEADER = "X-Newsroom-Event"
DELIVERY_HEADER = "X-Newsroom-Delivery"
# Workers on other machines may have clocks slightly behind the one that set next_attempt_at.
CLOCK_TOLERANCE = timedelta(milliseconds=500)


def sign(*, secret: str, timestamp: str, body: bytes) -> str:
    """Returns the signature header value for body sent at timestamp."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_signature(*, secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """True when signature is the one secret gives for body and timestamp (what a receiver checks)."""
    return hmac.compare_digest(sign(secret=secret, timestamp=timestamp, body=body), signature or "")


def create_deliveries(*, event: str, rewrite_id: str) -> list[int]:
    """Creates a delivery per active webhook that wants event; returns their ids for ``jobs.send_deliveries``."""
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
    return [delivery.id for delivery in deliveries]


def copy_delivery(delivery: WebhookDelivery) -> WebhookDelivery:
    """A new delivery of the same event and body (the admin's Redeliver action sends it)."""
    return WebhookDelivery.objects.create(
        webhook=delivery.webhook,
        event=delivery.event,
        rewrite=delivery.rewrite,
        payload=delivery.payload,
        redelivery_of=delivery,
        next_attempt_at=timezone.now(),
    )


def backoff(attempt_number: int) -> timedelta:
    """The wait after the given failed attempt: the base delay doubled for each earlier failure."""
    return timedelta(seconds=settings.NEWSROOM_WEBHOOK_BACKOFF_SECONDS * 2 ** (attempt_number - 1))


@dataclass
class DeliveryOutcome:
    attempt: WebhookAttempt
    retry_at: datetime | None  # when the next attempt is due; None when there is none


def _tell_about_delivery(delivery: WebhookDelivery, *, state: str, error: str, attempts: int) -> None:
    """A delivery that gave up is said once per webhook, until a delivery to it succeeds again."""
    cause = f"webhook-failed:{delivery.webhook_id}"
    if state == WebhookDelivery.State.SUCCEEDED:
        clear(cause)
    elif state == WebhookDelivery.State.FAILED:
        notify(
            kind="job", cause_key=cause,
            message=(
                f"Webhook “{delivery.webhook.name}” gave up on the {delivery.event} event of rewrite "
                f"{delivery.rewrite_id} after {attempts} attempt(s): {error} Check the endpoint, then redeliver."
            ),
            link=reverse("admin:rewrites_webhookdelivery_change", args=[delivery.id]),
        )


def deliver_webhook(*, delivery_id: int) -> DeliveryOutcome | None:
    """Makes the next attempt of a due delivery and logs it; None when it is not due or already done."""
    now = timezone.now()
    if not job_states.claim_delivery(delivery_id, due_by=now + CLOCK_TOLERANCE):
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
    status_code, error, excerpt, refused = None, "", "", False
    if not webhook.active:
        error = "The webhook was switched off before this attempt; nothing was sent."
    else:
        timeout = settings.NEWSROOM_WEBHOOK_TIMEOUT_SECONDS
        try:
            result = post(webhook.url, body=body, headers=headers, timeout=timeout)
        except BlockedAddressError as refusal:
            error, refused = f"Not sent: {refusal}", True
        except TimedOutError:
            error = (
                f"Not delivered: the receiver did not answer within {timeout:g} s "
                "(NEWSROOM_WEBHOOK_TIMEOUT_SECONDS), so the request was stopped. Have the endpoint answer 2xx "
                "first and do slow work afterwards, or check that it is up and reachable."
            )
        except FetchError as failure:
            error = f"Not delivered: {failure}"
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
    give_up = refused or number >= settings.NEWSROOM_WEBHOOK_MAX_ATTEMPTS or not webhook.active
    if error and give_up:
        logger.warning(
            "Webhook delivery %s to %s gave up after %s attempts: %s", delivery.id, masked_url(webhook.url), number, error
        )
    state, retry_at = job_states.settle_delivery(
        delivery.id, error=error, attempts=number,
        retry_at=None if give_up else timezone.now() + backoff(number),
    )
    _tell_about_delivery(delivery, state=state, error=error, attempts=number)
    return DeliveryOutcome(attempt=attempt, retry_at=retry_at)
