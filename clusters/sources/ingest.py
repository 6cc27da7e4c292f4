"""Ingestion: a source's feed becomes Articles, and the source's health is kept.

``ingest_source`` is what the scheduled job and "fetch now" run;
``ingest_feed_bytes`` is the part after the download, shared with the
``ingest_feed`` command that also reads local files.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string

from clusters.models import Article, Source
from clusters.sources.canonical import canonical_url
from clusters.sources.extract import choose_text, decode_html, detect_language
from clusters.sources.feeds import FeedEntry, FeedError, ParsedFeed, parse_feed
from clusters.sources.images import ImageRefused, store_lead_image
from newsroom.notifications import clear, notify
from newsroom.outbound import FetchError, fetch

logger = logging.getLogger(__name__)

CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f]")


def _control_character_name(text: str) -> str | None:
    """Names the first control character in text ("a NUL character", "a control character (0x1b)"), or None."""
    match = CONTROL_CHARACTER.search(text)
    if match is None:
        return None
    return "a NUL character" if match.group() == "\x00" else f"a control character (0x{ord(match.group()):02x})"


def _shown(text: str, limit: int = 200) -> str:
    """text as it can be shown in a refusal: control characters visible, and cut to about limit characters."""
    shown = repr(text)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def _visible(text: str, limit: int) -> str:
    """text with control characters written as escapes, cut to limit characters."""
    text = CONTROL_CHARACTER.sub(lambda match: repr(match.group())[1:-1], text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def capped(text: str, *, limit: int, what: str, notes: list[str]) -> str:
    """Returns text cut to limit characters, adding a note saying so to notes when it was cut."""
    if len(text) <= limit:
        return text
    notes.append(f"The {what} was cut from {len(text):,} to {limit:,} characters (the ingest limit).")
    return text[: limit - 1].rstrip() + "…"


FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/feed+json, application/json, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"


@dataclass
class EntryOutcome:
    outcome: str  # "stored", "duplicate" or "refused"
    title: str
    url: str
    reason: str = ""
    article_id: str = ""


@dataclass
class IngestReport:
    source: str
    feed_error: str = ""
    not_modified: bool = False
    warning: str = ""
    outcomes: list[EntryOutcome] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for item in self.outcomes if item.outcome == outcome)

    @property
    def stored(self) -> int:
        return self.count("stored")

    @property
    def duplicates(self) -> int:
        return self.count("duplicate")

    @property
    def refused(self) -> int:
        return self.count("refused")

    def summary(self) -> str:
        if self.feed_error:
            return f"The feed could not be read: {self.feed_error}"
        if self.not_modified:
            return "The feed has not changed since the last fetch."
        return f"{self.stored} stored, {self.duplicates} duplicate, {self.refused} refused."

    def as_dict(self) -> dict:
        return {
            "source": self.source,
            "feed_error": self.feed_error,
            "not_modified": self.not_modified,
            "stored": self.stored,
            "duplicates": self.duplicates,
            "refused": self.refused,
            "summary": self.summary(),
        }


def content_hash(*, title: str, text: str) -> str:
    """Hash of the article's words, blind to whitespace and case, for spotting identical copies."""
    basis = text if text.strip() else title
    normalised = re.sub(r"\s+", " ", basis).strip().casefold()
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


def run_after_article_stored(article_id: str) -> list[str]:
    """Calls each hook in NEWSROOM_AFTER_ARTICLE_STORED with the article id; returns the failures."""
    failures = []
    for path in settings.NEWSROOM_AFTER_ARTICLE_STORED:
        try:
            import_string(path)(article_id)
        except Exception as error:  # noqa: BLE001 - the article is stored; a hook failure is reported, not fatal
            logger.exception("After-store hook %s failed for article %s", path, article_id)
            failures.append(f"{path} failed: {error}")
    return failures


def checked_publication_time(published_at: datetime | None, *, fetched_at: datetime) -> tuple[datetime | None, str]:
    """Returns the publication time to store for a feed entry, and a note when it is not the feed's.

    A time more than NEWSROOM_INGEST_FUTURE_TOLERANCE_MINUTES after the fetch (a year 9999, a time zone the
    feed got wrong) becomes the fetch time: clustering and the rule that a story has settled read the
    article's time, and one in the future would hold its cluster open. A few minutes ahead is a clock
    that runs fast, and is kept.
    """
    tolerance = timedelta(minutes=settings.NEWSROOM_INGEST_FUTURE_TOLERANCE_MINUTES)
    if published_at is None or published_at <= fetched_at + tolerance:
        return published_at, ""
    return fetched_at, (
        f"The feed dated this article {published_at:%Y-%m-%d %H:%M} UTC, in the future when it was fetched; "
        "the time it was fetched is used instead."
    )


def _build_article(entry: FeedEntry, *, source: Source, link: str, canonical: str, fetch_pages: bool) -> Article:
    page_html = None
    page_error = ""
    if fetch_pages:
        try:
            page = fetch(link, accept="text/html,application/xhtml+xml;q=0.9,*/*;q=0.5")
            page_html = decode_html(page.body, content_type=page.content_type)
        except FetchError as error:
            page_error = str(error)
    chosen = choose_text(page_html=page_html, page_error=page_error, feed_html=entry.feed_html, url=link)
    notes = [chosen.note] if chosen.note else []
    # PostgreSQL cannot store NUL in text; a stray one in a page is dropped rather than losing the article.
    text = capped(chosen.text.replace("\x00", ""), limit=settings.NEWSROOM_INGEST_MAX_TEXT_CHARS, what="text",
                  notes=notes)
    title = capped(entry.title or text[:120] or link, limit=settings.NEWSROOM_INGEST_MAX_TITLE_CHARS, what="title",
                   notes=notes)
    image_url = (entry.image_url or chosen.image_url).replace("\x00", "")
    fetched_at = timezone.now()
    published_at, date_note = checked_publication_time(entry.published_at, fetched_at=fetched_at)
    article = Article(
        source=source,
        url=link,
        canonical_url=canonical,
        title=title,
        language=detect_language(f"{title}\n{text}", declared=entry.language or source.language),
        published_at=published_at,
        fetched_at=fetched_at,
        date_note=date_note,
        text=text,
        text_origin=chosen.origin,
        extraction_note=" ".join(notes),
        content_hash=content_hash(title=title, text=text),
        image_url=image_url if len(image_url) <= 2000 else "",
        image_credit=chosen.image_credit if image_url == chosen.image_url else "",
    )
    return article


def _attach_lead_image(article: Article) -> None:
    try:
        store_lead_image(article, image_url=article.image_url)
    except (FetchError, ImageRefused) as error:
        article.image_note = f"The lead image was not kept: {error}"


def ingest_feed_bytes(
    body: bytes,
    *,
    source: Source,
    content_type: str = "",
    url: str = "",
    fetch_pages: bool | None = None,
    fetch_images: bool | None = None,
) -> tuple[ParsedFeed, list[EntryOutcome]]:
    """Parses a feed and stores each new entry as an Article.

    Returns the parsed feed and one outcome per entry. Raises FeedError when the
    feed itself cannot be read; a bad entry is refused on its own and never
    loses the others.
    """
    fetch_pages = settings.NEWSROOM_INGEST_FETCH_PAGES if fetch_pages is None else fetch_pages
    fetch_images = settings.NEWSROOM_INGEST_FETCH_IMAGES if fetch_images is None else fetch_images
    parsed = parse_feed(body, content_type=content_type, url=url)
    outcomes = [EntryOutcome("refused", "", "", reason=problem) for problem in parsed.problems]
    entries = parsed.entries[: settings.NEWSROOM_INGEST_MAX_ENTRIES]
    if len(parsed.entries) > len(entries):
        outcomes.append(
            EntryOutcome(
                "refused", "", "",
                reason=f"The feed has {len(parsed.entries)} entries; only the first {len(entries)} were read "
                "(NEWSROOM_INGEST_MAX_ENTRIES).",
            )
        )

    links: dict[int, tuple[str, str]] = {}
    unusable: dict[int, str] = {}
    for index, entry in enumerate(entries):
        if not entry.link:
            unusable[index] = "The entry was skipped because it has no link."
        elif character := _control_character_name(entry.link):
            unusable[index] = f"The entry was skipped because its link contains {character}: {_shown(entry.link)}."
        elif "\x00" in entry.title:
            unusable[index] = f"The entry was skipped because its title contains a NUL character: {_shown(entry.title)}."
        else:
            try:
                links[index] = (entry.link, canonical_url(entry.link))
            except ValueError:
                unusable[index] = f"The entry was skipped because its link {_shown(entry.link)} is not a valid address."
    known = set(
        Article.objects.filter(canonical_url__in=[canonical for _, canonical in links.values()]).values_list(
            "canonical_url", flat=True
        )
    )

    for index, entry in enumerate(entries):
        title = entry.title or "(untitled)"
        if index in unusable:
            outcomes.append(EntryOutcome("refused", _visible(title, 300), _visible(entry.link, 2000), reason=unusable[index]))
            continue
        link, canonical = links[index]
        if not canonical.startswith(("http://", "https://")):
            outcomes.append(
                EntryOutcome("refused", title, link, reason=f"The entry's link {link!r} is not an http(s) address.")
            )
            continue
        if len(canonical) > 2000:
            outcomes.append(EntryOutcome("refused", title, link, reason="The entry's link is longer than 2,000 characters."))
            continue
        if canonical in known:
            outcomes.append(EntryOutcome("duplicate", title, link, reason="An article with this address is stored already."))
            continue
        try:
            article = _build_article(entry, source=source, link=link, canonical=canonical, fetch_pages=fetch_pages)
            if Article.objects.filter(content_hash=article.content_hash).exists():
                known.add(canonical)
                outcomes.append(
                    EntryOutcome("duplicate", title, link, reason="An article with identical text is stored already.")
                )
                continue
            if article.image_url and fetch_images:
                _attach_lead_image(article)
            with transaction.atomic():
                article.save()
        except IntegrityError:
            known.add(canonical)
            outcomes.append(EntryOutcome("duplicate", title, link, reason="An article with this address is stored already."))
            continue
        except Exception as error:  # noqa: BLE001 - one bad entry never loses the others
            logger.exception("Entry %r of %s could not be stored", link, source)
            outcomes.append(EntryOutcome("refused", title, link, reason=f"The entry could not be stored: {error}"))
            continue
        known.add(canonical)
        outcome = EntryOutcome("stored", article.title, link, article_id=article.id)
        hook_failures = run_after_article_stored(article.id)
        if hook_failures:
            outcome.reason = "; ".join(hook_failures)
        outcomes.append(outcome)
    return parsed, outcomes


def backoff_delay(*, source: Source, failures: int) -> timedelta:
    """Time to wait before polling a source again after `failures` failures in a row."""
    minutes = source.poll_interval_minutes * (2 ** min(failures, 20))
    return timedelta(minutes=min(minutes, settings.NEWSROOM_INGEST_MAX_BACKOFF_MINUTES))


def record_failure(source: Source, *, error: str, now: datetime) -> None:
    """Counts a failed fetch, backs the source off and disables it after too many failures."""
    source.last_fetch_at = now
    source.last_error = error
    source.consecutive_failures += 1
    source.next_poll_at = now + backoff_delay(source=source, failures=source.consecutive_failures)
    limit = settings.NEWSROOM_INGEST_MAX_FAILURES
    if limit and source.consecutive_failures >= limit:
        source.enabled = False
        source.disabled_reason = (
            f"Disabled on {now:%Y-%m-%d %H:%M} UTC after {source.consecutive_failures} failed fetches in a row. "
            f"Last error: {error} Fix the feed address and enable the source again."
        )
    source.save(
        update_fields=[
            "last_fetch_at", "last_error", "consecutive_failures", "next_poll_at", "enabled", "disabled_reason",
        ]
    )
    source_health_changed(source)


def record_success(source: Source, *, now: datetime, etag: str | None = None, last_modified: str | None = None) -> None:
    source.last_fetch_at = now
    source.last_success_at = now
    source.last_error = ""
    source.consecutive_failures = 0
    source.next_poll_at = now + timedelta(minutes=source.poll_interval_minutes)
    fields = ["last_fetch_at", "last_success_at", "last_error", "consecutive_failures", "next_poll_at"]
    if etag is not None:
        source.etag = etag[:500]
        fields.append("etag")
    if last_modified is not None:
        source.last_modified = last_modified[:100]
        fields.append("last_modified")
    source.save(update_fields=fields)
    source_health_changed(source)


def source_health_changed(source: Source) -> None:
    """Tells the people who watch sources when one is disabled or keeps failing, once until it recovers."""
    failing, disabled = f"source-failing:{source.id}", f"source-disabled:{source.id}"
    link = reverse("sources:list") + f"#source-{source.id}"
    if not source.enabled:
        notify(
            kind="source", cause_key=disabled, link=link,
            message=f"Source “{source.name}” is disabled. {source.disabled_reason}".strip(),
        )
        return
    clear(disabled)
    if source.consecutive_failures == 0:
        clear(failing)
    elif source.consecutive_failures >= settings.NEWSROOM_NOTIFY_SOURCE_FAILURES:
        notify(
            kind="source", cause_key=failing, link=link,
            message=(
                f"Source “{source.name}” failed {source.consecutive_failures} fetches in a row. "
                f"Last error: {source.last_error}"
            ),
        )


def ingest_source(
    *,
    source: Source,
    conditional: bool = True,
    fetch_pages: bool | None = None,
    fetch_images: bool | None = None,
) -> IngestReport:
    """Fetches a source's feed (a conditional GET unless told not to), stores its new entries and updates its health."""
    report = IngestReport(source=source.name)
    now = timezone.now()
    if not source.feed_url:
        report.feed_error = "The source has no feed address."
        record_failure(source, error=report.feed_error, now=now)
        return report
    try:
        response = fetch(
            source.feed_url,
            etag=source.etag if conditional else "",
            last_modified=source.last_modified if conditional else "",
            accept=FEED_ACCEPT,
        )
        if response.not_modified:
            report.not_modified = True
            record_success(source, now=now)
            return report
        parsed, report.outcomes = ingest_feed_bytes(
            response.body, source=source, content_type=response.content_type, url=response.url,
            fetch_pages=fetch_pages, fetch_images=fetch_images,
        )
    except (FetchError, FeedError) as error:
        report.feed_error = str(error)
        record_failure(source, error=report.feed_error, now=now)
        return report
    except Exception as error:
        # Shown on the sources page; the job still fails visibly so it can be retried.
        record_failure(
            source, error=f"Ingestion stopped on an unexpected error ({type(error).__name__}: {error}); "
            "see the worker log.", now=now,
        )
        raise
    report.warning = parsed.warning
    record_success(source, now=now, etag=response.etag, last_modified=response.last_modified)
    return report
