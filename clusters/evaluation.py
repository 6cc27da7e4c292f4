"""Measuring the production clustering against labelled articles, in a scratch database."""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from datetime import timezone as dt_timezone
from pathlib import Path

from django.db import connection

from clusters.metrics import bcubed, pairwise


class EvaluationInputError(ValueError):
    """The labelled file cannot be used; the message names the line and the problem."""


REQUIRED = ("title", "text", "date_publish", "event_id")


def read_labelled(path: Path) -> list[dict]:
    """Reads labelled articles (JSON Lines: title, text, date_publish, language, event_id, and
    optionally id, url and source_domain), checking every line."""
    if not path.exists():
        raise EvaluationInputError(f"{path} does not exist.")
    rows = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as error:
                raise EvaluationInputError(f"{path}:{number} is not valid JSON: {error}.") from error
            if not isinstance(row, dict):
                raise EvaluationInputError(f"{path}:{number} is not a JSON object.")
            missing = [field for field in REQUIRED if field not in row]
            if missing:
                raise EvaluationInputError(f"{path}:{number} lacks {', '.join(missing)}.")
            if row["event_id"] is None:
                raise EvaluationInputError(f"{path}:{number} has no event_id label.")
            row["published"] = parse_date(row["date_publish"], where=f"{path}:{number}")
            row["line"] = number
            rows.append(row)
    if not rows:
        raise EvaluationInputError(f"{path} holds no articles.")
    return rows


def parse_date(value, *, where: str) -> datetime:
    if not isinstance(value, str) or not value:
        raise EvaluationInputError(f"{where}: date_publish must be an ISO-8601 date, not {value!r}.")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise EvaluationInputError(f"{where}: date_publish {value!r} is not an ISO-8601 date.") from error
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt_timezone.utc)


@contextmanager
def scratch_database():
    """Creates a migrated scratch database beside the configured one, points the default
    connection at it, and drops it afterwards (also when the evaluation fails)."""
    from newsroom.database_roles import use_desk, use_owner

    creation = connection.creation
    original_name = connection.settings_dict["NAME"]
    test_settings = connection.settings_dict.setdefault("TEST", {})
    previous_test_name = test_settings.get("NAME")
    test_settings["NAME"] = f"newsroom_scratch_eval_{os.getpid()}"
    # Creating and dropping a database is the owner's work; the desk's role may not.
    switched = use_owner(connection.alias)
    try:
        creation.create_test_db(verbosity=0, autoclobber=True, serialize=False, keepdb=False)
        try:
            yield
        finally:
            creation.destroy_test_db(original_name, verbosity=0, keepdb=False)
    finally:
        test_settings["NAME"] = previous_test_name
        if switched:
            use_desk(connection.alias)


def cluster_labelled(rows: Iterable[dict]) -> dict:
    """Stores the articles and clusters them one by one in publication order with the
    production assign_article; returns the scores, and under "labels" the cluster of each
    article in that order. Call inside scratch_database()."""
    from clusters.clustering import assign_article
    from clusters.models import Article, Source

    rows = sorted(rows, key=lambda row: (row["published"], row["line"]))
    sources: dict[str, Source] = {}
    started = time.monotonic()
    predicted, gold = [], []
    for row in rows:
        name = (row.get("source_domain") or "evaluation").strip() or "evaluation"
        if name not in sources:
            sources[name] = Source.objects.create(name=name, language=row.get("language") or "")
        url = f"https://evaluation.invalid/{row['line']}"
        article = Article.objects.create(
            source=sources[name],
            url=url,
            canonical_url=url,
            title=row["title"] or "",
            text=row["text"] or "",
            language=row.get("language") or "",
            published_at=row["published"],
            fetched_at=row["published"],
        )
        cluster = assign_article(article_id=article.id)
        predicted.append(cluster.id)
        gold.append(row["event_id"])
    seconds = time.monotonic() - started
    precision, recall, f1 = bcubed(predicted, gold)
    return {
        "bcubed_precision": round(precision, 4),
        "bcubed_recall": round(recall, 4),
        "bcubed_f1": round(f1, 4),
        "pairwise_f1": round(pairwise(predicted, gold)[2], 4),
        "clusters": len(set(predicted)),
        "articles": len(predicted),
        "seconds": round(seconds, 2),
        "labels": predicted,
    }


# Cross-validation over events ------------------------------------------------------------------

FOLDS = 5


def event_folds(gold: Sequence[Hashable], *, folds: int = FOLDS) -> dict[Hashable, int]:
    """Assigns every event to one of `folds` folds: largest events first, each to the fold with the
    fewest articles so far (ties to the lower fold), so folds hold similar numbers of articles and
    no event is split between two folds."""
    sizes = Counter(gold)
    load = [0] * folds
    fold_of = {}
    for event, size in sorted(sizes.items(), key=lambda item: (-item[1], str(item[0]))):
        fold = min(range(folds), key=lambda number: (load[number], number))
        fold_of[event] = fold
        load[fold] += size
    return fold_of


def fold_scores(predicted: Sequence[Hashable], gold: Sequence[Hashable], fold_of: dict, *, folds: int = FOLDS) -> list[float]:
    """B-cubed F1 of each fold's articles within one clustering of the whole set: an article's
    precision and recall are those of B-cubed over all articles, averaged over its fold."""
    together = Counter(zip(predicted, gold))
    by_predicted, by_gold = Counter(predicted), Counter(gold)
    sums = [[0.0, 0.0, 0] for _ in range(folds)]
    for label, event in zip(predicted, gold):
        fold = sums[fold_of[event]]
        fold[0] += together[(label, event)] / by_predicted[label]
        fold[1] += together[(label, event)] / by_gold[event]
        fold[2] += 1
    scores = []
    for precision, recall, count in sums:
        precision, recall = (precision / count, recall / count) if count else (0.0, 0.0)
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return scores


@dataclass(frozen=True)
class CrossValidation:
    """Held-out F1 per fold, with the setting chosen for each fold on the other folds."""

    held_out: list[float]
    chosen: list
    final: object  # the setting chosen on all folds (the default to ship)
    table: dict  # setting -> F1 per fold

    @property
    def mean(self) -> float:
        return sum(self.held_out) / len(self.held_out)

    @property
    def worst(self) -> float:
        return min(self.held_out)


def cross_validate(labelings: dict, gold: Sequence[Hashable], *, folds: int = FOLDS) -> CrossValidation:
    """Cross-validation over events: `labelings` maps each candidate setting to the cluster labels
    it gives the whole set (in the order of `gold`). For each fold, the setting with the best mean
    F1 on the other folds is chosen and scored on the held-out fold. Ties go to the setting listed
    first."""
    fold_of = event_folds(gold, folds=folds)
    table = {setting: fold_scores(labels, gold, fold_of, folds=folds) for setting, labels in labelings.items()}
    settings = list(table)
    held_out, chosen = [], []
    for fold in range(folds):
        best = max(settings, key=lambda s: (sum(v for n, v in enumerate(table[s]) if n != fold), -settings.index(s)))
        chosen.append(best)
        held_out.append(table[best][fold])
    final = max(settings, key=lambda s: (sum(table[s]), -settings.index(s)))
    return CrossValidation(held_out=held_out, chosen=chosen, final=final, table=table)


# Replaying editors' corrections ---------------------------------------------------------------------

def _article_row(article) -> dict:
    when = article.published_at or article.fetched_at
    return {"id": article.id, "title": article.title, "text": article.text, "language": article.language,
            "date_publish": when.isoformat()}


def corrections_from_database() -> tuple[list[dict], int]:
    """Returns editors' merges and moves from ClusterChange rows, oldest first, as corrections
    (see read_corrections), and how many changes could not be used (recorded before changes kept
    their articles, or whose articles were deleted)."""
    from clusters.models import Article, ClusterChange

    corrections, skipped = [], 0
    changes = ClusterChange.objects.filter(action__in=[ClusterChange.Action.MERGE, ClusterChange.Action.MOVE])
    for change in changes.order_by("created_at", "id"):
        groups = change.groups or {}
        ids = [*groups.get("kept", []), *groups.get("merged", []), *groups.get("from", []), *groups.get("to", [])]
        if groups.get("article"):
            ids.append(groups["article"])
        articles = Article.objects.in_bulk(ids)
        if not ids or len(articles) < len(set(ids)):
            skipped += 1
            continue
        rows = {article_id: _article_row(article) for article_id, article in articles.items()}
        correction = {"action": change.action, "at": change.created_at.isoformat(), "description": change.description}
        if change.action == ClusterChange.Action.MERGE:
            correction |= {"kept": [rows[i] for i in groups["kept"]], "merged": [rows[i] for i in groups["merged"]]}
        else:
            correction |= {
                "article": rows[groups["article"]], "from": [rows[i] for i in groups.get("from", [])],
                "to": [rows[i] for i in groups.get("to", [])],
            }
        corrections.append(correction)
    return corrections, skipped


def read_corrections(path: Path) -> list[dict]:
    """Reads corrections exported by `manage.py export_corrections` (JSON Lines). A merge has
    "kept" and "merged" (lists of articles the editor joined); a move has "article", "from" (the
    articles it was wrongly with) and "to" (the articles it belongs with; empty for a story of its
    own). Articles have id, title, text and date_publish."""
    if not path.exists():
        raise EvaluationInputError(f"{path} does not exist.")
    corrections = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                correction = json.loads(line)
            except ValueError as error:
                raise EvaluationInputError(f"{path}:{number} is not valid JSON: {error}.") from error
            action = correction.get("action") if isinstance(correction, dict) else None
            needed = {"merge": ("kept", "merged"), "move": ("article", "from", "to")}.get(action)
            if needed is None:
                raise EvaluationInputError(f"{path}:{number}: action must be 'merge' or 'move', not {action!r}.")
            missing = [key for key in needed if key not in correction]
            if missing:
                raise EvaluationInputError(f"{path}:{number}: a {action} needs {', '.join(missing)}.")
            for article in _articles_of(correction):
                for field in ("id", "title", "text", "date_publish"):
                    if field not in article:
                        raise EvaluationInputError(f"{path}:{number}: an article lacks {field}.")
                article["published"] = parse_date(article["date_publish"], where=f"{path}:{number}")
            corrections.append(correction)
    return corrections


def _articles_of(correction: dict) -> list[dict]:
    if correction["action"] == "merge":
        return [*correction["kept"], *correction["merged"]]
    return [correction["article"], *correction["from"], *correction["to"]]


def replay_corrections(corrections: list[dict]) -> dict:
    """Clusters the articles of each correction again, in publication order, with the current
    settings (the in-memory replay of clusters.simulation), and counts the corrections whose mistake
    the clustering would make again: a merge whose two groups stay apart, a move whose article
    joins the articles it was taken from or (for a move into another cluster) not those it was
    moved to."""
    from clusters.clustering import ClusteringSettings
    from clusters.simulation import prepare, replay

    config = ClusteringSettings.current()
    repeated = {"merge": 0, "move": 0}
    counted = {"merge": 0, "move": 0}
    examples = []
    for correction in corrections:
        articles = {article["id"]: article for article in _articles_of(correction)}
        for article in articles.values():
            article.setdefault("published", parse_date(article["date_publish"], where=article["id"]))
        rows = sorted(articles.values(), key=lambda article: (article["published"], article["id"]))
        labels = dict(zip([row["id"] for row in rows], replay(prepare(rows), config)))
        if correction["action"] == "merge":
            ids = [article["id"] for article in (*correction["kept"], *correction["merged"])]
            again = len({labels[i] for i in ids}) > 1
        else:
            mine = labels[correction["article"]["id"]]
            wrong = any(labels[article["id"]] == mine for article in correction["from"])
            missed = bool(correction["to"]) and any(labels[article["id"]] != mine for article in correction["to"])
            again = wrong or missed
        counted[correction["action"]] += 1
        if again:
            repeated[correction["action"]] += 1
            examples.append(correction.get("description") or correction["action"])
    total = sum(counted.values())
    return {
        "corrections": total,
        "repeated": sum(repeated.values()),
        "repeat_rate": round(sum(repeated.values()) / total, 4) if total else 0.0,
        "merges": counted["merge"], "merges_repeated": repeated["merge"],
        "moves": counted["move"], "moves_repeated": repeated["move"],
        "examples": examples[:10],
    }
