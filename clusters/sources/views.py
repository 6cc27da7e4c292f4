from datetime import timedelta

from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from clusters.models import Source
from clusters.sources.forms import SourceForm
from clusters.sources.ingest import source_health_changed
from clusters.sources.jobs import enqueue_ingest, ingest_progress
from newsroom.audit import diff, record
from newsroom.progress import JobReading, Progress
from newsroom.queues import JobState
from newsroom.responses import HtmxHttpRequest
from newsroom.rules import Action, requires


@require_GET
@requires(Action.VIEW_SOURCES)
def sources(request: HtmxHttpRequest) -> TemplateResponse:
    """Every source with its health and article counts (one query whatever the number of sources)."""
    template = "clusters/sources.html#source-list" if request.htmx else "clusters/sources.html"
    return _sources_response(request, template)


def _sources_response(request: HtmxHttpRequest, template: str) -> TemplateResponse:
    now = timezone.now()
    rows = list(Source.objects.with_article_counts(since=now - timedelta(hours=24)).order_by("name"))
    for row in rows:
        row.due = row.is_due(now)
    return TemplateResponse(
        request,
        template,
        {"sources": rows, "now": now},
    )


@require_http_methods(["GET", "POST"])
@requires(Action.MANAGE_SOURCES)
def source_form(request: HtmxHttpRequest, source_id: int | None = None) -> TemplateResponse:
    """Adds a source, or edits one."""
    source = get_object_or_404(Source, id=source_id) if source_id else None
    form = SourceForm(request.POST or None, instance=source)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            saved = form.save()
            before = {name: form.initial.get(name) for name in form.changed_data} if source else {}
            after = {name: form.cleaned_data.get(name) for name in form.changed_data}
            record(action="source_edit" if source else "source_add", actor=request.user, obj=saved,
                   changes=diff(before, after))
        messages.success(request, f"Saved source “{saved.name}”.")
        return redirect("sources:list")
    return TemplateResponse(request, "clusters/source_form.html", {"form": form, "source": source})


@require_POST
@requires(Action.MANAGE_SOURCES)
def toggle_source(request: HtmxHttpRequest, source_id: int):
    """Disables an enabled source (reason: by whom) or enables a disabled one again."""
    source = get_object_or_404(Source, id=source_id)
    if source.enabled:
        source.disable(reason=f"Disabled by {request.user.get_username()} on {timezone.now():%Y-%m-%d %H:%M} UTC.")
    else:
        source.resume()
    with transaction.atomic():
        source.save(update_fields=["enabled", "disabled_reason", "consecutive_failures", "next_poll_at"])
        record(action="source_enable" if source.enabled else "source_disable", actor=request.user, obj=source,
               changes={"enabled": [not source.enabled, source.enabled]})
        source_health_changed(source)
    if request.htmx:
        return _sources_response(request, "clusters/sources.html#source-list")
    messages.success(request, f"{source.name} is now {'enabled' if source.enabled else 'disabled'}.")
    return redirect("sources:list")


@require_POST
@requires(Action.MANAGE_SOURCES)
def fetch_now(request: HtmxHttpRequest, source_id: int):
    """Enqueues an ingest job for the source at once; htmx gets the live status fragment."""
    source = get_object_or_404(Source, id=source_id)
    if not source.feed_url:
        messages.error(request, f"{source.name} has no feed address to fetch.")
        return redirect("sources:list")
    with transaction.atomic():
        job_id = enqueue_ingest(source.id)
        record(action="source_fetch", actor=request.user, obj=source, reason=f"Job {job_id}.")
    if request.htmx:
        # The job reaches the queue when the transaction commits, so it is shown as queued here.
        progress = ingest_progress(source=source, job_id=job_id, reading=JobReading(JobState.QUEUED))
        return _progress_response(request, source=source, job_id=job_id, progress=progress)
    messages.success(request, f"Fetching {source.name} now; the health below updates when it is done.")
    return redirect("sources:list")


@require_GET
@requires(Action.VIEW_SOURCES)
def fetch_status(request: HtmxHttpRequest, source_id: int, job_id: str) -> TemplateResponse:
    """The progress of one "fetch now" job, polled by htmx until it ends."""
    source = get_object_or_404(Source, id=source_id)
    if not job_id.startswith(f"ingest-source-{source.id}-"):
        raise Http404("No such fetch for this source.")
    return _status_response(request, source=source, job_id=job_id)


def _status_response(request: HtmxHttpRequest, *, source: Source, job_id: str) -> TemplateResponse:
    progress = ingest_progress(source=source, job_id=job_id)
    response = _progress_response(request, source=source, job_id=job_id, progress=progress)
    if progress.finished and request.htmx:
        trigger_client_event(response, "source-fetched")
    return response


def _progress_response(request: HtmxHttpRequest, *, source: Source, job_id: str, progress: Progress) -> TemplateResponse:
    return TemplateResponse(
        request,
        "progress.html",
        {
            "progress": progress,
            "progress_id": f"fetch-progress-{source.id}",
            "poll_url": reverse("sources:fetch-status", args=[source.id, job_id]),
        },
    )
