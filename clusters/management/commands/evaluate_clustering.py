import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from clusters.evaluation import EvaluationInputError, cluster_labelled, read_labelled, scratch_database


class Command(BaseCommand):
    help = (
        "Clusters labelled articles (JSON Lines with title, text, date_publish, language, event_id) in "
        "publication order with the production clustering and settings, in a scratch database that is "
        "dropped afterwards, and prints one JSON line of scores."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="JSON Lines file of labelled articles.")

    def handle(self, *args, path: Path, **options):
        try:
            rows = read_labelled(path)
        except EvaluationInputError as error:
            raise CommandError(str(error)) from error
        with scratch_database():
            result = cluster_labelled(rows)
        result.pop("labels")
        self.stdout.write(json.dumps(result))
