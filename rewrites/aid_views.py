"""The workspace's lead-image picker and source translations: small views the workspace loads into its page."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpRequest, trigger_client_event

from newsroom.rules import Action, refusal, requires
from rewrites.lead_image import choose_lead_image, cluster_images, image_credit, lead_image_article
from rewrites.models import Rewrite
from rewrites.review import ReviewError


def _lead_image_context(request: HttpRequest, rewrite: Rewrite, *, error: str = "", notice: str = "") -> dict:
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
def lead_image(request: HttpRequest, rewrite_id: str) -> TemplateResponse:
    """The story's lead image with its source and credit; editors choose one of the cluster's images, or none,
    and write its alt text (POST)."""
    rewrite = get_object_or_404(Rewrite.objects.select_related("cluster", "lead_image_article__source"), id=rewrite_id)
    if request.method == "GET":
        return TemplateResponse(request, "rewrites/lead_image.html", _lead_image_context(request, rewrite))
    try:
        rewrite = choose_lead_image(
            rewrite_id=rewrite.id, article_id=request.POST.get("article") or None, alt=request.POST.get("alt", ""),
            base_version=int(request.POST.get("version") or 0), user=request.user,
        )
    except ReviewError as error:
        context = _lead_image_context(request, rewrite, error=str(error))
        return TemplateResponse(request, "rewrites/lead_image.html", context, status=400)
    rewrite = Rewrite.objects.select_related("cluster", "lead_image_article__source").get(id=rewrite.id)
    notice = "Lead image saved." if rewrite.lead_image_article_id else "The story will be published without an image."
    response = TemplateResponse(request, "rewrites/lead_image.html", _lead_image_context(request, rewrite, notice=notice))
    return trigger_client_event(response, "rewrite-changed", {"version": rewrite.version})
