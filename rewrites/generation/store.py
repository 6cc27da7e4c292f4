"""Storing a generation's outcome: the output with its lints and revision, the repair loop's
next step, or the reason it failed, each in one transaction."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, models, transaction
from django.urls import reverse
from django.utils import timezone

from clusters.models import ENTITY_KEYS, Article, Cluster
from newsroom.notifications import clear, notify
from rewrites import states
from rewrites.checks.lint import (
    ERROR,
    MODEL_ATTRIBUTES,
    TEXT_FIELDS,
    Draft,
    SourceText,
    apply_findings,
    entities_of,
    has_errors,
    run_lints,
    settle_findings,
)
from rewrites.checks.webcard import safe_web_card
from rewrites.generation.budget import OverBudget, today_start
from rewrites.generation.model import Reply
from rewrites.models import (
    HISTORY_LABELS,
    OUTPUT_FIELD_NAMES,
    Attribution,
    ModelCall,
    Revision,
    Rewrite,
    Suggestion,
)
from rewrites.revisions import mark_changed, record_revision, snapshot
from rewrites.slugs import unique_slug

SLUG_LOCK = 0x736C7567  # "slug"


def current_fields(rewrite: Rewrite) -> dict:
    return {name: getattr(rewrite, attribute) for name, attribute in MODEL_ATTRIBUTES.items()}


def _totals(rewrite: Rewrite) -> None:
    totals = ModelCall.objects.filter(rewrite=rewrite).aggregate(
        cost=models.Sum("cost_usd"), input=models.Sum("input_tokens"), output=models.Sum("output_tokens"),
        calls=models.Count("id"),
    )
    rewrite.cost_usd = totals["cost"] or 0
    rewrite.input_tokens = totals["input"] or 0
    rewrite.output_tokens = totals["output"] or 0
    Cluster.objects.filter(id=rewrite.cluster_id).update(write_attempts=totals["calls"])


def repair_context(rewrite: Rewrite) -> tuple[list[str] | None, dict | None]:
    """The problems of the last attempt and its stored output, for a repair call."""
    if rewrite.repair_attempts == 0:
        return None, None
    problems = [
        f"[{flag['code']}] {flag['field']}: {flag['message']}"
        for flag in rewrite.lint_flags
        if flag["severity"] == ERROR
    ]
    if rewrite.failure_reason and not problems:
        problems.append(rewrite.failure_reason)
    previous = current_fields(rewrite) if rewrite.headline is not None else None
    return problems or None, previous


def store_output(
    *, rewrite_id: str, reply: Reply, articles: list[Article], field: str | None, in_place: bool, offline: bool,
    base: dict[str, str | None] | None = None, requested_by=None,
) -> Rewrite:
    """Stores one reply and its lints in one transaction and decides the rewrite's next status.

    Text written in place replaces the fields only while they still hold ``base`` (their text when
    the regeneration was asked for). When an editor changed one of them meanwhile, nothing is
    replaced: each field the reply would change becomes a ``Suggestion`` beside the editor's text,
    and the returned rewrite's ``suggested`` lists those fields. The revision names
    ``requested_by``, the editor who asked for the text.
    """
    now = timezone.now()
    with transaction.atomic():
        rewrite = Rewrite.objects.select_for_update().get(id=rewrite_id)
        cluster = Cluster.objects.select_for_update().get(id=rewrite.cluster_id)
        rewrite.suggested = []
        before = snapshot(rewrite)
        was_repair = rewrite.repair_attempts > 0 and not in_place
        content = reply.content
        fields = current_fields(rewrite)
        if field is not None:
            fields[field] = content[field].strip()
            raw_web_card = content[field] if field == "webCardHtml" else None
            attribution = rewrite.attribution if rewrite.attribution_json else None
        else:
            fields.update({name: content[name].strip() for name in TEXT_FIELDS})
            raw_web_card = reply.raw_web_card
            attribution = content["attribution"]
        if raw_web_card is not None:
            fields["webCardHtml"] = safe_web_card(raw_web_card.strip())
        sources = [
            SourceText(title=a.title, text=a.text, url=a.url, source=a.source.name, article_id=a.id) for a in articles
        ]
        if in_place and base is not None:
            concerned = [MODEL_ATTRIBUTES[field]] if field is not None else OUTPUT_FIELD_NAMES
            moved = [name for name in concerned if name in base and (getattr(rewrite, name) or "") != (base[name] or "")]
            if moved:
                return _offer_suggestions(
                    rewrite, fields=fields, moved=moved, concerned=concerned, model=reply.model,
                    requested_by=requested_by, base=base, at=now,
                )
        if field is None:
            rewrite.claim_check_json = None  # a new text: the last claim check no longer applies
        key_facts = content["keyFacts"] if field is None else rewrite.key_facts
        entities = content["entities"] if field is None else entities_of(cluster)
        findings = settle_findings(rewrite, run_lints(Draft(
            fields=fields, attribution=attribution, sources=sources, raw_web_card=raw_web_card,
            key_facts=key_facts if isinstance(key_facts, list) else None, entities=entities,
        )), fields)
        for name, attribute in MODEL_ATTRIBUTES.items():
            setattr(rewrite, attribute, fields[name])
        rewrite.model = reply.model
        apply_findings(rewrite, findings)

        if field is None:
            rewrite.attribution_json = json.dumps(attribution, ensure_ascii=False, separators=(",", ":"))
            rewrite.key_facts = content["keyFacts"]
            rewrite.facts_attempted_at = now
            rewrite.attributions.all().delete()
            Attribution.objects.bulk_create(
                Attribution(
                    rewrite=rewrite, position=position, article=article, source=article.source.name,
                    url=article.url, title=article.title,
                )
                for position, article in enumerate(articles)
            )
            entities = {key: content["entities"][key] for key in ENTITY_KEYS}
            cluster.entities_json = json.dumps(entities, ensure_ascii=False, separators=(",", ":"))
            cluster.content_type = entities["type"]
            cluster.domain = entities["domain"] or ""
            cluster.written_source_count = cluster.source_count
            clear(f"stale:{cluster.id}")
        if rewrite.status not in (Rewrite.Status.APPROVED, Rewrite.Status.PUBLISHED) and (
            field is None or field == "headline"
        ):
            with connection.cursor() as cursor:
                # Two workers must not pick the same free slug at once; held until this transaction commits.
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SLUG_LOCK])
            rewrite.slug = proposed_slug(rewrite, cluster, rewrite.headline)

        if in_place:
            states.store_in_place(rewrite)
            rewrite.failure_reason = ""
        elif has_errors(findings) and not offline:
            errors = [f for f in findings if f.severity == ERROR]
            reason = "The output has lint errors: " + "; ".join(f"{f.code} in {f.field}" for f in errors[:6]) + "."
            _schedule_repair_or_fail(rewrite, reason)
        else:
            states.store_draft(rewrite)
            clear(f"generation-failed:{rewrite.id}")
        _totals(rewrite)
        mark_changed(rewrite, at=now)
        rewrite.save()
        after = snapshot(rewrite)
        record_revision(
            rewrite=rewrite,
            user=requested_by,
            kind=(
                Revision.Kind.REGENERATED if in_place
                else Revision.Kind.REPAIRED if was_repair
                else Revision.Kind.GENERATED
            ),
            reason=f"Written by {reply.model}" + (f" (field {field})" if field else ""),
            changed_fields=[name for name in after if after[name] != before[name]],
        )
        cluster.updated_at = now
        cluster.save(update_fields=["entities_json", "content_type", "domain", "written_source_count", "updated_at"])
    return rewrite


def proposed_slug(rewrite: Rewrite, cluster: Cluster, headline: str | None) -> str:
    """The slug a whole generation gives the rewrite for headline: an approved or published one keeps its own."""
    if rewrite.slug and rewrite.status in (Rewrite.Status.APPROVED, Rewrite.Status.PUBLISHED):
        return rewrite.slug
    return unique_slug(_slug_text(headline, cluster), exclude_id=rewrite.id)


def _offer_suggestions(
    rewrite: Rewrite, *, fields: dict, moved: list[str], concerned: list[str], model: str, requested_by,
    base: dict, at,
) -> Rewrite:
    """Keeps the editors' text and offers the reply's text for each concerned field it would change."""
    attributes = {attribute: name for name, attribute in MODEL_ATTRIBUTES.items()}
    offered = []
    for attribute in concerned:
        text = fields[attributes[attribute]]
        if (text or "") == (getattr(rewrite, attribute) or ""):
            continue
        rewrite.suggestions.open().filter(field=attribute).update(
            resolution=Suggestion.Resolution.REPLACED, resolved_at=at
        )
        Suggestion.objects.create(
            rewrite=rewrite, field=attribute, text=text, base_text=base.get(attribute), model=model,
            requested_by=requested_by if requested_by is not None and requested_by.is_authenticated else None,
            created_at=at,
        )
        offered.append(attribute)
    rewrite.suggested = offered
    rewrite.failure_reason = ""
    _totals(rewrite)
    mark_changed(rewrite, at=at)
    rewrite.save()
    labels = ", ".join(HISTORY_LABELS[name] for name in moved)
    record_revision(
        rewrite=rewrite, kind=Revision.Kind.REGENERATED, user=requested_by, changed_fields=[],
        reason=(
            f"Written by {model}, but {labels} changed while it was being written: "
            + (f"the new text is offered beside {len(offered)} field(s)." if offered else "the new text is the same.")
        ),
    )
    return rewrite


def _slug_text(headline: str | None, cluster: Cluster) -> str:
    """The headline when it is mostly Latin script, else a neutral text (a Japanese headline slugifies to almost nothing)."""
    text = headline or ""
    letters = sum(char.isascii() and char.isalpha() for char in text)
    if letters * 2 >= len(text.replace(" ", "")) and letters >= 3:
        return text
    return f"story {cluster.id.removeprefix('c_')[:12]}"


def _schedule_repair_or_fail(rewrite: Rewrite, reason: str, *, retry_at: datetime | None = None) -> None:
    limit = settings.NEWSROOM_REPAIR_LIMIT
    if rewrite.repair_attempts >= limit:
        states.fail_generation(
            rewrite,
            reason=(
                f"Gave up after {rewrite.repair_attempts + 1} attempts ({limit} repairs). Last problem: {reason} "
                "Regenerate it to try again, or edit it by hand."
            ),
        )
        notify(
            kind="generation", cause_key=f"generation-failed:{rewrite.id}",
            message=f"Writing “{rewrite.cluster.canonical_title}” failed. {rewrite.failure_reason}",
            link=reverse("rewrites:workspace", args=[rewrite.id]),
        )
        return
    rewrite.repair_attempts += 1
    delay = settings.NEWSROOM_REPAIR_BACKOFF_SECONDS * 2 ** (rewrite.repair_attempts - 1)
    due = timezone.now() + timedelta(seconds=delay)
    if retry_at is not None and retry_at > due:
        due = retry_at
    states.schedule_repair(
        rewrite,
        due=due,
        reason=f"{reason} Repair {rewrite.repair_attempts} of {limit} is due at {due:%Y-%m-%d %H:%M:%S} UTC.",
    )


def record_failed_attempt(rewrite_id: str, reason: str, *, in_place: bool, retry_at: datetime | None = None) -> Rewrite:
    with transaction.atomic():
        rewrite = Rewrite.objects.select_for_update().get(id=rewrite_id)
        if in_place:
            rewrite.failure_reason = f"Regeneration failed: {reason} The stored text was kept."
        else:
            _schedule_repair_or_fail(rewrite, reason, retry_at=retry_at)
        _totals(rewrite)
        rewrite.updated_at = timezone.now()
        rewrite.save()
    return rewrite


def wait_for_budget(rewrite_id: str, error: OverBudget, *, in_place: bool) -> Rewrite:
    with transaction.atomic():
        rewrite = Rewrite.objects.select_for_update().get(id=rewrite_id)
        if in_place:
            rewrite.failure_reason = str(error)
        else:
            states.wait_for_budget(rewrite, reason=str(error), until=today_start() + timedelta(days=1))
        rewrite.updated_at = timezone.now()
        rewrite.save(update_fields=["failure_reason", "updated_at"])
    return rewrite
