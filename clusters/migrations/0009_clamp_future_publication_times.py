"""Articles stored before ingestion checked publication times: a time more than the tolerance after the
fetch becomes the fetch time, with the note ingestion now writes, and their clusters' times (and index)
follow, so those stories settle and get their drafts."""

from datetime import timedelta

from django.conf import settings
from django.db import migrations
from django.db.models import F, Max, Min
from django.db.models.functions import Coalesce


def clamp_future_publication_times(apps, schema_editor):
    Article = apps.get_model("clusters", "Article")
    Cluster = apps.get_model("clusters", "Cluster")
    ClusterTerm = apps.get_model("clusters", "ClusterTerm")
    tolerance = timedelta(minutes=settings.NEWSROOM_INGEST_FUTURE_TOLERANCE_MINUTES)
    clusters = set()
    for article in Article.objects.filter(published_at__gt=F("fetched_at") + tolerance).only(
        "id", "published_at", "fetched_at", "cluster_id"
    ):
        Article.objects.filter(id=article.id).update(
            published_at=article.fetched_at,
            date_note=(
                f"The feed dated this article {article.published_at:%Y-%m-%d %H:%M} UTC, in the future when it "
                "was fetched; the time it was fetched is used instead."
            ),
        )
        if article.cluster_id:
            clusters.add(article.cluster_id)
    for cluster_id in sorted(clusters):
        times = Article.objects.filter(cluster_id=cluster_id).aggregate(
            first=Min(Coalesce("published_at", "fetched_at")), last=Max(Coalesce("published_at", "fetched_at"))
        )
        Cluster.objects.filter(id=cluster_id).update(first_seen_at=times["first"], last_seen_at=times["last"])
        ClusterTerm.objects.filter(cluster_id=cluster_id).update(last_seen_at=times["last"])


class Migration(migrations.Migration):

    dependencies = [
        ("clusters", "0008_article_date_note"),
    ]

    operations = [
        migrations.RunPython(clamp_future_publication_times, migrations.RunPython.noop),
    ]
