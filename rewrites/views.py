from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET
from django_htmx.http import HttpRequest

from rewrites.models import Rewrite
from rewrites.records import record_for


@require_GET
@permission_required("rewrites.view_rewrite", raise_exception=True)
def queue(request: HttpRequest) -> TemplateResponse:
    """The editors' home: rewrites, newest change first, filtered by status."""
    status = request.GET.get("status", "")
    rewrites = Rewrite.objects.with_cluster().only(
        "id", "headline", "status", "model", "lint_hits", "updated_at",
        "cluster__id", "cluster__canonical_title", "cluster__source_count",
        "cluster__written_source_count", "cluster__domain", "cluster__content_type",
    )
    if status in Rewrite.Status.values:
        rewrites = rewrites.filter(status=status)
    else:
        status = ""
    page = Paginator(rewrites, settings.NEWSROOM_PAGE_SIZE).get_page(request.GET.get("page"))
    template = "rewrites/queue.html#rewrite-list" if request.htmx else "rewrites/queue.html"
    return TemplateResponse(
        request,
        template,
        {"page": page, "status": status, "statuses": Rewrite.Status.choices},
    )


@require_GET
@permission_required("rewrites.view_rewrite", raise_exception=True)
def record_detail(request: HttpRequest, rewrite_id: str) -> TemplateResponse:
    """Every field of one rewrite beside its attribution."""
    rewrite = get_object_or_404(
        Rewrite.objects.with_cluster().prefetch_related("attributions"), id=rewrite_id
    )
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
