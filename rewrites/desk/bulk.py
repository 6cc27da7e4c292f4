"""One action applied to several rewrites picked in the queue: spike, regenerate or assign.

Each row goes through the same rule check and the same function as the single action in the
workspace (``spike_rewrite``, ``regenerate_rewrite``, ``assign_rewrite``), in its own transaction,
so one refusal never undoes the others; the result says for every row what happened or why not.
"""

from __future__ import annotations

from dataclasses import dataclass

from newsroom.rules import Action, refusal
from rewrites.desk.review import ReviewError, assign_rewrite, spike_rewrite
from rewrites.generation.jobs import RegenerateRefused, regenerate_rewrite
from rewrites.models import Rewrite
from rewrites.revisions import edits_since_generation

BULK_ACTIONS = {"spike": Action.SPIKE, "regenerate": Action.REGENERATE, "assign": Action.ASSIGN}
MAX_ROWS = 100


@dataclass
class RowResult:
    rewrite_id: str
    headline: str
    done: bool
    message: str


def _headline(rewrite: Rewrite) -> str:
    return rewrite.headline or rewrite.cluster.canonical_title or rewrite.id


def _apply(rewrite: Rewrite, *, name: str, user, reason: str, assignee) -> str:
    """Does the action to one rewrite and returns what happened; raises ReviewError with why not."""
    if name == "spike":
        spike_rewrite(rewrite_id=rewrite.id, user=user, reason=reason)
        return "Spiked."
    if name == "regenerate":
        if edits_since_generation(rewrite):
            raise ReviewError(
                "Editors changed its text since it was written; regenerate it from its workspace, "
                "which shows what would be replaced."
            )
        try:
            regenerate_rewrite(rewrite_id=rewrite.id, user=user)
        except RegenerateRefused as refused:
            raise ReviewError(str(refused)) from refused
        return "Regeneration queued."
    changed = assign_rewrite(rewrite_id=rewrite.id, assignee=assignee, user=user)
    return f"Assigned to {changed.assigned_to.get_username()}." if changed.assigned_to else "Nobody is assigned now."


def bulk_action(*, rewrite_ids: list[str], action: str, user, reason: str = "", assignee=None) -> list[RowResult]:
    """Applies the action (spike, regenerate or assign) to each rewrite, in the order given.

    Raises ReviewError when the request as a whole cannot be done (unknown action, no rows, too
    many rows, a spike without a reason); otherwise returns one result per row.
    """
    if action not in BULK_ACTIONS:
        raise ReviewError("Choose what to do with the selected rewrites: spike, regenerate or assign.")
    ids = list(dict.fromkeys(rewrite_id for rewrite_id in rewrite_ids if rewrite_id))
    if not ids:
        raise ReviewError("Select the rewrites first: click their boxes, or press x on a row.")
    if len(ids) > MAX_ROWS:
        raise ReviewError(f"Select at most {MAX_ROWS} rewrites at a time; {len(ids)} are selected.")
    if action == "spike" and not reason.strip():
        raise ReviewError("Say why these stories are spiked; the reason is kept in each one's history.")
    found = {rewrite.id: rewrite for rewrite in Rewrite.objects.select_related("cluster").filter(id__in=ids)}
    results = []
    for rewrite_id in ids:
        rewrite = found.get(rewrite_id)
        if rewrite is None:
            results.append(RowResult(rewrite_id, rewrite_id, False, "This rewrite no longer exists."))
            continue
        if why := refusal(user, BULK_ACTIONS[action], rewrite):
            results.append(RowResult(rewrite.id, _headline(rewrite), False, why))
            continue
        try:
            message = _apply(rewrite, name=action, user=user, reason=reason, assignee=assignee)
        except ReviewError as error:
            results.append(RowResult(rewrite.id, _headline(rewrite), False, str(error)))
            continue
        results.append(RowResult(rewrite.id, _headline(rewrite), True, message))
    return results
