"""What the sources support: numbers, dates, names and wording of the output checked against the
cluster's articles, in any script, with the closest source sentence as evidence.

``SourceMaterial`` reads the sources once (sentences, quantities, dates, names and, for English
sources, the position of every word) and answers the unsupported-claim lints in ``rewrites/checks/lint.py``:

- ``quantity_support`` and ``date_support``: a source sentence holding the same quantity or an
  agreeing date, whatever the script (``newsroom.facts`` reads 「19秒19」 as 19.19 seconds);
- ``name_support``: a source naming it in Latin script, or in kana or kanji whose romanisation
  matches (``newsroom.facts.same_name``);
- ``content_scores``: how much of each English sentence of a field the sources do not back: the
  share of its pairs of neighbouring content words (each with the next one, stopwords aside) that no
  source sentence holds within ``PAIR_WINDOW`` words of each other. A word no source uses fails both of its
  pairs; a fact moved onto another subject ("X's Y" where the sources speak of Z's Y), a number, date
  or place attached to another event, or a verb the sources never use of that subject fails the pair
  that joins them. A field is flagged when the mean over its sentences reaches
  ``NEWSROOM_LINT_CONTENT_THRESHOLD`` with at least ``MIN_UNBACKED_PAIRS`` pairs unbacked; the method, the window and the threshold were chosen by
  cross-validation over articles on FRANK, against the alternatives measured in the same run
  (docs/benchmarks.md).

Every answer comes with an ``Evidence``: the article id, the source sentence, and the character
range of the matched number or name inside that sentence (None when nothing matched, and the
sentence is only the closest by shared words).
"""

from __future__ import annotations

import bisect
import hashlib
import re
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable, NamedTuple

from newsroom.facts import (
    DateMention,
    Name,
    Quantity,
    extract_dates,
    extract_names,
    extract_quantities,
    name_key,
    same_name,
)

_JAPANESE_RE = re.compile(r"[\u3040-\u309f\u30a0-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]+")
_LATIN_LETTER_RE = re.compile(r"[A-Za-z]")
_SENTENCE_RE = re.compile(r"[^\n。！？!?]*?(?:[。！？!?]+|\.(?=\s|$)|\n|$)")
# How near (in words, within one source sentence) two neighbouring content words of the output must
# be found for the sources to back them together. FRANK's cross-validated recall is flat from 4 to 12
# (docs/benchmarks.md); 8 is the middle of that plateau.
PAIR_WINDOW = 8
# Sentences shorter than this (in words) are too short to judge their wording.
MIN_SENTENCE_WORDS = 3
# A field needs at least this many unbacked word pairs to be flagged, whatever its score: one pair
# is often a paraphrase, and alone it would flag most one-sentence posts (FRANK's cross-validated
# numbers are the same with 1 or 2, lower with 3).
MIN_UNBACKED_PAIRS = 2
_STRONG_UNITS = {"s", "month", "year", "%", "clock", "JPY", "USD", "EUR", "GBP", "CNY", "KRW", "AUD", "CAD", "HKD"}

STOPWORDS = frozenset(
    ["a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "at", "for", "with", "by", "from", "as", "is", "are", "was", "were", "be", "been", "being", "has", "have", "had", "that", "this", "these", "those", "it", "its", "their", "they", "them", "he", "she", "his", "her", "him", "we", "our", "you", "your", "i", "me", "my", "will", "would", "can", "could", "should", "may", "might", "must", "shall", "after", "before", "over", "into", "about", "which", "who", "whom", "whose", "what", "when", "where", "why", "how", "than", "then", "there", "here", "also", "more", "most", "not", "no", "so", "if", "out", "up", "down", "off", "only", "just", "very", "s", "t", "said", "says", "say", "one", "two", "new"]
)


def mostly_japanese(text: str) -> bool:
    japanese = sum(len(run) for run in _JAPANESE_RE.findall(text))
    return japanese * 3 > len(_LATIN_LETTER_RE.findall(text))


@dataclass(frozen=True)
class Evidence:
    """A source sentence that backs (or comes closest to) a claim; ``match`` is the claim's range inside it."""

    article_id: str
    sentence: str
    match: tuple[int, int] | None = None

    def as_json(self) -> dict:
        return {"articleId": self.article_id, "sentence": self.sentence, "match": list(self.match) if self.match else None}


@dataclass
class Sentence:
    article_id: str
    text: str
    start: int
    end: int


def _stem(word: str) -> str:
    for suffix in ("ingly", "edly", "ing", "ed", "es", "s", "ly"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


_WORD_RE = re.compile(r"[a-z0-9]+")


def word_tokens(text: str) -> list[tuple[str, int, int]]:
    """(stemmed lower-case word, start, end) for every Latin word or number in text."""
    if text.isascii():
        folded = text.lower()
    else:
        folded = "".join((unicodedata.normalize("NFKC", char).lower()[:1] or " ") for char in text)
    return [(_stem(match.group()), match.start(), match.end()) for match in _WORD_RE.finditer(folded)]


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of English or Japanese text, without surrounding blanks."""
    spans = []
    for match in _SENTENCE_RE.finditer(text):
        start, end = match.span()
        while start < end and text[start].isspace():
            start += 1
        stripped_end = end
        while stripped_end > start and text[stripped_end - 1].isspace():
            stripped_end -= 1
        if stripped_end > start:
            spans.append((start, stripped_end))
    return spans


class ContentScore(NamedTuple):
    """How well the sources back one sentence's wording: ``score`` is the share of its neighbouring
    content-word pairs that are ``unbacked``; ``spans`` run from the first to the second word of each
    unbacked pair, merged."""

    score: float
    unbacked: int
    spans: list[tuple[int, int]]


def field_content_score(scored: list[ContentScore]) -> float:
    """The score of a field: the mean of its sentences' scores, or 0 when fewer than MIN_UNBACKED_PAIRS
    of its word pairs are unbacked."""
    if not scored or sum(sentence.unbacked for sentence in scored) < MIN_UNBACKED_PAIRS:
        return 0.0
    return sum(sentence.score for sentence in scored) / len(scored)


def content_words(text: str) -> list[tuple[str, int, int]]:
    """(stemmed word, start, end) of the words of text that carry content: no stopwords, no single letters."""
    return [token for token in word_tokens(text) if token[0] not in STOPWORDS and len(token[0]) > 1]


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


class SourceMaterial:
    """The cluster's source texts, read once for every unsupported-claim check."""

    def __init__(self, sources):
        self.sources = list(sources)
        self.sentences: list[Sentence] = []
        self.quantities: list[tuple[Quantity, Sentence]] = []
        self.dates: list[tuple[DateMention, Sentence]] = []
        self.names: list[tuple[Name, Sentence]] = []
        self.word_positions: dict[str, list[int]] = {}
        self.sentence_of_position: list[int] = []
        self.has_english = False
        for source in self.sources:
            article_id = getattr(source, "article_id", "") or ""
            body = f"{source.title}\n{source.text}" if source.title else source.text or ""
            sentences = [Sentence(article_id, body[start:end], start, end) for start, end in split_sentences(body)]
            self.sentences.extend(sentences)

            def sentence_at(offset: int, sentences=sentences) -> Sentence | None:
                for sentence in sentences:
                    if sentence.start <= offset < sentence.end:
                        return sentence
                return None

            for quantity in extract_quantities(body):
                sentence = sentence_at(quantity.span[0])
                if sentence:
                    self.quantities.append((quantity, sentence))
            for mention in extract_dates(body):
                sentence = sentence_at(mention.span[0])
                if sentence:
                    self.dates.append((mention, sentence))
            for name in extract_names(body):
                sentence = sentence_at(name.span[0])
                if sentence:
                    self.names.append((name, sentence))
            if not mostly_japanese(body):
                self.has_english = self.has_english or bool(sentences)
                # One stream of words over every English sentence, a sentence number for each position:
                # word pairs are looked up by position (bisect), never stored pair by pair.
                for number, sentence in enumerate(sentences, start=len(self.sentences) - len(sentences)):
                    for word, _, _ in word_tokens(sentence.text):
                        self.word_positions.setdefault(word, []).append(len(self.sentence_of_position))
                        self.sentence_of_position.append(number)
        self.sentence_keys = [f" {name_key(sentence.text)} " for sentence in self.sentences]
        self.quantity_values = [quantity.values for quantity, _ in self.quantities]
        self.sentence_words = [{word for word, _, _ in word_tokens(sentence.text)} for sentence in self.sentences]
        self.latin_keys = {word for sentence_key in self.sentence_keys for word in sentence_key.split()}
        self.is_japanese = any(mostly_japanese(f"{s.title}\n{s.text}") for s in self.sources)

    # Numbers and dates

    def quantity_support(self, quantity: Quantity) -> Evidence | None:
        """The source sentence holding the same quantity (each end of a range), or None."""
        wanted = [quantity.value] if quantity.upper is None else [quantity.value, quantity.upper]
        evidence = None
        for value in wanted:
            found = self._value_support(value, quantity)
            if found is None:
                return None
            evidence = evidence or found
        return evidence

    def _value_support(self, value: Decimal, quantity: Quantity) -> Evidence | None:
        if quantity.unit == "version":
            for sentence in self.sentences:
                at = unicodedata.normalize("NFKC", sentence.text).find(quantity.text)
                if at != -1:
                    return Evidence(sentence.article_id, sentence.text, (at, at + len(quantity.text)))
            return None
        loose = quantity.kind in ("count", "ordinal", "year", "range") and quantity.unit not in _STRONG_UNITS
        for (source, sentence), source_values in zip(self.quantities, self.quantity_values):
            if source.kind == "date" and quantity.kind not in ("count", "year", "range"):
                continue
            values = source_values if loose or source.kind != "date" else {source.value}
            if value in values and _units_agree(quantity.unit, source.unit):
                return self._evidence(sentence, source.span)
        return None

    def date_support(self, mention: DateMention) -> Evidence | None:
        for source, sentence in self.dates:
            if mention.agrees_with(source):
                return self._evidence(sentence, source.span)
        return None

    # Names

    def name_support(self, name: str, *, aliases: Iterable[str] = ()) -> Evidence | None:
        """A source sentence naming it: the same words in Latin script, or a romanised name that matches.

        ``aliases`` are other spellings known for the same thing (the rewrite's entity lists).
        """
        for candidate in (name, *aliases):
            key = name_key(candidate)
            if not key:
                continue
            for sentence, sentence_key in zip(self.sentences, self.sentence_keys):
                if f" {key} " in sentence_key:
                    return Evidence(sentence.article_id, sentence.text, _find_folded(sentence.text, candidate))
            for source, sentence in self.names:
                if source.kind != "latin" and any(same_name(candidate, reading) for reading in source.readings):
                    return self._evidence(sentence, source.span)
            words = key.split()
            if all(word in self.latin_keys for word in words):
                for sentence, sentence_key in zip(self.sentences, self.sentence_keys):
                    if f" {words[-1]} " in sentence_key:
                        return Evidence(sentence.article_id, sentence.text, _find_folded(sentence.text, words[-1]))
        return None

    def words_found(self, name: str) -> list[str]:
        """The words of a Latin-script name that appear anywhere in the sources."""
        return [word for word in name_key(name).split() if word in self.latin_keys]

    # Wording

    def phrase_support(self, phrase: str) -> Evidence | None:
        folded = name_key(phrase)
        if not folded:
            return None
        for sentence, sentence_key in zip(self.sentences, self.sentence_keys):
            if f" {folded} " in sentence_key:
                return Evidence(sentence.article_id, sentence.text, _find_folded(sentence.text, phrase))
        return None

    def together(self, first: str, second: str, *, window: int = PAIR_WINDOW) -> bool:
        """Whether an English source sentence holds both (stemmed) words within ``window`` words of each other."""
        positions, others = self.word_positions.get(first), self.word_positions.get(second)
        if not positions or not others:
            return False
        if len(positions) > len(others):
            positions, others = others, positions
        sentence_of = self.sentence_of_position
        for position in positions:
            at = bisect.bisect_left(others, position - window)
            while at < len(others) and others[at] <= position + window:
                if sentence_of[others[at]] == sentence_of[position]:
                    return True
                at += 1
        return False

    def content_score(self, sentence: str, *, window: int = PAIR_WINDOW) -> ContentScore:
        """How well the English sources back one sentence: its pairs of neighbouring content words that
        no English source sentence holds within ``window`` words of each other."""
        words = content_words(sentence)
        pairs = [(a, b) for a, b in zip(words, words[1:]) if a[0] != b[0]]
        if not pairs:
            return ContentScore(0.0, 0, [])
        apart = [(a, b) for a, b in pairs if not self.together(a[0], b[0], window=window)]
        return ContentScore(len(apart) / len(pairs), len(apart), _merged([(a[1], b[2]) for a, b in apart]))

    def content_scores(self, text: str, *, window: int = PAIR_WINDOW) -> list[ContentScore]:
        """``content_score`` of each sentence of text long enough to judge, with spans into text.

        Empty when no source is in English: only English sources can back wording.
        """
        if not self.has_english:
            return []
        scored = []
        for start, end in split_sentences(text):
            if len(word_tokens(text[start:end])) < MIN_SENTENCE_WORDS:
                continue
            score, unbacked, spans = self.content_score(text[start:end], window=window)
            scored.append(ContentScore(score, unbacked, [(start + a, start + b) for a, b in spans]))
        return scored

    # Evidence

    def closest_quantity(self, quantity: Quantity, context: str) -> Evidence | None:
        """The source sentence with the nearest quantity of the same unit, the number marked; else the closest by words."""
        best, best_gap = None, None
        for source, sentence in self.quantities:
            if source.kind == "date" or (source.unit != quantity.unit and source.kind != quantity.kind):
                continue
            gap = abs(source.value - quantity.value) / max(abs(quantity.value), Decimal(1))
            if best_gap is None or gap < best_gap:
                best, best_gap = (source, sentence), gap
        if best is not None and best_gap <= 1:
            return self._evidence(best[1], best[0].span)
        return self.closest_sentence(context)

    def closest_date(self, mention: DateMention, context: str) -> Evidence | None:
        """The source sentence with the date sharing most parts with mention, the date marked; else the closest by words."""
        best, best_shared = None, 0
        for source, sentence in self.dates:
            shared = sum(
                1 for mine, theirs in ((mention.year, source.year), (mention.month, source.month), (mention.day, source.day))
                if mine is not None and mine == theirs
            )
            if shared > best_shared:
                best, best_shared = (source, sentence), shared
        if best is not None:
            return self._evidence(best[1], best[0].span)
        return self.closest_sentence(context)

    def closest_sentence(self, text: str) -> Evidence | None:
        """The source sentence sharing the most content words, numbers and names with text."""
        wanted = {word for word, _, _ in word_tokens(text) if word not in STOPWORDS and len(word) > 1}
        wanted_values = {q.value for q in extract_quantities(text)}
        best, best_score = None, 0
        for sentence, words in zip(self.sentences, self.sentence_words):
            score = len(wanted & words)
            best_score, best = (score, sentence) if score > best_score else (best_score, best)
        for (quantity, sentence), values in zip(self.quantities, self.quantity_values):
            if wanted_values & values and best_score < 2:
                return self._evidence(sentence, quantity.span)
        return Evidence(best.article_id, best.text, None) if best is not None else None

    @staticmethod
    def _evidence(sentence: Sentence, span: tuple[int, int]) -> Evidence:
        return Evidence(sentence.article_id, sentence.text, (span[0] - sentence.start, span[1] - sentence.start))


def _units_agree(mine: str | None, theirs: str | None) -> bool:
    return not (mine in _STRONG_UNITS and theirs in _STRONG_UNITS and mine != theirs)


def _find_folded(sentence: str, phrase: str) -> tuple[int, int] | None:
    at = sentence.lower().find(phrase.lower())
    return (at, at + len(phrase)) if at != -1 else None


_MATERIAL_CACHE: OrderedDict[str, SourceMaterial] = OrderedDict()


def material_for(sources) -> SourceMaterial:
    """The SourceMaterial of these sources, kept for the last few clusters (lints re-run on every save)."""
    digest = hashlib.sha256()
    for source in sources:
        for part in (getattr(source, "article_id", ""), source.title, source.text, source.url):
            digest.update((part or "").encode())
            digest.update(b"\0")
    key = digest.hexdigest()
    material = _MATERIAL_CACHE.get(key)
    if material is None:
        material = SourceMaterial(sources)
        _MATERIAL_CACHE[key] = material
        while len(_MATERIAL_CACHE) > 32:
            _MATERIAL_CACHE.popitem(last=False)
    else:
        _MATERIAL_CACHE.move_to_end(key)
    return material
