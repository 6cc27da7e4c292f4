"""Publish, republish and kill from the desk, and the publish job's progress (newsroom/progress.py, htmx)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import trigger_client_event

from newsroom.queues import queue_problem
from newsroom.responses import HtmxHttpRequest, respond_after_action
from newsroom.rules import Action, allowed_actions, requires
from rewrites.models import PublishedStory, PublishJob, Rewrite
from rewrites.publishing.jobs import kill_story, publish_progress, request_publish
from rewrites.publishing.publish import PublishError

PUBLISH_ACTIONS = [Action.PUBLISH, Action.REPUBLISH, Action.KILL]

RECENT_JOBS = 5


def publish_status_context(request: HtmxHttpRequest, rewrite: Rewrite, *, error: str = "", notice: str = "") -> dict:
    """What rewrites/publish_status.html#publish-status needs, for pages that include the partial."""
    story = PublishedStory.objects.filter(rewrite=rewrite).first()
    jobs = list(rewrite.publish_jobs.select_related("requested_by")[:RECENT_JOBS])
    followed = next((job for job in jobs if job.is_pending), None)
    progress = publish_progress(followed) if followed is not None else None
    is_live = story is not None and story.is_live
    allowed = allowed_actions(request.user, rewrite, PUBLISH_ACTIONS, live=is_live)
    return {
        "rewrite": rewrite,
        "story": story,
        "jobs": jobs,
        "pending": progress is not None and not progress.finished,
        "publish_progress": progress,
        "publish_progress_url": reverse("publishing:progress", args=[rewrite.id, followed.id]) if followed else "",
        "corrections": rewrite.corrections.all(),
        "actions": {action.value: action in allowed for action in PUBLISH_ACTIONS},
        "is_live": is_live,
        "has_changes": is_live and (
            rewrite.has_unpublished_changes or story.rewrite_version != rewrite.version
        ),
        "error": error,
        "notice": notice,
    }


def _render_status(request: HtmxHttpRequest, rewrite: Rewrite, **extra) -> TemplateResponse:
    context = publish_status_context(request, rewrite, **extra)
    if not request.htmx:
        return TemplateResponse(request, "rewrites/publish_status.html", context)
    return TemplateResponse(request, "rewrites/publish_status.html#publish-status", context)


@require_GET
@requires(Action.VIEW)
def publish_job_progress(request: HtmxHttpRequest, rewrite_id: str, job_id: int) -> TemplateResponse:
    """One publish job's progress, polled by htmx until it ends; then the publishing section reloads."""
    job = get_object_or_404(PublishJob, id=job_id, rewrite_id=rewrite_id)
    progress = publish_progress(job)
    response = TemplateResponse(
        request,
        "progress.html",
        {
            "progress": progress,
            "progress_id": "publish-progress",
            "poll_url": reverse("publishing:progress", args=[rewrite_id, job.id]),
        },
    )
    if progress.finished:
        trigger_client_event(response, "publish-finished")
    return response


@require_GET
@requires(Action.VIEW)
@vary_on_headers("HX-Request")
def publish_status(request: HtmxHttpRequest, rewrite_id: str) -> TemplateResponse:
    """Where a rewrite stands on the public site and how its latest publish jobs went; htmx polls it."""
    rewrite = get_object_or_404(Rewrite.objects.with_cluster(), id=rewrite_id)
    return _render_status(request, rewrite)


def _after_action(request: HtmxHttpRequest, rewrite_id: str, *, error: str = "", notice: str = ""):
    def status_part():
        rewrite = get_object_or_404(Rewrite.objects.with_cluster(), id=rewrite_id)
        return _render_status(request, rewrite, error=error, notice=notice)

    return respond_after_action(
        request, partial=status_part, redirect_to=reverse("rewrites:workspace", args=[rewrite_id]),
        error=error, notice=notice,
    )


@require_POST
@requires(Action.PUBLISH, Action.REPUBLISH)
def publish(request: HtmxHttpRequest, rewrite_id: str):
    """Queues a publish (approved rewrite) or republish (published one), with an optional correction note."""
    get_object_or_404(Rewrite, id=rewrite_id)
    if problem := queue_problem():
        return _after_action(request, rewrite_id, error=problem)
    try:
        job = request_publish(
            rewrite_id=rewrite_id, user=request.user, correction_note=request.POST.get("correction_note", "")
        )
    except PublishError as error:
        return _after_action(request, rewrite_id, error=str(error))
    return _after_action(request, rewrite_id, notice=f"Publishing is {job.get_state_display().lower()}.")


@require_POST
@requires(Action.KILL)
def unpublish(request: HtmxHttpRequest, rewrite_id: str):
    """Kills a published story: it leaves the story page, the feeds and its card at once."""
    get_object_or_404(Rewrite, id=rewrite_id)
    try:
        kill_story(rewrite_id=rewrite_id, user=request.user, reason=request.POST.get("reason", ""))
    except PublishError as error:
        return _after_action(request, rewrite_id, error=str(error))
    return _after_action(request, rewrite_id, notice="The story was taken down from the public site.")
