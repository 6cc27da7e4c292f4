"""Editors' changes to a rewrite: edits with version checks, approval, spiking, restoring, findings marked checked,
credits and slug, regenerated text offered as a suggestion, history.

Every change runs inside one transaction that locks the rewrite's row, raises
its version and records a Revision, so two editors can never overwrite each
other silently: a save made on an older version raises EditConflict.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from newsroom.audit import record
from newsroom.notifications import clear, notify
from newsroom.parameters import ParameterError, whole_number
from newsroom.rules import RULES, Action, actor_refusal, may
from rewrites import states
from rewrites.checks.claims.checked import CHECKABLE_CODES
from rewrites.checks.lint import claim_check_findings, lint_rewrite, store_lints
from rewrites.checks.webcard import safe_web_card
from rewrites.models import (
    HISTORY_FIELD_NAMES,
    HISTORY_LABELS,
    OUTPUT_FIELD_NAMES,
    CheckedFinding,
    PublishedStory,
    Revision,
    Rewrite,
    StoryRedirect,
    Suggestion,
)
from rewrites.revisions import mark_changed, record_revision

FIELD_LABELS = HISTORY_LABELS
MAX_CREDITS = 20


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


def _locked(rewrite_id: str) -> Rewrite:
    return Rewrite.objects.select_for_update().select_related("cluster").get(id=rewrite_id)


def _check(user, rewrite: Rewrite, action: Action) -> None:
    """Raises ReviewError saying why, unless the user's role and the rewrite's status allow the action."""
    if reason := actor_refusal(user, action, rewrite):
        raise ReviewError(reason)


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
    _check(user, rewrite, Action.EDIT)
    value = _clean_value(field, value)
    before = getattr(rewrite, field)
    if value == (before or ""):
        return rewrite
    setattr(rewrite, field, value)
    _after_output_change(rewrite, cause=states.Cause("edit", actor=user, changes={field: [before, value]}))
    record_revision(rewrite=rewrite, kind=Revision.Kind.EDITED, user=user, changed_fields=[field])
    return rewrite


def _after_output_change(rewrite: Rewrite, *, cause: states.Cause, restoring: bool = False) -> None:
    """Re-runs the lints, updates the status that depends on them (auditing the change as cause), and saves."""
    store_lints(rewrite)
    transition = states.restore if restoring else states.change_output
    transition(rewrite, has_errors=bool(error_lints(rewrite)), cause=cause)
    mark_changed(rewrite)
    rewrite.save()


@transaction.atomic
def approve_rewrite(*, rewrite_id: str, user, override_reason: str = "") -> Rewrite:
    """Approves a draft; refused while error-level lints remain, unless overridden with a reason."""
    rewrite = _locked(rewrite_id)
    _check(user, rewrite, Action.APPROVE)
    errors = error_lints(rewrite)
    override_reason = override_reason.strip()
    if errors and not override_reason:
        codes = ", ".join(sorted({flag["code"] for flag in errors}))
        raise ReviewError(
            f"{len(errors)} error-level lint(s) remain ({codes}). Fix them, or approve anyway with a reason."
        )
    reason = f"Approved over {len(errors)} error lint(s): {override_reason}" if errors else override_reason
    states.approve(rewrite, cause=states.Cause("approve", actor=user, reason=reason))
    mark_changed(rewrite)
    rewrite.save()
    record_revision(rewrite=rewrite, kind=Revision.Kind.APPROVED, user=user, reason=reason)
    return rewrite


@transaction.atomic
def spike_rewrite(*, rewrite_id: str, user, reason: str) -> Rewrite:
    """Rejects a rewrite with a reason; it leaves the review queue."""
    reason = reason.strip()
    if not reason:
        raise ReviewError("Say why the story is spiked; the reason is kept in its history.")
    rewrite = _locked(rewrite_id)
    _check(user, rewrite, Action.SPIKE)
    states.spike(rewrite, cause=states.Cause("spike", actor=user, reason=reason))
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
    _check(user, rewrite, Action.RESTORE)
    revision = rewrite.revisions.filter(number=number).first()
    if revision is None:
        raise ReviewError(f"This rewrite has no revision {number}.")
    # Revisions made before the credits were kept in history leave the credits as they are.
    changed = [
        name for name in HISTORY_FIELD_NAMES
        if name in revision.fields and revision.fields[name] != getattr(rewrite, name)
    ]
    before = {name: getattr(rewrite, name) for name in changed}
    for name in changed:
        setattr(rewrite, name, revision.fields.get(name))
    changes = {name: [before[name], getattr(rewrite, name)] for name in changed}
    _after_output_change(
        rewrite, cause=states.Cause("restore", actor=user, reason=f"Restored revision {number}", changes=changes),
        restoring=True,
    )
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
    _check(user, rewrite, Action.EDIT)
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
    why = f"Checked {code} '{text}' in {field}: {reason}"
    mark.revision = record_revision(rewrite=rewrite, kind=Revision.Kind.CHECKED, user=user, reason=why)
    mark.save(update_fields=["revision"])
    record(action="check_finding", actor=user, obj=rewrite, reason=why)
    return mark


@transaction.atomic
def edit_attribution(*, rewrite_id: str, credits: list[dict], base_version: int, user) -> Rewrite:
    """Saves the credits (source, link, English title of each), re-runs the lints and records an "edited" revision.

    Blank rows are dropped. Raises ReviewError naming the credit at fault (no source name, a link that
    is not an http(s) address, too many credits), EditConflict when the rewrite changed since
    base_version.
    """
    cleaned = clean_credits(credits)
    rewrite = _locked(rewrite_id)
    value = json.dumps(cleaned, ensure_ascii=False, separators=(",", ":"))
    if rewrite.version != base_version:
        raise EditConflict(rewrite=rewrite, field="attribution_json", your_value=value, base_version=base_version)
    _check(user, rewrite, Action.EDIT)
    if cleaned == rewrite.attribution:
        return rewrite
    before = rewrite.attribution_json
    rewrite.attribution_json = value
    _after_output_change(rewrite, cause=states.Cause("edit", actor=user, changes={"attribution_json": [before, value]}))
    record_revision(rewrite=rewrite, kind=Revision.Kind.EDITED, user=user, changed_fields=["attribution_json"])
    return rewrite


def clean_credits(credits: list[dict]) -> list[dict]:
    """The credits with blanks trimmed and empty rows left out; raises ReviewError for one that cannot be kept."""
    cleaned = []
    check_url = URLValidator(schemes=["http", "https"])
    rows = [
        {key: (str(credit.get(key) or "")).strip() for key in ("source", "url", "title")} for credit in credits
    ]
    rows = [row for row in rows if any(row.values())]
    if len(rows) > MAX_CREDITS:
        raise ReviewError(f"A story can credit at most {MAX_CREDITS} sources; remove {len(rows) - MAX_CREDITS}.")
    for position, row in enumerate(rows, start=1):
        if not row["source"]:
            raise ReviewError(f"Credit {position} needs the name of its source (for example GIGAZINE).")
        if len(row["source"]) > 200:
            raise ReviewError(f"Credit {position}: the source name is longer than 200 characters.")
        try:
            check_url(row["url"])
        except ValidationError:
            raise ReviewError(
                f"Credit {position} ({row['source']}) needs the address of the article it credits, "
                "starting with https:// or http://."
            ) from None
        cleaned.append(row)
    return cleaned


@transaction.atomic
def change_slug(*, rewrite_id: str, slug: str, base_version: int, user) -> Rewrite:
    """Gives the rewrite a new slug (its address /stories/<slug>/), made lower case with hyphens.

    A story already on the public site moves to the new address when it is republished; its old
    address then answers with a permanent redirect (``publishing.publish``). Raises ReviewError when
    the slug is empty or belongs to another story, or the rewrite changed since base_version.
    """
    wanted = slugify(slug)[:200].strip("-")
    if not wanted:
        raise ReviewError("A slug needs letters or digits, for example alibaba-bans-claude-code.")
    rewrite = _locked(rewrite_id)
    if rewrite.version != base_version:
        raise ReviewError("The rewrite changed while you were editing its slug; reload and try again.")
    _check(user, rewrite, Action.EDIT)
    if wanted == rewrite.slug:
        return rewrite
    if (
        Rewrite.objects.exclude(id=rewrite.id).filter(slug=wanted).exists()
        or PublishedStory.objects.exclude(rewrite=rewrite).filter(slug=wanted).exists()
        or StoryRedirect.objects.exclude(story__rewrite=rewrite).filter(slug=wanted).exists()
    ):
        raise ReviewError(f"The address /stories/{wanted}/ already belongs to another story; choose another slug.")
    old = rewrite.slug
    rewrite.slug = wanted
    live = PublishedStory.objects.live().filter(rewrite=rewrite).exists()
    reason = f"Slug changed from {old or '(none)'} to {wanted}."
    if live:
        reason += " The story moves there when it is republished; the old address then redirects."
    # The text is unchanged, so an approved rewrite stays approved; a published one has a change to republish.
    states.change_output(
        rewrite, has_errors=False, cause=states.Cause("edit", actor=user, reason=reason, changes={"slug": [old, wanted]})
    )
    mark_changed(rewrite)
    rewrite.save()
    record_revision(rewrite=rewrite, kind=Revision.Kind.EDITED, user=user, reason=reason, changed_fields=["slug"])
    return rewrite


@transaction.atomic
def accept_suggestion(*, suggestion_id: int, base_version: int, user) -> Rewrite:
    """Makes a regenerated suggestion the field's text, as a "regenerated" revision by the editor who accepted it.

    Raises EditConflict when the rewrite changed since base_version (the suggestion stays open), and
    ReviewError when the suggestion was already accepted or discarded.
    """
    rewrite_id = Suggestion.objects.filter(id=suggestion_id).values_list("rewrite_id", flat=True).first()
    if rewrite_id is None:
        raise ReviewError("That suggestion no longer exists; reload the workspace.")
    rewrite = _locked(rewrite_id)
    suggestion = Suggestion.objects.select_for_update().get(id=suggestion_id)
    if suggestion.resolved_at is not None:
        raise ReviewError(f"That suggestion was already {suggestion.get_resolution_display().lower()}; reload the workspace.")
    if rewrite.version != base_version:
        raise EditConflict(rewrite=rewrite, field=suggestion.field, your_value=suggestion.text, base_version=base_version)
    _check(user, rewrite, Action.EDIT)
    before = getattr(rewrite, suggestion.field)
    setattr(rewrite, suggestion.field, _clean_value(suggestion.field, suggestion.text))
    why = f"Accepted the regenerated text written by {suggestion.model or 'the model'}."
    _after_output_change(rewrite, cause=states.Cause(
        "accept_suggestion", actor=user, reason=why,
        changes={suggestion.field: [before, getattr(rewrite, suggestion.field)]},
    ))
    _resolve(suggestion, Suggestion.Resolution.ACCEPTED, user)
    record_revision(
        rewrite=rewrite, kind=Revision.Kind.REGENERATED, user=user, changed_fields=[suggestion.field], reason=why,
    )
    return rewrite


@transaction.atomic
def discard_suggestion(*, suggestion_id: int, user) -> Suggestion:
    """Drops a regenerated suggestion; the field keeps its text. Raises ReviewError when it is already resolved."""
    suggestion = Suggestion.objects.select_for_update().filter(id=suggestion_id).first()
    if suggestion is None:
        raise ReviewError("That suggestion no longer exists; reload the workspace.")
    if suggestion.resolved_at is not None:
        raise ReviewError(f"That suggestion was already {suggestion.get_resolution_display().lower()}; reload the workspace.")
    _check(user, suggestion.rewrite, Action.EDIT)
    _resolve(suggestion, Suggestion.Resolution.DISCARDED, user)
    record(
        action="discard_suggestion", actor=user, object_type="rewrite", object_id=suggestion.rewrite_id,
        object_label=str(suggestion.rewrite), reason=f"Discarded the regenerated {suggestion.field}.",
    )
    return suggestion


def _resolve(suggestion: Suggestion, resolution: str, user) -> None:
    suggestion.resolution = resolution
    suggestion.resolved_at = timezone.now()
    suggestion.resolved_by = user if user is not None and user.is_authenticated else None
    suggestion.save(update_fields=["resolution", "resolved_at", "resolved_by"])


@transaction.atomic
def assign_rewrite(*, rewrite_id: str, assignee, user) -> Rewrite:
    """Assigns the rewrite to assignee (a user whose role may edit rewrites), or unassigns it when assignee is
    None; the user assigning it to themselves claims it. Recorded in the history.

    Raises ReviewError when the user's role or the rewrite's status does not allow it, or the
    assignee's role cannot edit rewrites. The version is not raised: an assignment changes no text,
    so nobody's open edit becomes a conflict.
    """
    rewrite = _locked(rewrite_id)
    _check(user, rewrite, Action.ASSIGN)
    if assignee is not None and not may(assignee, Action.EDIT):
        raise ReviewError(
            f"{assignee.get_username()} cannot edit rewrites (their role does not allow it), so the story "
            "cannot be assigned to them; choose an editor."
        )
    previous = rewrite.assigned_to
    if (previous.pk if previous else None) == (assignee.pk if assignee else None):
        return rewrite
    rewrite.assigned_to = assignee
    rewrite.assigned_at = timezone.now() if assignee is not None else None
    rewrite.save(update_fields=["assigned_to", "assigned_at"])
    if assignee is None:
        what = f"Unassigned (was {previous.get_username()})"
    elif user is not None and assignee.pk == user.pk:
        what = f"Claimed by {assignee.get_username()}"
    else:
        what = f"Assigned to {assignee.get_username()}"
    record_revision(rewrite=rewrite, kind=Revision.Kind.ASSIGNED, user=user, reason=what)
    record(
        action="assign", actor=user, obj=rewrite,
        changes={"assigned to": [previous.get_username() if previous else "", assignee.get_username() if assignee else ""]},
    )
    if previous is not None:
        clear(f"assigned:{rewrite.id}:{previous.pk}")
    if assignee is not None and (user is None or assignee.pk != user.pk):
        notify(
            kind="assigned", cause_key=f"assigned:{rewrite.id}:{assignee.pk}", recipients=[assignee],
            message=f"{user.get_username() if user else 'The desk'} assigned you “{rewrite.headline or rewrite.id}”.",
            link=reverse("rewrites:workspace", args=[rewrite.id]),
        )
    return rewrite


def assignable_editors() -> list:
    """The active users whose role may edit rewrites, by name: whom a rewrite can be assigned to."""
    permission = RULES[Action.EDIT].permission
    return list(get_user_model().objects.with_perm(permission, backend="django.contrib.auth.backends.ModelBackend").filter(is_active=True).order_by("username")[:500])


def assignee_from(value: str, *, user):
    """The user a form's `assignee` names: "me" for the user, a user id, or "" for nobody."""
    value = (value or "").strip()
    if not value:
        return None
    if value == "me":
        return user
    try:
        found = get_user_model().objects.filter(pk=whole_number(value, name="assignee")).first()
    except ParameterError:
        found = None
    if found is None:
        raise ReviewError("Choose an editor from the list; that account does not exist.")
    return found
