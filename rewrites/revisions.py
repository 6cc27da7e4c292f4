"""A rewrite's revision history: what each revision keeps, recording one, and the differences between them.

Every saved change raises the rewrite's version (``mark_changed``) and records a
revision (``record_revision``) inside the change's transaction; generation,
publishing and the desk's actions all do. Restoring a revision is an editor's
action (``rewrites.desk.review.restore_revision``).
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass

from django.db.models import Max
from django.utils import timezone

from rewrites.models import HISTORY_FIELD_NAMES, HISTORY_FIELDS, HISTORY_LABELS, OUTPUT_FIELD_NAMES, Revision, Rewrite

FIELD_LABELS = HISTORY_LABELS


def snapshot(rewrite: Rewrite) -> dict[str, str | None]:
    """The rewrite's text as a revision keeps it: every output field and the credits."""
    return {name: getattr(rewrite, name) for name in HISTORY_FIELD_NAMES}


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
        version=rewrite.version,
    )


def mark_changed(rewrite: Rewrite, *, at=None) -> None:
    """Raises the rewrite's version and its updatedAt, as every saved change must (the caller saves)."""
    rewrite.version += 1
    rewrite.updated_at = at or timezone.now()


# Revisions whose text the model wrote (an import counts: an earlier pipeline wrote it), and editors' text changes.
WRITTEN_BY_MODEL = {Revision.Kind.IMPORTED, Revision.Kind.GENERATED, Revision.Kind.REPAIRED}
EDITORS_TEXT = {Revision.Kind.EDITED, Revision.Kind.RESTORED}


@dataclass
class EditedSinceWritten:
    """A field an editor changed after the model last wrote it: what a regeneration would replace."""

    field: str
    label: str
    editors: list[str]
    written: str | None  # the model's text, None when the history does not go back that far
    current: str
    parts: list[tuple[str, str]]


def edits_since_generation(rewrite: Rewrite, *, field: str | None = None) -> list[EditedSinceWritten]:
    """The fields (or the one field) that editors changed since the model last wrote them, newest history first.

    A field counts when an edit or restore changed it after the last generation, repair or
    regeneration that wrote it, and its text now differs from what the model wrote.
    """
    wanted = [field] if field else list(OUTPUT_FIELD_NAMES)
    pending, editors, written = set(wanted), {name: [] for name in wanted}, {}
    for revision in rewrite.revisions.select_related("user").order_by("-number"):
        if not pending:
            break
        if revision.kind in WRITTEN_BY_MODEL or revision.kind == Revision.Kind.REGENERATED:
            covered = set(revision.changed_fields) if revision.kind == Revision.Kind.REGENERATED else set(OUTPUT_FIELD_NAMES)
            for name in pending & covered:
                written[name] = revision.fields.get(name) or ""
            pending -= covered
        elif revision.kind in EDITORS_TEXT:
            who = revision.user.get_username() if revision.user else "the desk"
            for name in pending & set(revision.changed_fields):
                if who not in editors[name]:
                    editors[name].append(who)
    edited = []
    for name in wanted:
        current = getattr(rewrite, name) or ""
        before = written.get(name)
        if not editors[name] or before == current:
            continue
        edited.append(EditedSinceWritten(
            field=name, label=FIELD_LABELS[name], editors=editors[name], written=before, current=current,
            parts=word_diff(before, current) if before is not None else [],
        ))
    return edited


TOKEN = re.compile(r"\s+|[^\s]+")


def word_diff(old: str | None, new: str | None) -> list[tuple[str, str]]:
    """Returns [(op, text)] with op in "same", "removed", "added" or "gap", word by word.

    Words replaced by others come as one removed run then one added run (the blanks between
    changed words go with them), with a "gap" (one space) between the two when neither brings a
    blank of its own, so that "A" replaced by "Canada" reads "A Canada", not "ACanada".
    """
    before, after = TOKEN.findall(old or ""), TOKEN.findall(new or "")
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    opcodes = matcher.get_opcodes()
    runs: list[list] = []  # ["same", text] or ["changed", removed, added]
    for index, (op, a1, a2, b1, b2) in enumerate(opcodes):
        removed, added = "".join(before[a1:a2]), "".join(after[b1:b2])
        between_changes = 0 < index < len(opcodes) - 1 and not removed.strip()
        if op == "equal" and not between_changes:
            runs.append(["same", removed])
        elif runs and runs[-1][0] == "changed":
            runs[-1][1] += removed
            runs[-1][2] += added
        else:
            runs.append(["changed", removed, added])
    parts: list[tuple[str, str]] = []
    for run in runs:
        if run[0] == "same":
            parts.append(("same", run[1]))
            continue
        _, removed, added = run
        if removed:
            parts.append(("removed", removed))
        if removed and added and not removed[-1].isspace() and not added[0].isspace():
            parts.append(("gap", " "))
        if added:
            parts.append(("added", added))
    return parts


def _history_text(name: str, value) -> str | None:
    if name != "attribution_json" or not value:
        return value
    try:
        credits = json.loads(value)
    except ValueError:
        return value
    return "\n".join(f"{c.get('source', '')}: {c.get('title', '')} <{c.get('url', '')}>" for c in credits)


def compare_revisions(first: Revision, second: Revision) -> list[dict]:
    """Word-level differences between two revisions, field by field (changed fields only)."""
    differences = []
    for name, _, label in HISTORY_FIELDS:
        if name not in first.fields or name not in second.fields:
            continue
        old, new = _history_text(name, first.fields.get(name)), _history_text(name, second.fields.get(name))
        if old != new:
            differences.append({"field": name, "label": label, "parts": word_diff(old, new)})
    return differences
