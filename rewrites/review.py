"""Editors' changes to a rewrite: edits with version checks, approval, spiking, restoring, findings marked checked, history.

Every change runs inside one transaction that locks the rewrite's row, raises
its version and records a Revision, so two editors can never overwrite each
other silently: a save made on an older version raises EditConflict.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from newsroom.rules import Action
from rewrites import states
from rewrites.claims.checked import CHECKABLE_CODES
from rewrites.lint import claim_check_findings, lint_rewrite, store_lints
from rewrites.models import OUTPUT_FIELD_NAMES, OUTPUT_FIELDS, CheckedFinding, Revision, Rewrite
from rewrites.webcard import safe_web_card

FIELD_LABELS = {name: label for name, _, label in OUTPUT_FIELDS}


class ReviewError(Exception):
    """An action that cannot be done now; the message says why and what to do."""


@dataclass
class EditConflict(Exception):
    """A save made on an older version of the rewrite."""

    rewrite: Rewrite
    field: str
    your_value: str
    base_version: int

    def __str__(self) -> str:
        return (
            f"{FIELD_LABELS.get(self.field, self.field)} was changed by someone else "
            f"(version {self.base_version} → {self.rewrite.version})."
        )


def snapshot(rewrite: Rewrite) -> dict[str, str | None]:
    return {name: getattr(rewrite, name) for name in OUTPUT_FIELD_NAMES}


def record_revision(
    *, rewrite: Rewrite, kind: str, user=None, reason: str = "", changed_fields: list[str] | None = None
) -> Revision:
    """Records the rewrite's current output as its next revision; call with the row locked."""
    last = rewrite.revisions.aggregate(last=Max("number"))["last"] or 0
    return Revision.objects.create(
        rewrite=rewrite,
        number=last + 1,
        kind=kind,
        user=user if user is not None and user.is_authenticated else None,
        reason=reason,
        fields=snapshot(rewrite),
        changed_fields=changed_fields or [],
    )


def _locked(rewrite_id: str) -> Rewrite:
    return Rewrite.objects.select_for_update().select_related("cluster").get(id=rewrite_id)


def _check(rewrite: Rewrite, action: Action) -> None:
    if reason := states.refusal(rewrite, action):
        raise ReviewError(reason)


def mark_changed(rewrite: Rewrite, *, at=None) -> None:
    """Raises the rewrite's version and its updatedAt, as every saved change must (the caller saves)."""
    rewrite.version += 1
    rewrite.updated_at = at or timezone.now()


def error_lints(rewrite: Rewrite) -> list[dict]:
    return [flag for flag in rewrite.lint_flags if flag.get("severity") == "error"]


def _clean_value(field: str, value: str) -> str:
    value = value.replace("\r\n", "\n")
    if field == "web_card_html":
        return safe_web_card(value)
    return value.strip()


@transaction.atomic
def edit_field(*, rewrite_id: str, field: str, value: str, base_version: int, user) -> Rewrite:
    """Saves one output field, re-runs the lints and records an "edited" revision.

    Raises EditConflict when the rewrite changed since base_version, and
    ReviewError when the rewrite cannot be edited now.
    """
    if field not in OUTPUT_FIELD_NAMES:
        raise ReviewError(f"'{field}' is not a field editors can change.")
    rewrite = _locked(rewrite_id)
    if rewrite.version != base_version:
        raise EditConflict(rewrite=rewrite, field=field, your_value=value, base_version=base_version)
    _check(rewrite, Action.EDIT)
    value = _clean_value(field, value)
    if value == (getattr(rewrite, field) or ""):
        return rewrite
    setattr(rewrite, field, value)
    _after_output_change(rewrite)
    record_revision(rewrite=rewrite, kind=Revision.Kind.EDITED, user=user, changed_fields=[field])
    return rewrite


def _after_output_change(rewrite: Rewrite) -> None:
    """Re-runs the lints, updates the status that depends on them, and saves."""
    store_lints(rewrite)
    states.change_output(rewrite, has_errors=bool(error_lints(rewrite)))
    mark_changed(rewrite)
    rewrite.save()


@transaction.atomic
def approve_rewrite(*, rewrite_id: str, user, override_reason: str = "") -> Rewrite:
    """Approves a draft; refused while error-level lints remain, unless overridden with a reason."""
    rewrite = _locked(rewrite_id)
    _check(rewrite, Action.APPROVE)
    errors = error_lints(rewrite)
    override_reason = override_reason.strip()
    if errors and not override_reason:
        codes = ", ".join(sorted({flag["code"] for flag in errors}))
        raise ReviewError(
            f"{len(errors)} error-level lint(s) remain ({codes}). Fix them, or approve anyway with a reason."
        )
    states.approve(rewrite)
    mark_changed(rewrite)
    rewrite.save()
    reason = f"Approved over {len(errors)} error lint(s): {override_reason}" if errors else override_reason
    record_revision(rewrite=rewrite, kind=Revision.Kind.APPROVED, user=user, reason=reason)
    return rewrite


@transaction.atomic
def spike_rewrite(*, rewrite_id: str, user, reason: str) -> Rewrite:
    """Rejects a rewrite with a reason; it leaves the review queue."""
    reason = reason.strip()
    if not reason:
        raise ReviewError("Say why the story is spiked; the reason is kept in its history.")
    rewrite = _locked(rewrite_id)
    _check(rewrite, Action.SPIKE)
    states.spike(rewrite)
    mark_changed(rewrite)
    rewrite.save()
    record_revision(rewrite=rewrite, kind=Revision.Kind.SPIKED, user=user, reason=reason)
    return rewrite


@transaction.atomic
def restore_revision(*, rewrite_id: str, number: int, user, base_version: int) -> Rewrite:
    """Makes an earlier revision's output current again, as a new "restored" revision."""
    rewrite = _locked(rewrite_id)
    if rewrite.version != base_version:
        raise ReviewError("The rewrite changed while you were looking at its history; reload and try again.")
    _check(rewrite, Action.RESTORE)
    revision = rewrite.revisions.filter(number=number).first()
    if revision is None:
        raise ReviewError(f"This rewrite has no revision {number}.")
    changed = [name for name in OUTPUT_FIELD_NAMES if revision.fields.get(name) != getattr(rewrite, name)]
    for name in changed:
        setattr(rewrite, name, revision.fields.get(name))
    states.restore(rewrite)
    _after_output_change(rewrite)
    record_revision(
        rewrite=rewrite, kind=Revision.Kind.RESTORED, user=user,
        reason=f"Restored revision {number}", changed_fields=changed,
    )
    return rewrite


@transaction.atomic
def mark_finding_checked(*, rewrite_id: str, field: str, code: str, text: str, reason: str, user) -> CheckedFinding:
    """Marks the current finding (field, code, flagged text) as checked and correct, with the reason.

    Raises ReviewError when the reason is blank, when the finding is not one about the sources
    (``CHECKABLE_CODES``: lengths, HTML and the like are fixed by editing), or when no such finding
    is on the rewrite now (it was fixed, or the page is out of date).
    """
    reason = reason.strip()
    if code not in CHECKABLE_CODES:
        raise ReviewError(f"A {code} finding cannot be marked as checked; fix the text instead.")
    if not reason:
        raise ReviewError("Say why the finding is correct; the reason is kept in the rewrite's history.")
    rewrite = Rewrite.objects.select_for_update().select_related("cluster").get(id=rewrite_id)
    current = [
        finding for finding in lint_rewrite(rewrite) + claim_check_findings(rewrite)
        if (finding.field, finding.code, finding.text) == (field, code, text)
    ]
    if not current:
        raise ReviewError(
            f"There is no {code} finding on '{text}' in {field} now; it may have been fixed. Reload the workspace."
        )
    mark, _ = CheckedFinding.objects.update_or_create(
        rewrite=rewrite, field=field, code=code, text=text, cleared_at=None,
        defaults={"reason": reason, "user": user if user is not None and user.is_authenticated else None,
                  "message": current[0].message},
    )
    store_lints(rewrite)
    mark_changed(rewrite)
    rewrite.save()
    mark.revision = record_revision(
        rewrite=rewrite, kind=Revision.Kind.CHECKED, user=user,
        reason=f"Checked {code} '{text}' in {field}: {reason}",
    )
    mark.save(update_fields=["revision"])
    return mark


TOKEN = re.compile(r"\s+|[^\s]+")


def word_diff(old: str | None, new: str | None) -> list[tuple[str, str]]:
    """Returns [(op, text)] with op in "same", "removed", "added", word by word."""
    before, after = TOKEN.findall(old or ""), TOKEN.findall(new or "")
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    parts: list[tuple[str, str]] = []
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(("same", "".join(before[a1:a2])))
        else:
            if a2 > a1:
                parts.append(("removed", "".join(before[a1:a2])))
            if b2 > b1:
                parts.append(("added", "".join(after[b1:b2])))
    return parts


def compare_revisions(first: Revision, second: Revision) -> list[dict]:
    """Word-level differences between two revisions, field by field (changed fields only)."""
    differences = []
    for name, _, label in OUTPUT_FIELDS:
        old, new = first.fields.get(name), second.fields.get(name)
        if old != new:
            differences.append({"field": name, "label": label, "parts": word_diff(old, new)})
    return differences
