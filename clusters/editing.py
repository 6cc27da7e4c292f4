"""Editors' changes to clusters: merge, move an article, mark a roundup, undo a merge or a move.

Each change runs under the clustering lock (so it never races an assignment),
is recorded as a ClusterChange with who, when, what and why, recomputes the
fields of every cluster it touches and marks their rewrites stale.
"""

from __future__ import annotations

import json

from django.db import transaction
from django.utils import timezone

from clusters.clustering import lock_clusters, rebuild_centroid, refresh_cluster, tell_if_stale
from clusters.models import Article, Cluster, ClusterChange, empty_entities
from clusters.states import TransitionRefused, merge_cluster, unmerge_cluster
from newsroom.audit import record as audit


class ClusterEditError(ValueError):
    """A change an editor asked for cannot be made; the message says why."""


def _locked_cluster(cluster_id: str) -> Cluster:
    cluster = Cluster.objects.select_for_update().filter(id=cluster_id).first()
    if cluster is None:
        raise ClusterEditError(f"Cluster {cluster_id} does not exist (it may have been merged or removed).")
    return cluster


def _mark_rewrite_stale(cluster: Cluster) -> None:
    """Makes an existing rewrite of the cluster show as stale (written_source_count < source_count)."""
    if not Cluster.objects.filter(id=cluster.id, rewrite__isnull=False).exists():
        return
    if cluster.source_count > 0 and cluster.written_source_count >= cluster.source_count:
        cluster.written_source_count = cluster.source_count - 1
        cluster.save(update_fields=["written_source_count"])
    tell_if_stale(cluster)


def _record(*, action: str, cluster: Cluster, other: Cluster | None = None, article: Article | None = None,
            user=None, reason: str, description: str, groups: dict | None = None) -> ClusterChange:
    audit_action = {
        ClusterChange.Action.MERGE: "cluster_merge", ClusterChange.Action.MOVE: "cluster_move",
    }.get(action, "cluster_roundup")
    audit(
        action=audit_action, actor=user, object_type="cluster", object_id=cluster.id,
        object_label=cluster.canonical_title, reason=f"{description} {reason.strip()}".strip(),
        changes=(
            {"articles": [groups.get("from") or groups.get("merged"), groups.get("to") or groups.get("kept")]}
            if audit_action != "cluster_roundup"
            else {"is_roundup": [action != ClusterChange.Action.ROUNDUP, action == ClusterChange.Action.ROUNDUP]}
        ),
    )
    return ClusterChange.objects.create(
        action=action,
        groups=groups or {},
        cluster=cluster,
        other_cluster=other,
        article=article,
        user=user if user is not None and user.is_authenticated else None,
        username=user.get_username() if user is not None and user.is_authenticated else "",
        reason=reason.strip(),
        description=description,
    )


def _article_ids(cluster: Cluster) -> list[str]:
    return list(Article.objects.filter(cluster=cluster).order_by("id").values_list("id", flat=True))


def merge_clusters(*, keep_id: str, merge_id: str, user=None, reason: str = "") -> Cluster:
    """Moves every article of cluster merge_id into keep_id and returns the kept cluster.

    The merged-away cluster stays, empty, with status "merged" and merged_into
    set, so a rewrite it had is kept and still reachable.
    """
    if keep_id == merge_id:
        raise ClusterEditError("Choose two different clusters to merge.")
    with transaction.atomic():
        lock_clusters()
        keep = _locked_cluster(keep_id)
        away = _locked_cluster(merge_id)
        try:
            merge_cluster(away, into=keep)
        except TransitionRefused as refused:
            raise ClusterEditError(str(refused)) from refused
        groups = {"kept": _article_ids(keep), "merged": _article_ids(away)}
        moved = Article.objects.filter(cluster=away).update(cluster=keep)
        for cluster in (keep, away):
            refresh_cluster(cluster)
            rebuild_centroid(cluster)
            _mark_rewrite_stale(cluster)
        _record(
            action=ClusterChange.Action.MERGE, cluster=keep, other=away, user=user, reason=reason,
            description=f"Merged “{away.canonical_title}” ({away.id}, {moved} articles) into “{keep.canonical_title}” ({keep.id}).",
            groups=groups,
        )
    return keep


def move_article(*, article_id: str, to_cluster_id: str | None = None, user=None, reason: str = "") -> Cluster:
    """Moves one article to another cluster, or to a new cluster of its own when to_cluster_id
    is None; returns the destination. A cluster left empty is marked merged into the destination."""
    with transaction.atomic():
        lock_clusters()
        article = Article.objects.select_for_update().filter(id=article_id).first()
        if article is None:
            raise ClusterEditError(f"Article {article_id} does not exist.")
        origin = _locked_cluster(article.cluster_id) if article.cluster_id else None
        if to_cluster_id is None:
            when = article.published_at or article.fetched_at
            target = Cluster.objects.create(
                canonical_title=article.title, first_seen_at=when, last_seen_at=when,
                domain=origin.domain if origin else "",
            )
        else:
            target = _locked_cluster(to_cluster_id)
            if target.status == Cluster.Status.MERGED:
                raise ClusterEditError(
                    f"Cluster “{target.canonical_title}” was merged into another cluster; move the article there instead."
                )
            if origin is not None and origin.id == target.id:
                raise ClusterEditError("The article is already in that cluster.")
        groups = {
            "article": article.id,
            "from": [other for other in _article_ids(origin) if other != article.id] if origin else [],
            "to": _article_ids(target) if to_cluster_id is not None else [],
        }
        article.cluster = target
        article.save(update_fields=["cluster"])
        touched = [target]
        if origin is not None:
            if not Article.objects.filter(cluster=origin).exists():
                merge_cluster(origin, into=target)
            touched.append(origin)
        for cluster in touched:
            refresh_cluster(cluster)
            rebuild_centroid(cluster)
            _mark_rewrite_stale(cluster)
        where = "a new cluster" if to_cluster_id is None else f"“{target.canonical_title}” ({target.id})"
        came_from = f" from “{origin.canonical_title}” ({origin.id})" if origin else ""
        _record(
            action=ClusterChange.Action.MOVE, cluster=target, other=origin, article=article, user=user,
            reason=reason, description=f"Moved “{article.title}” ({article.id}){came_from} to {where}.",
            groups=groups,
        )
    return target


def mark_roundup(*, cluster_id: str, roundup: bool = True, user=None, reason: str = "") -> Cluster:
    """Sets or clears the cluster's is_roundup entity. A roundup is kept out of automatic matching."""
    with transaction.atomic():
        lock_clusters()
        cluster = _locked_cluster(cluster_id)
        try:
            entities = json.loads(cluster.entities_json) if cluster.entities_json else None
        except ValueError:
            entities = None
        if not isinstance(entities, dict):
            entities = empty_entities(domain=cluster.domain or "other")
        entities["is_roundup"] = roundup
        cluster.entities_json = json.dumps(entities, ensure_ascii=False, separators=(",", ":"))
        cluster.updated_at = timezone.now()
        cluster.save(update_fields=["entities_json", "updated_at"])
        rebuild_centroid(cluster)
        _mark_rewrite_stale(cluster)
        _record(
            action=ClusterChange.Action.ROUNDUP if roundup else ClusterChange.Action.UNROUNDUP,
            cluster=cluster, user=user, reason=reason,
            description=f"{'Marked' if roundup else 'Unmarked'} “{cluster.canonical_title}” ({cluster.id}) as a roundup.",
        )
    return cluster


def _rewrite_status(cluster: Cluster) -> str:
    """The status of the cluster's rewrite (which a cluster mirrors), or open when it has none."""
    status = Cluster.objects.filter(id=cluster.id).values_list("rewrite__status", flat=True).first()
    return status or Cluster.Status.OPEN


def undo_change(*, change_id: int, user=None, reason: str = "") -> ClusterChange:
    """Puts the articles of a merge or a move back where the change found them; returns the undo's record.

    Refused (ClusterEditError) when the change was undone already, is not a merge or a move, or
    the articles it moved have been moved again since. The cluster that gets its articles back
    is as it was; the one that gives them up has its rewrite marked stale.
    """
    with transaction.atomic():
        lock_clusters()
        change = ClusterChange.objects.select_for_update().filter(id=change_id).first()
        if change is None:
            raise ClusterEditError("That change is not on record; reload the page to see the clusters as they are.")
        if ClusterChange.objects.filter(action=ClusterChange.Action.UNDO, groups__undoes=change.id).exists():
            raise ClusterEditError("This change was undone already.")
        if change.action == ClusterChange.Action.MERGE:
            keep = _locked_cluster(change.cluster_id)
            away = _locked_cluster(change.other_cluster_id)
            merged = change.groups.get("merged", [])
            if away.merged_into_id != keep.id or Article.objects.filter(id__in=merged).exclude(cluster=keep).exists():
                raise ClusterEditError(
                    "Articles of this merge have been moved since, so it cannot be undone in one step; "
                    "move them back one by one."
                )
            Article.objects.filter(id__in=merged).update(cluster=away)
            unmerge_cluster(away, status=_rewrite_status(away))
            restored, gave_up = away, keep
            description = (
                f"Undid the merge of “{away.canonical_title}” ({away.id}) into “{keep.canonical_title}” ({keep.id}): "
                f"its {len(merged)} article{'s' if len(merged) != 1 else ''} are back."
            )
        elif change.action == ClusterChange.Action.MOVE:
            article = Article.objects.select_for_update().filter(id=change.article_id).first()
            if article is None or change.cluster_id is None or article.cluster_id != change.cluster_id:
                raise ClusterEditError("The article has been moved again since, so this move cannot be undone.")
            if change.other_cluster_id is None:
                raise ClusterEditError("The article had no cluster before this move; move it to a cluster instead.")
            target = _locked_cluster(change.cluster_id)
            origin = _locked_cluster(change.other_cluster_id)
            if origin.status == Cluster.Status.MERGED:
                if origin.merged_into_id != target.id:
                    raise ClusterEditError(
                        f"“{origin.canonical_title}” was merged into another cluster since; move the article there instead."
                    )
                unmerge_cluster(origin, status=_rewrite_status(origin))
            article.cluster = origin
            article.save(update_fields=["cluster"])
            if not Article.objects.filter(cluster=target).exists():
                merge_cluster(target, into=origin)
            restored, gave_up = origin, target
            description = (
                f"Undid the move of “{article.title}” ({article.id}): it is back in “{origin.canonical_title}” ({origin.id})."
            )
        else:
            raise ClusterEditError("Only merges and moves can be undone; mark or unmark the roundup again instead.")
        for cluster in (restored, gave_up):
            refresh_cluster(cluster)
            rebuild_centroid(cluster)
        _mark_rewrite_stale(gave_up)
        return _record(
            action=ClusterChange.Action.UNDO, cluster=restored, other=gave_up, article=change.article, user=user,
            reason=reason, description=description, groups={"undoes": change.id},
        )
