"""Findings an editor checked and found correct: "checked, correct" with a reason.

``mark_finding_checked`` records the mark (a ``CheckedFinding`` and a "checked" revision in the
history) and re-runs the lints, which from then on leave that finding out while the flagged text
of that field is exactly the same. ``store_lints`` clears a mark once its text is no longer
flagged (the editor changed it), so a later finding on new text is shown again.
"""

from __future__ import annotations

from django.db import transaction

from rewrites.checked import CHECKABLE_CODES
from rewrites.lint import claim_check_findings, lint_rewrite, store_lints
from rewrites.models import CheckedFinding, Revision, Rewrite
from rewrites.review import ReviewError, mark_changed, record_revision


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
