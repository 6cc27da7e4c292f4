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
from typing import Callable

from django.conf import settings

CLAIM_CODES = {"unsupported-number", "unsupported-date", "unsupported-name", "unsupported-quote", "unsupported-content"}
# The naive rule of issue 12, kept as the baseline every measurement is compared with.
NAIVE_STOPWORDS = frozenset(
    ["a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "at", "for", "with", "by", "from", "as", "is", "are", "was", "were", "be", "been", "being", "has", "have", "had", "that", "this", "these", "those", "it", "its", "their", "they", "them", "he", "she", "his", "her", "him", "we", "our", "you", "your", "i", "me", "my", "will", "would", "can", "could", "should", "may", "might", "must", "shall", "after", "before", "over", "into", "about", "which", "who", "whom", "whose", "what", "when", "where", "why", "how", "than", "then", "there", "here", "also", "more", "most", "not", "no", "so", "if", "out", "up", "down", "off", "only", "just", "very"]
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
    content_score: float  # the summary's unsupported-content score (claims.field_content_score)

    @property
    def hard(self) -> bool:
        """Whether a number, date, name or quote lint flags it, whatever the content threshold."""
        return bool(self.codes - {"unsupported-content"})

    def flagged_at(self, threshold: float) -> bool:
        """Whether the production lints flag the summary with NEWSROOM_LINT_CONTENT_THRESHOLD = threshold."""
        return flagged(hard=self.hard, score=self.content_score, threshold=threshold)


def flagged(*, hard: bool, score: float, threshold: float) -> bool:
    """A summary is flagged by a hard finding, or by a content score at or over a threshold above 0."""
    return hard or (threshold > 0 and score >= threshold)


_TOKENISER_MARKS = [(re.compile(r"\s*\[?\bUNK\b\]?"), ""), (re.compile(r"-lrb-", re.IGNORECASE), "("), (re.compile(r"-rrb-", re.IGNORECASE), ")")]


def untokenised(text: str) -> str:
    """FRANK's texts without its tokeniser's marks: UNK (a word the summariser could not spell) and -lrb-/-rrb-."""
    for pattern, replacement in _TOKENISER_MARKS:
        text = pattern.sub(replacement, text)
    return text


def _draft(row: dict):
    from rewrites.checks.lint import Draft, SourceText

    return Draft(
        fields={"summary": untokenised(row["system_summary"])},
        sources=[SourceText(title="", text=untokenised(row["article"]))],
    )


def judge(row: dict) -> Judged:
    """Runs the production claim lints on the row's summary against its article."""
    from rewrites.checks import lint
    from rewrites.checks.claims.support import field_content_score

    draft = _draft(row)
    codes = set()
    for check in (lint.lint_unsupported_numbers, lint.lint_unsupported_dates, lint.lint_unsupported_names,
                  lint.lint_unsupported_quotes, lint.lint_unsupported_content):
        codes.update(f.code for f in check(draft) if f.severity in (lint.ERROR, lint.WARNING) and f.code in CLAIM_CODES)
    score = field_content_score(draft.material.content_scores(draft.text("summary")))
    return Judged(row=row, codes=codes, content_score=score)


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


def best_threshold(
    rows: list[dict], scores: list[float], hard: list[bool], *, max_false_alarms: float = 0.20
) -> float:
    """The threshold flagging the most EntE/CircE summaries with at most max_false_alarms of faithful ones flagged."""
    entity = [i for i, row in enumerate(rows) if is_entity_or_circumstance_error(row)]
    faithful = [i for i, row in enumerate(rows) if is_faithful(row)]
    best, best_recall = 1.0, -1.0
    for threshold in sorted({round(score, 4) for score in scores if score > 0}):
        false_alarms = sum(flagged(hard=hard[i], score=scores[i], threshold=threshold) for i in faithful)
        if false_alarms > max_false_alarms * max(1, len(faithful)):
            continue
        recall = sum(flagged(hard=hard[i], score=scores[i], threshold=threshold) for i in entity)
        if recall > best_recall:
            best, best_recall = threshold, recall
    return best


def article_folds(rows: list[dict], *, folds: int = 5, seed: int = 12) -> list[int]:
    """The fold of each row: articles (FRANK's ``hash``) shuffled with seed and dealt round, so every
    summary of an article is in the same fold."""
    def article(row: dict) -> str:
        return row.get("hash") or row["article"][:200]

    articles = sorted({article(row) for row in rows})
    random.Random(seed).shuffle(articles)
    fold_of = {name: index % folds for index, name in enumerate(articles)}
    return [fold_of[article(row)] for row in rows]


def cross_validate_scores(
    rows: list[dict], scores: list[float], hard: list[bool], *, folds: int = 5, seed: int = 12,
    fit: Callable[[list[int]], list[float]] | None = None,
) -> tuple[dict, list[float]]:
    """Chooses the threshold on all but one fold of articles and flags the held-out fold with it, for every fold.

    ``fit``, when given, is called with each fold's training rows (indices) and returns the scores
    of every row from a model trained on those rows only; otherwise ``scores`` are used as they are.
    Returns the summary of the held-out flags and the threshold chosen for each fold.
    """
    fold_of = article_folds(rows, folds=folds, seed=seed)
    flags = [False] * len(rows)
    thresholds = []
    for fold in range(folds):
        training = [i for i in range(len(rows)) if fold_of[i] != fold]
        fold_scores = fit(training) if fit else scores
        threshold = best_threshold(
            [rows[i] for i in training], [fold_scores[i] for i in training], [hard[i] for i in training]
        )
        thresholds.append(threshold)
        for i in range(len(rows)):
            if fold_of[i] == fold:
                flags[i] = flagged(hard=hard[i], score=fold_scores[i], threshold=threshold)
    return summarise(rows, flags), thresholds


def cross_validate(judged: list[Judged], *, folds: int = 5, seed: int = 12) -> tuple[dict, list[float]]:
    """``cross_validate_scores`` for the production checks' judgements."""
    return cross_validate_scores(
        [j.row for j in judged], [j.content_score for j in judged], [j.hard for j in judged], folds=folds, seed=seed
    )
