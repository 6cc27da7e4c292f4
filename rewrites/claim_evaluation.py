"""The unsupported-claim lints measured against human judgements, on any FRANK-format file.

A FRANK row holds a system ``system_summary`` of an ``article`` with ``human_factuality`` (1 when
people found no factual error) and ``human_error_scores`` (per error type, below 1 when people found
that type). Each summary is linted as if it were a rewrite's summary with the article as its only
source; it counts as flagged when an unsupported-number, -date, -name, -quote or -content lint fires
at error or warning level (FRANK's tokeniser marks, UNK and -lrb-, are removed first).
``evaluate_claims`` (the command of the same name) and the benchmark both
use this module, so their numbers are the production checks' numbers.
"""

from __future__ import annotations

import gzip
import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

CLAIM_CODES = {"unsupported-number", "unsupported-date", "unsupported-name", "unsupported-quote", "unsupported-content"}
# The naive rule of issue 12, kept as the baseline every measurement is compared with.
NAIVE_STOPWORDS = frozenset(
    "a an the and or but of to in on at for with by from as is are was were be been being has have had that this "
    "these those it its their they them he she his her him we our you your i me my will would can could should may "
    "might must shall after before over into about which who whom whose what when where why how than then there "
    "here also more most not no so if out up down off only just very".split()
)


class FrankFormatError(ValueError):
    """A file that is not in FRANK's format; the message says which line and what is missing."""


def load_rows(path: str | Path) -> list[dict]:
    """The rows of a FRANK-format JSON-lines file (gzip-compressed when it ends in .gz)."""
    path = Path(path)
    if not path.exists():
        raise FrankFormatError(f"{path} does not exist.")
    opener = gzip.open if path.suffix == ".gz" else open
    rows = []
    try:
        with opener(path, "rt", encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as error:
                    raise FrankFormatError(f"{path}, line {number}: not JSON ({error.msg}).") from None
                missing = [key for key in ("article", "system_summary", "human_factuality", "human_error_scores") if key not in row]
                if missing:
                    raise FrankFormatError(f"{path}, line {number}: missing {', '.join(missing)}.")
                rows.append(row)
    except (OSError, EOFError, UnicodeDecodeError) as error:
        raise FrankFormatError(f"{path} could not be read as {'gzip ' if path.suffix == '.gz' else ''}JSON lines: {error}") from None
    if not rows:
        raise FrankFormatError(f"{path} holds no rows.")
    return rows


def is_entity_or_circumstance_error(row: dict) -> bool:
    scores = row["human_error_scores"] or {}
    return float(scores.get("EntE", 1)) < 1 or float(scores.get("CircE", 1)) < 1


def is_faithful(row: dict) -> bool:
    return float(row["human_factuality"]) == 1


def has_error(row: dict) -> bool:
    return float(row["human_factuality"]) < 1


@dataclass
class Judged:
    """One summary as the production checks see it."""

    row: dict
    codes: set[str]
    sentences: list[tuple[float, bool]]  # (content score, has a highlight) of each summary sentence

    @property
    def content_score(self) -> float:
        return sum(score for score, _ in self.sentences) / len(self.sentences) if self.sentences else 0.0

    def flagged_at(self, threshold: float) -> bool:
        """Whether the production lints flag the summary with NEWSROOM_LINT_CONTENT_THRESHOLD = threshold."""
        if self.codes - {"unsupported-content"}:
            return True
        return threshold > 0 and self.content_score >= threshold and any(
            score >= threshold and highlighted for score, highlighted in self.sentences
        )


_TOKENISER_MARKS = [(re.compile(r"\s*\[?\bUNK\b\]?"), ""), (re.compile(r"-lrb-", re.IGNORECASE), "("), (re.compile(r"-rrb-", re.IGNORECASE), ")")]


def untokenised(text: str) -> str:
    """FRANK's texts without its tokeniser's marks: UNK (a word the summariser could not spell) and -lrb-/-rrb-."""
    for pattern, replacement in _TOKENISER_MARKS:
        text = pattern.sub(replacement, text)
    return text


def _draft(row: dict):
    from rewrites.lint import Draft, SourceText

    return Draft(
        fields={"summary": untokenised(row["system_summary"])},
        sources=[SourceText(title="", text=untokenised(row["article"]))],
    )


def judge(row: dict) -> Judged:
    """Runs the production claim lints on the row's summary against its article."""
    from rewrites import lint
    from rewrites.claims import split_sentences, word_tokens

    draft = _draft(row)
    codes = set()
    for check in (lint.lint_unsupported_numbers, lint.lint_unsupported_dates, lint.lint_unsupported_names,
                  lint.lint_unsupported_quotes, lint.lint_unsupported_content):
        codes.update(f.code for f in check(draft) if f.severity in (lint.ERROR, lint.WARNING) and f.code in CLAIM_CODES)
    text = draft.text("summary")
    sentences = []
    if draft.material.has_english:
        for start, end in split_sentences(text):
            if len(word_tokens(text[start:end])) >= 3:
                score, spans = draft.material.content_score(text[start:end])
                sentences.append((score, bool(spans)))
    return Judged(row=row, codes=codes, sentences=sentences)


def naive_flag(row: dict) -> bool:
    """Issue 12's baseline: two or more content words (crude suffix stemming) found nowhere in the article."""
    def words(text: str) -> list[str]:
        found = []
        for word in re.findall(r"[a-z0-9]+", text.lower()):
            if word in NAIVE_STOPWORDS or len(word) < 2:
                continue
            for suffix in ("ing", "ed", "es", "s", "ly"):
                if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                    word = word[: -len(suffix)]
                    break
            found.append(word)
        return found

    article = set(words(row["article"]))
    return sum(1 for word in words(row["system_summary"]) if word not in article) >= 2


def summarise(rows: list[dict], flagged: list[bool]) -> dict:
    """The named numbers for one set of flags: shares over EntE/CircE and faithful summaries, precision and recall over all errors."""
    entity = [f for f, row in zip(flagged, rows) if is_entity_or_circumstance_error(row)]
    faithful = [f for f, row in zip(flagged, rows) if is_faithful(row)]
    errors = [f for f, row in zip(flagged, rows) if has_error(row)]
    true_positives = sum(errors)
    return {
        "summaries": len(rows),
        "flagged": sum(flagged),
        "entity_circ_summaries": len(entity),
        "entity_circ_flagged_share": round(sum(entity) / len(entity), 4) if entity else None,
        "faithful_summaries": len(faithful),
        "faithful_flagged_share": round(sum(faithful) / len(faithful), 4) if faithful else None,
        "error_summaries": len(errors),
        "precision": round(true_positives / sum(flagged), 4) if sum(flagged) else None,
        "recall": round(true_positives / len(errors), 4) if errors else None,
    }


def evaluate(rows: list[dict], *, threshold: float | None = None) -> dict:
    """The production checks' numbers on rows, at the configured (or given) content threshold, with the naive rule beside them."""
    threshold = settings.NEWSROOM_LINT_CONTENT_THRESHOLD if threshold is None else threshold
    judged = [judge(row) for row in rows]
    result = summarise(rows, [j.flagged_at(threshold) for j in judged])
    result["content_threshold"] = threshold
    naive = summarise(rows, [naive_flag(row) for row in rows])
    result["naive_entity_circ_flagged_share"] = naive["entity_circ_flagged_share"]
    result["naive_faithful_flagged_share"] = naive["faithful_flagged_share"]
    return result


def best_threshold(judged: list[Judged], *, max_false_alarms: float = 0.20) -> float:
    """The threshold flagging the most EntE/CircE summaries with at most max_false_alarms of faithful ones flagged."""
    candidates = sorted({round(j.content_score, 4) for j in judged if j.content_score > 0})
    entity = [j for j in judged if is_entity_or_circumstance_error(j.row)]
    faithful = [j for j in judged if is_faithful(j.row)]
    best, best_recall = 1.0, -1.0
    for threshold in candidates:
        false_alarms = sum(j.flagged_at(threshold) for j in faithful) / max(1, len(faithful))
        if false_alarms > max_false_alarms:
            continue
        recall = sum(j.flagged_at(threshold) for j in entity) / max(1, len(entity))
        if recall > best_recall:
            best, best_recall = threshold, recall
    return best


def cross_validate(judged: list[Judged], *, folds: int = 5, seed: int = 12) -> tuple[dict, list[float]]:
    """Chooses the threshold on all but one fold of articles and flags the held-out fold with it, for every fold.

    Returns the summary of the held-out flags and the threshold chosen for each fold.
    """
    articles = sorted({j.row.get("hash") or j.row["article"][:200] for j in judged})
    random.Random(seed).shuffle(articles)
    fold_of = {article: index % folds for index, article in enumerate(articles)}
    flagged = [False] * len(judged)
    thresholds = []
    for fold in range(folds):
        training = [j for j in judged if fold_of[j.row.get("hash") or j.row["article"][:200]] != fold]
        threshold = best_threshold(training)
        thresholds.append(threshold)
        for index, j in enumerate(judged):
            if fold_of[j.row.get("hash") or j.row["article"][:200]] == fold:
                flagged[index] = j.flagged_at(threshold)
    return summarise([j.row for j in judged], flagged), thresholds
