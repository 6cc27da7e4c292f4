"""Publishing: the public copy of a rewrite, its social card, corrections and kills.

``publish_rewrite`` is idempotent: publishing what is already public changes
nothing. The first publish sets ``published_at`` and ``updated_at``; a
republish after an edit sets ``updated_at`` only. ``unpublish_rewrite`` (kill)
takes the story off the story page, the feeds and the card at once.
``jobs.request_publish`` puts the work on the ``publish`` queue and returns
the ``PublishJob`` the workspace shows.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageOps

from clusters.models import Cluster
from newsroom.links import strip_tracking
from newsroom.rules import Action, actor_refusal
from rewrites import states
from rewrites.checks.webcard import safe_web_card
from rewrites.dashboard.rollup import reopen_days
from rewrites.images import image_credit, lead_image_article
from rewrites.models import (
    Correction,
    MergedPage,
    PublishedStory,
    PublishJob,
    Revision,
    Rewrite,
    StoryRedirect,
    Webhook,
)
from rewrites.publishing import job_states
from rewrites.publishing.cards import render_social_card
from rewrites.publishing.webhooks import create_deliveries
from rewrites.revisions import record_revision
from rewrites.slugs import unique_slug

logger = logging.getLogger(__name__)

class PublishError(Exception):
    """A publish or kill that cannot be done, with the reason in words an editor can act on."""


@dataclass
class PublishResult:
    story: PublishedStory
    outcome: str  # "published", "republished" or "unchanged"
    deliveries: list[int] = field(default_factory=list)  # webhook deliveries to send once committed


@dataclass
class KillResult:
    job: PublishJob
    deliveries: list[int] = field(default_factory=list)


def locked_rewrite(rewrite_id: str) -> Rewrite:
    rewrite = Rewrite.objects.select_for_update(of=("self",)).select_related("cluster").filter(id=rewrite_id).first()
    if rewrite is None:
        raise PublishError(f"There is no rewrite with id {rewrite_id}; it may have been deleted.")
    return rewrite


def publish_action(rewrite: Rewrite, *, live: bool | None = None) -> Action:
    """REPUBLISH for a rewrite whose public copy is up, else PUBLISH."""
    if rewrite.status != Rewrite.Status.PUBLISHED:
        return Action.PUBLISH
    return Action.REPUBLISH if (states.is_live(rewrite) if live is None else live) else Action.PUBLISH


def check_publishable(rewrite: Rewrite, *, user) -> None:
    """Raises PublishError unless the user's role and the rewrite's status allow publishing it (approved) or
    republishing it (published); user None is the desk itself, which only the status can refuse."""
    if reason := actor_refusal(user, publish_action(rewrite), rewrite):
        raise PublishError(reason)
    if not (rewrite.headline or "").strip():
        raise PublishError(f"Rewrite {rewrite.id} has no headline; add one before publishing.")


def source_credit(sources: list[dict]) -> str:
    names = list(dict.fromkeys(entry["source"] for entry in sources))
    return ("Source: " if len(names) == 1 else "Sources: ") + ", ".join(names) if names else ""


def _store_card(*, rewrite: Rewrite, headline: str, sources: list[dict], stamp: str, photo: bytes | None) -> str:
    card = render_social_card(
        headline=headline, source_credit=source_credit(sources), site_name=settings.NEWSROOM_SITE_NAME, photo=photo,
    )
    return default_storage.save(f"cards/{rewrite.id}-{stamp}.png", ContentFile(card.png))


STORY_IMAGE_MAX_SIDE = 1200


def reencode_image(data: bytes) -> tuple[bytes, int, int]:
    """The image as a new JPEG of at most STORY_IMAGE_MAX_SIDE pixels a side, without EXIF, ICC or other metadata.

    Returns (jpeg, width, height). Raises OSError or ValueError for a file Pillow cannot read.
    """
    with Image.open(io.BytesIO(data)) as image:
        image = ImageOps.exif_transpose(image).convert("RGB")
        image.thumbnail((STORY_IMAGE_MAX_SIDE, STORY_IMAGE_MAX_SIDE))
        clean = Image.new("RGB", image.size)
        clean.paste(image)
    output = io.BytesIO()
    clean.save(output, "JPEG", quality=85, optimize=True)
    return output.getvalue(), clean.width, clean.height


def _story_image(rewrite: Rewrite, *, stamp: str) -> dict:
    """The lead image copied for the public story (re-encoded, no metadata), as PublishedStory fields."""
    none = {"image": "", "image_alt": "", "image_credit": "", "image_width": 0, "image_height": 0, "data": None}
    article = lead_image_article(rewrite)
    if article is None:
        return none
    try:
        with default_storage.open(article.image.name, "rb") as stored:
            data, width, height = reencode_image(stored.read())
    except (OSError, ValueError) as error:
        logger.warning("The lead image of %s could not be read (%s); publishing without it.", rewrite.id, error)
        return none
    name = default_storage.save(f"stories/{rewrite.id}-{stamp}.jpg", ContentFile(data))
    return {
        "image": name, "image_alt": rewrite.lead_image_alt or rewrite.headline or "", "image_credit": image_credit(article),
        "image_width": width, "image_height": height, "data": data,
    }


def _delete_file_on_commit(name: str) -> None:
    if name:
        transaction.on_commit(lambda: default_storage.delete(name))


def _latest_correction(rewrite: Rewrite) -> str:
    latest = rewrite.corrections.order_by("-created_at", "-id").first()
    return latest.text if latest else ""


@transaction.atomic
def publish_rewrite(*, rewrite_id: str, user, correction_note: str = "") -> PublishResult:
    """Publishes or republishes a rewrite: copies it to its public story, draws its card, tells webhooks.

    A rewrite that was imported as published gets its public copy with the times
    from its record and without a webhook event. The result lists the webhook
    deliveries created for the event; ``jobs.send_deliveries`` sends them.
    """
    rewrite = locked_rewrite(rewrite_id)
    check_publishable(rewrite, user=user)
    note = (correction_note or "").strip()
    story = PublishedStory.objects.filter(rewrite=rewrite).first()
    live = story is not None and story.is_live
    was_published = rewrite.status == Rewrite.Status.PUBLISHED

    if (
        was_published
        and live
        and story.rewrite_version == rewrite.version
        and not rewrite.has_unpublished_changes
        and (not note or note == _latest_correction(rewrite))
    ):
        return PublishResult(story=story, outcome="unchanged")

    now = timezone.now()
    event = None
    if live:
        outcome, event = "republished", Webhook.Event.REPUBLISHED
        published_at, updated_at = story.published_at, now
    elif was_published and story is None:
        # Imported as published: keep the record's times.
        outcome = "published"
        published_at = rewrite.published_at or now
        updated_at = rewrite.updated_at if rewrite.published_at else now
    else:
        if note:
            raise PublishError(
                "A correction note can only be attached when republishing a story that is already public."
            )
        outcome, event = "published", Webhook.Event.PUBLISHED
        published_at = updated_at = now

    slug = rewrite.slug or unique_slug(rewrite.headline, exclude_id=rewrite.id)
    holder = PublishedStory.objects.filter(slug=slug).exclude(rewrite=rewrite).first()
    if holder is None:
        moved = StoryRedirect.objects.filter(slug=slug).exclude(story__rewrite=rewrite).select_related("story").first()
        holder = moved.story if moved is not None else None
    if holder is not None:
        raise PublishError(
            f"The address /stories/{slug}/ already belongs to another story"
            f"{' that was taken down' if not holder.is_live else ''} (rewrite {holder.rewrite_id}); "
            "give this rewrite another slug and publish again."
        )
    sources = [_source_entry(entry) for entry in rewrite.attributions.select_related("article__source")]
    old_card = story.card.name if story and story.card else ""
    old_image = story.image.name if story and story.image else ""
    stamp = updated_at.strftime("%Y%m%d%H%M%S%f")
    image = _story_image(rewrite, stamp=stamp)
    photo = image.pop("data")
    card_name = _store_card(rewrite=rewrite, headline=rewrite.headline, sources=sources, stamp=stamp, photo=photo)
    try:
        story = _save_publication(
            rewrite=rewrite, user=user, note=note, outcome=outcome, slug=slug, sources=sources, card_name=card_name,
            published_at=published_at, updated_at=updated_at, image=image,
        )
    except Exception:
        default_storage.delete(card_name)
        if image["image"]:
            default_storage.delete(image["image"])
        raise
    if old_card and old_card != card_name:
        _delete_file_on_commit(old_card)
    if old_image and old_image != image["image"]:
        _delete_file_on_commit(old_image)
    deliveries = create_deliveries(event=event, rewrite_id=rewrite.id) if event else []
    deliveries += redirect_merged_away(story, user=user)
    logger.info("%s rewrite %s as /stories/%s/", outcome.capitalize(), rewrite.id, slug)
    return PublishResult(story=story, outcome=outcome, deliveries=deliveries)


def _source_entry(entry) -> dict:
    """One credited source as the public story keeps it: its link without tracking parameters, and the
    licence notice of its source when it has one."""
    item = {"source": entry.source, "url": strip_tracking(entry.url), "title": entry.title}
    source = entry.article.source if entry.article_id else None
    if source is not None and source.licence:
        item["licence"] = source.licence
        item["licence_url"] = source.licence_url
    return item


def _save_publication(
    *, rewrite: Rewrite, user, note: str, outcome: str, slug: str, sources: list[dict], card_name: str,
    published_at, updated_at, image: dict,
) -> PublishedStory:
    fields = {
        **image,
        "slug": slug,
        "headline": rewrite.headline,
        "summary": rewrite.summary or "",
        "why_it_matters": rewrite.why_it_matters or "",
        "web_card_html": safe_web_card(rewrite.web_card_html),
        "newsletter_blurb": rewrite.newsletter_blurb or "",
        "sources": sources,
        "domain": rewrite.cluster.domain or "",
        "content_type": rewrite.cluster.content_type or "",
        "published_at": published_at,
        "updated_at": updated_at,
        "rewrite_version": rewrite.version,
        "card": card_name,
        "withdrawn_at": None,
        "withdrawn_reason": "",
    }
    previous = PublishedStory.objects.filter(rewrite=rewrite).first()
    story, _ = PublishedStory.objects.update_or_create(rewrite=rewrite, defaults=fields)
    if previous is None or previous.published_at != published_at:
        reopen_days(published_at)  # a story dated on a day the dashboard has already summed
    if previous is not None and previous.slug != slug:
        # The story moved: its old address keeps answering, with a permanent redirect to the new one.
        StoryRedirect.objects.filter(slug=slug, story=story).delete()
        StoryRedirect.objects.update_or_create(slug=previous.slug, defaults={"story": story})
    if note and outcome == "republished":
        Correction.objects.create(rewrite=rewrite, text=note, created_at=updated_at, created_by=user)

    cause = states.Cause(
        "republish" if outcome == "republished" else "publish", actor=user,
        reason=f"Correction: {note}" if note and outcome == "republished" else "",
        changes={"slug": [previous.slug, slug]} if previous is not None and previous.slug != slug else {},
    )
    if outcome == "republished":
        states.republish(rewrite, at=updated_at, live=True, cause=cause)
    else:
        states.publish(rewrite, at=updated_at, live=False, cause=cause)
    Rewrite.objects.filter(pk=rewrite.pk).update(slug=slug, published_at=published_at, updated_at=updated_at)
    record_revision(
        rewrite=rewrite, kind=Revision.Kind.PUBLISHED, user=user,
        reason=outcome.capitalize() + (f" with the correction: {note}" if note and outcome == "republished" else ""),
    )
    return story


def _withdraw(story: PublishedStory, rewrite: Rewrite, *, reason: str, at, user) -> None:
    """Takes the story's page, feed entries, card and image down, and spikes its rewrite."""
    _delete_file_on_commit(story.card.name if story.card else "")
    _delete_file_on_commit(story.image.name if story.image else "")
    story.withdrawn_at = at
    story.withdrawn_reason = reason
    story.card = ""
    story.image = ""
    story.save(update_fields=["withdrawn_at", "withdrawn_reason", "card", "image"])
    states.kill(rewrite, at=at, live=True, cause=states.Cause("kill", actor=user, reason=reason))


def redirect_merged_away(story: PublishedStory, *, user) -> list[int]:
    """Sends the public pages of stories merged into this one, whose editors chose a redirect, to this story.

    Each such page (and every old address that led to it) answers with a permanent redirect to
    the story's page; the merged-away story leaves the feeds and its rewrite is spiked. Call
    with the story live, inside the transaction that published it. Returns the webhook
    deliveries created (one "unpublished" event per page).
    """
    deliveries: list[int] = []
    if not story.is_live:
        return deliveries
    # Every cluster merged into this story's, directly or through a chain of merges.
    merged_clusters: set[str] = set()
    frontier = {Rewrite.objects.filter(id=story.rewrite_id).values_list("cluster_id", flat=True).get()}
    while frontier:
        frontier = set(Cluster.objects.filter(merged_into_id__in=frontier).values_list("id", flat=True)) - merged_clusters
        merged_clusters |= frontier
    if not merged_clusters:
        return deliveries
    merged = (
        Rewrite.objects.select_for_update(of=("self",)).select_related("cluster")
        .filter(cluster_id__in=merged_clusters, merged_page=MergedPage.REDIRECT)
        .filter(published_story__withdrawn_at__isnull=True, published_story__isnull=False)
    )
    for rewrite in merged:
        old = rewrite.published_story
        now = timezone.now()
        reason = f"Merged into “{story.headline}”; the page redirects to /stories/{story.slug}/"
        _withdraw(old, rewrite, reason=reason, at=now, user=user)
        StoryRedirect.objects.filter(story=old).update(story=story)
        StoryRedirect.objects.update_or_create(slug=old.slug, defaults={"story": story})
        record_revision(rewrite=rewrite, kind=Revision.Kind.UNPUBLISHED, user=user, reason=reason)
        deliveries += create_deliveries(event=Webhook.Event.UNPUBLISHED, rewrite_id=rewrite.id)
        logger.info("Redirected /stories/%s/ to /stories/%s/ after a merge", old.slug, story.slug)
    return deliveries


@transaction.atomic
def unpublish_rewrite(*, rewrite_id: str, user, reason: str) -> KillResult:
    """Kills a published story: its page answers 410, it leaves the feeds and its card is deleted.

    The rewrite is spiked; the reason is kept in the publish log. The result
    lists the webhook deliveries created for the event.
    """
    reason = (reason or "").strip()
    if not reason:
        raise PublishError("Give a reason for taking the story down; it is kept in the publish log.")
    rewrite = locked_rewrite(rewrite_id)
    story = PublishedStory.objects.live().filter(rewrite=rewrite).first()
    if refused := actor_refusal(user, Action.KILL, rewrite, live=story is not None):
        raise PublishError(refused)
    now = timezone.now()
    _withdraw(story, rewrite, reason=reason, at=now, user=user)
    job = job_states.create_done_job(
        rewrite=rewrite, action=PublishJob.Action.UNPUBLISH, requested_by=user, reason=reason, outcome="unpublished",
    )
    record_revision(rewrite=rewrite, kind=Revision.Kind.UNPUBLISHED, user=user, reason=reason)
    deliveries = create_deliveries(event=Webhook.Event.UNPUBLISHED, rewrite_id=rewrite.id)
    logger.info("Unpublished rewrite %s (/stories/%s/): %s", rewrite.id, story.slug, reason)
    return KillResult(job=job, deliveries=deliveries)
