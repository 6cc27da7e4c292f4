from django.db import transaction

from clusters.clustering import lock_clusters, rebuild_centroid
from clusters.models import Cluster
from newsroom.commands import DatabaseCommand


class Command(DatabaseCommand):
    help = (
        "Builds the clustering index for live clusters that have none (for example clusters created by "
        "`import_records`), so that new articles can join them. With --all, rebuilds every live cluster."
    )

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Rebuild clusters that already have an index too.")

    def handle(self, *args, all: bool = False, **options):
        clusters = Cluster.objects.exclude(status=Cluster.Status.MERGED).filter(source_count__gt=0)
        if not all:
            clusters = clusters.filter(vector__isnull=True)
        done = 0
        for cluster_id in clusters.order_by("id").values_list("id", flat=True).iterator():
            with transaction.atomic():
                lock_clusters()
                cluster = Cluster.objects.select_for_update().get(id=cluster_id)
                rebuild_centroid(cluster)
            done += 1
        self.stdout.write(f"Indexed {done} cluster{'s' if done != 1 else ''}.")
