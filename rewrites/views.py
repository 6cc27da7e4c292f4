from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpRequest, push_url, trigger_client_event

from newsroom.presence import leave_presence, touch_presence
from newsroom.progress import ProgressState
from newsroom.queues import queue_problem
from newsroom.responses import respond_after_action
from newsroom.rules import Action, allowed_actions, refusal, require, requires
from rewrites import states
from rewrites.counters import COUNTER_SPEC, count_for
from rewrites.evidence import find_evidence, flags_for, highlight_segments
from rewrites.generation.jobs import RegenerateRefused, generation_progress, regenerate_rewrite
from rewrites.lint import TEXT_FIELDS
from rewrites.models import OUTPUT_FIELDS, Rewrite
from rewrites.publishing.views import publish_status_context
from rewrites.records import record_for
from rewrites.review import (
    EditConflict,
    ReviewError,
    approve_rewrite,
    compare_revisions,
    edit_field,
    restore_revision,
    spike_rewrite,
    word_diff,
)
from rewrites.review_queue import SORTS, QueueFilters, filter_choices, queue_page
from rewrites.webcard import safe_web_card

FIELD_INFO = {name: {"record_name": record_name, "label": label} for name, record_name, label in OUTPUT_FIELDS}
_RECORD_TO_FIELD = [(record_name, name) for name, record_name, _ in OUTPUT_FIELDS]
SOCIAL_FIELDS = {"bluesky_post", "twitter_post", "threads_post"}
LONG_FIELDS = {"summary", "why_it_matters", "web_card_html", "threads_post", "newsletter_blurb"}


@require_GET
@requires(Action.VIEW)
def queue(request: HttpRequest) -> TemplateResponse:
    """The editors' home: rewrites filtered, searched and sorted, a page at a time."""
    filters = QueueFilters.from_query(request.GET)
    page = queue_page(
        filters,
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
        size=settings.NEWSROOM_PAGE_SIZE,
    )
    base_query = filters.as_query()
    context = {
        "page": page,
        "filters": filters,
        "statuses": Rewrite.Status.choices,
        "sorts": [(key, label) for key, (_, label) in SORTS.items()],
        "choices": filter_choices(),
        "next_query": urlencode({**base_query, "after": page.next_cursor}) if page.next_cursor else "",
        "previous_query": urlencode({**base_query, "before": page.previous_cursor}) if page.previous_cursor else "",
        "notes": filters.invalid + ([page.problem] if page.problem else []),
    }
    if not request.htmx:
        return TemplateResponse(request, "rewrites/queue.html", context)
    # The address bar shows only the filters in use, so the view can be bookmarked or shared.
    query = {**base_query, **({"after": request.GET["after"]} if request.GET.get("after") else {}),
             **({"before": request.GET["before"]} if request.GET.get("before") else {})}
    response = TemplateResponse(request, "rewrites/queue.html#rewrite-list", context)
    return push_url(response, reverse("rewrites:queue") + ("?" + urlencode(query) if query else ""))


@require_GET
@requires(Action.VIEW)
def record_detail(request: HttpRequest, rewrite_id: str) -> TemplateResponse:
    """Every field of one rewrite, as its record holds it, beside its attribution."""
    rewrite = get_object_or_404(Rewrite.objects.with_cluster().prefetch_related("attributions"), id=rewrite_id)
    record = record_for(rewrite)
    template = "rewrites/record.html#record-fields" if request.htmx else "rewrites/record.html"
    return TemplateResponse(
        request,
        template,
        {
            "rewrite": rewrite,
            "record": record,
            "rewrite_fields": list(record["rewrite"].items()),
            "cluster_fields": list(record["cluster"].items()),
        },
    )


def _load_rewrite(rewrite_id: str) -> Rewrite:
    return get_object_or_404(Rewrite.objects.select_related("cluster"), id=rewrite_id)


def _field_context(
    rewrite: Rewrite, field: str, *, editable: bool = False, editing: bool = False, error: str = ""
) -> dict:
    if field not in FIELD_INFO:
        raise Http404("No such field.")
    value = getattr(rewrite, field) or ""
    flags = flags_for(rewrite.lint_flags, FIELD_INFO[field]["record_name"])
    return {
        "rewrite": rewrite,
        "field": {
            "name": field,
            "label": FIELD_INFO[field]["label"],
            "value": value,
            "segments": highlight_segments(value, flags),
            "flags": flags,
            "count": count_for(FIELD_INFO[field]["record_name"], value) if field in SOCIAL_FIELDS else None,
            "is_social": field in SOCIAL_FIELDS,
            "is_html": field == "web_card_html",
            "rows": 8 if field in LONG_FIELDS else 2,
            "safe_html": safe_web_card(value) if field == "web_card_html" else "",
        },
        "editable": editable,
        "editing": editing,
        "error": error,
    }


# Publish, republish and kill are offered by the publishing part of the page (publish_status_context).
REVIEW_ACTIONS = [Action.EDIT, Action.APPROVE, Action.SPIKE, Action.RESTORE, Action.REGENERATE]


def _actions(request: HttpRequest, rewrite: Rewrite) -> dict[str, bool]:
    """The review actions this user may do to the rewrite now (role and status), by name."""
    allowed = allowed_actions(request.user, rewrite, REVIEW_ACTIONS)
    return {action.value: action in allowed for action in REVIEW_ACTIONS}


def _can_edit(request: HttpRequest, rewrite: Rewrite) -> bool:
    return not refusal(request.user, Action.EDIT, rewrite)


def _progress_context(rewrite: Rewrite, *, field: str | None = None) -> dict:
    """What the workspace's progress partial needs to show and follow a generation job."""
    url = reverse("rewrites:progress", args=[rewrite.id]) + (f"?{urlencode({'field': field})}" if field else "")
    return {"progress": generation_progress(rewrite, field=field), "progress_url": url}


def _workspace_context(request: HttpRequest, rewrite: Rewrite) -> dict:
    publishing = publish_status_context(request, rewrite)
    actions = _actions(request, rewrite)
    being_written = rewrite.status in states.WRITING
    articles = list(rewrite.cluster.articles.select_related("source").order_by("published_at", "id"))
    flags = rewrite.lint_flags
    return {
        "rewrite": rewrite,
        "rewrite_id": rewrite.id,
        "cluster": rewrite.cluster,
        "articles": articles,
        "fields": [_field_context(rewrite, name)["field"] for name, _, _ in OUTPUT_FIELDS],
        "actions": actions,
        "editable": actions[Action.EDIT],
        "being_written": being_written,
        "flags": flags,
        "error_count": sum(1 for flag in flags if flag.get("severity") == "error"),
        "revisions": rewrite.revisions.select_related("user")[:5],
        "counter_spec": COUNTER_SPEC,
        "publishing": publishing,
        "regenerable_fields": [(name, FIELD_INFO[attr]["label"]) for name, attr in _RECORD_TO_FIELD if name in TEXT_FIELDS],
        **(_progress_context(rewrite) if being_written else {}),
    }


@require_GET
@requires(Action.VIEW)
def workspace(request: HttpRequest, rewrite_id: str) -> TemplateResponse:
    """One rewrite: its source articles beside every output field, with actions and history."""
    rewrite = _load_rewrite(rewrite_id)
    context = _workspace_context(request, rewrite)
    template = "rewrites/workspace.html#actions" if request.htmx else "rewrites/workspace.html"
    return TemplateResponse(request, template, context)


@require_http_methods(["GET", "POST"])
@requires(Action.VIEW, POST=Action.EDIT)
def field(request: HttpRequest, rewrite_id: str, field_name: str) -> TemplateResponse:
    """One output field: shown, opened for editing (?edit=1) or saved (POST)."""
    rewrite = _load_rewrite(rewrite_id)
    if request.method == "GET":
        if request.GET.get("edit") != "1":
            context = _field_context(rewrite, field_name, editable=_can_edit(request, rewrite))
            return TemplateResponse(request, "rewrites/workspace.html#field", context)
        require(request.user, Action.EDIT)
        if reason := states.refusal(rewrite, Action.EDIT):
            context = _field_context(rewrite, field_name, error=reason)
            return TemplateResponse(request, "rewrites/workspace.html#field", context, status=400)
        context = _field_context(rewrite, field_name, editable=True, editing=True)
        return TemplateResponse(request, "rewrites/workspace.html#field", context)

    value = request.POST.get("value", "")
    try:
        base_version = int(request.POST.get("version", ""))
    except ValueError:
        return TemplateResponse(
            request, "rewrites/workspace.html#field",
            _field_context(rewrite, field_name, editing=True, error="The form was missing its version; reload the page."),
            status=400,
        )
    try:
        rewrite = edit_field(
            rewrite_id=rewrite.id, field=field_name, value=value, base_version=base_version, user=request.user
        )
    except EditConflict as conflict:
        context = _field_context(conflict.rewrite, field_name, editable=True)
        context["conflict"] = {
            "message": str(conflict),
            "yours": conflict.your_value,
            "theirs": getattr(conflict.rewrite, field_name) or "",
            "diff": word_diff(getattr(conflict.rewrite, field_name) or "", conflict.your_value),
        }
        return TemplateResponse(request, "rewrites/workspace.html#conflict", context, status=409)
    except ReviewError as error:
        context = _field_context(rewrite, field_name, editable=True, editing=True, error=str(error))
        context["field"]["value"] = value
        return TemplateResponse(request, "rewrites/workspace.html#field", context, status=400)
    if not request.htmx:
        return redirect("rewrites:workspace", rewrite_id=rewrite.id)
    context = _field_context(rewrite, field_name, editable=_can_edit(request, rewrite))
    response = TemplateResponse(request, "rewrites/workspace.html#field", context)
    return trigger_client_event(response, "rewrite-changed", {"version": rewrite.version})


def _action_response(request: HttpRequest, rewrite: Rewrite, *, error: str = "", notice: str = "") -> HttpResponse:
    def actions_part() -> HttpResponse:
        context = _workspace_context(request, rewrite)
        context.update({"action_error": error, "action_notice": notice})
        response = TemplateResponse(request, "rewrites/workspace.html#actions", context, status=400 if error else 200)
        if not error:
            trigger_client_event(response, "rewrite-changed", {"version": rewrite.version})
        return response

    return respond_after_action(
        request, partial=actions_part, redirect_to=reverse("rewrites:workspace", args=[rewrite.id]),
        error=error, notice=notice,
    )


@require_POST
@requires(Action.APPROVE)
def approve(request: HttpRequest, rewrite_id: str) -> HttpResponse:
    rewrite = _load_rewrite(rewrite_id)
    if reason := refusal(request.user, Action.APPROVE, rewrite):
        return _action_response(request, rewrite, error=reason)
    try:
        rewrite = approve_rewrite(
            rewrite_id=rewrite.id, user=request.user, override_reason=request.POST.get("override_reason", "")
        )
    except ReviewError as error:
        return _action_response(request, rewrite, error=str(error))
    return _action_response(request, rewrite, notice="Approved.")


@require_POST
@requires(Action.SPIKE)
def spike(request: HttpRequest, rewrite_id: str) -> HttpResponse:
    rewrite = _load_rewrite(rewrite_id)
    if reason := refusal(request.user, Action.SPIKE, rewrite):
        return _action_response(request, rewrite, error=reason)
    try:
        rewrite = spike_rewrite(rewrite_id=rewrite.id, user=request.user, reason=request.POST.get("reason", ""))
    except ReviewError as error:
        return _action_response(request, rewrite, error=str(error))
    return _action_response(request, rewrite, notice="Spiked.")


@require_POST
@requires(Action.REGENERATE)
def regenerate(request: HttpRequest, rewrite_id: str) -> HttpResponse:
    """Queues a new model pass over the whole rewrite or one field, then shows its progress."""
    rewrite = _load_rewrite(rewrite_id)
    field_name = request.POST.get("field") or None
    if reason := refusal(request.user, Action.REGENERATE, rewrite):
        return _action_response(request, rewrite, error=reason)
    if problem := queue_problem():
        return _action_response(request, rewrite, error=problem)
    try:
        regenerate_rewrite(rewrite_id=rewrite.id, field=field_name, user=request.user)
    except RegenerateRefused as error:
        return _action_response(request, rewrite, error=str(error))
    rewrite.refresh_from_db()
    response = _action_response(request, rewrite, notice="Regeneration queued.")
    if request.htmx:
        response.context_data.update(_progress_context(rewrite, field=field_name))
    return response


@require_GET
@requires(Action.VIEW)
def progress(request: HttpRequest, rewrite_id: str) -> HttpResponse:
    """The generation job's progress; when it ends, the page reloads to show the new text."""
    rewrite = _load_rewrite(rewrite_id)
    context = _progress_context(rewrite, field=request.GET.get("field") or None)
    response = TemplateResponse(request, "rewrites/workspace.html#progress", context)
    if context["progress"].state == ProgressState.DONE:
        response["HX-Refresh"] = "true"
    return response


@require_GET
@requires(Action.VIEW)
def history(request: HttpRequest, rewrite_id: str) -> TemplateResponse:
    """Every revision; two of them (?a=&b=) compared word by word."""
    rewrite = _load_rewrite(rewrite_id)
    revisions = list(rewrite.revisions.select_related("user"))
    by_number = {revision.number: revision for revision in revisions}
    comparison = None
    try:
        first, second = int(request.GET.get("a", 0)), int(request.GET.get("b", 0))
    except ValueError:
        first = second = 0
    if first in by_number and second in by_number:
        comparison = {
            "first": by_number[first],
            "second": by_number[second],
            "differences": compare_revisions(by_number[first], by_number[second]),
        }
    template = "rewrites/history.html#comparison" if request.htmx else "rewrites/history.html"
    return TemplateResponse(
        request,
        template,
        {
            "rewrite": rewrite,
            "revisions": revisions,
            "comparison": comparison,
            "actions": _actions(request, rewrite),
        },
    )


@require_POST
@requires(Action.RESTORE)
def restore(request: HttpRequest, rewrite_id: str) -> HttpResponse:
    rewrite = _load_rewrite(rewrite_id)
    if reason := refusal(request.user, Action.RESTORE, rewrite):
        messages.error(request, reason)
        return redirect("rewrites:history", rewrite_id=rewrite.id)
    try:
        restore_revision(
            rewrite_id=rewrite.id,
            number=int(request.POST.get("number", 0)),
            user=request.user,
            base_version=int(request.POST.get("version", 0)),
        )
    except (ReviewError, ValueError) as error:
        messages.error(request, str(error) if isinstance(error, ReviewError) else "Choose a revision to restore.")
        return redirect("rewrites:history", rewrite_id=rewrite.id)
    messages.success(request, "Restored as a new revision.")
    return redirect("rewrites:workspace", rewrite_id=rewrite.id)


@require_POST
@requires(Action.VIEW)
def presence(request: HttpRequest, rewrite_id: str) -> TemplateResponse:
    """Heartbeat from an open workspace; answers with who else is there."""
    key = f"rewrite:{rewrite_id}"
    if request.POST.get("leaving") == "1":
        leave_presence(key=key, username=request.user.get_username())
        return HttpResponse(status=204)
    others = touch_presence(key=key, username=request.user.get_username())
    return TemplateResponse(
        request, "rewrites/workspace.html#presence", {"others": others, "rewrite_id": rewrite_id, "presence_checked": True}
    )


@require_GET
@requires(Action.VIEW)
def evidence(request: HttpRequest, rewrite_id: str) -> TemplateResponse:
    """What the sources say about one flagged claim of a field."""
    rewrite = _load_rewrite(rewrite_id)
    field_name = request.GET.get("field", "")
    if field_name not in FIELD_INFO:
        raise Http404("No such field.")
    flags = flags_for(rewrite.lint_flags, FIELD_INFO[field_name]["record_name"])
    try:
        flag = flags[int(request.GET.get("flag", ""))]
    except (ValueError, IndexError):
        raise Http404("No such lint finding; the text may have changed since the page was loaded.")
    text = getattr(rewrite, field_name) or ""
    start, end = (flag.get("span") or [0, 0])[:2]
    articles = list(rewrite.cluster.articles.select_related("source"))
    return TemplateResponse(
        request,
        "rewrites/workspace.html#evidence",
        {"flag": flag, "evidence": find_evidence(text=text, start=start, end=end, articles=articles)},
    )
