"""Lints: checks run on every generated (and edited) rewrite.

Each lint is a small function that takes a ``Draft`` (the output fields, the
attribution and the cluster's source texts) and yields ``Finding`` objects,
each with a code, a severity, the field (record name, e.g. ``twitterPost``)
and the character span in that field's text. Errors block approval and send
a generated rewrite to the repair loop; warnings are shown to the editor.

The unsupported-claim lints (numbers, dates, names, quotes and unsupported
content) compare the output with the source articles through
``rewrites.checks.claims.support`` and ``newsroom.facts``, whatever the script: 19.19 matches
「19秒19」, 12,000 matches 「約1万2千人」 and July 10, 2026 matches 2026年7月10日.
Their findings carry ``evidence``: the closest source sentence, its article and
the range of the matched number or name inside it. Severity ``info`` is a note
("could not check"), never counted as a lint hit. Findings an editor marked as
checked (``rewrites.desk.review``) are left out by ``store_lints``.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from html import unescape as html_unescape
from html.parser import HTMLParser
from typing import Callable, Iterable, Iterator

from django.conf import settings

from clusters.sources.canonical import canonical_url
from newsroom.facts import extract_dates, extract_names, extract_quantities, name_key, same_name
from newsroom.links import tracking_parameters
from rewrites.checks.claims.checked import checked_keys, clear_stale_marks
from rewrites.checks.claims.support import Evidence, SourceMaterial, field_content_score, material_for, split_sentences
from rewrites.checks.counters import NETWORKS, find_hashtags, find_urls, offset_at_limit
from rewrites.checks.webcard import ALLOWED_TAGS, VOID_TAGS
from rewrites.fields import OUTPUT_FIELDS, Kind

ERROR, WARNING, INFO = "error", "warning", "info"

# The output fields by record name, and each one's model attribute (rewrites/fields.py).
TEXT_FIELDS = [field.record_name for field in OUTPUT_FIELDS]
MODEL_ATTRIBUTES = {field.record_name: field.attribute for field in OUTPUT_FIELDS}
# The fields where a hashtag has no place: plain prose (not the web card, not the posts).
PROSE_FIELDS = [field.record_name for field in OUTPUT_FIELDS if field.kind == Kind.TEXT]


@dataclass(frozen=True)
class Finding:
    code: str
    field: str
    severity: str
    message: str
    span: tuple[int, int] | None = None
    evidence: Evidence | None = None
    text: str | None = None

    def as_json(self) -> dict:
        data = {
            "code": self.code,
            "field": self.field,
            "severity": self.severity,
            "message": self.message,
            "span": list(self.span) if self.span is not None else None,
        }
        if self.text is not None:
            data["text"] = self.text
        if self.evidence is not None:
            data["evidence"] = self.evidence.as_json()
        return data


@dataclass(frozen=True)
class SourceText:
    """One source article as the lints see it."""

    title: str
    text: str = ""
    url: str = ""
    source: str = ""
    article_id: str = ""


@dataclass
class Draft:
    """What the lints check: output fields by record name, attribution, key facts, entities and the sources."""

    fields: dict[str, str | None]
    attribution: list[dict] | None = None
    sources: list[SourceText] = field(default_factory=list)
    raw_web_card: str | None = None
    key_facts: list[str] | None = None
    entities: dict | None = None

    def text(self, name: str) -> str:
        if name == "keyFacts":
            return "\n".join(self.key_facts or [])
        return self.fields.get(name) or ""

    @cached_property
    def material(self) -> SourceMaterial:
        return material_for(self.sources)

    @cached_property
    def entity_names(self) -> list[str]:
        names = []
        for key in ("anime_titles", "manga_titles", "work_titles", "studios", "people"):
            names.extend(value for value in (self.entities or {}).get(key) or [] if isinstance(value, str) and value.strip())
        return names


_JAPANESE_RE = re.compile(r"[\u3040-\u309f\u30a0-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]+")

# The fields checked against the sources: every output field whose row says so (all but the headline:
# a headline condenses, so its wording rarely appears in any source), and the key facts (joined by
# newlines; spans index that joined text). Numbers, dates, names and quotations are checked in the
# headline too.
CLAIM_FIELDS = [field.record_name for field in OUTPUT_FIELDS if field.claims_checked] + ["keyFacts"]
FACT_FIELDS = [field.record_name for field in OUTPUT_FIELDS if not field.claims_checked] + CLAIM_FIELDS


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"[^\w']+", " ", text).strip()


# Helpers


def visible_text(name: str, text: str) -> str:
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
                (_word_start(text, offset_at_limit(text, network)), len(text)),
            )


def _word_start(text: str, offset: int) -> int:
    """The start of the word that offset falls in, so a highlight never splits a word.

    Only words of spaced scripts count: Japanese and Chinese text and emoji have no spaces to
    keep, so there the offset stays where it is.
    """
    while 0 < offset < len(text) and _in_word(text[offset - 1]) and _in_word(text[offset]):
        offset -= 1
    while offset < len(text) - 1 and text[offset].isspace():
        offset += 1
    return offset


def _in_word(char: str) -> bool:
    return (char.isalnum() or char in "'’-") and unicodedata.east_asian_width(char) not in ("W", "F")


def lint_headline_length(draft: Draft) -> Iterator[Finding]:
    limit = settings.NEWSROOM_HEADLINE_MAX_CHARS
    text = draft.text("headline")
    if len(text) > limit:
        yield Finding(
            "headline-too-long", "headline", ERROR,
            f"{len(text)} characters; headlines are at most {limit}.", (limit, len(text)),
        )


def _field_texts(draft: Draft, names: list[str]) -> Iterator[tuple[str, str]]:
    for name in names:
        text = draft.text(name)
        if text:
            yield name, visible_text(name, text)


def lint_unsupported_numbers(draft: Draft) -> Iterator[Finding]:
    """Numbers written with digits that no source holds as the same quantity, in any script."""
    if not draft.sources:
        return
    material = draft.material
    for name, text in _field_texts(draft, FACT_FIELDS):
        skip = _excluded_spans(text)
        for quantity in extract_quantities(text):
            if quantity.kind == "date" or quantity.form != "digits" or _inside(quantity.span, skip):
                continue
            if material.quantity_support(quantity) is not None:
                continue
            written = text[quantity.span[0]:quantity.span[1]]
            yield Finding(
                "unsupported-number", name, ERROR,
                f"The number {written} is not in any source article"
                + (" (closest source sentence shown)." if material.sentences else "."),
                quantity.span, material.closest_quantity(quantity, _sentence_at(text, quantity.span)), written,
            )


def lint_unsupported_dates(draft: Draft) -> Iterator[Finding]:
    """Dates that agree with no date in the sources (English, ISO, Japanese and era dates compared by part)."""
    if not draft.sources:
        return
    material = draft.material
    for name, text in _field_texts(draft, FACT_FIELDS):
        for mention in extract_dates(text):
            if mention.month is None or material.date_support(mention) is not None:
                continue
            yield Finding(
                "unsupported-date", name, ERROR,
                f"The date '{mention.text}' is not in any source article.",
                mention.span, material.closest_date(mention, _sentence_at(text, mention.span)), mention.text,
            )


def lint_unsupported_names(draft: Draft) -> Iterator[Finding]:
    """Latin-script names no source names, in Latin script or in kana/kanji whose romanisation matches.

    Against English sources a name none of whose words appear is an error, one with some of its
    words found a warning. When a source is Japanese, a name that could not be matched is only
    noted (info, "could not check"): the reading of kanji names is not certain.
    """
    if not draft.sources:
        return
    material = draft.material
    entity_names = draft.entity_names
    for name, text in _field_texts(draft, FACT_FIELDS):
        skip = _excluded_spans(text)
        for found in extract_names(text):
            if found.kind != "latin" or _inside(found.span, skip) or len(found.text) < 3 or found.text.isdigit():
                continue
            if material.is_japanese and found.text == "Japanese":  # the sources' own language ("the Japanese source")
                continue
            aliases = [entity for entity in entity_names if entity != found.text and same_name(found.text, entity)]
            if material.name_support(found.text, aliases=aliases) is not None:
                continue
            closest = material.closest_sentence(_sentence_at(text, found.span))
            if material.is_japanese:
                yield Finding(
                    "name-not-checked", name, INFO,
                    f"Could not check '{found.text}': no source spells it in Latin script and no Japanese name in "
                    "the sources romanises to it; check the reading by hand.",
                    found.span, closest, found.text,
                )
                continue
            words = found.text.split()
            present = material.words_found(found.text)
            if len(words) > 1 and not present:
                severity, detail = ERROR, "none of its words appear in the sources"
            else:
                missing = [word for word in words if name_key(word) and name_key(word) not in present]
                severity, detail = WARNING, f"{', '.join(missing) or found.text} not found"
            yield Finding(
                "unsupported-name", name, severity,
                f"The name '{found.text}' is not in any source article ({detail}).",
                found.span, closest, found.text,
            )


_QUOTE_RE = re.compile(r"[“\"]([^“”\"]{12,}?)[”\"]")


def lint_unsupported_quotes(draft: Draft) -> Iterator[Finding]:
    if not draft.sources:
        return
    material = draft.material
    severity = WARNING if material.is_japanese else ERROR
    for name in FACT_FIELDS:
        text = draft.text(name)
        if name == "webCardHtml":
            text = visible_text(name, text.replace("&quot;", '"' + " " * 5))
        for match in _QUOTE_RE.finditer(text):
            quoted = match.group(1)
            if len(quoted.split()) < 3 or material.phrase_support(quoted) is not None:
                continue
            message = (
                "This quotation is not in the Japanese sources word for word; check the translation."
                if material.is_japanese
                else "This quotation is not in any source article."
            )
            yield Finding(
                "unsupported-quote", name, severity, message, match.span(1), material.closest_sentence(quoted), quoted,
            )


def lint_unsupported_content(draft: Draft) -> Iterator[Finding]:
    """Wording the English sources do not back: a warning on each run of words the sources never put together.

    Each sentence is scored by ``SourceMaterial.content_score`` (the share of its neighbouring
    content-word pairs that no source sentence holds within a few words of each other). A field is
    flagged when the mean over its sentences reaches ``NEWSROOM_LINT_CONTENT_THRESHOLD`` (0 turns the
    lint off) and at least two of its pairs are unbacked; then, in each sentence at or over it, every run of words joined by such pairs is
    highlighted. Links and hashtags are neither scored nor highlighted. Only English sources can back
    wording, so with none this lint is silent (numbers and names are still checked).
    """
    threshold = settings.NEWSROOM_LINT_CONTENT_THRESHOLD
    if not draft.sources or threshold <= 0:
        return
    material = draft.material
    if not material.has_english:
        return
    for name, text in _field_texts(draft, CLAIM_FIELDS):
        scored = material.content_scores(_blanked(text, _excluded_spans(text)))
        if field_content_score(scored) < threshold:
            continue
        for score, _, spans in scored:
            if score < threshold:
                continue
            for span in spans:
                phrase = text[span[0]:span[1]]
                yield Finding(
                    "unsupported-content", name, WARNING,
                    f"The sources never put these words together: '{phrase[:60]}'. Check it against the closest "
                    "source sentence.",
                    span, material.closest_sentence(_sentence_at(text, span)), phrase,
                )


def _blanked(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """text with the given spans replaced by spaces (offsets kept)."""
    for start, end in spans:
        text = text[:start] + " " * (end - start) + text[end:]
    return text


def _sentence_at(text: str, span: tuple[int, int]) -> str:
    for start, end in split_sentences(text):
        if start <= span[0] < end:
            return text[start:end]
    return text[span[0]:span[1]]


def lint_source_language(draft: Draft) -> Iterator[Finding]:
    """One finding per field, spanning the first Japanese run and counting the others."""
    for name in TEXT_FIELDS:
        text = visible_text(name, draft.text(name))
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
    source_urls = {canonical_url(source.url) for source in draft.sources if source.url}
    for position, entry in enumerate(draft.attribution, start=1):
        url = canonical_url(entry.get("url") or "")
        credited.add(url)
        if source_urls and url not in source_urls:
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
        text = visible_text(name, draft.text(name))
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
        text = visible_text(name, draft.text(name))
        for match in _AI_RE.finditer(text):
            yield Finding("ai-boilerplate", name, ERROR, f"'{match.group()}' is assistant boilerplate; remove it.", match.span())


_STOPWORDS = set(
    ["the", "a", "an", "and", "or", "but", "of", "to", "in", "on", "at", "for", "with", "by", "from", "as", "is", "are", "was", "were", "be", "been", "has", "have", "had", "that", "this", "it", "its", "their", "they", "them", "will", "would", "can", "could", "after", "before", "over", "into", "about", "which", "who", "what", "when", "than", "also", "more", "most", "not", "no", "so", "if"]
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
    for name in PROSE_FIELDS:
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


_HREF_RE = re.compile(r"""href\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


def lint_tracking_links(draft: Draft) -> Iterator[Finding]:
    """Links in the output that carry tracking parameters (utm_*, fbclid, ...: newsroom.links)."""
    for name in TEXT_FIELDS:
        text = draft.text(name)
        spans = [match.span(1) for match in _HREF_RE.finditer(text)] if name == "webCardHtml" else find_urls(text)
        for start, end in spans:
            found = tracking_parameters(html_unescape(text[start:end]))
            if found:
                yield Finding(
                    "tracking-link", name, WARNING,
                    f"This link carries tracking parameters ({', '.join(found)}); link to the page without them.",
                    (start, end), text=text[start:end],
                )


LINTS: list[Callable[[Draft], Iterable[Finding]]] = [
    lint_empty_fields,
    lint_network_limits,
    lint_headline_length,
    lint_unsupported_numbers,
    lint_unsupported_dates,
    lint_unsupported_names,
    lint_unsupported_quotes,
    lint_unsupported_content,
    lint_source_language,
    lint_attribution,
    lint_unsafe_html,
    lint_invalid_html,
    lint_hype,
    lint_ai_boilerplate,
    lint_summary_repeats_why,
    lint_hashtags_and_links,
    lint_newsletter_length,
    lint_tracking_links,
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
        SourceText(
            title=article.title, text=article.text, url=article.url, source=article.source.name, article_id=article.id,
        )
        for article in cluster.articles.select_related("source").order_by("published_at", "fetched_at", "id")
    ]


def entities_of(cluster) -> dict | None:
    try:
        return json.loads(cluster.entities_json) if cluster.entities_json else None
    except ValueError:
        return None


def draft_for_rewrite(rewrite) -> Draft:
    return Draft(
        fields={name: getattr(rewrite, attribute) for name, attribute in MODEL_ATTRIBUTES.items()},
        attribution=rewrite.attribution if rewrite.attribution_json else None,
        sources=sources_for_cluster(rewrite.cluster),
        key_facts=rewrite.key_facts if isinstance(rewrite.key_facts, list) else None,
        entities=entities_of(rewrite.cluster),
    )


def lint_rewrite(rewrite) -> list[Finding]:
    """Lints a rewrite's current fields against its cluster's articles."""
    return run_lints(draft_for_rewrite(rewrite))


def apply_findings(rewrite, findings: list[Finding]) -> None:
    """Sets the rewrite's lint fields from findings (without saving); info notes are stored but not counted as hits."""
    rewrite.lint_flags_json = findings_json(findings)
    rewrite.lint_hits = sum(1 for finding in findings if finding.severity != INFO)
    rewrite.lint_errors = sum(1 for finding in findings if finding.severity == ERROR)


def without_checked(findings: list[Finding], checked: Iterable[tuple[str, str, str]]) -> list[Finding]:
    """Findings less those an editor marked as checked: (field, code, flagged text) still exactly the same."""
    checked = set(checked)
    if not checked:
        return findings
    return [finding for finding in findings if (finding.field, finding.code, finding.text) not in checked]


def claim_check_findings(rewrite, fields: dict[str, str | None] | None = None) -> list[Finding]:
    """The model claim check's findings (``rewrite.claim_check_json``) whose text is still in its field,
    with the span moved to where that text is now."""
    stored = json.loads(rewrite.claim_check_json) if rewrite.claim_check_json else []
    fields = fields if fields is not None else {name: getattr(rewrite, attribute) for name, attribute in MODEL_ATTRIBUTES.items()}
    texts = dict(fields, keyFacts="\n".join(rewrite.key_facts or []) if isinstance(rewrite.key_facts, list) else "")
    findings = []
    for flag in stored:
        text = visible_text(flag["field"], texts.get(flag["field"]) or "")
        at = text.find(flag["text"]) if flag.get("text") else -1
        if at == -1:
            continue
        evidence = flag.get("evidence")
        findings.append(Finding(
            flag["code"], flag["field"], flag["severity"], flag["message"], (at, at + len(flag["text"])),
            Evidence(evidence["articleId"], evidence["sentence"], tuple(evidence["match"]) if evidence.get("match") else None)
            if evidence else None,
            flag["text"],
        ))
    return findings


def settle_findings(rewrite, findings: list[Finding], fields: dict[str, str | None] | None = None) -> list[Finding]:
    """The findings to store: the lints' plus the model claim check's still-current ones, less those
    an editor marked as checked (marks whose text is no longer flagged are cleared)."""
    findings = findings + claim_check_findings(rewrite, fields)
    clear_stale_marks(rewrite, findings)
    return without_checked(findings, checked_keys(rewrite))


def store_lints(rewrite) -> list[Finding]:
    """Re-runs the lints on the rewrite's current fields and sets its lint fields (the caller saves).

    Findings marked as checked are left out, and the model claim check's findings are kept while
    their text is unchanged.
    """
    findings = settle_findings(rewrite, lint_rewrite(rewrite))
    apply_findings(rewrite, findings)
    return findings
