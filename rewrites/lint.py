"""Lints: checks run on every generated (and edited) rewrite.

Each lint is a small function that takes a ``Draft`` (the output fields, the
attribution and the cluster's source texts) and yields ``Finding`` objects,
each with a code, a severity, the field (record name, e.g. ``twitterPost``)
and the character span in that field's text. Errors block approval and send
a generated rewrite to the repair loop; warnings are shown to the editor.

The unsupported-claim lints compare the output with the source articles after
normalising full-width characters, kanji numerals, 万/億 multipliers and
Japanese dates, so 7.4 matches ７．４ and July 10, 2026 matches 2026年7月10日.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cached_property
from html.parser import HTMLParser
from typing import Callable, Iterable, Iterator

from django.conf import settings

from clusters.sources.canonical import canonical_url
from rewrites.counters import NETWORKS, find_hashtags, find_urls, offset_at_limit
from rewrites.webcard import ALLOWED_TAGS, VOID_TAGS

ERROR, WARNING = "error", "warning"

TEXT_FIELDS = [
    "headline", "summary", "whyItMatters", "webCardHtml",
    "blueskyPost", "twitterPost", "threadsPost", "newsletterBlurb",
]
MODEL_ATTRIBUTES = {
    "headline": "headline", "summary": "summary", "whyItMatters": "why_it_matters",
    "webCardHtml": "web_card_html", "blueskyPost": "bluesky_post", "twitterPost": "twitter_post",
    "threadsPost": "threads_post", "newsletterBlurb": "newsletter_blurb",
}


@dataclass(frozen=True)
class Finding:
    code: str
    field: str
    severity: str
    message: str
    span: tuple[int, int] | None = None

    def as_json(self) -> dict:
        return {
            "code": self.code,
            "field": self.field,
            "severity": self.severity,
            "message": self.message,
            "span": list(self.span) if self.span is not None else None,
        }


@dataclass(frozen=True)
class SourceText:
    """One source article as the lints see it."""

    title: str
    text: str = ""
    url: str = ""
    source: str = ""


@dataclass
class Draft:
    """What the lints check: output fields by record name, attribution, and the sources."""

    fields: dict[str, str | None]
    attribution: list[dict] | None = None
    sources: list[SourceText] = field(default_factory=list)
    raw_web_card: str | None = None

    def text(self, name: str) -> str:
        return self.fields.get(name) or ""

    @cached_property
    def material(self) -> "SourceMaterial":
        return SourceMaterial(self.sources)


# Normalisation shared by sources and output

_KANJI_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_KANJI_UNITS = {"十": 10, "百": 100, "千": 1000}
_KANJI_LARGE = {"万": 10**4, "億": 10**8, "兆": 10**12}
_KANJI_NUMBER_RE = re.compile(r"[〇零一二三四五六七八九十百千]+(?:[万億兆][〇零一二三四五六七八九十百千]*)*")
_ENGLISH_MULTIPLIERS = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
_NUMBER_RE = re.compile(
    r"(?<![A-Za-z0-9_.])(\d{1,3}(?:,\d{3})+|\d+)((?:\.\d+)+)?"
    r"(?:\s*(万|億|兆|千)(\d+)?|\s+(thousand|million|billion|trillion)\b)?",
    re.IGNORECASE,
)

_NUMBER_WORDS = {
    word: value
    for value, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen twenty".split()
    )
} | {"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
     "hundred": 100, "thousand": 1000, "dozen": 12, "first": 1, "second": 2, "third": 3, "fourth": 4,
     "fifth": 5, "once": 1, "twice": 2, "half": 50}

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
            ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
            ("october", "oct"), ("november", "nov"), ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DATE_PATTERNS = [
    re.compile(_MONTH + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+(?P<year>\d{4})\b)?", re.IGNORECASE),
    re.compile(r"\b(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH + r"(?:,?\s+(?P<year>\d{4})\b)?", re.IGNORECASE),
    re.compile(r"\b" + _MONTH + r",?\s+(?P<year>\d{4})\b", re.IGNORECASE),
    re.compile(r"\b(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})\b"),
    re.compile(r"\b(?P<year>\d{4})/(?P<month>\d{1,2})/(?P<day>\d{1,2})\b"),
    re.compile(r"(?:(?P<year>\d{4})\s*年\s*)?(?P<month>\d{1,2})\s*月(?:\s*(?P<day>\d{1,2})\s*日)?"),
]
_JAPANESE_RE = re.compile(r"[\u3040-\u309f\u30a0-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]+")
_LATIN_LETTER_RE = re.compile(r"[A-Za-z]")


def _kanji_value(run: str) -> int:
    total, section, digit = 0, 0, None
    for char in run:
        if char in _KANJI_DIGITS:
            digit = (digit or 0) * 10 + _KANJI_DIGITS[char] if digit is not None else _KANJI_DIGITS[char]
        elif char in _KANJI_UNITS:
            section += (digit if digit is not None else 1) * _KANJI_UNITS[char]
            digit = None
        elif char in _KANJI_LARGE:
            total += (section + (digit or 0)) * _KANJI_LARGE[char]
            section, digit = 0, None
    return total + section + (digit or 0)


def normalise(text: str) -> str:
    """Full-width to ASCII (NFKC) and kanji numerals to digits."""
    text = unicodedata.normalize("NFKC", text or "")
    return _KANJI_NUMBER_RE.sub(lambda match: str(_kanji_value(match.group())), text)


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", "")).normalize()
    except InvalidOperation:
        return None


def _number_values(match: re.Match) -> tuple[str, set[Decimal]]:
    """Returns (literal, values) for a number match: the literal and the value with any multiplier."""
    whole, fraction = match.group(1), match.group(2) or ""
    literal = whole + fraction
    if fraction.count(".") > 1:
        return literal, set()
    base = _decimal(literal)
    if base is None:
        return literal, set()
    values = {base}
    large, rest, english = match.group(3), match.group(4), match.group(5)
    if large:
        multiplier = {"万": 10**4, "億": 10**8, "兆": 10**12, "千": 10**3}[large]
        values.add((base * multiplier + (Decimal(rest) if rest else 0)).normalize())
    if english:
        values.add((base * _ENGLISH_MULTIPLIERS[english.lower()]).normalize())
    return literal, values


def _dates(text: str) -> Iterator[tuple[tuple[int, int], tuple[int | None, int, int | None]]]:
    """Yields (span, (year, month, day)) for each date in text; year or day may be None."""
    taken: list[tuple[int, int]] = []
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            month_text = match.group("month")
            month = MONTHS.get(month_text.lower().rstrip(".")) if not month_text.isdigit() else int(month_text)
            day = int(match.group("day")) if match.groupdict().get("day") else None
            year = int(match.group("year")) if match.groupdict().get("year") else None
            if not month or not 1 <= month <= 12 or (day is not None and not 1 <= day <= 31):
                continue
            taken.append((start, end))
            yield (start, end), (year, month, day)


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"[^\w']+", " ", text).strip()


def _mostly_japanese(text: str) -> bool:
    japanese = sum(len(run) for run in _JAPANESE_RE.findall(text))
    return japanese * 3 > len(_LATIN_LETTER_RE.findall(text))


class SourceMaterial:
    """The cluster's source texts, normalised once for the unsupported-claim lints."""

    def __init__(self, sources: list[SourceText]):
        self.sources = sources
        raw = "\n".join(f"{s.title}\n{s.text}" for s in sources)
        self.text = normalise(raw)
        self.folded = _fold(self.text)
        self.numbers: set[Decimal] = set()
        self.literals: set[str] = set()
        for match in _NUMBER_RE.finditer(self.text):
            literal, values = _number_values(match)
            self.literals.add(literal)
            self.numbers |= values
        for word in re.findall(r"[a-z]+", self.text.lower()):
            if word in _NUMBER_WORDS:
                self.numbers.add(Decimal(_NUMBER_WORDS[word]))
        self.dates = [date for _, date in _dates(self.text)]
        # Any mostly-Japanese source means the output is partly a translation,
        # which names and quotations cannot be checked against word for word.
        self.is_japanese = any(_mostly_japanese(f"{s.title}\n{s.text}") for s in sources)
        self.urls = {canonical_url(s.url) for s in sources if s.url}

    def supports_number(self, literal: str, values: set[Decimal]) -> bool:
        if not values:
            return literal in self.literals or literal in self.text
        return bool(values & self.numbers)

    def supports_date(self, date: tuple[int | None, int, int | None]) -> bool:
        year, month, day = date
        for s_year, s_month, s_day in self.dates:
            if s_month != month:
                continue
            if day is not None and s_day != day:
                continue
            if year is not None and s_year is not None and s_year != year:
                continue
            return True
        if day is None and year is not None:
            return False
        return False

    def supports_phrase(self, phrase: str) -> bool:
        folded = _fold(normalise(phrase))
        return bool(folded) and f" {folded} " in f" {self.folded} "


# Helpers


def _visible_text(name: str, text: str) -> str:
    """Returns text with HTML tags and entities blanked out (same length) for the web card."""
    if name != "webCardHtml":
        return text
    text = re.sub(r"<[^>]*>", lambda m: " " * len(m.group()), text)
    return re.sub(r"&#?\w+;", lambda m: " " * len(m.group()), text)


def _excluded_spans(text: str) -> list[tuple[int, int]]:
    return find_urls(text) + find_hashtags(text)


def _inside(span: tuple[int, int], spans: Iterable[tuple[int, int]]) -> bool:
    return any(start <= span[0] and span[1] <= end or (span[0] < end and start < span[1]) for start, end in spans)


# The lints


def lint_empty_fields(draft: Draft) -> Iterator[Finding]:
    for name in TEXT_FIELDS:
        if not draft.text(name).strip():
            yield Finding("empty-field", name, ERROR, "This field is empty; every field must be written.")


def lint_network_limits(draft: Draft) -> Iterator[Finding]:
    for name, network in NETWORKS.items():
        text = draft.text(name)
        count = network.count(text)
        if count > network.limit:
            yield Finding(
                f"{network.name.lower()}-too-long",
                name,
                ERROR,
                f"{count} {network.unit}; {network.name} allows {network.limit}. Cut {count - network.limit}.",
                (offset_at_limit(text, network), len(text)),
            )


def lint_headline_length(draft: Draft) -> Iterator[Finding]:
    limit = settings.NEWSROOM_HEADLINE_MAX_CHARS
    text = draft.text("headline")
    if len(text) > limit:
        yield Finding(
            "headline-too-long", "headline", ERROR,
            f"{len(text)} characters; headlines are at most {limit}.", (limit, len(text)),
        )


def lint_unsupported_numbers(draft: Draft) -> Iterator[Finding]:
    material = draft.material
    for name in TEXT_FIELDS:
        text = _visible_text(name, draft.text(name))
        skip = _excluded_spans(text) + [span for span, _ in _dates(text)]
        for match in _NUMBER_RE.finditer(text):
            span = (match.start(), match.start() + len(match.group(1) + (match.group(2) or "")))
            if _inside(span, skip):
                continue
            literal, values = _number_values(match)
            if not material.supports_number(unicodedata.normalize("NFKC", literal), values):
                yield Finding(
                    "unsupported-number", name, ERROR,
                    f"The number {literal} is not in any source article.", span,
                )


def lint_unsupported_dates(draft: Draft) -> Iterator[Finding]:
    material = draft.material
    for name in TEXT_FIELDS:
        text = _visible_text(name, draft.text(name))
        for span, date in _dates(text):
            if not material.supports_date(date):
                yield Finding(
                    "unsupported-date", name, ERROR,
                    f"The date '{text[span[0]:span[1]]}' is not in any source article.", span,
                )


_NAME_RE = re.compile(r"\b(?:[A-Z][\w'’&.-]*[a-z0-9][\w'’&-]*|[A-Z]{2,})(?:\s+(?:[A-Z][\w'’&.-]*|of|de|van|von)){1,4}\b")
_NAME_STOPWORDS = {
    "The", "A", "An", "This", "That", "These", "Those", "It", "In", "On", "At", "For", "But", "And", "As",
    "After", "Before", "When", "While", "With", "Its", "Their", "His", "Her", "Our", "If", "By", "From",
    "New", "Why", "How", "What", "Breaking",
} | {name.capitalize() for name in MONTHS}


def lint_unsupported_names(draft: Draft) -> Iterator[Finding]:
    """Flags capitalised multi-word names with words absent from English sources.

    Names cannot be checked literally across a translation, so this lint stays
    quiet when the sources are mostly Japanese.
    """
    material = draft.material
    if material.is_japanese or not draft.sources:
        return
    for name in TEXT_FIELDS:
        text = _visible_text(name, draft.text(name))
        skip = _excluded_spans(text)
        for match in _NAME_RE.finditer(text):
            if _inside(match.span(), skip):
                continue
            words = [re.sub(r"['’]s$", "", word) for word in match.group().split()]
            words = [word for word in words if word not in _NAME_STOPWORDS and word not in {"of", "de", "van", "von"}]
            if len(words) < 2:
                continue
            missing = [word for word in words if not material.supports_phrase(word)]
            if missing:
                yield Finding(
                    "unsupported-name", name, WARNING,
                    f"The name '{match.group()}' is not in any source article ({', '.join(missing)} not found).",
                    match.span(),
                )


_QUOTE_RE = re.compile(r"[“\"]([^“”\"]{12,}?)[”\"]")


def lint_unsupported_quotes(draft: Draft) -> Iterator[Finding]:
    material = draft.material
    severity = WARNING if material.is_japanese else ERROR
    for name in TEXT_FIELDS:
        text = draft.text(name)
        if name == "webCardHtml":
            text = _visible_text(name, text.replace("&quot;", '"' + " " * 5))
        for match in _QUOTE_RE.finditer(text):
            quoted = match.group(1)
            if len(quoted.split()) < 3 or material.supports_phrase(quoted):
                continue
            message = (
                "This quotation is not in the Japanese sources word for word; check the translation."
                if material.is_japanese
                else "This quotation is not in any source article."
            )
            yield Finding("unsupported-quote", name, severity, message, match.span(1))


def lint_source_language(draft: Draft) -> Iterator[Finding]:
    """One finding per field, spanning the first Japanese run and counting the others."""
    for name in TEXT_FIELDS:
        text = _visible_text(name, draft.text(name))
        runs = list(_JAPANESE_RE.finditer(text))
        if runs:
            more = f" and {len(runs) - 1} more place(s)" if len(runs) > 1 else ""
            yield Finding(
                "source-language", name, ERROR,
                f"Japanese text '{runs[0].group()[:30]}'{more} left in the English output; translate or romanise it.",
                runs[0].span(),
            )


def lint_attribution(draft: Draft) -> Iterator[Finding]:
    if draft.attribution is None:
        return
    if not draft.attribution:
        yield Finding("attribution-missing", "attributionJson", ERROR, "No source is credited.")
        return
    credited = set()
    for position, entry in enumerate(draft.attribution, start=1):
        url = canonical_url(entry.get("url") or "")
        credited.add(url)
        if draft.material.urls and url not in draft.material.urls:
            yield Finding(
                "attribution-outside-cluster", "attributionJson", ERROR,
                f"Credit {position} ({entry.get('url')}) is not one of this story's source articles.",
            )
        if not (entry.get("title") or "").strip() or _JAPANESE_RE.search(entry.get("title") or ""):
            yield Finding(
                "attribution-title", "attributionJson", WARNING,
                f"Credit {position} needs an English title.",
            )
    for source in draft.sources:
        if source.url and canonical_url(source.url) not in credited:
            yield Finding(
                "attribution-missing", "attributionJson", ERROR,
                f"The source article {source.url} ({source.source}) is not credited.",
            )


_UNSAFE_HTML_RE = re.compile(
    r"<\s*(?:script|style|iframe|object|embed|form|input|button|link|meta|svg|math|base)\b"
    r"|\son\w+\s*="
    r"|\s(?:data-)?hx-[\w:-]+"
    r"|\sstyle\s*="
    r"|(?:javascript|vbscript|data)\s*:",
    re.IGNORECASE,
)


def lint_unsafe_html(draft: Draft) -> Iterator[Finding]:
    raw = draft.raw_web_card if draft.raw_web_card is not None else draft.text("webCardHtml")
    stored_is_raw = draft.raw_web_card is None or draft.raw_web_card == draft.text("webCardHtml")
    for match in list(_UNSAFE_HTML_RE.finditer(raw))[:5]:
        removed = "" if stored_is_raw else " (removed before storing)"
        yield Finding(
            "unsafe-html", "webCardHtml", ERROR,
            f"Unsafe HTML '{match.group().strip()}'{removed}: no scripts, styles, event handlers or hx- attributes.",
            match.span() if stored_is_raw else None,
        )


class _TagChecker(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, tuple[int, int]]] = []
        self.problems: list[tuple[str, tuple[int, int] | None]] = []
        self.offsets = [0]

    def feed_text(self, text: str) -> None:
        for line in text.splitlines(keepends=True):
            self.offsets.append(self.offsets[-1] + len(line))
        self.feed(text)
        self.close()
        for tag, span in self.stack:
            self.problems.append((f"<{tag}> is never closed.", span))

    def _span(self) -> tuple[int, int]:
        line, column = self.getpos()
        start = self.offsets[line - 1] + column
        text = self.get_starttag_text() or ""
        return (start, start + max(1, len(text)))

    def handle_starttag(self, tag, attrs):
        span = self._span()
        if tag not in ALLOWED_TAGS:
            self.problems.append((f"<{tag}> is not allowed in a web card.", span))
        elif tag not in VOID_TAGS:
            self.stack.append((tag, span))

    def handle_startendtag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            self.problems.append((f"<{tag}> is not allowed in a web card.", self._span()))

    def handle_endtag(self, tag):
        line, column = self.getpos()
        start = self.offsets[line - 1] + column
        span = (start, start + len(tag) + 3)
        if tag in VOID_TAGS:
            return
        if self.stack and self.stack[-1][0] == tag:
            self.stack.pop()
        elif any(open_tag == tag for open_tag, _ in self.stack):
            while self.stack and self.stack[-1][0] != tag:
                open_tag, open_span = self.stack.pop()
                self.problems.append((f"<{open_tag}> is closed by </{tag}>.", open_span))
            self.stack.pop()
        elif tag in ALLOWED_TAGS:
            self.problems.append((f"</{tag}> closes nothing.", span))


def lint_invalid_html(draft: Draft) -> Iterator[Finding]:
    text = draft.text("webCardHtml")
    if not text.strip():
        return
    checker = _TagChecker()
    checker.feed_text(text)
    for message, span in checker.problems[:5]:
        yield Finding("invalid-html", "webCardHtml", ERROR, message, span)
    if not re.search(r"<p\b", text, re.IGNORECASE):
        yield Finding("invalid-html", "webCardHtml", ERROR, "The web card must be made of <p> paragraphs.")


HYPE_PHRASES = [
    "game-changer", "game changer", "game-changing", "groundbreaking", "ground-breaking", "revolutionary",
    "you won't believe", "you will not believe", "shocking", "mind-blowing", "mind blowing", "jaw-dropping",
    "must-see", "must-read", "insane", "epic", "unbelievable", "what happens next", "here's why",
    "the internet is losing it", "breaks the internet", "stunning", "explosive", "bombshell", "massive",
]
_HYPE_RE = re.compile(r"(?<!\w)(" + "|".join(re.escape(p) for p in sorted(HYPE_PHRASES, key=len, reverse=True)) + r")(?!\w)", re.IGNORECASE)


def lint_hype(draft: Draft) -> Iterator[Finding]:
    for name in TEXT_FIELDS:
        text = _visible_text(name, draft.text(name))
        for match in _HYPE_RE.finditer(text):
            yield Finding("hype", name, WARNING, f"'{match.group()}' is hype or clickbait; say what happened.", match.span())


AI_BOILERPLATE = [
    "as an ai", "as a language model", "as an ai language model", "i cannot", "i can't help", "i'm sorry",
    "i am sorry", "i apologize", "certainly!", "sure!", "here is the rewrite", "here's the rewrite",
    "here is a rewrite", "in conclusion", "it is important to note", "it's important to note",
    "it's worth noting", "it is worth noting", "delve", "delves", "in today's fast-paced", "tapestry",
    "my knowledge cutoff", "i don't have access",
]
_AI_RE = re.compile(r"(?<!\w)(" + "|".join(re.escape(p) for p in sorted(AI_BOILERPLATE, key=len, reverse=True)) + r")(?!\w)", re.IGNORECASE)


def lint_ai_boilerplate(draft: Draft) -> Iterator[Finding]:
    for name in TEXT_FIELDS:
        text = _visible_text(name, draft.text(name))
        for match in _AI_RE.finditer(text):
            yield Finding("ai-boilerplate", name, ERROR, f"'{match.group()}' is assistant boilerplate; remove it.", match.span())


_STOPWORDS = set(
    "the a an and or but of to in on at for with by from as is are was were be been has have had that this "
    "it its their they them will would can could after before over into about which who what when than "
    "also more most not no so if".split()
)


def _content_words(text: str) -> set[str]:
    return {word for word in re.findall(r"[a-z0-9']+", _fold(text)) if word not in _STOPWORDS and len(word) > 2}


def lint_summary_repeats_why(draft: Draft) -> Iterator[Finding]:
    summary, why = draft.text("summary"), draft.text("whyItMatters")
    a, b = _content_words(summary), _content_words(why)
    if len(a) < 4 or len(b) < 4:
        return
    overlap = len(a & b) / min(len(a), len(b))
    if overlap >= 0.6 or _fold(why) in _fold(summary):
        yield Finding(
            "why-repeats-summary", "whyItMatters", WARNING,
            f"Why it matters repeats the summary ({overlap:.0%} of its words); say why readers should care.",
            (0, len(why)),
        )


def lint_hashtags_and_links(draft: Draft) -> Iterator[Finding]:
    for name, network in NETWORKS.items():
        text = draft.text(name)
        tags = find_hashtags(text)
        if len(tags) > network.hashtag_allowance:
            yield Finding(
                "too-many-hashtags", name, WARNING,
                f"{len(tags)} hashtags; {network.name} posts take at most {network.hashtag_allowance}.",
                (tags[network.hashtag_allowance][0], tags[-1][1]),
            )
        links = find_urls(text)
        if len(links) > network.link_allowance:
            yield Finding(
                "too-many-links", name, WARNING,
                f"{len(links)} links; {network.name} posts take at most {network.link_allowance}.",
                (links[network.link_allowance][0], links[-1][1]),
            )
    for name in ["headline", "summary", "whyItMatters", "newsletterBlurb"]:
        tags = find_hashtags(draft.text(name))
        if tags:
            yield Finding("too-many-hashtags", name, WARNING, "Hashtags belong in social posts only.", tags[0])


def lint_newsletter_length(draft: Draft) -> Iterator[Finding]:
    text = draft.text("newsletterBlurb")
    sentences = [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z\"“])", text.strip()) if s]
    if len(sentences) > 3:
        start = text.find(sentences[3])
        yield Finding(
            "newsletter-too-long", "newsletterBlurb", WARNING,
            f"{len(sentences)} sentences; a newsletter blurb has 1 to 3.", (max(0, start), len(text)),
        )


LINTS: list[Callable[[Draft], Iterable[Finding]]] = [
    lint_empty_fields,
    lint_network_limits,
    lint_headline_length,
    lint_unsupported_numbers,
    lint_unsupported_dates,
    lint_unsupported_names,
    lint_unsupported_quotes,
    lint_source_language,
    lint_attribution,
    lint_unsafe_html,
    lint_invalid_html,
    lint_hype,
    lint_ai_boilerplate,
    lint_summary_repeats_why,
    lint_hashtags_and_links,
    lint_newsletter_length,
]


def run_lints(draft: Draft) -> list[Finding]:
    """Returns every finding for draft, in lint order."""
    findings: list[Finding] = []
    for lint in LINTS:
        findings.extend(lint(draft))
    return findings


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(finding.severity == ERROR for finding in findings)


def findings_json(findings: list[Finding]) -> str | None:
    """The record's lintFlagsJson: a compact JSON list, or null when there is nothing to report."""
    if not findings:
        return None
    return json.dumps([f.as_json() for f in findings], ensure_ascii=False, separators=(",", ":"))


def sources_for_cluster(cluster) -> list[SourceText]:
    """The cluster's articles as SourceText, oldest first."""
    return [
        SourceText(title=article.title, text=article.text, url=article.url, source=article.source.name)
        for article in cluster.articles.select_related("source").order_by("published_at", "fetched_at", "id")
    ]


def draft_for_rewrite(rewrite) -> Draft:
    return Draft(
        fields={name: getattr(rewrite, attribute) for name, attribute in MODEL_ATTRIBUTES.items()},
        attribution=rewrite.attribution if rewrite.attribution_json else None,
        sources=sources_for_cluster(rewrite.cluster),
    )


def lint_rewrite(rewrite) -> list[Finding]:
    """Lints a rewrite's current fields against its cluster's articles."""
    return run_lints(draft_for_rewrite(rewrite))


def apply_findings(rewrite, findings: list[Finding]) -> None:
    """Sets the rewrite's lint fields from findings (without saving)."""
    rewrite.lint_flags_json = findings_json(findings)
    rewrite.lint_hits = len(findings)
    rewrite.lint_errors = sum(1 for finding in findings if finding.severity == ERROR)


def store_lints(rewrite) -> list[Finding]:
    """Re-runs the lints on the rewrite's current fields and sets its lint fields (the caller saves)."""
    findings = lint_rewrite(rewrite)
    apply_findings(rewrite, findings)
    return findings
