"""The public outputs: story pages, social cards, the RSS 2.0 feed and the JSON Feed 1.1.

No login needed. Every response carries an ETag and Last-Modified and answers
a matching conditional request with 304.
"""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db.models import Count, Max, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import feedgenerator
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition, require_safe
from django.views.decorators.vary import vary_on_cookie

from newsroom.links import strip_tracking
from newsroom.timestamps import format_timestamp
from rewrites.checks.webcard import safe_web_card
from rewrites.models import Correction, PublishedStory, StoryRedirect
from rewrites.publishing.publish import source_credit

# Part of every ETag, so that a change to how pages are drawn reaches caches.
OUTPUT_VERSION = "2"


def public_url(request: HttpRequest, path: str) -> str:
    """An absolute URL for path on the public site."""
    base = settings.NEWSROOM_PUBLIC_BASE_URL
    return base + path if base else request.build_absolute_uri(path)


def _public_cache(view):
    return cache_control(public=True, max_age=settings.NEWSROOM_PUBLIC_CACHE_SECONDS)(view)


def _digest(*parts) -> str:
    return hashlib.sha256("|".join(str(part) for part in (OUTPUT_VERSION, *parts)).encode()).hexdigest()[:32]


# Story page and card


def _story(request: HttpRequest, slug: str) -> PublishedStory | None:
    """The story at slug, looked up once per request for the ETag, Last-Modified and the view."""
    cached = getattr(request, "_published_story", None)
    if cached is None or cached[0] != slug:
        story = PublishedStory.objects.filter(slug=slug).first()
        request._published_story = cached = (slug, story)
    return cached[1]


def _story_etag(request, slug: str) -> str | None:
    story = _story(request, slug)
    if story is None or not story.is_live:
        return None
    return _digest("story", story.id, story.updated_at.isoformat(), story.rewrite_version, story.card.name, story.image.name)


def _story_last_modified(request, slug: str):
    story = _story(request, slug)
    return story.updated_at if story is not None and story.is_live else None


def _moved(slug: str, view: str) -> HttpResponsePermanentRedirect:
    """A permanent redirect from an address the story used to have to the one it has now; else 404."""
    moved = StoryRedirect.objects.filter(slug=slug).select_related("story").first()
    if moved is None:
        raise Http404("No story is published at this address.")
    return HttpResponsePermanentRedirect(reverse(view, args=[moved.story.slug]))


def _gone(request: HttpRequest, story: PublishedStory) -> TemplateResponse:
    return TemplateResponse(
        request, "public/gone.html", {"story": story, **site_context()}, status=410
    )


def site_context() -> dict:
    """What every public page's header and footer show: the site's name and its sections (domains with stories)."""
    domains = (
        PublishedStory.objects.live().exclude(domain="").order_by("domain").values_list("domain", flat=True).distinct()
    )
    return {"site_name": settings.NEWSROOM_SITE_NAME, "sections": list(domains)}


def public_sources(story: PublishedStory) -> list[dict]:
    """The story's credited sources as the public sees them: links without tracking parameters (also for
    stories published before links were cleaned at publish time)."""
    return [{**source, "url": strip_tracking(source.get("url") or "")} for source in story.sources]


def _image_url(request: HttpRequest, story: PublishedStory) -> str:
    return public_url(request, reverse("public:image", args=[story.slug])) if story.image else ""


def _front(request: HttpRequest, *, domain: str = "") -> TemplateResponse:
    stories = PublishedStory.objects.live().newest_first().only(
        "slug", "headline", "summary", "newsletter_blurb", "published_at", "updated_at", "domain", "image",
        "image_alt", "image_width", "image_height",
    )
    if domain:
        stories = stories.filter(domain=domain)
    page = Paginator(stories, settings.NEWSROOM_PAGE_SIZE).get_page(request.GET.get("page"))
    if domain and not page.object_list:
        raise Http404(f"No published stories in the section “{domain}”.")
    return TemplateResponse(
        request,
        "public/front.html",
        {
            "page": page,
            "domain": domain,
            "canonical_url": public_url(
                request, reverse("public:section", args=[domain]) if domain else reverse("public:front")
            ),
            **site_context(),
        },
    )


@login_not_required
@require_safe
@_public_cache
def front_page(request: HttpRequest) -> TemplateResponse:
    """The public front page: published stories newest first, a page at a time, with their lead images."""
    return _front(request)


@login_not_required
@require_safe
@_public_cache
def section_page(request: HttpRequest, domain: str) -> TemplateResponse:
    """The published stories of one domain (a section), newest first."""
    return _front(request, domain=domain)


@login_not_required
@require_safe
@cache_control(private=True, max_age=0)
@vary_on_cookie
def visitor_front_page(request: HttpRequest) -> TemplateResponse:
    """The front page as `/` shows it to visitors who are not logged in (the desk's queue is at `/` for staff)."""
    return _front(request)


@login_not_required
@require_safe
@_public_cache
@condition(etag_func=_story_etag, last_modified_func=_story_last_modified)
def story_page(request: HttpRequest, slug: str) -> TemplateResponse:
    """The public page of one story: web card, sources, times, corrections, Open Graph tags."""
    story = _story(request, slug)
    if story is None:
        return _moved(slug, "public:story")
    if not story.is_live:
        # A story merged into another may have been sent on to it rather than taken down.
        if StoryRedirect.objects.filter(slug=slug).exists():
            return _moved(slug, "public:story")
        return _gone(request, story)
    corrections = Correction.objects.filter(rewrite_id=story.rewrite_id, created_at__lte=story.updated_at)
    page_url = public_url(request, reverse("public:story", args=[story.slug]))
    card_url = public_url(request, reverse("public:card", args=[story.slug])) if story.card else ""
    sources = public_sources(story)
    licences = list({source["licence"]: source for source in sources if source.get("licence")}.values())
    return TemplateResponse(
        request,
        "public/story.html",
        {
            "story": story,
            # Sanitised when published and again here, so a tightened allow-list applies to old stories too.
            "web_card": safe_web_card(story.web_card_html),
            "corrections": corrections,
            "page_url": page_url,
            "card_url": card_url,
            "image_url": _image_url(request, story),
            "sources": sources,
            "licences": licences,
            "was_updated": story.updated_at > story.published_at,
            **site_context(),
        },
    )


@login_not_required
@require_safe
@_public_cache
@condition(etag_func=_story_etag, last_modified_func=_story_last_modified)
def story_image(request: HttpRequest, slug: str) -> HttpResponse:
    """The story's lead image as published: a JPEG re-encoded by Pillow, without metadata."""
    story = _story(request, slug)
    if story is None:
        raise Http404("No story is published at this address.")
    if not story.is_live:
        return HttpResponse("This story was taken down.", status=410, content_type="text/plain; charset=utf-8")
    if not story.image or not default_storage.exists(story.image.name):
        raise Http404("This story has no lead image.")
    return FileResponse(default_storage.open(story.image.name, "rb"), content_type="image/jpeg")


@login_not_required
@require_safe
@_public_cache
@condition(etag_func=_story_etag, last_modified_func=_story_last_modified)
def story_card(request: HttpRequest, slug: str) -> HttpResponse:
    """The story's 1200x630 social card PNG."""
    story = _story(request, slug)
    if story is None:
        return _moved(slug, "public:card")
    if not story.is_live:
        return HttpResponse("This story was taken down.", status=410, content_type="text/plain; charset=utf-8")
    if not story.card or not default_storage.exists(story.card.name):
        raise Http404("This story's card has not been drawn yet.")
    return FileResponse(default_storage.open(story.card.name, "rb"), content_type="image/png")


# Feeds


def _feed_state(request: HttpRequest) -> tuple[str, object]:
    """(ETag, Last-Modified) of the feeds: they change with every publish, republish and kill."""
    if hasattr(request, "_feed_state"):
        return request._feed_state
    live = Q(withdrawn_at__isnull=True)
    state = PublishedStory.objects.aggregate(
        count=Count("id", filter=live), last=Max("updated_at", filter=live), withdrawn=Max("withdrawn_at")
    )
    times = [t for t in (state["last"], state["withdrawn"]) if t is not None]
    last_modified = max(times) if times else None
    etag = _digest("feed", state["count"], state["last"], state["withdrawn"], settings.NEWSROOM_FEED_ITEMS)
    request._feed_state = (etag, last_modified)
    return request._feed_state


def _feed_etag(request) -> str:
    return _feed_state(request)[0]


def _feed_last_modified(request):
    return _feed_state(request)[1]


def feed_stories() -> list[PublishedStory]:
    """The newest live stories, as many as NEWSROOM_FEED_ITEMS."""
    return list(PublishedStory.objects.live().newest_first()[: settings.NEWSROOM_FEED_ITEMS])


class NewsroomRssFeed(feedgenerator.Rss201rev2Feed):
    """RSS 2.0 with each item's last update as <atom:updated> (RSS itself has no such element)."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("updateddate") is not None:
            handler.addQuickElement("atom:updated", feedgenerator.rfc3339_date(item["updateddate"]))


def _item_html(story: PublishedStory) -> str:
    return render_to_string(
        "public/feed_item.html",
        {"story": story, "sources": public_sources(story), "web_card": safe_web_card(story.web_card_html),
         "credit": source_credit(story.sources)},
    )


def _enclosure(request: HttpRequest, story: PublishedStory) -> feedgenerator.Enclosure:
    try:
        length = default_storage.size(story.image.name)
    except OSError:
        length = 0
    return feedgenerator.Enclosure(_image_url(request, story), str(length), "image/jpeg")


def _item_id(story: PublishedStory) -> str:
    # The rewrite id never changes, even when a republish changes the slug.
    return f"urn:newsroom:story:{story.rewrite_id}"


@login_not_required
@require_safe
@_public_cache
@condition(etag_func=_feed_etag, last_modified_func=_feed_last_modified)
def rss_feed(request: HttpRequest) -> HttpResponse:
    """RSS 2.0 of the newest published stories."""
    stories = feed_stories()
    feed = NewsroomRssFeed(
        title=settings.NEWSROOM_SITE_NAME,
        link=public_url(request, reverse("public:rss")),
        description=f"Stories published by {settings.NEWSROOM_SITE_NAME}.",
        language="en",
        feed_url=public_url(request, reverse("public:rss")),
    )
    for story in stories:
        feed.add_item(
            title=story.headline,
            link=public_url(request, reverse("public:story", args=[story.slug])),
            description=_item_html(story),
            unique_id=_item_id(story),
            unique_id_is_permalink=False,
            pubdate=story.published_at,
            updateddate=story.updated_at,
            categories=[c for c in (story.domain, story.content_type) if c],
            enclosures=[_enclosure(request, story)] if story.image else [],
        )
    response = HttpResponse(content_type="application/rss+xml; charset=utf-8")
    feed.write(response, "utf-8")
    return response


@login_not_required
@require_safe
@_public_cache
@condition(etag_func=_feed_etag, last_modified_func=_feed_last_modified)
def json_feed(request: HttpRequest) -> HttpResponse:
    """JSON Feed 1.1 of the newest published stories."""
    items = []
    for story in feed_stories():
        item = {
            "id": _item_id(story),
            "url": public_url(request, reverse("public:story", args=[story.slug])),
            "title": story.headline,
            "content_html": _item_html(story),
            "summary": story.summary,
            "date_published": format_timestamp(story.published_at),
            "date_modified": format_timestamp(story.updated_at),
            "tags": [c for c in (story.domain, story.content_type) if c],
            "language": "en",
            "_newsroom": {"rewrite_id": story.rewrite_id, "sources": public_sources(story)},
        }
        if story.image:
            item["image"] = _image_url(request, story)
            if story.card:
                item["banner_image"] = public_url(request, reverse("public:card", args=[story.slug]))
        elif story.card:
            item["image"] = public_url(request, reverse("public:card", args=[story.slug]))
        items.append(item)
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": settings.NEWSROOM_SITE_NAME,
        "home_page_url": public_url(request, "/"),
        "feed_url": public_url(request, reverse("public:json")),
        "description": f"Stories published by {settings.NEWSROOM_SITE_NAME}.",
        "language": "en",
        "authors": [{"name": settings.NEWSROOM_SITE_NAME}],
        "items": items,
    }
    return HttpResponse(
        json.dumps(document, ensure_ascii=False, indent=1), content_type="application/feed+json; charset=utf-8"
    )


