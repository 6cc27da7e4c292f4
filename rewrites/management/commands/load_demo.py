from django.conf import settings

from newsroom.commands import DatabaseCommand
from rewrites.demo import load_demo_records, load_demo_sources


class Command(DatabaseCommand):
    help = (
        "Loads the demo content: the bundled records, and the demo sources whose feeds the desk serves "
        "at /demo-feeds/ (ingested by the worker once the web server is up)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--feeds-url", default="", help="Where the desk serves its demo feeds (default NEWSROOM_DEMO_FEEDS_URL)."
        )

    def handle(self, *args, feeds_url: str, **options):
        loaded = load_demo_records()
        if loaded:
            self.stdout.write(f"Loaded {loaded} demo record(s).")
        created = load_demo_sources(base_url=feeds_url or settings.NEWSROOM_DEMO_FEEDS_URL)
        if created:
            self.stdout.write(
                f"Added {created} demo source(s): Japanese Wikinews feeds served by the desk itself, "
                "ingested by the worker in a few seconds (see Sources)."
            )
