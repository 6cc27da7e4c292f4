import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from clusters.evaluation import (
    EvaluationInputError,
    cluster_labelled,
    corrections_from_database,
    read_corrections,
    read_labelled,
    replay_corrections,
    scratch_database,
)
from newsroom.commands import database_problem


class Command(BaseCommand):
    help = (
        "Clusters labelled articles (JSON Lines with title, text, date_publish, language, event_id) in "
        "publication order with the production clustering and settings, in a scratch database that is "
        "dropped afterwards, and prints one JSON line of scores. With --corrections, replays editors' merges "
        "and moves instead (from this desk's database, or from a file written by export_corrections) and "
        "prints how often the clustering would make the same mistake again."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, nargs="?", help="JSON Lines file of labelled articles.")
        parser.add_argument(
            "--corrections", nargs="?", const="", default=None, metavar="FILE",
            help="Replay editors' corrections: from FILE (export_corrections), or without FILE from the database.",
        )

    def handle(self, *args, path: Path | None, corrections: str | None, **options):
        try:
            if corrections is not None:
                if corrections:
                    found, skipped = read_corrections(Path(corrections)), 0
                else:
                    if problem := database_problem():
                        raise CommandError(problem)
                    found, skipped = corrections_from_database()
                result = replay_corrections(found)
                result["skipped"] = skipped
                self.stdout.write(json.dumps(result, ensure_ascii=False))
                return
            if path is None:
                raise CommandError("Give a JSON Lines file of labelled articles, or --corrections.")
            rows = read_labelled(path)
        except EvaluationInputError as error:
            raise CommandError(str(error)) from error
        with scratch_database():
            result = cluster_labelled(rows)
        result.pop("labels")
        self.stdout.write(json.dumps(result))
