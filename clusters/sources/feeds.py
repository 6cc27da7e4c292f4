"""Parsing feeds: RSS 0.9x/1.0/2.0, Atom and JSON Feed, in any encoding.

The bytes are first decoded here (BOM, HTTP charset, XML declaration, UTF-8,
then charset detection for undeclared encodings such as Shift_JIS or EUC-JP),
checked with defusedxml so that no DTD entity reaches a parser, and only then
handed to feedparser as UTF-8. JSON Feed is read with the json module.
"""

from __future__ import annotations

import calendar
import codecs
import email.utils
import io
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape

import charset_normalizer
import feedparser
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as defused_fromstring
from django.utils.dateparse import parse_datetime
from feedparser.datetimes import _parse_date as feedparser_parse_date

XML_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*?\?>", re.IGNORECASE)
XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""", re.IGNORECASE)
CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", re.IGNORECASE)
ENTITY_DECLARATION = re.compile(r"<!ENTITY", re.IGNORECASE)
FIRST_ELEMENT = re.compile(r"<[A-Za-z_]")
BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
]


class FeedError(Exception):
    """The feed cannot be read; the message says why in plain words."""


@dataclass
class FeedEntry:
    title: str
    link: str
    guid: str = ""
    published_at: datetime | None = None
    summary_html: str = ""
    content_html: str = ""
    language: str = ""
    image_url: str = ""

    @property
    def feed_html(self) -> str:
        """The richest text the feed itself carries for this entry."""
        return self.content_html if len(self.content_html) >= len(self.summary_html) else self.summary_html


@dataclass
class ParsedFeed:
    title: str = ""
    link: str = ""
    language: str = ""
    format: str = ""
    encoding: str = ""
    entries: list[FeedEntry] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    """Entries that could not be read, each with why; the others are still in entries."""
    warning: str = ""
    """Set when the feed was ill-formed but entries could still be read."""


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


KANA_CHARACTER = re.compile(r"[\u3041-\u3096\u30a1-\u30fa]")


def _japanese_guess(body: bytes) -> tuple[str, str] | None:
    """Reads undeclared Japanese bytes: the Japanese encoding that decodes cleanly into the most kana.

    General detectors often take short Shift_JIS or EUC-JP documents for Thai or
    Cyrillic; kana are common in any Japanese text and rare in mis-decodings.
    """
    best = None
    for name in ("euc_jp", "cp932", "iso2022_jp"):
        try:
            text = body.decode(name)
        except UnicodeDecodeError:
            continue
        non_ascii = sum(1 for character in text if ord(character) > 127)
        kana = len(KANA_CHARACTER.findall(text))
        if kana >= 2 and kana * 5 >= non_ascii and (best is None or kana > best[0]):
            best = (kana, text, name)
    return (best[1], best[2]) if best else None


def decode_feed(body: bytes, *, content_type: str = "") -> tuple[str, str]:
    """Returns (text, encoding name) for feed bytes, whatever their encoding.

    Order: byte-order mark, the HTTP charset, the XML declaration, UTF-8, then
    detection (which is what reads undeclared Shift_JIS and EUC-JP).
    """
    for bom, name in BOMS:
        if body.startswith(bom):
            try:
                return body[len(bom):].decode(name), name
            except UnicodeDecodeError:
                break
    if body[:4] in (b"<\x00?\x00", b"\x00<\x00?"):
        name = "utf-16-le" if body[:1] == b"<" else "utf-16-be"
        try:
            return body.decode(name), name
        except UnicodeDecodeError:
            pass
    candidates = []
    header = CHARSET.search(content_type or "")
    if header:
        candidates.append(_codec(header.group(1)))
    declared = XML_ENCODING.match(body)
    if declared:
        candidates.append(_codec(declared.group(1).decode("ascii")))
    candidates.append("utf-8")
    for name in candidates:
        if not name or name.startswith("utf-16") or name.startswith("utf-32"):
            continue
        try:
            return body.decode(name), name
        except UnicodeDecodeError:
            continue
    japanese = _japanese_guess(body)
    if japanese:
        return japanese
    best = charset_normalizer.from_bytes(body).best()
    if best is not None and best.encoding:
        return str(best), best.encoding
    return body.decode("utf-8", errors="replace"), "utf-8 (with undecodable bytes replaced)"


def _refuse_entities(text: str) -> None:
    prolog = text[: match.start()] if (match := FIRST_ELEMENT.search(text)) else text
    if ENTITY_DECLARATION.search(prolog):
        raise FeedError(
            "The feed declares its own XML entities (<!ENTITY> in a DOCTYPE); such feeds are refused "
            "because entity expansion can exhaust memory."
        )
    try:
        defused_fromstring(text.encode("utf-8"), forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as error:
        raise FeedError(
            f"The feed uses a forbidden XML construct ({type(error).__name__}); it was not parsed."
        ) from error
    except Exception:  # noqa: BLE001 - ill-formed XML is feedparser's job; only entities are refused here
        pass


# Month names feedparser does not know, seen in real European feeds' RFC 822 dates.
FOREIGN_MONTHS = {
    "gen": "Jan", "genn": "Jan", "febb": "Feb", "mar": "Mar", "apr": "Apr", "mag": "May", "giu": "Jun",
    "lug": "Jul", "ago": "Aug", "set": "Sep", "sett": "Sep", "ott": "Oct", "nov": "Nov", "dic": "Dec",
    "ene": "Jan", "abr": "Apr", "dez": "Dec", "okt": "Oct", "mai": "May", "mrz": "Mar", "mär": "Mar",
    "janv": "Jan", "févr": "Feb", "fevr": "Feb", "avr": "Apr", "juin": "Jun", "juil": "Jul", "aoû": "Aug",
    "sept": "Sep", "déc": "Dec",
}
RFC822_LIKE = re.compile(r"^\s*(?:[^\W\d]+\.?,\s*)?(\d{1,2})\s+([^\W\d]+)\.?\s+(\d{4})\s+(.*)$")


def _foreign_rfc822_date(value: str):
    """feedparser date handler for RFC 822 dates written with non-English day and month names."""
    match = RFC822_LIKE.match(value or "")
    if not match:
        return None
    day, month, year, rest = match.groups()
    english = FOREIGN_MONTHS.get(month.lower())
    if not english:
        return None
    try:
        return email.utils.parsedate_to_datetime(f"{day} {english} {year} {rest}").utctimetuple()
    except (TypeError, ValueError):
        return None


feedparser.registerDateHandler(_foreign_rfc822_date)


def parse_date_text(value: str) -> datetime | None:
    """Reads an ISO 8601 or RFC 822 date (as JSON Feeds carry) into an aware datetime in UTC, or None."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None:
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return _struct_to_datetime(feedparser_parse_date(value))
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # past the year 9999 in UTC: no time the desk can store, so none, as for RSS
        return None


def _struct_to_datetime(value) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    except (OverflowError, ValueError, TypeError):
        return None


def _first_image(entry) -> str:
    for item in entry.get("media_content", []) or []:
        if item.get("url") and (item.get("medium") == "image" or str(item.get("type", "")).startswith("image/")):
            return item["url"]
    for item in entry.get("media_thumbnail", []) or []:
        if item.get("url"):
            return item["url"]
    for link in entry.get("links", []) or []:
        if link.get("rel") == "enclosure" and str(link.get("type", "")).startswith("image/") and link.get("href"):
            return link["href"]
    return ""


def _xml_entry(entry, feed_language: str) -> FeedEntry:
    content = entry.get("content") or []
    content_html = max((item.get("value", "") for item in content), key=len, default="")
    language = ""
    for item in [*content, entry.get("summary_detail") or {}, entry.get("title_detail") or {}]:
        if item.get("language"):
            language = item["language"]
            break
    return FeedEntry(
        title=(entry.get("title") or "").strip(),
        link=(entry.get("link") or "").strip(),
        guid=(entry.get("id") or "").strip(),
        published_at=_struct_to_datetime(entry.get("published_parsed") or entry.get("updated_parsed")),
        summary_html=entry.get("summary") or "",
        content_html=content_html,
        language=language or feed_language,
        image_url=_first_image(entry),
    )


def _parse_xml(text: str, *, url: str, encoding: str) -> ParsedFeed:
    _refuse_entities(text)
    utf8 = XML_DECLARATION.sub(b"", text.encode("utf-8"), count=1)
    headers = {"content-type": "application/xml; charset=utf-8"}
    if url:
        headers["content-location"] = url
    result = feedparser.parse(io.BytesIO(utf8), response_headers=headers)
    feed = result.get("feed", {})
    version = result.get("version") or ""
    if not version and not result.entries:
        reason = result.get("bozo_exception")
        raise FeedError(
            "This is not an RSS, Atom or JSON feed" + (f" (the parser said: {reason})." if reason else ".")
        )
    parsed = ParsedFeed(
        title=(feed.get("title") or "").strip(),
        link=feed.get("link") or "",
        language=(feed.get("language") or "").strip(),
        format=version or "unknown",
        encoding=encoding,
    )
    if result.get("bozo"):
        parsed.warning = f"The feed is not well-formed ({result.get('bozo_exception')}); it was read leniently."
    for index, entry in enumerate(result.entries, start=1):
        try:
            parsed.entries.append(_xml_entry(entry, parsed.language))
        except Exception as error:  # noqa: BLE001 - one bad entry must not lose the others
            parsed.problems.append(f"Entry {index} could not be read: {error}")
    return parsed


def _json_text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def _parse_json_feed(text: str, *, encoding: str) -> ParsedFeed:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise FeedError(f"The JSON feed is not valid JSON ({error.msg} at line {error.lineno}).") from error
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise FeedError("The JSON document is not a JSON Feed: it has no list of \"items\".")
    version = str(data.get("version", ""))
    parsed = ParsedFeed(
        title=_json_text(data.get("title")),
        link=_json_text(data.get("home_page_url")),
        language=_json_text(data.get("language")),
        format="json11" if version.endswith("/1.1") else "json1",
        encoding=encoding,
    )
    for index, item in enumerate(data["items"], start=1):
        try:
            if not isinstance(item, dict):
                raise ValueError("it is not an object")
            published = item.get("date_published") or item.get("date_modified")
            published_at = parse_date_text(published) if isinstance(published, str) else None
            content_html = _json_text(item.get("content_html"))
            if not content_html and _json_text(item.get("content_text")):
                content_html = "<p>" + escape(item["content_text"].strip()) + "</p>"
            parsed.entries.append(
                FeedEntry(
                    title=_json_text(item.get("title")),
                    link=_json_text(item.get("url")) or _json_text(item.get("external_url")),
                    guid=str(item.get("id", "")),
                    published_at=published_at,
                    summary_html=_json_text(item.get("summary")),
                    content_html=content_html,
                    language=_json_text(item.get("language")) or parsed.language,
                    image_url=_json_text(item.get("image")) or _json_text(item.get("banner_image")),
                )
            )
        except Exception as error:  # noqa: BLE001 - one bad entry must not lose the others
            parsed.problems.append(f"Entry {index} could not be read: {error}")
    return parsed


def parse_feed(body: bytes, *, content_type: str = "", url: str = "") -> ParsedFeed:
    """Parses feed bytes into entries; raises FeedError when the feed cannot be read at all."""
    if not body.strip():
        raise FeedError("The feed is empty.")
    text, encoding = decode_feed(body, content_type=content_type)
    stripped = text.lstrip("\ufeff \t\r\n")
    try:
        if stripped.startswith("{") or "json" in content_type.lower():
            return _parse_json_feed(stripped, encoding=encoding)
        return _parse_xml(text, url=url, encoding=encoding)
    except RecursionError as error:
        raise FeedError(
            "The feed is nested too deeply to be read (thousands of levels of objects or elements inside each "
            "other); no real feed looks like this, so it was refused."
        ) from error
