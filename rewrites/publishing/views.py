"""Publish, republish and kill from the desk, with the publish job's progress (htmx partial)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpRequest

from newsroom.queues import queue_problem
from rewrites.models import PublishedStory, Rewrite
from rewrites.publishing.jobs import kill_story, request_publish
from rewrites.publishing.publish import PublishError

RECENT_JOBS = 5


def publish_status_context(request: HttpRequest, rewrite: Rewrite, *, error: str = "", notice: str = "") -> dict:
    """What rewrites/publish_status.html#publish-status needs, for pages that include the partial."""
    story = PublishedStory.objects.filter(rewrite=rewrite).first()
    jobs = list(rewrite.publish_jobs.select_related("requested_by")[:RECENT_JOBS])
    pending = any(job.is_pending for job in jobs)
    return {
        "rewrite": rewrite,
        "story": story,
        "jobs": jobs,
        "pending": pending,
        "corrections": rewrite.corrections.all(),
        "can_publish": request.user.has_perm("rewrites.publish_rewrite"),
        "is_publishable": rewrite.status in (Rewrite.Status.APPROVED, Rewrite.Status.PUBLISHED),
        "is_live": story is not None and story.is_live,
        "has_changes": story is not None and story.is_live and (
            rewrite.has_unpublished_changes or story.rewrite_version != rewrite.version
        ),
        "error": error,
        "notice": notice,
    }


def _render_status(request: HttpRequest, rewrite: Rewrite, **extra) -> TemplateResponse:
    context = publish_status_context(request, rewrite, **extra)
    if not request.htmx:
        return TemplateResponse(request, "rewrites/publish_status.html", context)
    return TemplateResponse(request, "rewrites/publish_status.html#publish-status", context)


@require_GET
@permission_required("rewrites.view_rewrite", raise_exception=True)
@vary_on_headers("HX-Request")
def publish_status(request: HttpRequest, rewrite_id: str) -> TemplateResponse:
    """Where a rewrite stands on the public site and how its latest publish jobs went; htmx polls it."""
    rewrite = get_object_or_404(Rewrite.objects.with_cluster(), id=rewrite_id)
    return _render_status(request, rewrite)


def _after_action(request: HttpRequest, rewrite_id: str, *, error: str = "", notice: str = ""):
    if request.htmx:
        rewrite = get_object_or_404(Rewrite.objects.with_cluster(), id=rewrite_id)
        return _render_status(request, rewrite, error=error, notice=notice)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, notice)
    return redirect(reverse("rewrites:workspace", args=[rewrite_id]))


@require_POST
@permission_required("rewrites.publish_rewrite", raise_exception=True)
def publish(request: HttpRequest, rewrite_id: str):
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
@permission_required("rewrites.publish_rewrite", raise_exception=True)
def unpublish(request: HttpRequest, rewrite_id: str):
    """Kills a published story: it leaves the story page, the feeds and its card at once."""
    get_object_or_404(Rewrite, id=rewrite_id)
    try:
        kill_story(rewrite_id=rewrite_id, user=request.user, reason=request.POST.get("reason", ""))
    except PublishError as error:
        return _after_action(request, rewrite_id, error=str(error))
    return _after_action(request, rewrite_id, notice="The story was taken down from the public site.")
