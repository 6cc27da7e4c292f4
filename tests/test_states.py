"""The state machines of rewrite and cluster status: every allowed and every refused transition."""

import ast
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from clusters import states as cluster_states
from clusters.models import Cluster
from newsroom.rules import Action
from rewrites import states
from rewrites.models import Rewrite

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
S = Rewrite.Status
ALL = set(S.values)
SOON = timezone.now() + timedelta(hours=1)


def make_rewrite(*, status: str, headline: str | None = "A headline", cluster_status: str | None = None) -> Rewrite:
    cluster = Cluster.objects.create(
        canonical_title="A story", source_count=1, status=cluster_status or status
    )
    return Rewrite.objects.create(cluster=cluster, status=status, headline=headline)


def same_unless_approved(status: str) -> str:
    return S.DRAFT if status == S.APPROVED else status


def draft_if_spiked(status: str) -> str:
    return S.DRAFT if status == S.SPIKED else status


CAUSE = states.Cause("edit", reason="A test's change.")

# transition: (call, statuses it may start from, the status it leads to from each)
TRANSITIONS = {
    "claim_generation": (lambda r, c=CAUSE: states.claim_generation(r), {S.QUEUED, S.GENERATING}, lambda s: S.GENERATING),
    "store_draft": (lambda r, c=CAUSE: states.store_draft(r), {S.GENERATING}, lambda s: S.DRAFT),
    "schedule_repair": (
        lambda r, c=CAUSE: states.schedule_repair(r, reason="Lint errors.", due=SOON), {S.GENERATING}, lambda s: S.QUEUED
    ),
    "fail_generation": (lambda r, c=CAUSE: states.fail_generation(r, reason="Gave up."), {S.GENERATING}, lambda s: S.FAILED),
    "wait_for_budget": (
        lambda r, c=CAUSE: states.wait_for_budget(r, reason="Over budget.", until=SOON), {S.GENERATING}, lambda s: S.QUEUED
    ),
    "store_in_place": (
        lambda r, c=CAUSE: states.store_in_place(r), ALL - {S.QUEUED, S.GENERATING}, same_unless_approved
    ),
    "requeue": (lambda r, c=CAUSE: states.requeue(r, note="Again."), {S.DRAFT, S.FAILED}, lambda s: S.QUEUED),
    "recover_interrupted": (
        lambda r, c=CAUSE: states.recover_interrupted(r, note="Worker died."), {S.GENERATING}, lambda s: S.QUEUED
    ),
    "approve": (lambda r, c=CAUSE: states.approve(r, cause=c), {S.DRAFT}, lambda s: S.APPROVED),
    "spike": (lambda r, c=CAUSE: states.spike(r, cause=c), {S.QUEUED, S.DRAFT, S.APPROVED, S.FAILED}, lambda s: S.SPIKED),
    "restore": (lambda r, c=CAUSE: states.restore(r, has_errors=False, cause=c), ALL - {S.QUEUED, S.GENERATING}, draft_if_spiked),
    "change_output": (
        lambda r, c=CAUSE: states.change_output(r, has_errors=False, cause=c), {S.DRAFT, S.APPROVED, S.PUBLISHED, S.FAILED},
        lambda s: s,
    ),
    "publish": (lambda r, c=CAUSE: states.publish(r, at=timezone.now(), live=False, cause=c), {S.APPROVED, S.PUBLISHED},
                lambda s: S.PUBLISHED),
    "republish": (lambda r, c=CAUSE: states.republish(r, at=timezone.now(), live=True, cause=c), {S.PUBLISHED},
                  lambda s: S.PUBLISHED),
    "kill": (lambda r, c=CAUSE: states.kill(r, at=timezone.now(), live=True, cause=c), {S.PUBLISHED}, lambda s: S.SPIKED),
}


def test_every_transition_function_is_covered():
    public = {
        name for name, value in vars(states).items()
        if callable(value) and getattr(value, "__module__", "") == states.__name__ and not name.startswith("_")
    }
    helpers = {"is_live", "is_merged_away", "actions_for", "refusal", "check", "start_rewrite", "import_status", "Cause"}
    assert public - helpers == set(TRANSITIONS)


ALLOWED = [(name, status) for name, (_, sources, _) in TRANSITIONS.items() for status in sorted(sources)]
REFUSED = [(name, status) for name, (_, sources, _) in TRANSITIONS.items() for status in sorted(ALL - sources)]


@pytest.mark.parametrize("name, status", ALLOWED)
def test_allowed_transition_sets_the_status_and_mirrors_it_on_the_cluster(name, status):
    call, _, leads_to = TRANSITIONS[name]
    rewrite = make_rewrite(status=status)

    call(rewrite)

    rewrite.refresh_from_db()
    assert rewrite.status == leads_to(status)
    assert Cluster.objects.get(id=rewrite.cluster_id).status == leads_to(status)


# The transitions an editor's action causes; the others are the pipeline's own steps.
EDITORS_TRANSITIONS = {"approve", "spike", "restore", "change_output", "publish", "republish", "kill"}


@pytest.mark.parametrize("name, status", ALLOWED)
def test_every_transition_writes_its_audit_entry_with_the_actor_and_the_status_change(name, status, editor):
    from newsroom.models import AuditEntry

    call, _, leads_to = TRANSITIONS[name]
    rewrite = make_rewrite(status=status)

    call(rewrite, states.Cause("edit", actor=editor))

    entry = AuditEntry.objects.get(object_id=rewrite.id)
    assert entry.actor_id == (editor.id if name in EDITORS_TRANSITIONS else None)
    if leads_to(status) != status:
        assert entry.changes["status"] == [status, leads_to(status)]
    else:
        assert "status" not in entry.changes


@pytest.mark.parametrize("name, status", REFUSED)
def test_refused_transition_says_why_and_changes_nothing(name, status):
    call, _, _ = TRANSITIONS[name]
    rewrite = make_rewrite(status=status, cluster_status=S.DRAFT if status != S.DRAFT else S.FAILED)
    cluster_before = Cluster.objects.get(id=rewrite.cluster_id).status

    with pytest.raises(states.TransitionRefused) as refused:
        call(rewrite)

    assert len(str(refused.value)) > 20
    rewrite.refresh_from_db()
    assert rewrite.status == status
    assert Cluster.objects.get(id=rewrite.cluster_id).status == cluster_before


def test_a_refusal_names_the_status_and_what_to_do():
    rewrite = make_rewrite(status=S.SPIKED)

    with pytest.raises(states.TransitionRefused, match="A spiked rewrite cannot be edited; restore a revision"):
        states.change_output(rewrite, has_errors=False, cause=CAUSE)
    with pytest.raises(states.TransitionRefused, match="Only drafts can be approved; this rewrite is spiked"):
        states.approve(rewrite, cause=CAUSE)


def test_editing_an_approved_rewrite_with_error_lints_sends_it_back_to_draft():
    rewrite = make_rewrite(status=S.APPROVED)

    states.change_output(rewrite, has_errors=True, cause=CAUSE)

    rewrite.refresh_from_db()
    assert rewrite.status == S.DRAFT and rewrite.cluster.status == S.DRAFT


@pytest.mark.parametrize("change", [
    lambda r: states.change_output(r, has_errors=False, cause=CAUSE), lambda r: states.store_in_place(r),
])
def test_changing_a_published_rewrite_keeps_it_published_with_unpublished_changes(change):
    rewrite = make_rewrite(status=S.PUBLISHED)

    change(rewrite)

    rewrite.refresh_from_db()
    assert rewrite.status == S.PUBLISHED and rewrite.has_unpublished_changes


@pytest.mark.parametrize("call", [
    lambda r: states.publish(r, at=timezone.now(), live=True, cause=CAUSE),
    lambda r: states.republish(r, at=timezone.now(), live=False, cause=CAUSE),
    lambda r: states.kill(r, at=timezone.now(), live=False, cause=CAUSE),
])
def test_a_published_rewrite_is_republished_or_killed_only_while_public_and_published_only_when_not(call):
    rewrite = make_rewrite(status=S.PUBLISHED)

    with pytest.raises(states.TransitionRefused):
        call(rewrite)

    rewrite.refresh_from_db()
    assert rewrite.status == S.PUBLISHED


def test_a_merged_cluster_keeps_its_status_whatever_its_rewrite_does():
    rewrite = make_rewrite(status=S.GENERATING, cluster_status=Cluster.Status.MERGED)

    states.store_draft(rewrite)

    assert Cluster.objects.get(id=rewrite.cluster_id).status == Cluster.Status.MERGED


@pytest.mark.parametrize("status", sorted(ALL))
def test_a_merged_away_rewrite_allows_nothing_but_taking_its_page_down(status):
    rewrite = make_rewrite(status=status, cluster_status=Cluster.Status.MERGED)

    assert states.actions_for(rewrite, live=True) <= {Action.KILL}
    assert states.actions_for(rewrite, live=False) == set()
    for action in (Action.APPROVE, Action.PUBLISH, Action.EDIT, Action.REGENERATE):
        assert "its cluster was merged into another" in states.refusal(rewrite, action)


@pytest.mark.parametrize("status", sorted(ALL))
def test_import_sets_any_rewrite_status_and_leaves_the_cluster_as_its_record_says(status):
    rewrite = make_rewrite(status=S.QUEUED, cluster_status=Cluster.Status.OPEN)

    states.import_status(rewrite, status=status)

    rewrite.refresh_from_db()
    assert rewrite.status == status and rewrite.cluster.status == Cluster.Status.OPEN


def test_import_refuses_an_unknown_status():
    rewrite = make_rewrite(status=S.DRAFT)

    with pytest.raises(states.TransitionRefused, match="finished"):
        states.import_status(rewrite, status="finished")
    rewrite.refresh_from_db()
    assert rewrite.status == S.DRAFT


def test_starting_a_rewrite_queues_it_and_its_cluster_once():
    cluster = Cluster.objects.create(canonical_title="A story", source_count=1)

    first, created = states.start_rewrite(cluster=cluster)
    states.claim_generation(first)
    again, created_again = states.start_rewrite(cluster=cluster)

    assert created and not created_again and again.id == first.id
    assert Rewrite.objects.get(id=first.id).status == S.GENERATING
    assert Cluster.objects.get(id=cluster.id).status == S.GENERATING


# Cluster transitions


@pytest.mark.parametrize("status", sorted(set(Cluster.Status.values) - {Cluster.Status.MERGED}))
def test_any_live_cluster_can_be_merged(status):
    cluster = Cluster.objects.create(canonical_title="Away", status=status)
    keep = Cluster.objects.create(canonical_title="Keep")

    cluster_states.merge_cluster(cluster, into=keep)

    cluster.refresh_from_db()
    assert cluster.status == Cluster.Status.MERGED and cluster.merged_into_id == keep.id


@pytest.mark.parametrize("merged", ["away", "into"])
def test_merging_from_or_into_a_merged_cluster_is_refused_and_changes_nothing(merged):
    away = Cluster.objects.create(canonical_title="Away", status=Cluster.Status.MERGED if merged == "away" else "open")
    into = Cluster.objects.create(canonical_title="Into", status=Cluster.Status.MERGED if merged == "into" else "open")

    with pytest.raises(cluster_states.TransitionRefused, match="already merged into another cluster"):
        cluster_states.merge_cluster(away, into=into)

    assert Cluster.objects.get(id=away.id).merged_into_id is None


def test_a_cluster_cannot_be_merged_into_itself():
    cluster = Cluster.objects.create(canonical_title="Alone")

    with pytest.raises(cluster_states.TransitionRefused, match="itself"):
        cluster_states.merge_cluster(cluster, into=cluster)
    assert Cluster.objects.get(id=cluster.id).status == Cluster.Status.OPEN


# Which actions each status allows


EXPECTED_ACTIONS = {
    S.QUEUED: {Action.SPIKE, Action.ASSIGN},
    S.GENERATING: {Action.ASSIGN},
    S.DRAFT: {Action.EDIT, Action.APPROVE, Action.SPIKE, Action.RESTORE, Action.REGENERATE, Action.ASSIGN},
    S.APPROVED: {Action.EDIT, Action.SPIKE, Action.RESTORE, Action.REGENERATE, Action.PUBLISH, Action.ASSIGN},
    S.PUBLISHED: {Action.EDIT, Action.RESTORE, Action.REGENERATE, Action.REPUBLISH, Action.KILL, Action.ASSIGN},
    S.FAILED: {Action.EDIT, Action.SPIKE, Action.RESTORE, Action.REGENERATE, Action.ASSIGN},
    S.SPIKED: {Action.RESTORE},
}


@pytest.mark.parametrize("status", sorted(ALL))
def test_each_status_allows_the_actions_of_the_lifecycle(status):
    rewrite = make_rewrite(status=status)

    assert states.actions_for(rewrite, live=True) == EXPECTED_ACTIONS[status]


def test_a_published_rewrite_without_a_public_copy_may_be_published_but_not_republished_or_killed():
    rewrite = make_rewrite(status=S.PUBLISHED)

    actions = states.actions_for(rewrite)

    assert Action.PUBLISH in actions and not actions & {Action.REPUBLISH, Action.KILL}


def lifecycle_table() -> dict[str, set[str]]:
    """The status → actions table of docs/review.md."""
    text = (ROOT / "docs" / "review.md").read_text(encoding="utf-8")
    section = text.split("## Status lifecycle", 1)[1]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`"):
            status = cells[0].strip("`")
            rows[status] = {name.strip("*") for name in re.findall(r"\*\*\w+\*\*", cells[1])}
    return rows


def test_the_lifecycle_table_in_the_guide_matches_the_state_machine():
    table = lifecycle_table()

    assert set(table) == ALL
    for status, actions in table.items():
        live = make_rewrite(status=status)
        assert actions == {action.value for action in states.actions_for(live, live=True)}, status


# The state machines are the only writers


def status_writes(path: Path, name: str = "status") -> list[str]:
    """Lines of path that assign a model's status (or the field called name): x.status = ..., status= in
    update/create, or a "status" default."""
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, (ast.AugAssign, ast.AnnAssign)) else []
        for target in targets:
            if isinstance(target, ast.Attribute) and target.attr == name:
                owner = target.value.id if isinstance(target.value, ast.Name) else ""
                if owner not in {"filters", "self"}:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
        if (
            isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"update", "create", "get_or_create", "update_or_create", "bulk_update"}
        ):
            for keyword in node.keywords:
                if keyword.arg == name or (
                    keyword.arg in {"defaults", "create_defaults"} and isinstance(keyword.value, ast.Dict)
                    and any(isinstance(key, ast.Constant) and key.value == name for key in keyword.value.keys)
                ):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_only_the_state_machines_write_rewrite_and_cluster_status():
    machines = {ROOT / "rewrites" / "states.py", ROOT / "clusters" / "states.py"}
    writes = [
        line
        for package in ("rewrites", "clusters", "newsroom")
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts and path not in machines
        for line in status_writes(path)
    ]

    assert writes == []
    assert status_writes(ROOT / "rewrites" / "states.py")  # the check does see writes


def test_only_the_job_state_machine_writes_publish_job_and_webhook_delivery_state():
    machine = ROOT / "rewrites" / "publishing" / "job_states.py"
    writes = [
        line
        for package in ("rewrites", "clusters", "newsroom")
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts and path != machine
        for line in status_writes(path, "state")
    ]

    assert writes == []
    assert len(status_writes(machine, "state")) >= 7  # the check does see writes


# The generate_rewrite command follows the same rules


def test_generate_rewrite_command_refuses_a_spiked_rewrite_with_the_state_machines_reason():
    rewrite = make_rewrite(status=S.SPIKED)

    with pytest.raises(CommandError, match="This rewrite was spiked; restore it before regenerating."):
        call_command("generate_rewrite", rewrite.cluster_id)
    assert Rewrite.objects.get(id=rewrite.id).status == S.SPIKED


def test_a_new_rewrite_and_an_imported_status_change_are_audited(editor):
    from newsroom.models import AuditEntry

    cluster = Cluster.objects.create(canonical_title="A story", source_count=1, status=S.QUEUED)
    rewrite, created = states.start_rewrite(cluster=cluster)
    states.import_status(rewrite, status=S.APPROVED, actor=editor)
    states.import_status(rewrite, status=S.APPROVED, actor=editor)  # no change, no entry

    entries = list(AuditEntry.objects.filter(object_id=rewrite.id).order_by("id").values_list("action", "actor_id", "changes"))
    assert created and entries == [
        ("write_queue", None, {"status": [None, "queued"]}),
        ("import", editor.id, {"status": ["queued", "approved"]}),
    ]
