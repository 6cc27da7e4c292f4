from django.core.management.base import CommandError

from newsroom.commands import DatabaseCommand
from newsroom.timestamps import parse_timestamp
from rewrites.records import dump_record, record_for, records_queryset


class Command(DatabaseCommand):
    help = "Writes records as JSON Lines, one record per line, oldest change first."

    def add_arguments(self, parser):
        parser.add_argument("--id", action="append", dest="ids", default=[], metavar="ID",
                            help="A rewrite id to export; repeat for several.")
        parser.add_argument("--since", metavar="ISO-TIME",
                            help="Only rewrites updated at or after this time, e.g. 2026-07-04T00:00:00Z.")

    def handle(self, *args, ids: list[str], since: str | None, **options):
        rewrites = records_queryset().order_by("updated_at", "id")
        if ids:
            rewrites = rewrites.filter(id__in=ids)
            missing = set(ids) - set(rewrites.values_list("id", flat=True))
            if missing:
                raise CommandError(f"No rewrite with id {', '.join(sorted(missing))}.")
        if since:
            try:
                moment = parse_timestamp(since)
            except ValueError as error:
                raise CommandError(f"--since {error}.") from None
            rewrites = rewrites.filter(updated_at__gte=moment)
        for rewrite in rewrites.iterator(chunk_size=500):
            self.stdout.write(dump_record(record_for(rewrite)))
