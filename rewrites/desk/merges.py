"""A rewrite whose cluster was merged into another: where its story went, and what becomes of its public page.

Merging cluster A into B (``clusters/editing.py``) leaves A's rewrite behind. It leaves the
queue and its status allows nothing but taking its page down (``states.MERGED_AWAY_ACTIONS``);
the workspace links to B's rewrite. If A's story is public, an editor decides what its page
becomes: kept as it is, redirected to B's story once that is published, or taken down.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.urls import reverse

from clusters.models import Cluster
from newsroom.rules import Action, refusal
from rewrites import states
from rewrites.desk.review import ReviewError
from rewrites.models import MergedPage, PublishedStory, Revision, Rewrite
from rewrites.publishing.publish import PublishError, redirect_merged_away, unpublish_rewrite
from rewrites.revisions import mark_changed, record_revision

# Merges can chain (A into B, then B into C); the story went to the last cluster that was not merged.
MAX_HOPS = 20


def surviving_cluster(cluster: Cluster) -> Cluster:
    """The cluster a merged-away cluster's articles are in now: merged_into, followed along any later merges."""
    current = cluster
    for _ in range(MAX_HOPS):
        if current.status != Cluster.Status.MERGED or current.merged_into_id is None:
            break
        current = Cluster.objects.select_related("merged_into").get(id=current.id).merged_into
    return current


@dataclass
class MergedAway:
    """What the workspace of a merged-away rewrite shows in place of its actions."""

    into: Cluster
    into_rewrite: Rewrite | None
    into_url: str
    live: bool
    decision: str
    decision_label: str
    may_decide: bool
    choices: list[tuple[str, str]] = field(default_factory=lambda: list(MergedPage.choices))


def merged_away(user, rewrite: Rewrite, *, story: PublishedStory | None) -> MergedAway | None:
    """Where a merged-away rewrite's story went and what its page needs; None for a rewrite still in play."""
    if not states.is_merged_away(rewrite):
        return None
    into = surviving_cluster(rewrite.cluster)
    into_rewrite = Rewrite.objects.filter(cluster=into).only("id", "headline", "status").first()
    url = (
        reverse("rewrites:workspace", args=[into_rewrite.id]) if into_rewrite is not None
        else reverse("clusters:list") + f"?q={into.id}"
    )
    live = story is not None and story.is_live
    return MergedAway(
        into=into,
        into_rewrite=into_rewrite,
        into_url=url,
        live=live,
        decision=rewrite.merged_page,
        decision_label=MergedPage(rewrite.merged_page).label if rewrite.merged_page else "",
        may_decide=live and not refusal(user, Action.KILL),
    )


@dataclass
class Decision:
    rewrite: Rewrite
    notice: str
    deliveries: list[int] = field(default_factory=list)


@transaction.atomic
def decide_merged_page(*, rewrite_id: str, choice: str, user) -> Decision:
    """Records what the public page of a merged-away story becomes, and does it.

    keep: the page stays as it is. redirect: the page answers with a permanent redirect to the
    surviving story as soon as that is public (at once if it already is). kill: the page is taken
    down now. Raises ReviewError when the rewrite was not merged away, has no public page, or the
    choice is unknown. Returns the webhook deliveries to send after the commit.
    """
    if choice not in MergedPage.values:
        raise ReviewError("Choose keep, redirect or take down for the story's page.")
    rewrite = Rewrite.objects.select_for_update(of=("self",)).select_related("cluster").filter(id=rewrite_id).first()
    if rewrite is None:
        raise ReviewError(f"There is no rewrite with id {rewrite_id}; it may have been deleted.")
    if not states.is_merged_away(rewrite):
        raise ReviewError("This story was not merged into another, so its page stays as it is.")
    story = PublishedStory.objects.live().filter(rewrite=rewrite).first()
    if story is None:
        raise ReviewError("This story is not on the public site, so there is no page to decide about.")
    into = surviving_cluster(rewrite.cluster)
    into_name = f"“{into.canonical_title}”"
    deliveries: list[int] = []
    if choice == MergedPage.KILL:
        try:
            result = unpublish_rewrite(rewrite_id=rewrite.id, user=user, reason=f"Merged into {into_name}.")
        except PublishError as error:
            raise ReviewError(str(error)) from error
        deliveries = result.deliveries
        notice = f"The page /stories/{story.slug}/ was taken down."
    elif choice == MergedPage.KEEP:
        notice = f"The page /stories/{story.slug}/ stays as it is."
    else:
        into_story = PublishedStory.objects.live().filter(rewrite__cluster=into).first()
        notice = (
            f"The page /stories/{story.slug}/ now redirects to /stories/{into_story.slug}/."
            if into_story is not None
            else f"The page /stories/{story.slug}/ will redirect to the story of {into_name} once that is published."
        )
    rewrite = Rewrite.objects.select_for_update(of=("self",)).select_related("cluster").get(id=rewrite.id)
    rewrite.merged_page = choice
    mark_changed(rewrite)
    rewrite.save(update_fields=["merged_page", "version", "updated_at"])
    record_revision(
        rewrite=rewrite, kind=Revision.Kind.MERGED, user=user,
        reason=f"Merged into {into_name}: {MergedPage(choice).label.lower()}.",
    )
    if choice == MergedPage.REDIRECT and (into_story := PublishedStory.objects.live().filter(rewrite__cluster=into).first()):
        deliveries += redirect_merged_away(into_story, user=user)
    return Decision(rewrite=rewrite, notice=notice, deliveries=deliveries)
