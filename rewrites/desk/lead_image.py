"""A story's lead image: one of its cluster's article images (downloaded at ingest), or none, with alt text.

Until an editor chooses, the cluster's first image is offered (the representative article's, else the
oldest article's that has one). ``choose_lead_image`` is the editor's change; publishing copies the
chosen image, re-encoded without metadata (``publishing.publish``).
"""

from __future__ import annotations

from django.db import transaction

from clusters.models import Article
from newsroom.rules import Action, actor_refusal
from rewrites.desk.review import ReviewError
from rewrites.models import Revision, Rewrite
from rewrites.revisions import mark_changed, record_revision

ALT_MAX_CHARACTERS = 300


@transaction.atomic
def choose_lead_image(*, rewrite_id: str, article_id: str | None, alt: str, base_version: int, user) -> Rewrite:
    """Sets the story's lead image to the image of one of its cluster's articles (or none) with its alt text.

    Raises ReviewError when the rewrite cannot be edited now, changed since base_version, or the article
    is not one of the cluster's with an image, or an image is chosen without alt text.
    """
    rewrite = Rewrite.objects.select_for_update().select_related("cluster").get(id=rewrite_id)
    if rewrite.version != base_version:
        raise ReviewError("The rewrite changed since the page was loaded; reload it and choose again.")
    if reason := actor_refusal(user, Action.EDIT, rewrite):
        raise ReviewError(reason)
    alt = " ".join((alt or "").split())
    article = None
    if article_id:
        article = Article.objects.filter(id=article_id, cluster_id=rewrite.cluster_id).exclude(image="").first()
        if article is None:
            raise ReviewError("That image is not one of this story's source images; reload the page and choose again.")
        if not alt:
            raise ReviewError("Describe the image in the alt text, for readers who cannot see it.")
        if len(alt) > ALT_MAX_CHARACTERS:
            raise ReviewError(f"The alt text is {len(alt)} characters; keep it under {ALT_MAX_CHARACTERS}.")
    rewrite.lead_image_chosen = True
    rewrite.lead_image_article = article
    rewrite.lead_image_alt = alt if article else ""
    if rewrite.status == Rewrite.Status.PUBLISHED:
        rewrite.has_unpublished_changes = True
    mark_changed(rewrite)
    rewrite.save()
    what = f"the image of {article.source.name} ({article.title})" if article else "no image"
    record_revision(rewrite=rewrite, kind=Revision.Kind.EDITED, user=user, reason=f"Lead image: {what}.")
    return rewrite
