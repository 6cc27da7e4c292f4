"""What the workspace shows beside the text: lint highlights and source evidence."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from clusters.models import Article

SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s*")
WORD = re.compile(r"[^\W_]+", re.UNICODE)
STOPWORDS = set(
    ["a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have", "in", "is", "it", "its", "of", "on", "or", "that", "the", "their", "this", "to", "was", "were", "will", "with", "after", "before", "over", "under", "into", "about", "than", "then", "they", "he", "she", "we", "you", "his", "her", "our", "not", "no", "but", "also", "said", "says"]
)


@dataclass
class Segment:
    text: str
    flag: dict | None = None
    index: int | None = None


def flags_for(flags: list[dict], field: str) -> list[dict]:
    return [flag for flag in flags if flag.get("field") == field]


def highlight_segments(text: str | None, flags: list[dict]) -> list[Segment]:
    """Splits text into plain and flagged segments from the flags' character spans.

    Where spans overlap, each stretch of text goes to the narrowest span over it (an error before a
    warning of the same width), so a number flagged inside a sentence-long warning stays a highlight
    of its own, with the warning's highlight on either side of it. Spans outside the text are
    ignored (their flags are still listed with the field).
    """
    text = text or ""
    spans = [
        (flag["span"][0], flag["span"][1], index, flag)
        for index, flag in enumerate(flags)
        if flag.get("span") and 0 <= flag["span"][0] < flag["span"][1] <= len(text)
    ]
    if not spans:
        return [Segment(text)]
    bounds = sorted({0, len(text), *(start for start, _, _, _ in spans), *(end for _, end, _, _ in spans)})
    segments: list[Segment] = []
    for start, end in zip(bounds, bounds[1:]):
        covering = [span for span in spans if span[0] <= start and end <= span[1]]
        best = min(covering, key=lambda span: (span[1] - span[0], span[3].get("severity") != "error", span[2]), default=None)
        flag, index = (best[3], best[2]) if best else (None, None)
        if segments and segments[-1].index == index and segments[-1].flag is flag:
            segments[-1].text += text[start:end]
        else:
            segments.append(Segment(text[start:end], flag, index))
    return segments


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _content_words(text: str) -> set[str]:
    return {word for word in WORD.findall(_normalise(text)) if word not in STOPWORDS and len(word) > 1}


def _sentence_around(text: str, start: int, end: int) -> str:
    left = max(text.rfind(mark, 0, start) for mark in ".!?。") + 1
    rights = [i for i in (text.find(mark, end) for mark in ".!?。") if i != -1]
    right = min(rights) + 1 if rights else len(text)
    return text[left:right].strip()


@dataclass
class Evidence:
    claim: str
    found_in: list[tuple[Article, str]]
    closest: list[tuple[Article, str]]


def find_evidence(*, text: str, start: int, end: int, articles: list[Article]) -> Evidence:
    """Looks in the source articles for the claim at text[start:end].

    Returns the passages that contain it, or else the source sentences that
    share the most words with the sentence around it, so an editor can see
    where the sources say otherwise, or that they say nothing.
    """
    claim = text[start:end]
    needle = _normalise(claim)
    found, scored = [], []
    context = _content_words(_sentence_around(text, start, end)) - _content_words(claim)
    for article in articles:
        body = f"{article.title}\n{article.text}"
        normalised = _normalise(body)
        at = normalised.find(needle) if needle else -1
        if at != -1:
            found.append((article, body[max(0, at - 80): at + len(claim) + 80].strip()))
            continue
        for sentence in SENTENCE_END.split(body):
            overlap = len(context & _content_words(sentence))
            if overlap:
                scored.append((overlap, article, sentence.strip()[:300]))
    scored.sort(key=lambda item: -item[0])
    return Evidence(claim=claim, found_in=found, closest=[(a, s) for _, a, s in scored[:3]])
