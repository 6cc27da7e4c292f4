"""Generation jobs on the ``generate`` queue, and everything that starts one.

Editors and the scheduler ask for generation here: ``request_rewrite`` for a
new cluster, ``regenerate_rewrite`` for an editor's request, and the scheduled
sweeps (``enqueue_settled_clusters``, ``enqueue_due_repairs``,
``recover_interrupted_generations``). Jobs are enqueued once the transaction
commits; the job itself takes ids and calls ``write.write_rewrite``.
``generation_progress`` tells the workspace how a job is getting on.
"""

from __future__ import annotations

from datetime import timedelta

import redis
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from rq import Retry
from rq.job import Job

from clusters.models import Cluster
from newsroom.audit import record
from newsroom.progress import Progress, ProgressState, read_job
from newsroom.queues import UNREACHABLE, JobState, get_queue
from newsroom.queues import active_job as active_queue_job
from newsroom.rules import Action, actor_refusal
from rewrites import states
from rewrites.checks.lint import MODEL_ATTRIBUTES, TEXT_FIELDS
from rewrites.fields import OUTPUT_FIELDS
from rewrites.generation.offline import OFFLINE_MODEL, writer_name
from rewrites.generation.translate import TranslationUnavailable, translate_sources
from rewrites.generation.write import is_being_generated, write_rewrite
from rewrites.models import OUTPUT_FIELD_NAMES, ModelCall, Rewrite

FIELD_LABELS = {field.record_name: field.label for field in OUTPUT_FIELDS}

QUEUE = "generate"
BATCH = 200


def generate_rewrite_job(
    rewrite_id: str, field: str | None = None, regenerate: bool = False, *, requested_by: int | None = None,
    base: dict | None = None,
) -> str:
    """Writes the rewrite (or one field); ``requested_by`` is the id of the editor who asked, ``base`` the
    text of the fields it replaces as it was when they asked. Returns what happened, for the job's result."""
    user = get_user_model().objects.filter(id=requested_by).first() if requested_by else None
    rewrite = write_rewrite(rewrite_id=rewrite_id, field=field, regenerate=regenerate, requested_by=user, base=base)
    if rewrite is None:
        return "skipped: another worker is generating it"
    if getattr(rewrite, "suggested", None):
        return SUGGESTED + ", ".join(rewrite.suggested)
    return f"{rewrite.status}: {rewrite.failure_reason}" if rewrite.failure_reason else rewrite.status


SUGGESTED = "suggested: "


def job_id_for(rewrite_id: str, field: str | None = None) -> str:
    return f"generate-{rewrite_id}" + (f"-{field}" if field else "")


def active_job(rewrite_id: str, field: str | None = None) -> Job | None:
    """Returns the rewrite's queued or running generation job, if there is one."""
    return active_queue_job(job_id_for(rewrite_id, field))


def enqueue_now(
    rewrite_id: str, *, field: str | None = None, regenerate: bool = False, requested_by: int | None = None,
    base: dict | None = None,
) -> str:
    """Puts the generation job on the queue unless it is already there or running; returns its id."""
    job_id = job_id_for(rewrite_id, field)
    if active_job(rewrite_id, field) is None:
        who = {"requested_by": requested_by} if requested_by else {}
        get_queue(QUEUE).enqueue(
            generate_rewrite_job,
            rewrite_id,
            field,
            regenerate,
            **who,
            **({"base": base} if base is not None else {}),
            job_id=job_id,
            job_timeout=settings.NEWSROOM_GENERATE_JOB_TIMEOUT_SECONDS,
            retry=Retry(max=1),
            result_ttl=24 * 3600,
            failure_ttl=7 * 24 * 3600,
        )
    return job_id


def enqueue_generation(
    rewrite_id: str, *, field: str | None = None, regenerate: bool = False, requested_by: int | None = None,
    base: dict | None = None,
) -> str:
    """Enqueues the generation job once the current transaction commits; returns the job id."""
    transaction.on_commit(
        lambda: enqueue_now(rewrite_id, field=field, regenerate=regenerate, requested_by=requested_by, base=base)
    )
    return job_id_for(rewrite_id, field)


def configured_writer() -> str:
    """The writer a job started now would use: the configured model, or the offline writer."""
    return writer_name(settings.NEWSROOM_MODEL if settings.OPENAI_BASE_URL else OFFLINE_MODEL)


def _writer_at_work(rewrite: Rewrite) -> str:
    """The model of the call a worker is waiting on for the rewrite, else the configured writer."""
    call = ModelCall.objects.filter(rewrite=rewrite, outcome=ModelCall.Outcome.PENDING).order_by("-id").first()
    return writer_name(call.model) if call is not None else configured_writer()


def generation_progress(rewrite: Rewrite, *, field: str | None = None) -> Progress:
    """How the rewrite's (or one field's) generation job is getting on: its state from the queue, its outcome
    from the rewrite, and the writer named: the model, or the offline writer."""
    what = f"the {FIELD_LABELS[field]} field" if field in FIELD_LABELS else "the rewrite"
    job = read_job(job_id_for(rewrite.id, field))
    if job.state == JobState.UNREACHABLE:
        return Progress(ProgressState.UNKNOWN, UNREACHABLE)
    retrying = f"The worker writing {what} stopped; retrying: it goes back in the queue by itself."
    if job.state == JobState.QUEUED:
        if field is None and rewrite.status == Rewrite.Status.GENERATING:
            # Marked generating, yet waiting: RQ put the job back after its worker stopped.
            return Progress(ProgressState.QUEUED, retrying)
        return Progress(ProgressState.QUEUED, f"Waiting for a worker to write {what} with {configured_writer()}…")
    if job.state == JobState.RUNNING:
        return Progress(ProgressState.RUNNING, f"Writing {what} with {_writer_at_work(rewrite)}…")
    abandoned = job.state == JobState.FAILED and "AbandonedJobError" in job.error
    if job.state == JobState.STOPPED or (abandoned and rewrite.status in states.WRITING):
        # The scheduler's recovery puts it back in the queue, so the page keeps following it.
        return Progress(ProgressState.QUEUED, retrying)
    if job.state == JobState.FAILED:
        return Progress(
            ProgressState.FAILED,
            rewrite.failure_reason or f"Writing {what} failed in the worker; an admin can see why at /admin/rq/.",
        )
    if rewrite.status == Rewrite.Status.FAILED:
        return Progress(ProgressState.FAILED, rewrite.failure_reason or f"Writing {what} failed.")
    if rewrite.status in {Rewrite.Status.QUEUED, Rewrite.Status.GENERATING} and job.state == JobState.MISSING:
        note = f" {rewrite.failure_reason}" if rewrite.failure_reason else ""
        return Progress(ProgressState.QUEUED, f"Waiting to write {what} with {configured_writer()}.{note}")
    if rewrite.failure_reason:
        return Progress(ProgressState.FAILED, rewrite.failure_reason)
    if isinstance(job.result, str) and job.result.startswith(SUGGESTED):
        return Progress(
            ProgressState.DONE,
            f"{writer_name(rewrite.model)} finished {what}, but it was edited meanwhile: the new text is offered "
            "beside the edited field(s) to accept or discard.",
        )
    return Progress(ProgressState.DONE, f"Finished: {what} written by {writer_name(rewrite.model)}.")


def regeneration_underway(rewrite: Rewrite) -> str | None:
    """The field (record name) whose regeneration job is queued or running, "" for the whole rewrite, None for none.

    Never raises: an unreachable queue reads as none.
    """
    try:
        for field in [None, *TEXT_FIELDS]:
            if active_job(rewrite.id, field) is not None:
                return field or ""
    except (redis.RedisError, OSError):
        return None
    return None


class RegenerateRefused(Exception):
    """A regeneration that cannot start; the message says why."""


def _settled() -> Q:
    cutoff = timezone.now() - timedelta(seconds=settings.NEWSROOM_SETTLE_SECONDS)
    return Q(last_seen_at__lte=cutoff) | Q(source_count__gte=settings.NEWSROOM_SETTLE_SOURCE_COUNT)


def request_rewrite(*, cluster: Cluster) -> Rewrite:
    """Creates the cluster's rewrite as queued (if it has none) and enqueues its generation."""
    with transaction.atomic():
        Cluster.objects.select_for_update().filter(id=cluster.id).first()
        rewrite, created = states.start_rewrite(cluster=cluster)
        if created:
            enqueue_generation(rewrite.id)
    return rewrite


def _requeue(rewrite: Rewrite, *, note: str = "") -> None:
    states.requeue(rewrite, note=note)
    enqueue_generation(rewrite.id)


def enqueue_settled_clusters() -> str:
    """Enqueues settled clusters that have no rewrite, and settled stale drafts.

    A stale rewrite that is approved, published, or a draft an editor changed
    after it was generated is never rewritten here: the queue shows it as
    stale (its cluster has more sources than it covers) for an editor to decide.
    """
    new = 0
    clusters = (
        Cluster.objects.filter(rewrite__isnull=True, source_count__gt=0)
        .exclude(status=Cluster.Status.MERGED)
        .filter(_settled())
        .order_by("last_seen_at")[:BATCH]
    )
    for cluster in clusters:
        request_rewrite(cluster=cluster)
        new += 1
    stale = 0
    # A draft an editor has changed since it was generated is left for the editor, like a published one.
    untouched = Q(facts_attempted_at__isnull=True) | Q(updated_at__lte=F("facts_attempted_at"))
    stale_drafts = Rewrite.objects.stale().filter(untouched, status=Rewrite.Status.DRAFT).filter(
        cluster__in=Cluster.objects.filter(_settled())
    )
    for rewrite in stale_drafts[:BATCH]:
        with transaction.atomic():
            locked = Rewrite.objects.select_for_update().filter(id=rewrite.id, status=Rewrite.Status.DRAFT).first()
            if locked is not None:
                _requeue(locked, note="The story has new sources; rewriting the draft.")
                stale += 1
    flagged = Rewrite.objects.stale().filter(
        Q(status__in=[Rewrite.Status.APPROVED, Rewrite.Status.PUBLISHED]) | Q(status=Rewrite.Status.DRAFT) & ~untouched
    ).count()
    return f"{new} new, {stale} stale drafts rewritten, {flagged} edited, approved or published flagged as stale"


def enqueue_due_repairs() -> str:
    """Enqueues queued rewrites whose repair (or budget wait) is due, and queued ones whose job was lost."""
    now = timezone.now()
    due = Rewrite.objects.filter(status=Rewrite.Status.QUEUED).filter(
        Q(next_repair_at__lte=now) | Q(next_repair_at__isnull=True)
    ).values_list("id", flat=True)[:BATCH]
    count = 0
    for rewrite_id in due:
        if active_job(rewrite_id) is None:
            enqueue_generation(rewrite_id)
            count += 1
    return f"{count} enqueued"


def recover_interrupted_generations() -> str:
    """Requeues rewrites left 'generating' by a worker that died, and marks their open calls interrupted."""
    count = 0
    for rewrite_id in Rewrite.objects.filter(status=Rewrite.Status.GENERATING).values_list("id", flat=True)[:BATCH]:
        if is_being_generated(rewrite_id) or active_job(rewrite_id) is not None:
            continue
        with transaction.atomic():
            rewrite = Rewrite.objects.select_for_update().filter(id=rewrite_id, status=Rewrite.Status.GENERATING).first()
            if rewrite is None:
                continue
            ModelCall.objects.filter(rewrite=rewrite, outcome=ModelCall.Outcome.PENDING).update(
                outcome=ModelCall.Outcome.INTERRUPTED, error="The worker stopped before the call finished."
            )
            states.recover_interrupted(
                rewrite, note="The worker stopped in the middle of generation; it is being retried."
            )
            enqueue_generation(rewrite.id)
        count += 1
    return f"{count} recovered"


def regeneration_mode(rewrite: Rewrite, *, field: str | None = None) -> str:
    """How a regeneration of the rewrite (or of one field) runs, as its status allows.

    Returns "field" (one field rewritten in place), "requeue" (a draft or failed
    rewrite goes back through the queue and the repair loop) or "in_place" (an
    approved or published one is rewritten where it stands). Raises
    RegenerateRefused, saying why, when the status does not allow it.
    """
    if field is not None and field not in TEXT_FIELDS:
        raise RegenerateRefused(f"'{field}' is not a rewrite field; choose one of {', '.join(TEXT_FIELDS)}.")
    if field is not None and rewrite.headline is None:
        raise RegenerateRefused("This rewrite has no text yet; regenerate all of it first.")
    if reason := states.refusal(rewrite, Action.REGENERATE):
        raise RegenerateRefused(reason)
    if field is not None:
        return "field"
    return "requeue" if rewrite.status in (Rewrite.Status.DRAFT, Rewrite.Status.FAILED) else "in_place"


def regenerate_rewrite(*, rewrite_id: str, field: str | None = None, user=None) -> str:
    """Enqueues a regeneration of the whole rewrite or of one field; returns the job id.

    ``regeneration_mode`` decides how it runs; raises RegenerateRefused when the
    rewrite is spiked or already being written. The job carries the user (named
    in the revision) and, for text written in place, the fields' text now, so
    that an edit saved while it runs is never written over.
    """
    if field is not None and field not in TEXT_FIELDS:
        raise RegenerateRefused(f"'{field}' is not a rewrite field; choose one of {', '.join(TEXT_FIELDS)}.")
    with transaction.atomic():
        rewrite = Rewrite.objects.select_for_update().filter(id=rewrite_id).first()
        if rewrite is None:
            raise RegenerateRefused(f"There is no rewrite {rewrite_id}.")
        if reason := actor_refusal(user, Action.REGENERATE, rewrite):
            raise RegenerateRefused(reason)
        mode = regeneration_mode(rewrite, field=field)
        requested_by = user.id if user is not None and user.is_authenticated else None
        reason = f"Regenerate {FIELD_LABELS.get(field, field)}." if field else "Regenerate the whole rewrite."
        if mode == "requeue":
            states.requeue(rewrite, cause=states.Cause("regenerate", actor=user, reason=reason))
            return enqueue_generation(rewrite.id, requested_by=requested_by)
        record(action="regenerate", actor=user, obj=rewrite, reason=reason)
        if mode == "field":
            base = {MODEL_ATTRIBUTES[field]: getattr(rewrite, MODEL_ATTRIBUTES[field])}
            return enqueue_generation(rewrite.id, field=field, requested_by=requested_by, base=base)
        base = {name: getattr(rewrite, name) for name in OUTPUT_FIELD_NAMES}
        return enqueue_generation(rewrite.id, regenerate=True, requested_by=requested_by, base=base)


# Source translations for the workspace (translate.py): one job per rewrite at a time.


def translate_sources_job(rewrite_id: str) -> str:
    """Translates the rewrite's sources; returns "ok: ..." or "failed: ..." with the reason, for the progress."""
    try:
        return "ok: " + translate_sources(rewrite_id=rewrite_id)
    except TranslationUnavailable as error:
        return f"failed: {error}"


def translation_job_id(rewrite_id: str) -> str:
    return f"translate-{rewrite_id}"


def enqueue_translation(rewrite_id: str) -> str:
    """Enqueues the translation of the rewrite's sources once the transaction commits, unless one is queued or
    running; returns the job id."""
    job_id = translation_job_id(rewrite_id)

    def enqueue() -> None:
        if active_queue_job(job_id) is None:
            get_queue(QUEUE).enqueue(
                translate_sources_job, rewrite_id, job_id=job_id,
                job_timeout=settings.NEWSROOM_GENERATE_JOB_TIMEOUT_SECONDS, result_ttl=3600, failure_ttl=24 * 3600,
            )

    transaction.on_commit(enqueue)
    return job_id


def translation_progress(rewrite_id: str) -> Progress | None:
    """How the rewrite's source translation is getting on, or None when none was asked for lately."""
    job = read_job(translation_job_id(rewrite_id))
    if job.state == JobState.MISSING:
        return None
    if job.state == JobState.UNREACHABLE:
        return Progress(ProgressState.UNKNOWN, UNREACHABLE)
    if job.state == JobState.QUEUED:
        return Progress(ProgressState.QUEUED, "Waiting for a worker to translate the sources…")
    if job.state == JobState.RUNNING:
        return Progress(ProgressState.RUNNING, "Translating the sources with the language model…")
    if job.state == JobState.FAILED:
        return Progress(ProgressState.FAILED, f"The translation job failed in the worker: {job.error}")
    if job.state == JobState.STOPPED:
        return Progress(ProgressState.FAILED, "The worker translating the sources stopped; ask again.")
    outcome, _, message = str(job.result or "").partition(": ")
    return Progress(ProgressState.DONE if outcome == "ok" else ProgressState.FAILED, message or "Finished.")
