"""The Clusters page: stories with their articles, filters, and the editors' changes."""

from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from clusters import editing
from clusters.models import Article, Cluster, ClusterChange
from newsroom.parameters import LARGEST_BIG_INTEGER, whole_number
from newsroom.responses import HtmxHttpRequest, respond_after_action
from newsroom.rules import Action, requires

FILTERS = ("q", "solo", "stale", "domain")
# Clusters per page: each shows its articles, so fewer than the queue's rows.
CLUSTERS_PER_PAGE = 20
# Candidates shown when searching for the target of a merge or a move.
TARGETS_SHOWN = 8


def _filters(data) -> dict[str, str]:
    values = {name: (data.get(name) or "").strip() for name in FILTERS}
    if values["solo"] not in {"", "yes", "no"}:
        values["solo"] = ""
    values["stale"] = "1" if Cluster.stale_requested(values["stale"]) else ""
    return values


def _with_articles(clusters: QuerySet[Cluster]) -> QuerySet[Cluster]:
    return clusters.select_related("rewrite").prefetch_related(
        Prefetch(
            "articles",
            queryset=Article.objects.select_related("source")
            .only("id", "title", "url", "language", "published_at", "fetched_at", "date_note", "cluster_id",
                  "source__id", "source__name")
            .order_by("published_at", "id"),
        )
    )


def clusters_matching(filters: dict[str, str]) -> QuerySet[Cluster]:
    """Live clusters (not merged away, not empty), newest first, narrowed by the page's filters."""
    clusters = _with_articles(
        Cluster.objects.exclude(status=Cluster.Status.MERGED).filter(source_count__gt=0)
    ).order_by("-last_seen_at", "id")
    if filters["q"]:
        query = filters["q"]
        clusters = clusters.filter(
            Q(canonical_title__icontains=query)
            | Q(rewrite__headline__icontains=query)
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


def _render_list(request: HtmxHttpRequest, filters: dict[str, str], *, error: str = "", status: int = 200):
    page = Paginator(clusters_matching(filters), min(CLUSTERS_PER_PAGE, settings.NEWSROOM_PAGE_SIZE)).get_page(request.GET.get("page"))
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
def cluster_list(request: HtmxHttpRequest) -> TemplateResponse:
    """Clusters with their articles; search and filters; the list alone for htmx requests."""
    return _render_list(request, _filters(request.GET))


def _after_change(request: HtmxHttpRequest, *, done: str = "", error: str = "") -> HttpResponse:
    """A plain form post: post/redirect/get back to the list with its filters."""
    filters = _filters(request.POST)
    query = urlencode({name: value for name, value in filters.items() if value})
    return respond_after_action(
        request, partial=lambda: _render_list(request, filters, error=error),
        redirect_to=reverse("clusters:list") + (f"?{query}" if query else ""), error=error, notice=done,
    )


def _answer(
    request: HtmxHttpRequest, *, primary: str, others: tuple[str | None, ...] = (), done: str = "", error: str = "",
    change: ClusterChange | None = None,
) -> HttpResponse:
    """The answer to a change on the Clusters page.

    htmx: the section of the cluster the editor acted on (primary), drawn again in place with what
    happened and an Undo (or what went wrong), and the sections of the other clusters the change
    touched, swapped out-of-band where they are shown; nothing else on the page moves. A plain
    post is redirected to the list.
    """
    if not request.htmx:
        return _after_change(request, done=done, error=error)
    ids = [primary, *[other for other in others if other and other != primary]]
    found = {cluster.id: cluster for cluster in _with_articles(Cluster.objects.filter(id__in=ids))}
    context = {
        "primary": found.get(primary),
        "primary_listed": primary in found and _is_listed(found[primary]),
        "primary_id": primary,
        "others": [found[other] for other in ids[1:] if other in found and _is_listed(found[other])],
        "done": done,
        "error": error,
        "change": change,
        "filter_query": urlencode({name: value for name, value in _filters(request.POST).items() if value}),
    }
    return TemplateResponse(request, "clusters/clusters.html#changed", context, status=400 if error else 200)


def _is_listed(cluster: Cluster) -> bool:
    return cluster.status != Cluster.Status.MERGED and cluster.source_count > 0


@require_GET
@requires(Action.VIEW_CLUSTERS)
def targets(request: HtmxHttpRequest) -> TemplateResponse:
    """Clusters whose headline matches ?q=, to pick as the target of a merge or a move (htmx)."""
    query = (request.GET.get("target_q") or request.GET.get("q", "")).strip()[:200]
    name = request.GET.get("name", "keep") if request.GET.get("name") in {"keep", "to"} else "keep"
    candidates: list[Cluster] = []
    if len(query) >= 2:
        candidates = list(
            Cluster.objects.exclude(status=Cluster.Status.MERGED)
            .filter(source_count__gt=0)
            .exclude(id=request.GET.get("exclude", ""))
            .filter(Q(canonical_title__icontains=query) | Q(rewrite__headline__icontains=query) | Q(id=query))
            .select_related("rewrite")
            .order_by("-last_seen_at", "id")[:TARGETS_SHOWN]
        )
    return TemplateResponse(
        request, "clusters/clusters.html#targets",
        {"candidates": candidates, "name": name, "query": query, "owner": request.GET.get("exclude", "")},
    )


@require_POST
@requires(Action.EDIT_CLUSTERS)
def merge_clusters(request: HtmxHttpRequest) -> HttpResponse:
    """Merges the cluster `merge` into the cluster `keep`."""
    keep_id = request.POST.get("keep", "").strip()
    merge_id = request.POST.get("merge", "").strip()
    if not keep_id or not merge_id:
        return _answer(
            request, primary=merge_id, error="Search for the cluster to merge this one into and choose it from the list."
        )
    try:
        kept = editing.merge_clusters(
            keep_id=keep_id, merge_id=merge_id, user=request.user, reason=request.POST.get("reason", "")
        )
    except editing.ClusterEditError as error:
        return _answer(request, primary=merge_id, error=str(error))
    change = ClusterChange.objects.filter(action=ClusterChange.Action.MERGE, cluster=kept).first()
    return _answer(
        request, primary=merge_id, others=(kept.id,), change=change,
        done=f"Merged into “{kept.canonical_title}”, which now has {kept.source_count} source{'s' if kept.source_count != 1 else ''}.",
    )


@require_POST
@requires(Action.EDIT_CLUSTERS)
def move_article(request: HtmxHttpRequest) -> HttpResponse:
    """Moves the article `article` to the cluster `to`, or to a new cluster when `to` is empty or "new"."""
    article_id = request.POST.get("article", "").strip()
    article = Article.objects.filter(id=article_id).only("id", "cluster_id").first()
    origin = article.cluster_id if article is not None else ""
    if article is None:
        return _answer(request, primary=request.POST.get("from", ""), error="Choose the article to move.")
    to_cluster_id = request.POST.get("to", "").strip()
    to_cluster_id = None if to_cluster_id in {"", "new"} else to_cluster_id
    try:
        target = editing.move_article(
            article_id=article_id, to_cluster_id=to_cluster_id, user=request.user,
            reason=request.POST.get("reason", ""),
        )
    except editing.ClusterEditError as error:
        return _answer(request, primary=origin, error=str(error))
    change = ClusterChange.objects.filter(action=ClusterChange.Action.MOVE, article_id=article_id).first()
    return _answer(
        request, primary=origin, others=(target.id,), change=change,
        done=f"Moved the article to “{target.canonical_title}”"
        + (" (a new cluster)." if to_cluster_id is None else "."),
    )


@require_POST
@requires(Action.EDIT_CLUSTERS)
def undo_change(request: HtmxHttpRequest) -> HttpResponse:
    """Undoes the merge or move `change`, putting its articles back."""
    primary = request.POST.get("cluster", "").strip()
    try:
        change_id = whole_number(request.POST.get("change"), name="change", maximum=LARGEST_BIG_INTEGER)
    except ValueError:
        return _answer(request, primary=primary, error="Choose the change to undo.")
    try:
        undo = editing.undo_change(change_id=change_id, user=request.user)
    except editing.ClusterEditError as error:
        return _answer(request, primary=primary, error=str(error))
    return _answer(
        request, primary=primary, others=(undo.cluster_id, undo.other_cluster_id),
        done=undo.description,
    )


@require_POST
@requires(Action.EDIT_CLUSTERS)
def mark_roundup(request: HtmxHttpRequest) -> HttpResponse:
    """Marks the cluster `cluster` as a roundup (roundup=1) or clears the mark (roundup=0)."""
    cluster_id = request.POST.get("cluster", "").strip()
    if not cluster_id:
        return _answer(request, primary="", error="Choose the cluster to mark.")
    roundup = request.POST.get("roundup", "1") != "0"
    try:
        cluster = editing.mark_roundup(
            cluster_id=cluster_id, roundup=roundup, user=request.user, reason=request.POST.get("reason", "")
        )
    except editing.ClusterEditError as error:
        return _answer(request, primary=cluster_id, error=str(error))
    return _answer(
        request, primary=cluster_id, done=f"“{cluster.canonical_title}” is {'now' if roundup else 'no longer'} a roundup."
    )
