"""The Clusters page: stories with their articles, filters, and the editors' changes."""

from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpRequest

from clusters import editing
from clusters.models import Article, Cluster, ClusterChange
from newsroom.responses import respond_after_action
from newsroom.rules import Action, requires

FILTERS = ("q", "solo", "stale", "domain")


def _filters(data) -> dict[str, str]:
    values = {name: (data.get(name) or "").strip() for name in FILTERS}
    if values["solo"] not in {"", "yes", "no"}:
        values["solo"] = ""
    values["stale"] = "1" if Cluster.stale_requested(values["stale"]) else ""
    return values


def clusters_matching(filters: dict[str, str]) -> QuerySet[Cluster]:
    """Live clusters (not merged away, not empty), newest first, narrowed by the page's filters."""
    clusters = (
        Cluster.objects.exclude(status=Cluster.Status.MERGED)
        .filter(source_count__gt=0)
        .select_related("rewrite")
        .prefetch_related(
            Prefetch(
                "articles",
                queryset=Article.objects.select_related("source")
                .only("id", "title", "url", "language", "published_at", "fetched_at", "cluster_id",
                      "source__id", "source__name")
                .order_by("published_at", "id"),
            )
        )
        .order_by("-last_seen_at", "id")
    )
    if filters["q"]:
        query = filters["q"]
        clusters = clusters.filter(
            Q(canonical_title__icontains=query)
            | Q(id=query)
            | Exists(Article.objects.filter(cluster=OuterRef("pk"), title__icontains=query))
        )
    if filters["solo"] == "yes":
        clusters = clusters.filter(is_solo=True)
    elif filters["solo"] == "no":
        clusters = clusters.filter(is_solo=False)
    if filters["stale"]:
        clusters = clusters.filter(Cluster.stale_filter(), rewrite__isnull=False)
    if filters["domain"]:
        clusters = clusters.filter(domain=filters["domain"])
    return clusters


def _render_list(request: HttpRequest, filters: dict[str, str], *, error: str = "", status: int = 200):
    page = Paginator(clusters_matching(filters), settings.NEWSROOM_PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode({name: value for name, value in filters.items() if value})
    domains = (
        Cluster.objects.exclude(domain="").order_by("domain").values_list("domain", flat=True).distinct()
    )
    template = "clusters/clusters.html#cluster-list" if request.htmx else "clusters/clusters.html"
    return TemplateResponse(
        request,
        template,
        {
            "page": page,
            "filters": filters,
            "query": query,
            "domains": list(domains),
            "error": error,
            "recent_changes": ClusterChange.objects.select_related("cluster")[:10],
        },
        status=status,
    )


@require_GET
@requires(Action.VIEW_CLUSTERS)
def cluster_list(request: HttpRequest) -> TemplateResponse:
    """Clusters with their articles; search and filters; the list alone for htmx requests."""
    return _render_list(request, _filters(request.GET))


def _after_change(request: HttpRequest, *, done: str = "", error: str = "") -> HttpResponse:
    """htmx: the refreshed list (with the error, if any); otherwise post/redirect/get."""
    filters = _filters(request.POST)
    query = urlencode({name: value for name, value in filters.items() if value})
    return respond_after_action(
        request, partial=lambda: _render_list(request, filters, error=error),
        redirect_to=reverse("clusters:list") + (f"?{query}" if query else ""), error=error, notice=done,
    )


@require_POST
@requires(Action.EDIT_CLUSTERS)
def merge_clusters(request: HttpRequest) -> HttpResponse:
    """Merges the cluster `merge` into the cluster `keep`."""
    keep_id = request.POST.get("keep", "").strip()
    merge_id = request.POST.get("merge", "").strip()
    if not keep_id or not merge_id:
        return _after_change(request, error="Give the cluster to merge and the cluster to merge it into.")
    try:
        kept = editing.merge_clusters(
            keep_id=keep_id, merge_id=merge_id, user=request.user, reason=request.POST.get("reason", "")
        )
    except editing.ClusterEditError as error:
        return _after_change(request, error=str(error))
    return _after_change(request, done=f"Merged into “{kept.canonical_title}”.")


@require_POST
@requires(Action.EDIT_CLUSTERS)
def move_article(request: HttpRequest) -> HttpResponse:
    """Moves the article `article` to the cluster `to`, or to a new cluster when `to` is empty."""
    article_id = request.POST.get("article", "").strip()
    if not article_id:
        return _after_change(request, error="Choose the article to move.")
    to_cluster_id = request.POST.get("to", "").strip() or None
    try:
        target = editing.move_article(
            article_id=article_id, to_cluster_id=to_cluster_id, user=request.user,
            reason=request.POST.get("reason", ""),
        )
    except editing.ClusterEditError as error:
        return _after_change(request, error=str(error))
    return _after_change(request, done=f"Moved the article to “{target.canonical_title}”.")


@require_POST
@requires(Action.EDIT_CLUSTERS)
def mark_roundup(request: HttpRequest) -> HttpResponse:
    """Marks the cluster `cluster` as a roundup (roundup=1) or clears the mark (roundup=0)."""
    cluster_id = request.POST.get("cluster", "").strip()
    if not cluster_id:
        return _after_change(request, error="Choose the cluster to mark.")
    roundup = request.POST.get("roundup", "1") != "0"
    try:
        cluster = editing.mark_roundup(
            cluster_id=cluster_id, roundup=roundup, user=request.user, reason=request.POST.get("reason", "")
        )
    except editing.ClusterEditError as error:
        return _after_change(request, error=str(error))
    return _after_change(
        request, done=f"“{cluster.canonical_title}” is {'now' if roundup else 'no longer'} a roundup."
    )
