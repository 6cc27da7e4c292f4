from pathlib import Path
from urllib.parse import urlsplit

from django.core.management.base import CommandError

from clusters.models import Source
from clusters.sources.feeds import FeedError
from clusters.sources.ingest import IngestReport, ingest_feed_bytes, ingest_source
from newsroom.commands import DatabaseCommand


def _source_for(*, name: str | None, url: str, fallback_name: str) -> Source:
    if name:
        source, _ = Source.objects.get_or_create(name=name, defaults={"feed_url": url})
        return source
    if url:
        existing = Source.objects.filter(feed_url=url).order_by("id").first()
        if existing:
            return existing
    candidate, number = fallback_name, 1
    while Source.objects.filter(name=candidate).exists():
        number += 1
        candidate = f"{fallback_name} ({number})"
    return Source.objects.create(name=candidate, feed_url=url)


class Command(DatabaseCommand):
    help = (
        "Ingests one feed now, in the foreground, with the same code as the scheduled jobs: a feed address "
        "(fetched with the usual safety limits) or a local file. Prints each entry as stored, duplicate or refused."
    )

    def add_arguments(self, parser):
        parser.add_argument("feed", metavar="URL_OR_PATH", help="An http(s) feed address or a feed file.")
        parser.add_argument("--source", metavar="NAME", help="Store under this source (created if missing).")
        parser.add_argument(
            "--no-conditional", action="store_true",
            help="Fetch the whole feed even if the source's ETag / Last-Modified say it has not changed.",
        )
        parser.add_argument("--no-pages", action="store_true", help="Use the feed's text; do not fetch article pages.")

    def handle(self, *args, feed: str, source: str | None, no_conditional: bool, no_pages: bool, **options):
        fetch_pages = False if no_pages else None
        is_url = urlsplit(feed).scheme.lower() in {"http", "https"}
        if is_url:
            target = _source_for(name=source, url=feed, fallback_name=urlsplit(feed).hostname or feed)
            if target.feed_url != feed:
                raise CommandError(
                    f"Source {target.name!r} reads {target.feed_url or 'no feed address'}, not {feed}; "
                    "pass another --source name or change the source's feed address."
                )
            report = ingest_source(source=target, conditional=not no_conditional, fetch_pages=fetch_pages)
        else:
            path = Path(feed)
            if not path.is_file():
                raise CommandError(f"{feed} is neither an http(s) address nor a readable file.")
            target = _source_for(name=source, url="", fallback_name=f"Local file {path.name}")
            report = IngestReport(source=target.name)
            try:
                _, report.outcomes = ingest_feed_bytes(path.read_bytes(), source=target, fetch_pages=fetch_pages)
            except FeedError as error:
                report.feed_error = str(error)
        self._print(report)
        if report.feed_error:
            raise CommandError(f"The feed could not be read: {report.feed_error}")

    def _print(self, report: IngestReport) -> None:
        for item in report.outcomes:
            label = item.title or "(no title)"
            where = f" <{item.url}>" if item.url else ""
            if item.outcome == "stored":
                note = f" (note: {item.reason})" if item.reason else ""
                self.stdout.write(f"stored: {label}{where}{note}")
            elif item.outcome == "duplicate":
                self.stdout.write(f"duplicate: {label}{where}: {item.reason}")
            else:
                self.stdout.write(f"refused: {label}{where}: {item.reason}")
        if report.warning:
            self.stdout.write(f"warning: {report.warning}")
        if not report.feed_error:
            self.stdout.write(f"{report.source}: {report.summary()}")
