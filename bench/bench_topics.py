"""Domain and content-type rules of the offline writer against a hand-labelled sample."""

import collections
import gzip
import json
import os
from pathlib import Path

from django.conf import settings

TITLE = "Offline writer: domain and content-type rules (topics)"
DATA = Path(os.environ.get("NEWSROOM_SHARED_DATA") or Path(settings.BASE_DIR).parent / "shared" / "data")
SAMPLE = Path(settings.BASE_DIR) / "bench" / "data" / "topic-sample.json"


def labelled_items() -> dict[str, list[tuple[str, str, str, str, str]]]:
    """(language, title, text, domain, type) of every labelled article, by half ("development", "held out")."""
    sample = json.loads(SAMPLE.read_text(encoding="utf-8"))
    path = DATA / "summaries" / "jawikinews_headline" / "ja_article_headline.detok.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        articles = {row["id"]: row for row in map(json.loads, lines)}
    events = collections.defaultdict(list)
    with open(DATA / "clustering" / "newscluster_dev.jsonl", encoding="utf-8") as lines:
        for row in map(json.loads, lines):
            events[row["event_id"]].append(row)
    halves = {"development": [], "held out": []}
    for position, (article_id, domain, kind) in enumerate(sample["ja"]):
        row = articles[article_id]
        halves["development" if position < 45 else "held out"].append(("ja", row["headline"], row["article"], domain, kind))
    for event_id, domain, kind in sample["en_events"]:
        for row in events[event_id]:
            text = f"{row.get('description') or ''} {row.get('text') or ''}"
            halves["development" if event_id % 2 == 0 else "held out"].append(("en", row["title"], text, domain, kind))
    return halves


def _accuracy(pairs) -> float:
    pairs = list(pairs)
    return sum(predicted == wanted for predicted, wanted in pairs) / len(pairs) if pairs else 0.0


def run() -> str:
    needed = [DATA / "summaries" / "jawikinews_headline", DATA / "clustering" / "newscluster_dev.jsonl"]
    if not all(path.exists() for path in needed):
        return f"Skipped: {DATA} lacks the Wikinews or news-cluster data (set NEWSROOM_SHARED_DATA)."
    from rewrites.generation.topics import classify_content_type, classify_domain

    halves = labelled_items()
    majority_domain = collections.Counter(item[3] for item in halves["development"]).most_common(1)[0][0]
    majority_type = collections.Counter(item[4] for item in halves["development"]).most_common(1)[0][0]
    rows = []
    for half, items in halves.items():
        for language in ("ja", "en", None):
            chosen = [item for item in items if language is None or item[0] == language]
            domains = [(classify_domain(title=t, text=x), d) for _, t, x, d, _ in chosen]
            types = [(classify_content_type(title=t, text=x), k) for _, t, x, _, k in chosen]
            rows.append(
                f"| {half} | {language or 'both'} | {len(chosen)} | {_accuracy(domains):.3f} | "
                f"{_accuracy((majority_domain, d) for _, _, _, d, _ in chosen):.3f} | {_accuracy(types):.3f} | "
                f"{_accuracy((majority_type, k) for _, _, _, _, k in chosen):.3f} |"
            )
    held_out = halves["held out"]
    confusion = collections.Counter(
        (d, classify_domain(title=t, text=x)) for _, t, x, d, _ in held_out if classify_domain(title=t, text=x) != d
    )
    mistakes = ", ".join(f"{wanted} as {got} ({count})" for (wanted, got), count in confusion.most_common(6))
    table = "\n".join(rows)
    return f"""The offline writer gives each draft a domain and a content type from keyword rules
(`rewrites/generation/topics.py`) so that offline drafts can be filtered in the queue. Accuracy
against hand labels (`bench/data/topic-sample.json`, with the labelling guidelines): 90 Japanese
Wikinews articles drawn at random outside the demo feeds, and the 235 English articles of the 41
events in `newscluster_dev.jsonl` (each article takes its event's label, so English articles of one
event are not independent). The rules were written while looking at the development half only; the
held-out half was labelled at the same time and scored once the rules were fixed. The baseline
always answers the development half's most frequent class (domain `{majority_domain}`, type `{majority_type}`).

| half | language | articles | domain accuracy | domain baseline | type accuracy | type baseline |
|---|---|---|---|---|---|---|
{table}

Most frequent domain mistakes on the held-out half: {mistakes or 'none'}. One person labelled the
sample; domains such as culture, business and other overlap, so a second labeller would disagree on
some rows."""
