"""Factories and a local webhook receiver for the publishing tests."""

from __future__ import annotations

import copy
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import django_rq
import pytest
from rq import SimpleWorker

from rewrites.models import Rewrite, WebhookDelivery
from rewrites.records import import_record
from tests.conftest import varied_record


def approved_record(seed: dict, *, number: int, headline: str | None = None, **rewrite_fields) -> dict:
    """A varied record whose rewrite is approved and not yet published."""
    record = varied_record(seed, number=number)
    record["rewrite"].update({"status": "approved", "publishedAt": None})
    record["cluster"]["status"] = "approved"
    if headline is not None:
        record["rewrite"]["headline"] = headline
    record["rewrite"].update(rewrite_fields)
    return record


def import_approved(seed: dict, *, number: int, **fields) -> Rewrite:
    rewrite, _ = import_record(approved_record(seed, number=number, **fields))
    return rewrite


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


class Receiver:
    """An HTTP server on 127.0.0.1 that answers with the given status codes in turn, then 200."""

    def __init__(self, statuses: list[int] | None = None):
        self.statuses = list(statuses or [])
        self.requests: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.requests.append({"headers": dict(self.headers), "body": body, "at": time.monotonic()})
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok" if status == 200 else b"try again later")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/newsroom"

    def __enter__(self) -> "Receiver":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
