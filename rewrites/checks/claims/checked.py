"""The "checked, correct" marks the lints consult: which findings an editor vouched for, and clearing
the marks whose text is no longer flagged. Recording a mark is ``overrides.mark_finding_checked``."""

from __future__ import annotations

from django.utils import timezone

from rewrites.models import CheckedFinding, Rewrite

# The findings that are a judgement about the sources, which an editor can vouch for; the others
# (lengths, HTML, boilerplate ...) are fixed by editing.
CHECKABLE_CODES = {
    "unsupported-number", "unsupported-date", "unsupported-name", "unsupported-quote", "unsupported-content",
    "name-not-checked", "claim-contradicted", "claim-not-found",
}


def checked_keys(rewrite: Rewrite) -> set[tuple[str, str, str]]:
    """(field, code, text) of the rewrite's active marks."""
    if rewrite._state.adding:
        return set()
    return set(rewrite.checked_findings.active().values_list("field", "code", "text"))


def clear_stale_marks(rewrite: Rewrite, findings) -> int:
    """Clears the marks whose text the lints no longer flag; returns how many were cleared."""
    if rewrite._state.adding:
        return 0
    flagged = {(finding.field, finding.code, finding.text) for finding in findings}
    stale = [
        mark.id for mark in rewrite.checked_findings.active() if (mark.field, mark.code, mark.text) not in flagged
    ]
    if stale:
        CheckedFinding.objects.filter(id__in=stale).update(cleared_at=timezone.now())
    return len(stale)
