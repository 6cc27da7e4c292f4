import hashlib
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import push_url, trigger_client_event

from newsroom.parameters import ParameterError, whole_number
from newsroom.presence import leave_presence, touch_presence
from newsroom.queues import queue_problem
from newsroom.responses import HtmxHttpRequest, respond_after_action
from newsroom.rules import Action, may, refusal, require, requires
from rewrites import states
from rewrites.checks.claims.checked import CHECKABLE_CODES
from rewrites.checks.lint import MODEL_ATTRIBUTES, TEXT_FIELDS
from rewrites.desk.bulk import BULK_ACTIONS, bulk_action
from rewrites.desk.evidence import find_evidence, flags_for
from rewrites.desk.merges import decide_merged_page
from rewrites.desk.review import (
    EditConflict,
    ReviewError,
    accept_suggestion,
    approve_rewrite,
    assign_rewrite,
    assignable_editors,
    assignee_from,
    change_slug,
    discard_suggestion,
    edit_attribution,
    edit_field,
    mark_finding_checked,
    restore_revision,
    spike_rewrite,
)
from rewrites.desk.review_queue import ASSIGNED, SORTS, QueueFilters, cursor_for, filter_choices, queue_page
from rewrites.desk.workspace import (
    KEY_FACTS,
    SHOWN_FIELDS,
    field_text,
    one_field,
    progress_context,
    state_token,
    workspace_state,
)
from rewrites.generation.jobs import RegenerateRefused, regenerate_rewrite
from rewrites.models import Rewrite, Suggestion
from rewrites.publishing.cards import render_social_card
from rewrites.publishing.jobs import send_deliveries
from rewrites.publishing.publish import source_credit
from rewrites.records import record_for
from rewrites.revisions import compare_revisions, edits_since_generation, word_diff


@require_GET
@requires(Action.VIEW)
def queue(request: HtmxHttpRequest) -> TemplateResponse:
    """The editors' home: rewrites filtered, searched and sorted, a page at a time."""
    filters = QueueFilters.from_query(request.GET, user=request.user)
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
        "assignment_choices": list(ASSIGNED.items()),
        "editors": assignable_editors() if not request.htmx and may(request.user, Action.ASSIGN) else [],
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
    return push_url(response, _queue_url(urlencode(query)))


@require_GET
@requires(Action.VIEW)
def record_detail(request: HtmxHttpRequest, rewrite_id: str) -> TemplateResponse:
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
    return get_object_or_404(Rewrite.objects.select_related("cluster", "assigned_to"), id=rewrite_id)


def _articles(rewrite: Rewrite) -> list:
    return list(rewrite.cluster.articles.select_related("source").order_by("published_at", "id"))


def _can_edit(request: HtmxHttpRequest, rewrite: Rewrite) -> bool:
    return not refusal(request.user, Action.EDIT, rewrite)


def _field_context(request: HtmxHttpRequest, rewrite: Rewrite, field: str, **options) -> dict:
    if field not in SHOWN_FIELDS:
        raise Http404("No such field.")
    options.setdefault("editable", _can_edit(request, rewrite))
    return one_field(rewrite, field, **options)


def changed(response: HttpResponse, rewrite: Rewrite, *, elsewhere: bool = False) -> HttpResponse:
    """Tells the page the rewrite changed, so that it fetches its panels again (``workspace_state``).

    ``elsewhere``: the change was not made by this page (another editor, a finished job), so
    its open edit forms keep their version and a save from them is checked against the change.
    """
    return trigger_client_event(
        response, "rewrite-changed", {"version": rewrite.version, "elsewhere": elsewhere, "state": state_token(rewrite)}
    )


# Where "next in queue" goes when the page was not opened from a filtered queue: the drafts waiting for review.
DEFAULT_NEXT_STATUS = Rewrite.Status.DRAFT


def _queue_url(query: str) -> str:
    """The queue's address with query (a query string, perhaps empty)."""
    return reverse("rewrites:queue") + (f"?{query}" if query else "")


def _queue_query(request: HtmxHttpRequest) -> str:
    """The queue view the workspace was opened from (its query string), from ?queue= or the referring queue page."""
    if "queue" in request.GET:
        return request.GET["queue"][:1000]
    referrer = urlsplit(request.headers.get("Referer", ""))
    if referrer.path == reverse("rewrites:queue") and referrer.netloc == request.get_host():
        return referrer.query[:1000]
    return ""


def _next_url(request: HtmxHttpRequest, rewrite: Rewrite, *, query: str) -> str:
    filters = _next_filters(query, user=request.user)
    params = {"queue": query, "after": cursor_for(rewrite, filters)}
    return reverse("rewrites:next", args=[rewrite.id]) + "?" + urlencode(params)


def _next_filters(query: str, *, user=None) -> QueueFilters:
    filters = QueueFilters.from_query(QueryDict(query), user=user)
    filters.status = filters.status or DEFAULT_NEXT_STATUS
    return filters


def _page_context(request: HtmxHttpRequest, rewrite: Rewrite) -> dict:
    articles = _articles(rewrite)
    query = _queue_query(request)
    return {
        **workspace_state(request, rewrite, articles=articles),
        "articles": articles,
        "next_url": _next_url(request, rewrite, query=query),
        "queue_url": _queue_url(query),
        "presence_seconds": settings.NEWSROOM_PRESENCE_SECONDS,
    }


@require_GET
@requires(Action.VIEW)
def workspace(request: HtmxHttpRequest, rewrite_id: str) -> TemplateResponse:
    """One rewrite: its source articles beside every output field, with actions and history."""
    rewrite = _load_rewrite(rewrite_id)
    return TemplateResponse(request, "rewrites/workspace.html", _page_context(request, rewrite))


@require_GET
@requires(Action.VIEW)
def workspace_panels(request: HtmxHttpRequest, rewrite_id: str) -> TemplateResponse:
    """Every panel that depends on the rewrite's state, each to be swapped in place (htmx out-of-band).

    The workspace asks for it whenever the rewrite changed: after the editor's own action, when a
    job finishes, and when the presence heartbeat sees that someone else changed it.
    """
    rewrite = _load_rewrite(rewrite_id)
    context = {**_state_context(request, rewrite), "oob": True}
    return TemplateResponse(request, "rewrites/workspace.html#state", context)


def _state_context(request: HtmxHttpRequest, rewrite: Rewrite) -> dict:
    return workspace_state(request, rewrite, articles=_articles(rewrite))


@require_http_methods(["GET", "POST"])
@requires(Action.VIEW, POST=Action.EDIT)
def field(request: HtmxHttpRequest, rewrite_id: str, field_name: str) -> TemplateResponse:
    """One output field: shown, opened for editing (?edit=1) or saved (POST)."""
    rewrite = _load_rewrite(rewrite_id)
    if field_name == KEY_FACTS and (request.method == "POST" or request.GET.get("edit") == "1"):
        raise Http404("Key facts are changed by regenerating the rewrite.")
    if request.method == "GET":
        if request.GET.get("edit") != "1":
            return TemplateResponse(request, "rewrites/workspace.html#field", _field_context(request, rewrite, field_name))
        require(request.user, Action.EDIT)
        if reason := states.refusal(rewrite, Action.EDIT):
            context = _field_context(request, rewrite, field_name, editable=False, error=reason)
            return TemplateResponse(request, "rewrites/workspace.html#field", context, status=400)
        context = _field_context(request, rewrite, field_name, editable=True, editing=True)
        return TemplateResponse(request, "rewrites/workspace.html#field", context)

    value = request.POST.get("value", "")
    try:
        base_version = whole_number(request.POST.get("version"), name="version")
    except ValueError:
        return TemplateResponse(
            request, "rewrites/workspace.html#field",
            _field_context(request, rewrite, field_name, editing=True, error="The form was missing its version; reload the page."),
            status=400,
        )
    try:
        rewrite = edit_field(
            rewrite_id=rewrite.id, field=field_name, value=value, base_version=base_version, user=request.user
        )
    except EditConflict as conflict:
        return _conflict_response(request, conflict)
    except ReviewError as error:
        context = _field_context(request, rewrite, field_name, editable=True, editing=True, error=str(error))
        context["field"]["value"] = value
        return TemplateResponse(request, "rewrites/workspace.html#field", context, status=400)
    if not request.htmx:
        return redirect("rewrites:workspace", rewrite_id=rewrite.id)
    response = TemplateResponse(request, "rewrites/workspace.html#field", _field_context(request, rewrite, field_name))
    return changed(response, rewrite)


def _conflict_response(request: HtmxHttpRequest, conflict: EditConflict) -> TemplateResponse:
    context = _field_context(request, conflict.rewrite, conflict.field, editable=True)
    theirs = getattr(conflict.rewrite, conflict.field) or ""
    context["conflict"] = {
        "message": str(conflict),
        "yours": conflict.your_value,
        "theirs": theirs,
        "diff": word_diff(theirs, conflict.your_value),
    }
    return TemplateResponse(request, "rewrites/workspace.html#conflict", context, status=409)


def _action_response(
    request: HtmxHttpRequest, rewrite: Rewrite, *, error: str = "", notice: str = "", extra: dict | None = None
) -> HttpResponse:
    """The answer to a workspace action: htmx gets the outcome sentence (and the page refreshes its panels
    when something changed); a plain form post is redirected to the workspace with it as a message."""
    def result_part() -> HttpResponse:
        context = {"rewrite": rewrite, "action_error": error, "action_notice": notice, **(extra or {})}
        response = TemplateResponse(
            request, "rewrites/workspace.html#action-result", context, status=400 if error else 200
        )
        return response if error else changed(response, rewrite)

    return respond_after_action(
        request, partial=result_part, redirect_to=reverse("rewrites:workspace", args=[rewrite.id]),
        error=error, notice=notice,
    )


def _next_link(request: HtmxHttpRequest, rewrite: Rewrite) -> dict:
    return {"next_url": request.POST.get("next") or _next_url(request, rewrite, query=_queue_query(request))}


@require_POST
@requires(Action.APPROVE)
def approve(request: HtmxHttpRequest, rewrite_id: str) -> HttpResponse:
    rewrite = _load_rewrite(rewrite_id)
    try:
        rewrite = approve_rewrite(
            rewrite_id=rewrite.id, user=request.user, override_reason=request.POST.get("override_reason", "")
        )
    except ReviewError as error:
        return _action_response(request, rewrite, error=str(error))
    return _action_response(request, rewrite, notice="Approved.", extra=_next_link(request, rewrite))


@require_POST
@requires(Action.VIEW)
def bulk(request: HtmxHttpRequest) -> HttpResponse:
    """One action (spike with a reason, regenerate, assign) applied to the rewrites picked in the queue;
    answers with what happened to each row, and the queue refreshes its list."""
    action = request.POST.get("action", "")
    if action in BULK_ACTIONS:
        require(request.user, BULK_ACTIONS[action])
    error, results = "", []
    try:
        if action == "regenerate" and (problem := queue_problem()):
            raise ReviewError(problem)
        assignee = assignee_from(request.POST.get("assignee", ""), user=request.user) if action == "assign" else None
        results = bulk_action(
            rewrite_ids=request.POST.getlist("ids"), action=action, user=request.user,
            reason=request.POST.get("reason", ""), assignee=assignee,
        )
    except ReviewError as refused:
        error = str(refused)
    done = sum(1 for row in results if row.done)
    context = {"bulk_error": error, "bulk_results": results, "bulk_done": done, "bulk_refused": len(results) - done}
    if not request.htmx:
        if error:
            messages.error(request, error)
        for row in results:
            (messages.success if row.done else messages.error)(request, f"{row.headline}: {row.message}")
        return redirect(_queue_url(request.POST.get("queue", "")))
    response = TemplateResponse(request, "rewrites/queue.html#bulk-result", context, status=400 if error else 200)
    return trigger_client_event(response, "queue-changed", {}) if done else response


@require_POST
@requires(Action.ASSIGN)
def assign(request: HtmxHttpRequest, rewrite_id: str) -> HttpResponse:
    """Assigns the rewrite to the editor `assignee` (a user id), to the requester (`assignee=me`: a claim),
    or to nobody (empty)."""
    rewrite = _load_rewrite(rewrite_id)
    try:
        assignee = assignee_from(request.POST.get("assignee", ""), user=request.user)
        rewrite = assign_rewrite(rewrite_id=rewrite.id, assignee=assignee, user=request.user)
    except ReviewError as error:
        return _action_response(request, rewrite, error=str(error))
    who = rewrite.assigned_to
    notice = "Nobody is assigned now." if who is None else (
        "You claimed this rewrite." if who.pk == request.user.pk else f"Assigned to {who.get_username()}."
    )
    return _action_response(request, rewrite, notice=notice)


@require_POST
@requires(Action.KILL)
def merged_page(request: HtmxHttpRequest, rewrite_id: str) -> HttpResponse:
    """What the public page of a story merged into another becomes: kept, redirected or taken down."""
    rewrite = _load_rewrite(rewrite_id)
    try:
        decision = decide_merged_page(rewrite_id=rewrite.id, choice=request.POST.get("page", ""), user=request.user)
    except ReviewError as error:
        return _action_response(request, rewrite, error=str(error))
    send_deliveries(decision.deliveries)
    return _action_response(request, decision.rewrite, notice=decision.notice)


@require_POST
@requires(Action.SPIKE)
def spike(request: HtmxHttpRequest, rewrite_id: str) -> HttpResponse:
    rewrite = _load_rewrite(rewrite_id)
    try:
        rewrite = spike_rewrite(rewrite_id=rewrite.id, user=request.user, reason=request.POST.get("reason", ""))
    except ReviewError as error:
        return _action_response(request, rewrite, error=str(error))
    return _action_response(request, rewrite, notice="Spiked.", extra=_next_link(request, rewrite))


@require_http_methods(["GET", "POST"])
@requires(Action.VIEW, POST=Action.REGENERATE)
def regenerate(request: HtmxHttpRequest, rewrite_id: str) -> HttpResponse:
    """Queues a new model pass over the whole rewrite or one field, then shows its progress.

    When editors changed the text since the model last wrote it, the first POST only answers with
    what would be replaced; the editor confirms (confirm=1) or cancels. GET answers with nothing,
    which is how the confirmation is cancelled.
    """
    rewrite = _load_rewrite(rewrite_id)
    if request.method == "GET":
        return TemplateResponse(request, "rewrites/workspace.html#action-result", {"rewrite": rewrite})
    field_name = request.POST.get("field") or None
    if field_name is not None and field_name not in TEXT_FIELDS:
        return _action_response(request, rewrite, error=f"'{field_name}' is not a field that can be regenerated.")
    if reason := refusal(request.user, Action.REGENERATE, rewrite):
        return _action_response(request, rewrite, error=reason)
    if problem := queue_problem():
        return _action_response(request, rewrite, error=problem)
    attribute = MODEL_ATTRIBUTES[field_name] if field_name else None
    if request.POST.get("confirm") != "1" and (edits := edits_since_generation(rewrite, field=attribute)):
        context = {
            "rewrite": rewrite, "confirm": {"field": field_name or "", "edits": edits, "label": SHOWN_FIELDS[attribute]["label"] if attribute else ""},
        }
        template = "rewrites/workspace.html#action-result"
        if not request.htmx:
            return TemplateResponse(request, "rewrites/workspace.html", {**_page_context(request, rewrite), **context})
        return TemplateResponse(request, template, context)
    try:
        regenerate_rewrite(rewrite_id=rewrite.id, field=field_name, user=request.user)
    except RegenerateRefused as error:
        return _action_response(request, rewrite, error=str(error))
    rewrite.refresh_from_db()
    response = _action_response(request, rewrite, notice="Regeneration queued.")
    if request.htmx:
        response.context_data.update({"generation": progress_context(rewrite, field=field_name)})
    return response


@require_GET
@requires(Action.VIEW)
def progress(request: HtmxHttpRequest, rewrite_id: str) -> HttpResponse:
    """The generation job's progress; when it ends, the page fetches its panels again to show the new text."""
    rewrite = _load_rewrite(rewrite_id)
    field_name = request.GET.get("field") or None
    if field_name is not None and field_name not in MODEL_ATTRIBUTES:
        return HttpResponseBadRequest(
            f"There is no field “{field_name[:100]}” to follow; name one of {', '.join(MODEL_ATTRIBUTES)}, or none "
            "for the whole rewrite.",
            content_type="text/plain; charset=utf-8",
        )
    context = progress_context(rewrite, field=field_name)
    response = TemplateResponse(request, "rewrites/workspace.html#progress", context)
    if context["progress"].finished:
        changed(response, rewrite, elsewhere=True)
    return response


@require_POST
@requires(Action.EDIT)
def attribution(request: HtmxHttpRequest, rewrite_id: str) -> TemplateResponse:
    """Saves the credits: source, link and English title of each (rows source-N, url-N, title-N)."""
    rewrite = _load_rewrite(rewrite_id)
    try:
        rows = _credit_rows(request.POST)
    except ParameterError:
        return _credits_response(
            request, rewrite, error=(
                f"The form's number of credit rows (“{request.POST.get('rows', '')[:40]}”) is not a whole number in "
                "digits 0–9; reload the page."
            ),
        )
    try:
        base_version = whole_number(request.POST.get("version"), name="version")
        rewrite = edit_attribution(rewrite_id=rewrite.id, credits=rows, base_version=base_version, user=request.user)
    except ValueError:
        return _credits_response(request, rewrite, rows=rows, error="The form was missing its version; reload the page.")
    except EditConflict as conflict:
        return _credits_response(
            request, conflict.rewrite, rows=rows,
            error=f"{conflict} Your credits are still in the form; save them again to put them on top.",
        )
    except ReviewError as error:
        return _credits_response(request, rewrite, rows=rows, error=str(error))
    if not request.htmx:
        return redirect("rewrites:workspace", rewrite_id=rewrite.id)
    return changed(_credits_response(request, rewrite), rewrite)


def _credit_rows(data) -> list[dict]:
    """The credit rows the form sent (at most 50); raises ParameterError when its row count is unreadable."""
    rows = data.get("rows", "")
    count = min(whole_number(rows, name="rows"), 50) if rows else 0
    return [
        {key: data.get(f"{key}-{index}", "") for key in ("source", "url", "title")} for index in range(count)
    ]


def _credits_response(request: HtmxHttpRequest, rewrite: Rewrite, *, rows: list[dict] | None = None, error: str = "") -> TemplateResponse:
    context = _state_context(request, rewrite)
    if rows is not None:
        context["credits"]["form_rows"] = rows
    context.update({"credits_error": error, "credits_editing": bool(error)})
    return TemplateResponse(request, "rewrites/workspace.html#credits", context, status=400 if error else 200)


@require_GET
@requires(Action.VIEW)
def credits_form(request: HtmxHttpRequest, rewrite_id: str) -> TemplateResponse:
    """The credits section, opened for editing (?edit=1) or shown."""
    rewrite = _load_rewrite(rewrite_id)
    editing = request.GET.get("edit") == "1"
    if editing:
        require(request.user, Action.EDIT)
    context = _state_context(request, rewrite)
    context["credits_editing"] = editing and context["editable"]
    return TemplateResponse(request, "rewrites/workspace.html#credits", context)


@require_POST
@requires(Action.EDIT)
def slug(request: HtmxHttpRequest, rewrite_id: str) -> HttpResponse:
    """Gives the rewrite a new slug; a public story moves to it when republished, its old address redirecting."""
    rewrite = _load_rewrite(rewrite_id)
    try:
        base_version = whole_number(request.POST.get("version"), name="version")
        rewrite = change_slug(rewrite_id=rewrite.id, slug=request.POST.get("slug", ""), base_version=base_version, user=request.user)
    except ValueError:
        return _slug_response(request, rewrite, error="The form was missing its version; reload the page.")
    except ReviewError as error:
        return _slug_response(request, rewrite, error=str(error), wanted=request.POST.get("slug", ""))
    if not request.htmx:
        return redirect("rewrites:workspace", rewrite_id=rewrite.id)
    return changed(_slug_response(request, rewrite, notice="Slug saved."), rewrite)


def _slug_response(request: HtmxHttpRequest, rewrite: Rewrite, *, error: str = "", notice: str = "", wanted: str = "") -> HttpResponse:
    if not request.htmx:
        (messages.error if error else messages.success)(request, error or notice)
        return redirect("rewrites:workspace", rewrite_id=rewrite.id)
    context = _state_context(request, rewrite)
    context.update({"slug_error": error, "slug_notice": notice})
    if wanted:
        context["slug"]["wanted"] = wanted
    return TemplateResponse(request, "rewrites/workspace.html#slug", context, status=400 if error else 200)


def _suggestion(rewrite: Rewrite, suggestion_id: int) -> Suggestion:
    return get_object_or_404(Suggestion, id=suggestion_id, rewrite=rewrite)


@require_POST
@requires(Action.EDIT)
def suggestion(request: HtmxHttpRequest, rewrite_id: str, suggestion_id: int, choice: str) -> HttpResponse:
    """Accepts (the regenerated text becomes the field's) or discards a suggestion shown beside a field."""
    if choice not in {"accept", "discard"}:
        raise Http404("A suggestion can be accepted or discarded.")
    rewrite = _load_rewrite(rewrite_id)
    offered = _suggestion(rewrite, suggestion_id)
    try:
        if choice == "accept":
            rewrite = accept_suggestion(
                suggestion_id=offered.id, base_version=whole_number(request.POST.get("version") or "0", name="version"), user=request.user
            )
        else:
            discard_suggestion(suggestion_id=offered.id, user=request.user)
    except EditConflict as conflict:
        return _conflict_response(request, conflict)
    except ReviewError as error:
        context = _field_context(request, rewrite, offered.field, error=str(error))
        return TemplateResponse(request, "rewrites/workspace.html#field", context, status=400)
    if not request.htmx:
        return redirect("rewrites:workspace", rewrite_id=rewrite.id)
    rewrite.refresh_from_db()
    response = TemplateResponse(request, "rewrites/workspace.html#field", _field_context(request, rewrite, offered.field))
    return changed(response, rewrite)


@require_POST
@requires(Action.EDIT)
def check_finding(request: HtmxHttpRequest, rewrite_id: str) -> HttpResponse:
    """Marks a lint finding "checked, correct" with the editor's reason; the lint stays silent until that text changes."""
    rewrite = _load_rewrite(rewrite_id)
    field_name = request.POST.get("field", "")
    if field_name not in SHOWN_FIELDS:
        raise Http404("No such field.")
    try:
        mark_finding_checked(
            rewrite_id=rewrite.id, field=SHOWN_FIELDS[field_name]["record_name"], code=request.POST.get("code", ""),
            text=request.POST.get("text", ""), reason=request.POST.get("reason", ""), user=request.user,
        )
    except ReviewError as error:
        return TemplateResponse(
            request, "rewrites/workspace.html#check-result", {"check_error": str(error)}, status=400
        )
    if not request.htmx:
        messages.success(request, "Marked as checked and correct.")
        return redirect("rewrites:workspace", rewrite_id=rewrite.id)
    rewrite.refresh_from_db()
    response = TemplateResponse(
        request, "rewrites/workspace.html#check-result",
        {"check_notice": "Marked as checked and correct; the lint stays silent for this text until it changes."},
    )
    return changed(response, rewrite)


@require_GET
@requires(Action.VIEW)
def next_in_queue(request: HtmxHttpRequest, rewrite_id: str) -> HttpResponse:
    """Opens the rewrite after this one in the queue view the editor came from (the drafts, unless it was filtered)."""
    query = request.GET.get("queue", "")[:1000]
    filters = _next_filters(query, user=request.user)
    after = request.GET.get("after", "")
    candidates = queue_page(filters, after=after, size=10).rows + queue_page(filters, size=10).rows
    following = next((row for row in candidates if row.id != rewrite_id), None)
    if following is None:
        messages.info(request, "Nothing else in this queue view needs you now.")
        return redirect(_queue_url(query))
    return redirect(reverse("rewrites:workspace", args=[following.id]) + "?" + urlencode({"queue": query}))


@require_GET
@requires(Action.VIEW)
def card_preview(request: HtmxHttpRequest, rewrite_id: str) -> HttpResponse:
    """The social card the story would get if it were published now, for the posts' link-card previews."""
    rewrite = get_object_or_404(Rewrite.objects.prefetch_related("attributions"), id=rewrite_id)
    sources = [{"source": entry.source} for entry in rewrite.attributions.all()]
    credit = source_credit(sources)
    etag = '"' + hashlib.sha256(f"{rewrite.headline}|{credit}|{settings.NEWSROOM_SITE_NAME}".encode()).hexdigest()[:32] + '"'
    if request.headers.get("If-None-Match") == etag:
        return HttpResponse(status=304, headers={"ETag": etag})
    card = render_social_card(
        headline=rewrite.headline or rewrite.id, source_credit=credit, site_name=settings.NEWSROOM_SITE_NAME
    )
    return HttpResponse(card.png, content_type="image/png", headers={"ETag": etag, "Cache-Control": "private, no-cache"})


@require_GET
@requires(Action.VIEW)
def history(request: HtmxHttpRequest, rewrite_id: str) -> TemplateResponse:
    """Every revision; two of them (?a=&b=) compared word by word."""
    rewrite = _load_rewrite(rewrite_id)
    revisions = list(rewrite.revisions.select_related("user"))
    by_number = {revision.number: revision for revision in revisions}
    comparison = None
    try:
        first, second = whole_number(request.GET.get("a") or "0", name="a"), whole_number(request.GET.get("b") or "0", name="b")
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
            "actions": {"restore": not refusal(request.user, Action.RESTORE, rewrite)},
        },
    )


@require_POST
@requires(Action.RESTORE)
def restore(request: HtmxHttpRequest, rewrite_id: str) -> HttpResponse:
    rewrite = _load_rewrite(rewrite_id)
    try:
        restore_revision(
            rewrite_id=rewrite.id,
            number=whole_number(request.POST.get("number"), name="number"),
            user=request.user,
            base_version=whole_number(request.POST.get("version"), name="version"),
        )
    except (ReviewError, ValueError) as error:
        messages.error(request, str(error) if isinstance(error, ReviewError) else "Choose a revision to restore.")
        return redirect("rewrites:history", rewrite_id=rewrite.id)
    messages.success(request, "Restored as a new revision.")
    return redirect("rewrites:workspace", rewrite_id=rewrite.id)


@require_POST
@requires(Action.VIEW)
def presence(request: HtmxHttpRequest, rewrite_id: str) -> HttpResponse:
    """Heartbeat from an open workspace; answers with who else is there, and tells the page when the
    rewrite changed since the state it shows (``state``), so that it fetches its panels again."""
    key = f"rewrite:{rewrite_id}"
    if request.POST.get("leaving") == "1":
        leave_presence(key=key, username=request.user.get_username())
        return HttpResponse(status=204)
    others = touch_presence(key=key, username=request.user.get_username())
    context = {"others": others, "rewrite_id": rewrite_id, "presence_checked": True}
    shown = request.POST.get("state")
    rewrite = Rewrite.objects.filter(id=rewrite_id).only("id", "version", "status", "has_unpublished_changes").first()
    moved = rewrite is not None and shown and shown != state_token(rewrite)
    if moved:
        latest = rewrite.revisions.select_related("user").first()
        if latest is None or latest.user_id != request.user.id:
            context["changed_by"] = latest.user.get_username() if latest and latest.user else "the desk"
            context["changed_version"] = rewrite.version
    response = TemplateResponse(request, "rewrites/workspace.html#presence", context)
    return changed(response, rewrite, elsewhere=True) if moved else response


@require_GET
@requires(Action.VIEW)
def evidence(request: HtmxHttpRequest, rewrite_id: str) -> TemplateResponse:
    """What the sources say about one flagged claim of a field: the closest source sentence, the match marked."""
    rewrite = _load_rewrite(rewrite_id)
    field_name = request.GET.get("field", "")
    if field_name not in SHOWN_FIELDS:
        raise Http404("No such field.")
    flags = flags_for(rewrite.lint_flags, SHOWN_FIELDS[field_name]["record_name"])
    try:
        flag = flags[whole_number(request.GET.get("flag"), name="flag")]
    except (ValueError, IndexError):
        raise Http404("No such lint finding; the text may have changed since the page was loaded.") from None
    articles = _articles(rewrite)
    context = {
        "rewrite": rewrite,
        "field": {"name": field_name},
        "flag": flag,
        "quote": _quoted_evidence(flag, articles),
        "can_check": flag.get("code") in CHECKABLE_CODES and bool(flag.get("text")) and _can_edit(request, rewrite),
    }
    if context["quote"] is None:
        text = field_text(rewrite, field_name)
        start, end = (flag.get("span") or [0, 0])[:2]
        context["evidence"] = find_evidence(text=text, start=start, end=end, articles=articles)
    return TemplateResponse(request, "rewrites/workspace.html#evidence", context)


def _quoted_evidence(flag: dict, articles: list) -> dict | None:
    """The stored evidence of a finding: the source sentence split around the matched number or name."""
    stored = flag.get("evidence")
    if not stored or not stored.get("sentence"):
        return None
    sentence = stored["sentence"]
    article = next((a for a in articles if a.id == stored.get("articleId")), None)
    start, end = (stored.get("match") or [0, 0])[:2]
    if not 0 <= start < end <= len(sentence):
        start = end = 0
    return {
        "article_id": stored.get("articleId", ""),
        "source": article.source.name if article else "",
        "language": (article.language if article else "") or "und",
        "sentence": sentence,
        "before": sentence[:start],
        "match": sentence[start:end],
        "after": sentence[end:],
        "matched": end > start,
    }
