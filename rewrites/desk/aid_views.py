"""The workspace's lead-image picker and source translations: small views the workspace loads into its page."""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import trigger_client_event

from clusters.models import Article
from newsroom.parameters import ParameterError, whole_number
from newsroom.progress import Progress, ProgressState
from newsroom.queues import queue_problem
from newsroom.responses import HtmxHttpRequest
from newsroom.rules import Action, refusal, requires
from rewrites.desk.lead_image import choose_lead_image
from rewrites.desk.review import ReviewError
from rewrites.generation.jobs import enqueue_translation, translation_progress
from rewrites.generation.translate import current_translations, needs_translation
from rewrites.images import cluster_images, image_credit, lead_image_article
from rewrites.models import Rewrite


@require_GET
@requires(Action.VIEW)
def article_image(request: HtmxHttpRequest, rewrite_id: str, article_id: str) -> FileResponse:
    """The stored lead image of one of the rewrite's cluster's articles, for the workspace (the desk serves it
    itself, so it shows without a media server)."""
    rewrite = get_object_or_404(Rewrite, id=rewrite_id)
    article = get_object_or_404(Article.objects.exclude(image=""), id=article_id, cluster_id=rewrite.cluster_id)
    if not default_storage.exists(article.image.name):
        raise Http404("The image file is missing from the media storage.")
    response = FileResponse(default_storage.open(article.image.name, "rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _lead_image_context(request: HtmxHttpRequest, rewrite: Rewrite, *, error: str = "", notice: str = "") -> dict:
    current = lead_image_article(rewrite)
    return {
        "rewrite": rewrite,
        "choices": [
            {"article": article, "credit": image_credit(article), "current": current is not None and article.id == current.id}
            for article in cluster_images(rewrite.cluster)
        ],
        "current": current,
        "chosen_by_editor": rewrite.lead_image_chosen,
        "can_edit": not refusal(request.user, Action.EDIT, rewrite),
        "error": error,
        "notice": notice,
    }


@require_http_methods(["GET", "POST"])
@requires(Action.VIEW, POST=Action.EDIT)
def lead_image(request: HtmxHttpRequest, rewrite_id: str) -> TemplateResponse:
    """The story's lead image with its source and credit; editors choose one of the cluster's images, or none,
    and write its alt text (POST)."""
    rewrite = get_object_or_404(Rewrite.objects.select_related("cluster", "lead_image_article__source"), id=rewrite_id)
    if request.method == "GET":
        return TemplateResponse(request, "rewrites/lead_image.html", _lead_image_context(request, rewrite))
    try:
        rewrite = choose_lead_image(
            rewrite_id=rewrite.id, article_id=request.POST.get("article") or None, alt=request.POST.get("alt", ""),
            base_version=whole_number(request.POST.get("version"), name="version"), user=request.user,
        )
    except (ReviewError, ParameterError) as error:
        message = "The form was missing its version; reload the page." if isinstance(error, ParameterError) else str(error)
        context = _lead_image_context(request, rewrite, error=message)
        return TemplateResponse(request, "rewrites/lead_image.html", context, status=400)
    rewrite = Rewrite.objects.select_related("cluster", "lead_image_article__source").get(id=rewrite.id)
    notice = "Lead image saved." if rewrite.lead_image_article_id else "The story will be published without an image."
    response = TemplateResponse(request, "rewrites/lead_image.html", _lead_image_context(request, rewrite, notice=notice))
    return trigger_client_event(response, "rewrite-changed", {"version": rewrite.version})


def _translation_context(request: HtmxHttpRequest, rewrite: Rewrite, *, error: str = "") -> dict:
    articles = [a for a in rewrite.cluster.articles.select_related("source").order_by("published_at", "id")
                if needs_translation(a)]
    translations = current_translations(articles)
    progress = translation_progress(rewrite.id)
    return {
        "rewrite": rewrite,
        "pairs": [(article, translations.get(article.id)) for article in articles],
        "untranslated": [article for article in articles if article.id not in translations],
        "model_configured": bool(settings.OPENAI_BASE_URL),
        "can_translate": not refusal(request.user, Action.TRANSLATE, rewrite) and bool(settings.OPENAI_BASE_URL),
        "progress": progress,
        "following": progress is not None and not progress.finished,
        "progress_url": reverse("rewrites:translation-progress", args=[rewrite.id]),
        "error": error,
    }


@require_http_methods(["GET", "POST"])
@requires(Action.VIEW, POST=Action.TRANSLATE)
def translation(request: HtmxHttpRequest, rewrite_id: str) -> TemplateResponse:
    """The "Translate sources" panel: each non-English source beside its machine translation; POST asks for one."""
    rewrite = get_object_or_404(Rewrite.objects.select_related("cluster"), id=rewrite_id)
    if request.method == "POST":
        if not settings.OPENAI_BASE_URL:
            context = _translation_context(request, rewrite, error=(
                "Translation needs a language model: set OPENAI_BASE_URL, OPENAI_API_KEY and NEWSROOM_MODEL."
            ))
            return TemplateResponse(request, "rewrites/translation.html", context, status=400)
        if problem := queue_problem():
            return TemplateResponse(request, "rewrites/translation.html",
                                    _translation_context(request, rewrite, error=problem), status=400)
        enqueue_translation(rewrite.id)
        context = _translation_context(request, rewrite)
        context.update(following=True, progress=Progress(ProgressState.QUEUED, "Waiting for a worker to translate the sources…"))
        return TemplateResponse(request, "rewrites/translation.html", context)
    return TemplateResponse(request, "rewrites/translation.html", _translation_context(request, rewrite))


@require_GET
@requires(Action.VIEW)
def translation_progress_view(request: HtmxHttpRequest, rewrite_id: str) -> TemplateResponse:
    """How the translation is getting on; once it has finished, the panel is asked to reload."""
    rewrite = get_object_or_404(Rewrite, id=rewrite_id)
    progress = translation_progress(rewrite.id) or Progress(ProgressState.UNKNOWN, "No translation was asked for.")
    response = TemplateResponse(request, "progress.html", {
        "progress": progress, "progress_id": "translation-progress",
        "poll_url": reverse("rewrites:translation-progress", args=[rewrite.id]),
    })
    if progress.finished:
        trigger_client_event(response, "translation-ready", {})
    return response
