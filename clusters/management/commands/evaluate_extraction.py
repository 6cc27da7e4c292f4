import json

from django.core.management.base import BaseCommand, CommandError

from clusters.sources.extract import evaluate_extraction


class Command(BaseCommand):
    help = (
        "Scores the article-text extractor on a folder holding ground-truth.json and html/<id>.html.gz "
        "(as ../shared/data/extraction/aeb/); prints one JSON line with token-level precision, recall and F1 "
        "(macro average over pages) and the page count."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", metavar="DIR")

    def handle(self, *args, directory: str, **options):
        try:
            result = evaluate_extraction(directory)
        except (FileNotFoundError, ValueError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(json.dumps(result))
