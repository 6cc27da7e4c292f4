import json
import time

from django.conf import settings
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from clusters.models import Cluster
from newsroom.commands import DatabaseCommand
from rewrites import states
from rewrites.checks.lint import TEXT_FIELDS
from rewrites.generation.jobs import RegenerateRefused, regeneration_mode
from rewrites.generation.write import write_rewrite
from rewrites.models import Rewrite
from rewrites.records import record_for


class Command(DatabaseCommand):
    help = (
        "Writes the rewrite of one cluster in the foreground with the configured model (or the offline writer), "
        "running its lints and repairs, and prints the record. Exits non-zero, saying why, if it failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("cluster_id", help="The cluster's id (c_ followed by 24 hex digits).")
        parser.add_argument("--field", choices=TEXT_FIELDS, help="Regenerate only this field of an existing rewrite.")
        parser.add_argument(
            "--max-wait", type=float, default=300,
            help="Longest pause, in seconds, to wait for a due repair before leaving it to the scheduler (default 300).",
        )

    def handle(self, *args, cluster_id: str, field: str | None, max_wait: float, **options):
        cluster = Cluster.objects.filter(id=cluster_id).first()
        if cluster is None:
            raise CommandError(f"There is no cluster {cluster_id}.")
        with transaction.atomic():
            Cluster.objects.select_for_update().filter(id=cluster.id).first()
            rewrite, _ = states.start_rewrite(cluster=cluster)
            rewrite = Rewrite.objects.select_for_update().get(id=rewrite.id)
            regenerate = False
            # A queued (or interrupted) rewrite is simply written now; anything else is a regeneration.
            if field or rewrite.status not in states.WRITING:
                try:
                    mode = regeneration_mode(rewrite, field=field)
                except RegenerateRefused as error:
                    raise CommandError(f"Rewrite {rewrite.id}: {error}") from error
                if mode == "requeue":
                    states.requeue(rewrite)
                regenerate = mode == "in_place"
        model = settings.NEWSROOM_MODEL if settings.OPENAI_BASE_URL else "the offline writer"
        self.stderr.write(f"Writing rewrite {rewrite.id} for cluster {cluster.id} with {model}...")

        while True:
            result = write_rewrite(rewrite_id=rewrite.id, field=field, regenerate=regenerate)
            if result is None:
                raise CommandError(f"Rewrite {rewrite.id} is being written by a worker right now; try again later.")
            rewrite = result
            if rewrite.status != Rewrite.Status.QUEUED or field or regenerate:
                break
            if rewrite.failure_reason.startswith("Waiting for the daily budget"):
                raise CommandError(rewrite.failure_reason)
            wait = (rewrite.next_repair_at - timezone.now()).total_seconds() if rewrite.next_repair_at else 0
            if wait > max_wait:
                raise CommandError(f"{rewrite.failure_reason} The scheduler will run it; not waiting {wait:.0f} s here.")
            self.stderr.write(f"{rewrite.failure_reason} Waiting {max(wait, 0):.0f} s.")
            time.sleep(max(wait, 0))

        rewrite = Rewrite.objects.with_cluster().prefetch_related("attributions").get(id=rewrite.id)
        self.stdout.write(json.dumps(record_for(rewrite), ensure_ascii=False, indent=2))
        if rewrite.status == Rewrite.Status.FAILED:
            raise CommandError(f"Rewrite {rewrite.id} failed: {rewrite.failure_reason}")
        if rewrite.failure_reason:
            raise CommandError(rewrite.failure_reason)
