"""Newsletter export for Staff: filter, preview, reorder or drop, then export or copy."""

from __future__ import annotations

from itertools import islice

from django.conf import settings
from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from newsroom.responses import HtmxHttpRequest
from newsroom.rules import Action, requires
from rewrites.newsletter import export as newsletter
from rewrites.publishing.public_views import public_url


def _url_for(request: HtmxHttpRequest):
    def url_for(slug: str) -> str:
        return public_url(request, reverse("public:story", args=[slug]))

    return url_for


def _apply_action(order: list[str], data) -> list[str]:
    """Moves or drops one item as the preview's buttons ask ("up:<id>", "down:<id>", drop=<id>)."""
    drop = data.get("drop", "")
    if drop in order:
        return [item for item in order if item != drop]
    direction, _, rewrite_id = (data.get("move") or "").partition(":")
    if rewrite_id in order and direction in ("up", "down"):
        index = order.index(rewrite_id)
        target = index - 1 if direction == "up" else index + 1
        if 0 <= target < len(order):
            order[index], order[target] = order[target], order[index]
    return order


@require_http_methods(["GET", "POST"])
@requires(Action.EXPORT_NEWSLETTER)
@vary_on_headers("HX-Request")
def newsletter_page(request: HtmxHttpRequest) -> TemplateResponse:
    """The filters and the preview of the blurbs in order; POSTs reorder or drop items (htmx swaps the preview)."""
    data = request.POST if request.method == "POST" else request.GET
    filters, errors = newsletter.parse_filters(data)
    limit = settings.NEWSROOM_NEWSLETTER_PREVIEW_LIMIT
    order = newsletter.parse_order(data.get("order", "")) if data.get("filters_key") == filters.key else []
    items: list[newsletter.Blurb] = []
    total = 0
    if not errors:
        total = newsletter.matching_stories(filters).count()
        if total <= limit and not order:
            order = [item.rewrite_id for item in newsletter.blurbs(filters, order=[], url_for=_url_for(request))]
        if request.method == "POST" and total <= limit:
            order = _apply_action(order, data)
        items = list(islice(newsletter.blurbs(filters, order=order, url_for=_url_for(request)), limit))
        if total <= limit:
            order = [item.rewrite_id for item in items]
    title = f"Newsletter, {filters.label}"
    context = {
        "filters": filters,
        "errors": errors,
        "items": items,
        "total": total,
        "limit": limit,
        "can_reorder": 0 < total <= limit,
        "order": ",".join(order),
        "title": title,
        "formats": [("markdown", "Markdown"), ("html", "Email HTML"), ("text", "Plain text"), ("csv", "CSV")],
        "copy_markdown": "".join(newsletter.as_markdown(items, title=title)) if items else "",
        "copy_text": "".join(newsletter.as_text(items, title=title)) if items else "",
        **newsletter.filter_choices(),
    }
    template = "rewrites/newsletter.html#newsletter-preview" if request.htmx else "rewrites/newsletter.html"
    return TemplateResponse(request, template, context, status=400 if errors else 200)


@require_POST
@requires(Action.EXPORT_NEWSLETTER)
def newsletter_export(request: HtmxHttpRequest):
    """Streams the blurbs as a download in the chosen format, in the order shown in the preview."""
    filters, errors = newsletter.parse_filters(request.POST)
    if errors:
        return HttpResponseBadRequest(" ".join(errors.values()), content_type="text/plain; charset=utf-8")
    chosen = request.POST.get("format", "")
    if chosen not in newsletter.FORMATS:
        return HttpResponseBadRequest(
            f"Unknown export format “{chosen}”; choose one of: {', '.join(newsletter.FORMATS)}.",
            content_type="text/plain; charset=utf-8",
        )
    write, extension, content_type = newsletter.FORMATS[chosen]
    order = newsletter.parse_order(request.POST.get("order", "")) if request.POST.get("filters_key") == filters.key else []
    items = newsletter.blurbs(filters, order=order, url_for=_url_for(request))
    response = StreamingHttpResponse(
        newsletter.batched(write(items, title=f"Newsletter, {filters.label}")), content_type=content_type
    )
    response["Content-Disposition"] = f'attachment; filename="{filters.filename(extension)}"'
    response["Cache-Control"] = "private, no-store"
    return response
