"""What the workspace shows of one rewrite, built one way for the page and for the refresh that keeps it true.

``workspace_state`` gathers every panel that changes when the rewrite does (headline, status
and actions, lint counts, publishing, every field with its lints, suggestions and previews,
the credits and the slug); the page renders them once, and after any change the browser asks
for them again (``views.workspace_state``) and swaps each one in place. ``state_token`` is
what an open page compares to learn that someone else changed the rewrite.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.urls import reverse

from newsroom.rules import Action, allowed_actions, refusal
from rewrites import states
from rewrites.checks.claims.checked import CHECKABLE_CODES
from rewrites.checks.counters import COUNTER_SPEC, count_for
from rewrites.checks.lint import INFO, TEXT_FIELDS
from rewrites.checks.webcard import safe_web_card
from rewrites.desk.evidence import flags_for, highlight_segments
from rewrites.desk.merges import merged_away
from rewrites.desk.previews import StoryLinks, post_preview
from rewrites.desk.review import assignable_editors
from rewrites.fields import OUTPUT_FIELDS, Kind
from rewrites.generation.jobs import generation_progress, regeneration_underway
from rewrites.generation.offline import writer_name
from rewrites.models import PublishedStory, Rewrite
from rewrites.publishing.views import publish_status_context
from rewrites.revisions import word_diff

FIELD_INFO = {field.attribute: {"record_name": field.record_name, "label": field.label} for field in OUTPUT_FIELDS}
# Key facts are shown (and checked) with the fields, but edited only by regenerating.
KEY_FACTS = "key_facts"
SHOWN_FIELDS = {**FIELD_INFO, KEY_FACTS: {"record_name": "keyFacts", "label": "Key facts"}}
SOCIAL_FIELDS = {field.attribute for field in OUTPUT_FIELDS if field.network is not None}
LONG_FIELDS = {field.attribute for field in OUTPUT_FIELDS if field.long}
HTML_FIELDS = {field.attribute for field in OUTPUT_FIELDS if field.kind == Kind.HTML}
REVIEW_ACTIONS = [Action.EDIT, Action.APPROVE, Action.SPIKE, Action.RESTORE, Action.REGENERATE, Action.ASSIGN]
# Characters per line of a field's textarea at the desk's usual width, to open it tall enough for its text.
TEXTAREA_LINE_CHARS = 70


def field_text(rewrite: Rewrite, field: str) -> str:
    """The text of a shown field; key facts one per line."""
    if field == KEY_FACTS:
        return "\n".join(rewrite.key_facts) if isinstance(rewrite.key_facts, list) else ""
    return getattr(rewrite, field) or ""


def textarea_rows(field: str, value: str) -> int:
    """Rows for a field's textarea: every line of its text visible, with room to add one."""
    lines = sum(max(1, math.ceil(len(line) / TEXTAREA_LINE_CHARS)) for line in value.split("\n")) + 1
    return max(6 if field in LONG_FIELDS else 3, min(lines, 30))


def field_panel(
    rewrite: Rewrite, field: str, *, editable: bool = False, editing: bool = False, error: str = "",
    suggestion=None, checked: list | None = None, links: StoryLinks | None = None,
) -> dict:
    """One field as the workspace shows it: text with its lint highlights, counter, suggestion and preview."""
    record_name = SHOWN_FIELDS[field]["record_name"]
    value = field_text(rewrite, field)
    flags = flags_for(rewrite.lint_flags, record_name)
    is_social = field in SOCIAL_FIELDS
    panel = {
        "name": field,
        "record_name": record_name,
        "label": SHOWN_FIELDS[field]["label"],
        "value": value,
        "segments": highlight_segments(value, flags),
        "flags": flags,
        "hits": sum(1 for flag in flags if flag.get("severity") != INFO),
        "count": count_for(record_name, value) if is_social else None,
        "is_social": is_social,
        "is_html": field in HTML_FIELDS,
        "is_key_facts": field == KEY_FACTS,
        "editable": editable and field != KEY_FACTS,
        "regenerable": record_name in TEXT_FIELDS,
        "rows": textarea_rows(field, value),
        "safe_html": safe_web_card(value) if field in HTML_FIELDS else "",
        "checked": checked or [],
        "suggestion": None,
        "preview": post_preview(record_name, value, links=links) if is_social and links is not None else None,
    }
    if suggestion is not None:
        panel["suggestion"] = {
            "id": suggestion.id,
            "text": suggestion.text,
            "writer": writer_name(suggestion.model),
            "requested_by": suggestion.requested_by.get_username() if suggestion.requested_by else "",
            "created_at": suggestion.created_at,
            "parts": word_diff(value, suggestion.text),
        }
    return {"rewrite": rewrite, "field": panel, "editing": editing, "error": error}


def one_field(rewrite: Rewrite, field: str, **options) -> dict:
    """``field_panel`` for one field on its own (after a save, or opened for editing), with its open
    suggestion, checked marks and preview looked up as the whole page does."""
    record_name = SHOWN_FIELDS[field]["record_name"]
    links = None
    if field in SOCIAL_FIELDS:
        articles = list(rewrite.cluster.articles.all())
        links = story_links(rewrite, articles, PublishedStory.objects.filter(rewrite=rewrite).first())
    return field_panel(
        rewrite, field,
        suggestion=rewrite.suggestions.open().filter(field=field).select_related("requested_by").first(),
        checked=list(rewrite.checked_findings.active().filter(field=record_name).select_related("user")),
        links=links, **options,
    )


def story_links(rewrite: Rewrite, articles, story: PublishedStory | None) -> StoryLinks:
    paths = {f"/stories/{slug}/" for slug in (rewrite.slug, story.slug if story else None) if slug}
    live_card = story is not None and story.is_live and story.card and story.slug == rewrite.slug
    card = (
        reverse("public:card", args=[story.slug]) if live_card else reverse("rewrites:card-preview", args=[rewrite.id])
    )
    return StoryLinks(
        story_paths=frozenset(paths),
        headline=rewrite.headline or "",
        summary=rewrite.summary or "",
        card_image_url=card,
        articles={article.url: (article.title, article.image.url if article.image else "") for article in articles},
    )


def state_token(rewrite: Rewrite) -> str:
    """Changes whenever something the workspace's panels show of the rewrite changes."""
    return f"{rewrite.version}-{rewrite.status}-{int(rewrite.has_unpublished_changes)}-{rewrite.assigned_to_id or 0}"


def _actions(user, rewrite: Rewrite) -> dict[str, bool]:
    allowed = allowed_actions(user, rewrite, REVIEW_ACTIONS)
    return {action.value: action in allowed for action in REVIEW_ACTIONS}


def progress_context(rewrite: Rewrite, *, field: str | None = None) -> dict:
    """What the workspace's progress line needs to show and follow a generation job."""
    url = reverse("rewrites:progress", args=[rewrite.id]) + (f"?field={field}" if field else "")
    return {"progress": generation_progress(rewrite, field=field), "progress_url": url}


def workspace_state(request, rewrite: Rewrite, *, articles) -> dict:
    """Every panel of the workspace that depends on the rewrite's state, for the page and for its refresh."""
    publishing = publish_status_context(request, rewrite)
    actions = _actions(request.user, rewrite)
    editable = actions[Action.EDIT]
    flags = rewrite.lint_flags
    suggestions = {}
    for suggestion in rewrite.suggestions.open().select_related("requested_by"):
        suggestions.setdefault(suggestion.field, suggestion)
    checked: dict[str, list] = {}
    for mark in rewrite.checked_findings.active().select_related("user"):
        checked.setdefault(mark.field, []).append(mark)
    links = story_links(rewrite, articles, publishing["story"])
    fields = [
        field_panel(
            rewrite, name, editable=editable, suggestion=suggestions.get(name),
            checked=checked.get(SHOWN_FIELDS[name]["record_name"]), links=links,
        )["field"]
        for name in [*FIELD_INFO, KEY_FACTS]
    ]
    shown = {panel["record_name"] for panel in fields}
    credit_flags = [flag for flag in flags if flag.get("field") not in shown]
    being_written = rewrite.status in states.WRITING
    underway = None if being_written else regeneration_underway(rewrite)
    story = publishing["story"]
    return {
        "rewrite": rewrite,
        "rewrite_id": rewrite.id,
        "cluster": rewrite.cluster,
        "headline_text": rewrite.headline or rewrite.cluster.canonical_title,
        "state_token": state_token(rewrite),
        "fields": fields,
        "actions": actions,
        "editable": editable,
        "being_written": being_written,
        "writer": writer_name(rewrite.model),
        "lints": {
            "hits": rewrite.lint_hits,
            "errors": sum(1 for flag in flags if flag.get("severity") == "error"),
            "warnings": sum(1 for flag in flags if flag.get("severity") == "warning"),
            "notes": sum(1 for flag in flags if flag.get("severity") == INFO),
        },
        "error_count": sum(1 for flag in flags if flag.get("severity") == "error"),
        "suggestion_count": len(suggestions),
        "credits": {
            "entries": rewrite.attribution,
            "flags": credit_flags,
            "hits": sum(1 for flag in credit_flags if flag.get("severity") != INFO),
            "articles": articles,
        },
        "slug": {
            "value": rewrite.slug or "",
            "public": story.slug if story is not None and story.is_live else "",
            "moves": story is not None and story.is_live and bool(rewrite.slug) and story.slug != rewrite.slug,
            "redirects": [redirect.slug for redirect in story.redirects.all()] if story is not None else [],
        },
        "publishing": publishing,
        "merged": merged_away(request.user, rewrite, story=story),
        "assignment": {
            "to": rewrite.assigned_to,
            "at": rewrite.assigned_at,
            "mine": rewrite.assigned_to_id is not None and rewrite.assigned_to_id == request.user.pk,
            "editors": assignable_editors() if actions[Action.ASSIGN] else [],
        },
        "counter_spec": COUNTER_SPEC,
        "site_name": settings.NEWSROOM_SITE_NAME,
        "checkable_codes": CHECKABLE_CODES,
        "regenerable_fields": [
            (field.record_name, field.label) for field in OUTPUT_FIELDS if field.record_name in TEXT_FIELDS
        ],
        "generation_active": being_written or underway is not None,
        "regenerate_refusal": refusal(request.user, Action.REGENERATE, rewrite),
        **(progress_context(rewrite, field=underway or None) if being_written or underway is not None else {}),
    }
