"""`manage.py evaluate_claims PATH.jsonl.gz`: the unsupported-claim lints against human judgements."""

import json

from django.core.management.base import BaseCommand, CommandError

from rewrites.checks.lint_evaluation import FrankFormatError, evaluate, load_rows


class Command(BaseCommand):
    help = (
        "Runs the production unsupported-claim lints on every summary of a FRANK-format JSON-lines file "
        "(gzip when it ends in .gz) against its article, and prints one JSON line: summaries, "
        "entity_circ_summaries, entity_circ_flagged_share, faithful_summaries, faithful_flagged_share, "
        "precision and recall (over all errors), with the naive rule's shares beside them."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="A FRANK-format .jsonl or .jsonl.gz file.")
        parser.add_argument(
            "--threshold", type=float, default=None,
            help="The unsupported-content threshold to use instead of NEWSROOM_LINT_CONTENT_THRESHOLD.",
        )

    def handle(self, *args, path, threshold, **options):
        try:
            rows = load_rows(path)
        except FrankFormatError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(json.dumps(evaluate(rows, threshold=threshold), sort_keys=False))
