"""The audit log page (``/audit/``) and its CSV export."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from newsroom.audit import ACTIONS, csv_rows, filtered, page_of, parse_filters, shown_changes, visible_entries
from newsroom.models import AuditEntry
from newsroom.rules import Action, may, requires


def _choices(user) -> list[tuple[str, str]]:
    everything = may(user, Action.VIEW_ALL_AUDIT)
    return [
        (name, label) for name, (category, label) in ACTIONS.items()
        if everything or category == AuditEntry.Category.EDITORIAL
    ]


def _object_page(entry: AuditEntry) -> str:
    """Where the entry's object is on the desk ("" when it has no page of its own)."""
    if not entry.object_id:
        return ""
    if entry.object_type == "rewrite":
        return reverse("rewrites:workspace", args=[entry.object_id])
    if entry.object_type == "source":
        return reverse("sources:list") + f"#source-{entry.object_id}"
    if entry.object_type == "cluster":
        return reverse("clusters:list") + f"?q={entry.object_id}"
    return ""


@require_GET
@requires(Action.VIEW_AUDIT)
def audit_log(request: HttpRequest) -> TemplateResponse:
    """One page of the log, newest first, filtered by person, action, object and time; "older" follows a cursor."""
    filters = parse_filters(request.GET)
    entries, next_cursor = page_of(
        filtered(visible_entries(request.user), filters), cursor=request.GET.get("after", "")
    )
    for entry in entries:
        entry.action_label = ACTIONS.get(entry.action, ("", entry.action))[1]
        entry.object_page = _object_page(entry)
        entry.changes = shown_changes(entry.changes)
    query = request.GET.copy()
    query.pop("after", None)
    return TemplateResponse(request, "newsroom/audit.html", {
        "entries": entries,
        "filters": filters,
        "actions": _choices(request.user),
        "query": query.urlencode(),
        "next_cursor": next_cursor,
        "first_page": not request.GET.get("after"),
        "sees_everything": may(request.user, Action.VIEW_ALL_AUDIT),
    }, status=400 if filters.errors else 200)


@require_GET
@requires(Action.VIEW_AUDIT)
def audit_csv(request: HttpRequest) -> HttpResponse:
    """Every entry the filters select, as CSV, streamed a row at a time; a filter it cannot read is refused
    (400) rather than left out of an export that would then hold more than was asked for."""
    filters = parse_filters(request.GET)
    if filters.errors:
        return HttpResponseBadRequest(" ".join(filters.errors), content_type="text/plain; charset=utf-8")
    entries = filtered(visible_entries(request.user), filters)
    response = StreamingHttpResponse(csv_rows(entries), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
    return response
