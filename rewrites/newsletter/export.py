"""Newsletter blurbs of published stories, in the order an editor chose, in four formats.

Every format is a generator of text chunks so an export of any size streams:
stories are read from the database in chunks, never all at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Callable, Iterable, Iterator

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.html import escape

from newsroom.csv_safety import stream_csv
from newsroom.links import strip_tracking
from newsroom.parameters import ParameterError, within_calendar
from newsroom.timestamps import format_timestamp
from rewrites.models import PublishedStory
from rewrites.publishing.publish import source_credit

CHUNK = 1000
FIELDS = [
    "slug", "rewrite_id", "headline", "newsletter_blurb", "summary", "sources", "published_at", "domain", "content_type",
]


@dataclass
class NewsletterFilters:
    date_from: date
    date_to: date
    domain: str = ""
    content_type: str = ""

    @property
    def key(self) -> str:
        """Identifies the filters, so a chosen order is dropped when they change."""
        return f"{self.date_from.isoformat()}|{self.date_to.isoformat()}|{self.domain}|{self.content_type}"

    @property
    def label(self) -> str:
        if self.date_from == self.date_to:
            return self.date_from.isoformat()
        return f"{self.date_from.isoformat()} to {self.date_to.isoformat()}"

    def filename(self, extension: str) -> str:
        return f"newsletter-{self.date_from.isoformat()}-to-{self.date_to.isoformat()}.{extension}"


@dataclass
class Blurb:
    rewrite_id: str
    headline: str
    blurb: str
    url: str
    credit: str
    published_at: datetime
    domain: str
    content_type: str


DATE_NAMES = {"date_from": "The start date", "date_to": "The end date"}


def _parse_date(value: str, field: str, errors: dict) -> date | None:
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        errors[field] = f"“{value}” is not a date; use the form YYYY-MM-DD, e.g. 2026-07-04."
        return None
    try:
        return within_calendar(day, text=value, name=DATE_NAMES[field])
    except ParameterError as error:
        errors[field] = str(error)
        return None


def parse_filters(data) -> tuple[NewsletterFilters, dict[str, str]]:
    """Reads the filters from a GET or POST QueryDict; returns them and errors by field.

    Missing dates default to the last seven days (today included).
    """
    today = timezone.localdate()
    errors: dict[str, str] = {}
    date_from = _parse_date(data["date_from"], "date_from", errors) if data.get("date_from") else None
    date_to = _parse_date(data["date_to"], "date_to", errors) if data.get("date_to") else None
    date_to = date_to or today
    date_from = date_from or (date_to - timedelta(days=6))
    if date_from > date_to:
        errors["date_to"] = "The end date is before the start date; swap them or pick another range."
    filters = NewsletterFilters(
        date_from=date_from,
        date_to=date_to,
        domain=(data.get("domain") or "").strip(),
        content_type=(data.get("content_type") or "").strip(),
    )
    return filters, errors


def parse_order(value: str) -> list[str]:
    """The rewrite ids of a chosen order, from the form's comma-separated field."""
    seen: dict[str, None] = {}
    for item in (value or "").split(","):
        item = item.strip()
        if item.startswith("r_") and len(item) <= 26:
            seen.setdefault(item, None)
    return list(seen)


def matching_stories(filters: NewsletterFilters) -> QuerySet[PublishedStory]:
    """Live stories published in the date range (in the desk's time zone) with the chosen domain and type."""
    zone = timezone.get_current_timezone()
    start = datetime.combine(filters.date_from, datetime.min.time(), tzinfo=zone)
    end = datetime.combine(filters.date_to + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    stories = PublishedStory.objects.live().filter(published_at__gte=start, published_at__lt=end)
    if filters.domain:
        stories = stories.filter(domain=filters.domain)
    if filters.content_type:
        stories = stories.filter(content_type=filters.content_type)
    return stories.order_by("-published_at", "-id").only(*FIELDS)


def filter_choices() -> dict[str, list[str]]:
    live = PublishedStory.objects.live()
    return {
        "domains": list(live.exclude(domain="").order_by("domain").values_list("domain", flat=True).distinct()),
        "content_types": list(
            live.exclude(content_type="").order_by("content_type").values_list("content_type", flat=True).distinct()
        ),
    }


def _blurb(story: PublishedStory, url_for: Callable[[str], str]) -> Blurb:
    return Blurb(
        rewrite_id=story.rewrite_id,
        headline=story.headline,
        blurb=story.newsletter_blurb or story.summary,
        url=strip_tracking(url_for(story.slug)),
        credit=source_credit(story.sources),
        published_at=story.published_at,
        domain=story.domain,
        content_type=story.content_type,
    )


def blurbs(filters: NewsletterFilters, *, order: list[str], url_for: Callable[[str], str]) -> Iterator[Blurb]:
    """The blurbs to export: in the chosen order when there is one, otherwise newest first.

    Ids in the order that no longer match the filters (killed, out of range) are skipped.
    """
    stories = matching_stories(filters)
    if not order:
        for story in stories.iterator(chunk_size=CHUNK):
            yield _blurb(story, url_for)
        return
    for start in range(0, len(order), CHUNK):
        ids = order[start : start + CHUNK]
        found = {story.rewrite_id: story for story in stories.filter(rewrite_id__in=ids)}
        for rewrite_id in ids:
            if rewrite_id in found:
                yield _blurb(found[rewrite_id], url_for)


# Formats. Each takes the blurbs and a title and yields text.


def _markdown_escape(text: str) -> str:
    return "".join("\\" + char if char in "\\`*_[]<>#" else char for char in text)


def as_markdown(items: Iterable[Blurb], *, title: str) -> Iterator[str]:
    yield f"# {_markdown_escape(title)}\n\n"
    for item in items:
        yield f"## [{_markdown_escape(item.headline)}]({item.url.replace(')', '%29')})\n\n"
        if item.blurb:
            yield f"{_markdown_escape(item.blurb)}\n\n"
        if item.credit:
            yield f"*{_markdown_escape(item.credit)}*\n\n"


def as_text(items: Iterable[Blurb], *, title: str) -> Iterator[str]:
    yield f"{title}\n{'=' * len(title)}\n\n"
    for item in items:
        yield f"{item.headline}\n"
        if item.blurb:
            yield f"{item.blurb}\n"
        if item.credit:
            yield f"{item.credit}\n"
        yield f"{item.url}\n\n"


FONT = "font-family:Arial,'Hiragino Sans','Noto Sans JP',sans-serif"


def as_html(items: Iterable[Blurb], *, title: str) -> Iterator[str]:
    """Email-safe HTML: a table layout with inline styles only, no scripts, no external CSS."""
    yield (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title></head>\n"
        '<body style="margin:0;padding:0;background-color:#f3f4f6;">\n'
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" '
        'style="background-color:#f3f4f6;"><tr><td align="center" style="padding:24px 12px;">\n'
        '<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" '
        'style="width:600px;max-width:100%;background-color:#ffffff;">\n'
        f'<tr><td style="padding:24px 24px 8px 24px;{FONT};font-size:24px;font-weight:bold;color:#111827;">'
        f"{escape(title)}</td></tr>\n"
    )
    for item in items:
        yield (
            f'<tr><td style="padding:16px 24px;border-top:1px solid #e5e7eb;{FONT};">'
            f'<a href="{escape(item.url)}" style="font-size:18px;font-weight:bold;color:#1d4ed8;text-decoration:none;">'
            f"{escape(item.headline)}</a>"
        )
        if item.blurb:
            yield f'<p style="margin:8px 0 0 0;font-size:15px;line-height:22px;color:#111827;">{escape(item.blurb)}</p>'
        if item.credit:
            yield f'<p style="margin:6px 0 0 0;font-size:13px;color:#6b7280;">{escape(item.credit)}</p>'
        yield "</td></tr>\n"
    yield "</table>\n</td></tr></table>\n</body></html>\n"


CSV_COLUMNS = ["position", "published_at", "headline", "blurb", "url", "source_credit", "domain", "content_type", "rewrite_id"]


def as_csv(items: Iterable[Blurb], *, title: str) -> Iterator[str]:
    """CSV with a header row; starts with a byte-order mark so spreadsheet programs read UTF-8.

    Cells a spreadsheet would run as formulas are neutralised (newsroom.csv_safety).
    """
    return stream_csv(CSV_COLUMNS, (
        [
            position,
            format_timestamp(item.published_at),
            item.headline,
            item.blurb,
            item.url,
            item.credit,
            item.domain,
            item.content_type,
            item.rewrite_id,
        ]
        for position, item in enumerate(items, start=1)
    ), prefix="\ufeff")


FORMATS = {
    "markdown": (as_markdown, "md", "text/markdown; charset=utf-8"),
    "html": (as_html, "html", "text/html; charset=utf-8"),
    "text": (as_text, "txt", "text/plain; charset=utf-8"),
    "csv": (as_csv, "csv", "text/csv; charset=utf-8"),
}


def batched(chunks: Iterable[str], size: int = 64 * 1024) -> Iterator[bytes]:
    """Joins small text chunks into blocks of about size bytes for the response."""
    parts: list[bytes] = []
    length = 0
    for chunk in chunks:
        data = chunk.encode("utf-8")
        parts.append(data)
        length += len(data)
        if length >= size:
            yield b"".join(parts)
            parts, length = [], 0
    if parts:
        yield b"".join(parts)
