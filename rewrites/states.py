"""A rewrite's status: the state machine, and the only writers of ``Rewrite.status``.

Lifecycle: ``queued`` → ``generating`` → ``draft`` → ``approved`` → ``published``;
``failed`` when the repair loop gives up, ``spiked`` when an editor rejects a
story or takes a published one down. Every change of status is one function
below; each checks that the current status allows it (else raises
``TransitionRefused``, changing nothing), sets the status and the fields that
go with it, saves them, mirrors the status onto the cluster
(``clusters.states.sync_cluster_status``) and writes the audit entry of its
``Cause``: who acted (nobody for the pipeline's own steps), the action, the
reason and the other changes the same action made, with the status change
added. The services that call them write no entry of their own for the action,
so a status change, whatever causes it, is never missing from the log.

``ACTION_STATUSES`` says which editor actions each status allows;
``actions_for`` and ``refusal`` answer from it, and ``newsroom/rules.py``
combines them with the user's role.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone

from clusters.models import Cluster
from clusters.states import TransitionRefused, sync_cluster_status
from newsroom.audit import record
from newsroom.rules import Action
from rewrites.models import PublishedStory, Rewrite

__all__ = ["Cause", "TransitionRefused"]

S = Rewrite.Status

WRITING = frozenset({S.QUEUED, S.GENERATING})
EDITABLE = frozenset({S.DRAFT, S.APPROVED, S.PUBLISHED, S.FAILED})

# Which editor actions each status allows. A published rewrite allows republish
# and kill only while its public copy is live; without one (imported as
# published) it allows publish instead.
ACTION_STATUSES: dict[Action, frozenset[str]] = {
    Action.EDIT: EDITABLE,
    Action.APPROVE: frozenset({S.DRAFT}),
    Action.SPIKE: frozenset({S.QUEUED, S.DRAFT, S.APPROVED, S.FAILED}),
    Action.RESTORE: EDITABLE | {S.SPIKED},
    Action.REGENERATE: EDITABLE,
    Action.PUBLISH: frozenset({S.APPROVED}),
    Action.REPUBLISH: frozenset({S.PUBLISHED}),
    Action.KILL: frozenset({S.PUBLISHED}),
    Action.ASSIGN: WRITING | EDITABLE,
}
LIVE_ONLY = frozenset({Action.REPUBLISH, Action.KILL})
# A rewrite whose cluster was merged into another is finished whatever its status: the story goes on
# in the other cluster's rewrite. Only its public page, if it has one, can still be taken down.
MERGED_AWAY_ACTIONS = frozenset({Action.KILL})


def is_merged_away(rewrite: Rewrite) -> bool:
    """Whether the rewrite's cluster was merged into another cluster."""
    return rewrite.cluster.status == Cluster.Status.MERGED


def is_live(rewrite: Rewrite) -> bool:
    """Whether the rewrite has a public copy on the site now."""
    return PublishedStory.objects.live().filter(rewrite_id=rewrite.pk).exists()


def _allows(rewrite: Rewrite, action: Action, live: bool | None) -> bool:
    if action not in MERGED_AWAY_ACTIONS and is_merged_away(rewrite):
        return False
    if rewrite.status == S.PUBLISHED and action in LIVE_ONLY | {Action.PUBLISH}:
        live = is_live(rewrite) if live is None else live
        return live if action in LIVE_ONLY else not live
    return rewrite.status in ACTION_STATUSES[action]


def actions_for(rewrite: Rewrite, *, live: bool | None = None) -> set[Action]:
    """The editor actions the rewrite's status allows now (live: whether its public copy is up, if known)."""
    return {action for action in ACTION_STATUSES if _allows(rewrite, action, live)}


def _name(rewrite: Rewrite) -> str:
    return f"“{rewrite.headline}”" if rewrite.headline else f"Rewrite {rewrite.id}"


_MERGED_VERBS = {
    Action.EDIT: "edited", Action.APPROVE: "approved", Action.SPIKE: "spiked", Action.RESTORE: "restored",
    Action.REGENERATE: "regenerated", Action.PUBLISH: "published", Action.REPUBLISH: "republished",
    Action.ASSIGN: "assigned",
}


def _why_not(rewrite: Rewrite, action: Action) -> str:
    status = rewrite.get_status_display().lower()
    if action in _MERGED_VERBS and is_merged_away(rewrite):
        return (
            f"{_name(rewrite)} cannot be {_MERGED_VERBS[action]}: its cluster was merged into another, and the "
            "story continues in that cluster's rewrite. Open it from the notice at the top of this page."
        )
    if action == Action.EDIT and rewrite.status in WRITING:
        return f"This rewrite is {status}; it can be edited once the draft is written."
    if action == Action.RESTORE:
        return f"This rewrite is {status}; a revision can be restored once the draft is written."
    if action == Action.EDIT:
        return "A spiked rewrite cannot be edited; restore a revision to bring it back."
    if action == Action.APPROVE:
        return f"Only drafts can be approved; this rewrite is {status}."
    if action == Action.SPIKE:
        if rewrite.status == S.PUBLISHED:
            return "This story is published; unpublish it before spiking it."
        if rewrite.status == S.SPIKED:
            return "This rewrite is already spiked."
        return "This rewrite is being written right now; spike it once the draft is in."
    if action == Action.ASSIGN:
        return "A spiked rewrite needs no editor; restore a revision to bring it back first."
    if action == Action.REGENERATE:
        if rewrite.status == S.SPIKED:
            return "This rewrite was spiked; restore it before regenerating."
        return "This rewrite is already being written; wait for it to finish."
    if action == Action.PUBLISH and rewrite.status == S.PUBLISHED:
        return f"{_name(rewrite)} is already public; republish it to make changes public."
    if action == Action.KILL:
        return f"{_name(rewrite)} is not on the public site, so there is nothing to take down."
    if action == Action.REPUBLISH and rewrite.status == S.PUBLISHED:
        return f"{_name(rewrite)} has no public copy to republish; publish it first."
    return (
        f"{_name(rewrite)} is {status}: only an approved rewrite can be published and only a published one "
        "republished. Review and approve it first."
    )


def refusal(rewrite: Rewrite, action: Action, *, live: bool | None = None) -> str:
    """"" when the rewrite's status allows the action; else the sentence saying why not and what to do."""
    action = Action(action)
    if action not in ACTION_STATUSES or _allows(rewrite, action, live):
        return ""
    return _why_not(rewrite, action)


def check(rewrite: Rewrite, action: Action, *, live: bool | None = None) -> None:
    """Raises TransitionRefused with the reason unless the rewrite's status allows the action."""
    if reason := refusal(rewrite, action, live=live):
        raise TransitionRefused(reason)


def _require(rewrite: Rewrite, allowed: frozenset[str] | set[str], what: str) -> None:
    if rewrite.status not in allowed:
        raise TransitionRefused(
            f"Rewrite {rewrite.id} is {rewrite.get_status_display().lower()}; it cannot {what} from that status "
            f"(only from {', '.join(sorted(allowed))})."
        )


@dataclass(frozen=True)
class Cause:
    """Why a rewrite's status changes: the audit entry its transition writes.

    action: an action of ``newsroom.audit.ACTIONS``; actor: the person who acted (None: the pipeline, or the
    person of the request being served); changes: what else the same action changed, {field: [before, after]}.
    """

    action: str
    actor: Any = None
    reason: str = ""
    changes: dict = field(default_factory=dict)


def _audit(rewrite: Rewrite, cause: Cause, before: str) -> None:
    changes = dict(cause.changes)
    if before != rewrite.status:
        changes["status"] = [str(before), str(rewrite.status)]
    record(action=cause.action, actor=cause.actor, obj=rewrite, reason=cause.reason, changes=changes)


def _set(rewrite: Rewrite, status: str, *, cause: Cause, at: datetime | None = None, **fields) -> None:
    before = rewrite.status
    rewrite.status = status
    for name, value in fields.items():
        setattr(rewrite, name, value)
    rewrite.save(update_fields=["status", *fields])
    sync_cluster_status(cluster_id=rewrite.cluster_id, status=status, at=at)
    _audit(rewrite, cause, before)


def _keep(rewrite: Rewrite, *, cause: Cause, **fields) -> None:
    """The status stays; fields that go with the action are saved and its entry written."""
    for name, value in fields.items():
        setattr(rewrite, name, value)
    if fields:
        rewrite.save(update_fields=list(fields))
    _audit(rewrite, cause, rewrite.status)


# Generation


def start_rewrite(*, cluster: Cluster, actor=None) -> tuple[Rewrite, bool]:
    """Returns the cluster's rewrite, creating it as queued (and the cluster queued) if it has none."""
    rewrite, created = Rewrite.objects.get_or_create(cluster=cluster, defaults={"status": S.QUEUED})
    if created:
        sync_cluster_status(cluster_id=cluster.id, status=S.QUEUED, at=timezone.now())
        record(action="write_queue", actor=actor, obj=rewrite, changes={"status": [None, str(S.QUEUED)]})
    return rewrite, created


def claim_generation(rewrite: Rewrite) -> None:
    """queued or generating → generating: a worker starts writing it."""
    _require(rewrite, WRITING, "start generating")
    _set(rewrite, S.GENERATING, cause=Cause("write_start"), next_repair_at=None)


def store_draft(rewrite: Rewrite) -> None:
    """generating → draft: the output passed its lints (or came from the offline writer)."""
    _require(rewrite, {S.GENERATING}, "become a draft")
    _set(rewrite, S.DRAFT, cause=Cause("write_draft", reason=f"Written by {rewrite.model or 'the model'}."),
         failure_reason="", next_repair_at=None)


def schedule_repair(rewrite: Rewrite, *, reason: str, due: datetime) -> None:
    """generating → queued with a repair due: the attempt failed and the repair loop tries again at due."""
    _require(rewrite, {S.GENERATING}, "be queued for repair")
    _set(rewrite, S.QUEUED, cause=Cause("write_repair", reason=reason), next_repair_at=due, failure_reason=reason)


def fail_generation(rewrite: Rewrite, *, reason: str) -> None:
    """generating → failed: the repair loop gave up."""
    _require(rewrite, {S.GENERATING}, "fail")
    _set(rewrite, S.FAILED, cause=Cause("write_fail", reason=reason), next_repair_at=None, failure_reason=reason)


def wait_for_budget(rewrite: Rewrite, *, reason: str, until: datetime) -> None:
    """generating → queued until the daily budget resets."""
    _require(rewrite, {S.GENERATING}, "wait for the budget")
    _set(rewrite, S.QUEUED, cause=Cause("write_budget", reason=reason), next_repair_at=until, failure_reason=reason)


def store_in_place(rewrite: Rewrite) -> None:
    """A regeneration stored in place: approved → draft (it needs review again); published keeps
    its status with unpublished changes; draft, failed and spiked stay as they are."""
    _require(rewrite, set(S.values) - WRITING, "take regenerated text in place")
    cause = Cause("write_in_place", reason=f"Rewritten in place by {rewrite.model or 'the model'}.")
    if rewrite.status == S.APPROVED:
        _set(rewrite, S.DRAFT, cause=cause)
    elif rewrite.status == S.PUBLISHED:
        _keep(rewrite, cause=cause, has_unpublished_changes=True)
    else:
        _keep(rewrite, cause=cause)


def requeue(rewrite: Rewrite, *, note: str = "", cause: Cause | None = None) -> None:
    """draft or failed → queued, with a fresh repair count: regeneration (cause: the editor's request), or a stale
    draft rewritten."""
    _require(rewrite, {S.DRAFT, S.FAILED}, "be queued again")
    _set(
        rewrite, S.QUEUED, cause=cause or Cause("write_queue", reason=note),
        repair_attempts=0, next_repair_at=None, failure_reason=note, updated_at=timezone.now(),
    )


def recover_interrupted(rewrite: Rewrite, *, note: str) -> None:
    """generating → queued: the worker writing it died."""
    _require(rewrite, {S.GENERATING}, "be recovered")
    _set(rewrite, S.QUEUED, cause=Cause("write_recover", reason=note), next_repair_at=None, failure_reason=note,
         updated_at=timezone.now())


# Editors


def approve(rewrite: Rewrite, *, cause: Cause) -> None:
    """draft → approved."""
    check(rewrite, Action.APPROVE)
    _set(rewrite, S.APPROVED, cause=cause)


def spike(rewrite: Rewrite, *, cause: Cause) -> None:
    """queued, draft, approved or failed → spiked: an editor rejects the story."""
    check(rewrite, Action.SPIKE)
    _set(rewrite, S.SPIKED, cause=cause)


def _output_changed(rewrite: Rewrite, *, has_errors: bool, cause: Cause) -> None:
    if rewrite.status == S.APPROVED and has_errors:
        _set(rewrite, S.DRAFT, cause=cause)
    elif rewrite.status == S.PUBLISHED:
        _keep(rewrite, cause=cause, has_unpublished_changes=True)
    else:
        _keep(rewrite, cause=cause)


def change_output(rewrite: Rewrite, *, has_errors: bool, cause: Cause) -> None:
    """An editor changed the output (an edit, accepted text, the slug): an approved rewrite with error lints
    goes back to draft; a published one keeps its status with unpublished changes."""
    check(rewrite, Action.EDIT)
    _output_changed(rewrite, has_errors=has_errors, cause=cause)


def restore(rewrite: Rewrite, *, has_errors: bool, cause: Cause) -> None:
    """An earlier revision's output is current again: spiked → draft; otherwise as change_output."""
    check(rewrite, Action.RESTORE)
    if rewrite.status == S.SPIKED:
        _set(rewrite, S.DRAFT, cause=cause)
    else:
        _output_changed(rewrite, has_errors=has_errors, cause=cause)


# Publishing


def publish(rewrite: Rewrite, *, at: datetime, live: bool, cause: Cause) -> None:
    """approved → published, or a published rewrite without a public copy gets its first one."""
    check(rewrite, Action.PUBLISH, live=live)
    _set(rewrite, S.PUBLISHED, cause=cause, at=at, has_unpublished_changes=False)


def republish(rewrite: Rewrite, *, at: datetime, live: bool, cause: Cause) -> None:
    """published → published: the public copy is replaced by the current text."""
    check(rewrite, Action.REPUBLISH, live=live)
    _set(rewrite, S.PUBLISHED, cause=cause, at=at, has_unpublished_changes=False)


def kill(rewrite: Rewrite, *, at: datetime, live: bool, cause: Cause) -> None:
    """published → spiked: the story is taken off the public site."""
    check(rewrite, Action.KILL, live=live)
    _set(rewrite, S.SPIKED, cause=cause, at=at, has_unpublished_changes=False)


# Records


def import_status(rewrite: Rewrite, *, status: str, created: bool = False, actor=None) -> None:
    """Any status → the one an imported record carries; the cluster keeps the record's own status.

    created: the rewrite is new with this record. A change of status is audited."""
    if status not in S.values:
        raise TransitionRefused(f"A rewrite cannot have the status “{status}”.")
    before = None if created else rewrite.status
    rewrite.status = status
    rewrite.save(update_fields=["status"])
    if before != status:
        record(action="import", actor=actor, obj=rewrite, changes={"status": [before, status]})
