"""The publishing tests' helpers: a local webhook receiver, editing like the workspace, a queue run to the end."""

from __future__ import annotations

import copy
import json
import time

import django_rq
import pytest
from rq import SimpleWorker

from rewrites.models import Rewrite, WebhookDelivery
from tests.http_server import LocalHTTPServer, Reply, Request


def set_domain(record: dict, *, domain: str, content_type: str) -> dict:
    record = copy.deepcopy(record)
    entities = json.loads(record["cluster"]["entitiesJson"])
    entities["domain"] = domain
    entities["type"] = content_type
    record["cluster"]["entitiesJson"] = json.dumps(entities, separators=(",", ":"))
    record["entities"] = entities
    record["cluster"]["contentType"] = content_type
    return record


def edit_rewrite(rewrite_id: str, **fields) -> None:
    """Changes fields the way the workspace does: a new version with unpublished changes."""
    rewrite = Rewrite.objects.get(id=rewrite_id)
    Rewrite.objects.filter(id=rewrite_id).update(
        version=rewrite.version + 1, has_unpublished_changes=rewrite.status == Rewrite.Status.PUBLISHED, **fields
    )


def run_publish_queue_until_settled(*, timeout: float = 20.0) -> None:
    """Runs a real RQ worker (with its scheduler, so delayed retries run) until no delivery is pending."""
    deadline = time.monotonic() + timeout
    while True:
        worker = django_rq.get_worker("publish", worker_class=SimpleWorker)
        worker.work(burst=True, with_scheduler=True)
        unsettled = WebhookDelivery.objects.filter(
            state__in=[WebhookDelivery.State.PENDING, WebhookDelivery.State.SENDING]
        ).exists()
        if not unsettled:
            return
        if time.monotonic() > deadline:
            pytest.fail("webhook deliveries were still pending when the time ran out")
        time.sleep(0.2)


class Receiver(LocalHTTPServer):
    """The local HTTP server as a webhook endpoint: answers the given status codes in turn, then 200."""

    PATH = "/hooks/newsroom"

    def __init__(self, statuses: list[int] | None = None):
        super().__init__({self.PATH: self.answer})
        self.statuses = list(statuses or [])

    @property
    def hook_url(self) -> str:
        return self.url(self.PATH)

    def answer(self, request: Request) -> Reply:
        status = self.statuses.pop(0) if self.statuses else 200
        return Reply(status, b"ok" if status == 200 else b"try again later", {"Content-Type": "text/plain"})
