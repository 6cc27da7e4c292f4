"""Which of a story's source images leads it, and the credit it carries: read by the desk and by publishing.

Until an editor chooses (``rewrites.desk.lead_image``), the cluster's first image is offered (the
representative article's, else the oldest article's that has one).
"""

from __future__ import annotations

from clusters.models import Article, Cluster
from rewrites.models import Rewrite


def cluster_images(cluster: Cluster) -> list[Article]:
    """The cluster's articles that have a stored lead image: the representative first, then oldest first."""
    articles = list(
        cluster.articles.exclude(image="").select_related("source").order_by("published_at", "fetched_at", "id")
    )
    articles.sort(key=lambda article: article.id != cluster.representative_article_id)
    return articles


def lead_image_article(rewrite: Rewrite) -> Article | None:
    """The article whose image the story uses: the editor's choice (None when they chose none), else the first."""
    if rewrite.lead_image_chosen:
        article = rewrite.lead_image_article
        if article is None or not article.image or article.cluster_id != rewrite.cluster_id:
            return None
        return article
    images = cluster_images(rewrite.cluster)
    return images[0] if images else None


def image_credit(article: Article) -> str:
    """Where the image is from, for people: its caption (credit) and its source."""
    credit = (article.image_credit or "").strip()
    origin = f"Image from {article.source.name}"
    return f"{credit} ({origin})" if credit else f"{origin}."
