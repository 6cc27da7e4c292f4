"""Generation: one structured model call writes every field of a rewrite.

``write_rewrite`` is the one function that turns a cluster's source articles
into stored output: it claims the rewrite, asks the configured
OpenAI-compatible endpoint (or the offline writer when ``OPENAI_BASE_URL`` is
unset), validates the reply against the schema, sanitises the web card, runs
the lints and stores everything in one transaction (``store.store_output``; the
place where a revision history hooks in). A failed call, a reply that is not
valid JSON or breaks the schema, or error-level lints send the rewrite to the
repair loop: ``repair_attempts`` + 1 and ``next_repair_at`` backed off, until
``NEWSROOM_REPAIR_LIMIT``, then ``failed`` with the reason. Every HTTP request
is recorded as a ``ModelCall`` and reserved against the daily budget first, so
no request is made once the budget would be exceeded.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from contextlib import contextmanager
from typing import Iterator

from django.conf import settings
from django.db import DatabaseError, connection, models, transaction

from clusters.models import Article
from newsroom.links import story_page_url
from rewrites import states
from rewrites.checks.lint import TEXT_FIELDS
from rewrites.generation.budget import OverBudget, finish_call
from rewrites.generation.claim_check import check_claims
from rewrites.generation.model import GenerationFailed, Reply, call_model, parse_reply
from rewrites.generation.offline import OFFLINE_MODEL, offline_reply
from rewrites.generation.prompt import OUTPUT_SCHEMA, PROMPT_VERSION, field_schema
from rewrites.generation.store import (
    current_fields,
    proposed_slug,
    record_failed_attempt,
    repair_context,
    store_output,
    wait_for_budget,
)
from rewrites.models import ModelCall, Rewrite
from rewrites.revisions import snapshot

logger = logging.getLogger(__name__)


def _lock_key(rewrite_id: str) -> int:
    return int.from_bytes(hashlib.blake2b(f"generate:{rewrite_id}".encode(), digest_size=8).digest(), "big", signed=True)


@contextmanager
def generation_lock(rewrite_id: str) -> Iterator[bool]:
    """Holds a PostgreSQL session lock while one process generates a rewrite; yields whether it was won.

    The lock dies with the process's connection, so a killed worker never leaves it held.
    """
    key = _lock_key(rewrite_id)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
            except DatabaseError:
                logger.warning("Could not release the generation lock of %s; its connection is gone.", rewrite_id)


def is_being_generated(rewrite_id: str) -> bool:
    """Returns whether some process holds the generation lock of the rewrite."""
    key = _lock_key(rewrite_id)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        if not cursor.fetchone()[0]:
            return True
        cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
    return False


def _claim(rewrite_id: str, *, field: str | None, regenerate: bool) -> tuple[Rewrite, bool] | None:
    """Marks the rewrite as generating; returns (rewrite, in_place) or None when there is nothing to do."""
    with transaction.atomic():
        rewrite = Rewrite.objects.select_for_update().select_related("cluster").filter(id=rewrite_id).first()
        if rewrite is None:
            return None
        if field is not None:
            # A whole rewrite being written replaces every field anyway.
            writable = rewrite.headline is not None and rewrite.status not in states.WRITING
            return (rewrite, True) if writable else None
        if rewrite.status in states.WRITING:
            # Calls still pending here belong to an attempt whose worker died: we hold the lock now.
            ModelCall.objects.filter(rewrite=rewrite, outcome=ModelCall.Outcome.PENDING).update(
                outcome=ModelCall.Outcome.INTERRUPTED, error="The worker stopped before the call finished."
            )
            states.claim_generation(rewrite)
            return rewrite, False
        if regenerate and rewrite.status in (Rewrite.Status.APPROVED, Rewrite.Status.PUBLISHED):
            return rewrite, True
        return None


def _cluster_articles(cluster_id: str) -> list[Article]:
    return list(
        Article.objects.filter(cluster_id=cluster_id)
        .select_related("source")
        .order_by(models.F("published_at").asc(nulls_last=True), "fetched_at", "id")
    )


def write_rewrite(
    *, rewrite_id: str, field: str | None = None, regenerate: bool = False, requested_by=None,
    base: dict[str, str | None] | None = None,
) -> Rewrite | None:
    """Runs one generation attempt for the rewrite and stores its outcome; returns the rewrite.

    A queued rewrite is written (or repaired); ``field`` regenerates one field
    in place; ``regenerate`` rewrites an approved or published one in place.
    Text written in place is stored only if the fields it replaces still hold
    ``base`` (their text when the regeneration was asked for; by default, when
    this attempt claimed the rewrite); otherwise it is offered as suggestions
    (``store.store_output``). ``requested_by`` is the editor who asked, named
    in the revision. Returns None when another process is already generating
    it or there is nothing to do.
    """
    if field is not None and field not in TEXT_FIELDS:
        raise ValueError(f"'{field}' is not a rewrite field; choose one of {', '.join(TEXT_FIELDS)}.")
    with generation_lock(rewrite_id) as acquired:
        if not acquired:
            return None
        claimed = _claim(rewrite_id, field=field, regenerate=regenerate)
        if claimed is None:
            return Rewrite.objects.filter(id=rewrite_id).first()
        rewrite, in_place = claimed
        if in_place and base is None:
            base = snapshot(rewrite)
        stored_as = {"base": base if in_place else None, "requested_by": requested_by}
        articles = _cluster_articles(rewrite.cluster_id)
        if not articles:
            return record_failed_attempt(
                rewrite_id, "The cluster has no source articles to write from.", in_place=in_place
            )
        schema = OUTPUT_SCHEMA if field is None else field_schema(field)
        if not settings.OPENAI_BASE_URL:
            started = time.monotonic()
            content = offline_reply(
                articles=articles,
                story_url_for=lambda headline: story_page_url(proposed_slug(rewrite, rewrite.cluster, headline)),
            )
            call = ModelCall.objects.create(
                rewrite=rewrite, model=OFFLINE_MODEL, prompt_version=PROMPT_VERSION,
                purpose=field or "generate", outcome=ModelCall.Outcome.OK,
            )
            finish_call(call, outcome=ModelCall.Outcome.OK, started=started)
            content = parse_reply(None, json.dumps(content), OUTPUT_SCHEMA)
            if field is not None:
                content = {field: content[field]}
            reply = Reply(content=content, raw_web_card=content.get("webCardHtml"), model=OFFLINE_MODEL)
            return store_output(
                rewrite_id=rewrite_id, reply=reply, articles=articles, field=field, in_place=in_place, offline=True,
                **stored_as,
            )

        problems, previous = (None, None) if in_place else repair_context(rewrite)
        purpose = field or ("repair" if problems else "generate")
        try:
            call, text = call_model(
                rewrite=rewrite, articles=articles, purpose=purpose, schema=schema, problems=problems,
                previous=previous, field=field,
                current=current_fields(rewrite) if field else None,
            )
            content = parse_reply(call, text, schema)
        except OverBudget as error:
            return wait_for_budget(rewrite_id, error, in_place=in_place)
        except GenerationFailed as error:
            return record_failed_attempt(rewrite_id, str(error), in_place=in_place, retry_at=error.retry_at)
        reply = Reply(content=content, raw_web_card=content.get("webCardHtml"), model=settings.NEWSROOM_MODEL)
        stored = store_output(
            rewrite_id=rewrite_id, reply=reply, articles=articles, field=field, in_place=in_place, offline=False,
            **stored_as,
        )
        if settings.NEWSROOM_CLAIM_CHECK and stored.status != Rewrite.Status.QUEUED and not getattr(stored, "suggested", None):
            # A rewrite going back for repair will be written again; its claims are checked then.
            stored = check_claims(rewrite_id=rewrite_id, articles=articles) or stored
        return stored
