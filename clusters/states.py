"""A cluster's status: the only writers of ``Cluster.status``.

A new cluster is ``open`` (the model's default). Once it has a rewrite, its
status mirrors the rewrite's (queued, generating, draft, approved, published,
failed, spiked) through ``sync_cluster_status``, which ``rewrites/states.py``
calls on every rewrite transition. ``merge_cluster`` marks a cluster merged
into another; a merged cluster keeps that status whatever its rewrite does, until
``unmerge_cluster`` undoes the merge.
Record import sets the status the record carries.
"""

from __future__ import annotations

from datetime import datetime

from clusters.models import Cluster


class TransitionRefused(Exception):
    """A status change that the current status does not allow; the message says why and what to do."""


def sync_cluster_status(*, cluster_id: str, status: str, at: datetime | None = None) -> None:
    """Mirrors a rewrite's new status onto its cluster, unless the cluster was merged away."""
    if status not in Cluster.Status.values:
        raise TransitionRefused(f"A cluster cannot have the status “{status}”.")
    changes = {"status": status}
    if at is not None:
        changes["updated_at"] = at
    Cluster.objects.filter(id=cluster_id).exclude(status=Cluster.Status.MERGED).update(**changes)


def merge_cluster(cluster: Cluster, *, into: Cluster) -> None:
    """Marks cluster as merged into another and saves it; refused when either was merged already."""
    for each in (into, cluster):
        if each.status == Cluster.Status.MERGED:
            raise TransitionRefused(
                f"Cluster “{each.canonical_title}” was already merged into another cluster; "
                "merge into that one instead."
            )
    if cluster.pk == into.pk:
        raise TransitionRefused("A cluster cannot be merged into itself.")
    cluster.status = Cluster.Status.MERGED
    cluster.merged_into = into
    cluster.save(update_fields=["status", "merged_into"])


def unmerge_cluster(cluster: Cluster, *, status: str) -> None:
    """Undoes a merge: the cluster is no longer merged and takes status (its rewrite's, or open) again."""
    if cluster.status != Cluster.Status.MERGED:
        raise TransitionRefused(f"Cluster “{cluster.canonical_title}” is not merged into another cluster.")
    cluster.status = status if status in Cluster.Status.values and status != Cluster.Status.MERGED else Cluster.Status.OPEN
    cluster.merged_into = None
    cluster.save(update_fields=["status", "merged_into"])


def import_cluster_status(cluster: Cluster, *, status: str) -> None:
    """Sets the status a record carries (any known status) and saves it."""
    if status not in Cluster.Status.values:
        raise TransitionRefused(f"A cluster cannot have the status “{status}”.")
    cluster.status = status
    cluster.save(update_fields=["status"])
