"""The unsupported-claim lints measured: against people on FRANK, on a Japanese corruption set, and for speed.

1. FRANK validation (671 CNN/DM and XSum summaries with human judgements): each summary is linted as a
   rewrite's summary with its article as the only source (``rewrites.checks.lint_evaluation``, the code behind
   ``manage.py evaluate_claims``). The curve gives, for thresholds of the unsupported-content lint, the
   share of summaries with entity or circumstance errors (FRANK ``EntE``/``CircE`` below 1) that are
   flagged against the share of faithful ones (``human_factuality`` 1); the naive rule of issue 12 is
   measured in the same run. The threshold is chosen by 5-fold cross-validation over articles (one deal
   of the articles into folds, and the average of ten); a bootstrap over articles shows how far another
   split may land from it; other ways of scoring wording are measured with the same folds.
2. Japanese corruption set: from the Japanese Wikinews headlines, an English rendering of each headline's
   numbers, dates and names, faithful or corrupted (number changed, date changed, name swapped with one
   from another article, negation), linted against the Japanese article.
3. Speed: one full lint pass over a rewrite with five long sources, the first time (sources read) and on
   a re-save (sources cached).

Needs ../shared/data/summaries/ (or NEWSROOM_SHARED_DATA pointing at a copy of shared/data).
"""

from __future__ import annotations

import gzip
import json
import os
import random
import statistics
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

TITLE = "Unsupported-claim lints: FRANK, Japanese corruptions, speed"
DATA = Path(os.environ.get("NEWSROOM_SHARED_DATA") or Path(__file__).resolve().parent.parent.parent / "shared" / "data")
FRANK = DATA / "summaries" / "frank" / "frank_validation.jsonl.gz"
WIKINEWS = DATA / "summaries" / "jawikinews_headline" / "ja_article_headline.detok.jsonl.gz"
CURVE = [0, 0.04, 0.06, 0.08, 0.09, 0.1, 0.11, 0.12, 0.15, 0.2, 0.25, 0.3, 0.4]
CORRUPTION_ARTICLES = 400


def run() -> str:
    missing = [str(path) for path in (FRANK, WIKINEWS) if not path.exists()]
    if missing:
        return f"Skipped: {', '.join(missing)} not present (the shared test data folder is missing)."
    from django.conf import settings

    sections = [frank_section(settings.NEWSROOM_LINT_CONTENT_THRESHOLD), corruption_section(), speed_section()]
    return "\n\n".join(sections)


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def frank_section(configured: float) -> str:
    from rewrites import claim_evaluation as ce

    rows = ce.load_rows(FRANK)
    judged = [ce.judge(row) for row in rows]
    naive = ce.summarise(rows, [ce.naive_flag(row) for row in rows])
    lines = [
        "### FRANK validation: flagged EntE/CircE summaries against flagged faithful ones",
        "",
        f"{len(rows)} summaries of {len({row['hash'] for row in rows})} articles: {naive['entity_circ_summaries']} with "
        f"entity or circumstance errors, {naive['faithful_summaries']} judged faithful. Flagged = an unsupported-number, "
        "-date, -name, -quote or -content finding at error or warning level.",
        "",
        "| method | unsupported-content threshold | EntE/CircE flagged | faithful flagged (false alarms) | precision (all errors) | recall (all errors) |",
        "|---|---|---|---|---|---|",
        f"| naive rule (≥ 2 content words not in the article) | | {_share(naive['entity_circ_flagged_share'])} | "
        f"{_share(naive['faithful_flagged_share'])} | {_share(naive['precision'])} | {_share(naive['recall'])} |",
    ]
    for threshold in sorted(set(CURVE) | {configured}):
        result = ce.summarise(rows, [j.flagged_at(threshold) for j in judged])
        label = "numbers, dates, names, quotes only" if threshold == 0 else "all claim lints"
        marker = " **(default)**" if abs(threshold - configured) < 1e-9 else ""
        lines.append(
            f"| {label} | {threshold:g}{marker} | {_share(result['entity_circ_flagged_share'])} | "
            f"{_share(result['faithful_flagged_share'])} | {_share(result['precision'])} | {_share(result['recall'])} |"
        )
    held_out, thresholds = ce.cross_validate(judged)
    repeated = [ce.cross_validate(judged, seed=seed)[0] for seed in range(REPEATS)]
    codes = Counter(code for j in judged for code in j.codes)
    low, middle, high, met = _bootstrap(judged, configured)
    lines += [
        "",
        "**Cross-validated** (5 folds by article; the threshold chosen on four fifths of the articles to flag the most "
        "EntE/CircE summaries at ≤ 20% false alarms, applied to the held-out fifth): "
        f"EntE/CircE flagged {_share(held_out['entity_circ_flagged_share'])}, faithful flagged "
        f"{_share(held_out['faithful_flagged_share'])}, precision {_share(held_out['precision'])}, recall "
        f"{_share(held_out['recall'])}; thresholds chosen per fold: {', '.join(f'{t:.3f}' for t in thresholds)}. "
        f"Averaged over {REPEATS} different deals of the articles into folds: EntE/CircE flagged "
        f"{_share(_mean(r['entity_circ_flagged_share'] for r in repeated))}, faithful flagged "
        f"{_share(_mean(r['faithful_flagged_share'] for r in repeated))}. The default ({configured:g}) is near the "
        "median of the chosen thresholds. The goal of issue 12 is 80% at ≤ 20%.",
        "",
        f"**How much a new split may differ**: {BOOTSTRAP} resamplings of the {len({row['hash'] for row in rows})} "
        f"articles (with replacement), the default threshold fixed: EntE/CircE flagged {_share(low[0])} to "
        f"{_share(high[0])} (10th to 90th percentile, median {_share(middle[0])}), faithful flagged {_share(low[1])} to "
        f"{_share(high[1])} (median {_share(middle[1])}); the goal (≥ 80% at ≤ 20%) is met in {_share(met)} of them. "
        "A split of the same kind as this one, such as FRANK's test split, can land anywhere in that range.",
        "",
        "Summaries flagged by each lint at the default threshold: "
        + ", ".join(f"`{code}` {count}" for code, count in sorted(codes.items()))
        + ". FRANK's summaries are lower-cased, so the name lint has nothing capitalised to check there.",
        "",
        *methods_section(rows, judged),
        "",
        "The same numbers for any FRANK-format file: `.venv/bin/python manage.py evaluate_claims PATH.jsonl.gz`.",
    ]
    return "\n".join(lines)


REPEATS = 10
BOOTSTRAP = 1000


def _mean(values) -> float:
    values = list(values)
    return sum(values) / len(values)


def _bootstrap(judged, threshold: float):
    """10th, 50th and 90th percentiles of (EntE/CircE flagged, faithful flagged) over resampled articles, and the
    share of resamples meeting the goal."""
    from rewrites import claim_evaluation as ce

    by_article: dict[str, list] = {}
    for j in judged:
        by_article.setdefault(j.row["hash"], []).append(j)
    articles = sorted(by_article)
    rng = random.Random(12)
    samples = []
    for _ in range(BOOTSTRAP):
        chosen = [j for _ in articles for j in by_article[rng.choice(articles)]]
        entity = [j.flagged_at(threshold) for j in chosen if ce.is_entity_or_circumstance_error(j.row)]
        faithful = [j.flagged_at(threshold) for j in chosen if ce.is_faithful(j.row)]
        samples.append((sum(entity) / max(1, len(entity)), sum(faithful) / max(1, len(faithful))))
    met = sum(1 for entity, faithful in samples if entity >= 0.8 and faithful <= 0.2) / len(samples)

    def percentile(q: float) -> tuple[float, float]:
        return tuple(sorted(sample[k] for sample in samples)[int(q * (len(samples) - 1))] for k in (0, 1))

    return percentile(0.1), percentile(0.5), percentile(0.9), met


# Other ways of judging unsupported content, measured with the same folds in the same run. Each is a score
# per summary sentence (mean over the summary's sentences); the number, date, name and quote lints flag as
# in production.


def methods_section(rows: list[dict], judged) -> list[str]:
    from rewrites import claim_evaluation as ce
    from rewrites.checks.claims.support import (
        PAIR_WINDOW,
        SourceMaterial,
        field_content_score,
        split_sentences,
        word_tokens,
    )
    from rewrites.checks.lint import SourceText

    materials = {}
    for row in rows:
        if row["hash"] not in materials:
            materials[row["hash"]] = SourceMaterial([SourceText(title="", text=ce.untokenised(row["article"]))])
    idf = _idf(list(materials.values()))
    previous = {key: _PreviousMethod(material) for key, material in materials.items()}
    summaries = [ce.untokenised(row["system_summary"]) for row in rows]
    sentences = [
        [text[start:end] for start, end in split_sentences(text) if len(word_tokens(text[start:end])) >= 3]
        for text in summaries
    ]

    def per_sentence(score) -> list[float]:
        return [
            _mean(score(materials[row["hash"]], sentence) for sentence in parts) if parts else 0.0
            for row, parts in zip(rows, sentences)
        ]

    def pairs_at(window: int) -> list[float]:
        return [
            field_content_score(materials[row["hash"]].content_scores(text, window=window))
            for row, text in zip(rows, summaries)
        ]

    id_of = {id(material): key for key, material in materials.items()}.__getitem__
    trigram = per_sentence(lambda material, sentence: previous[id_of(id(material))].trigram_share(sentence))
    candidates = [
        ("previous method: novel word trigrams and rare-word pairs (mean of the two shares)",
         per_sentence(lambda material, sentence: previous[id_of(id(material))].score(sentence))),
        ("novel word trigrams alone", trigram),
        ("novel words weighted by IDF over the file's articles",
         idf_novelty := per_sentence(lambda material, sentence: _idf_novelty(material, sentence, idf))),
        ("word pairs, backed only in the two source sentences best aligned with the summary sentence",
         per_sentence(lambda material, sentence: _aligned_pairs(material, sentence, keep=2))),
    ]
    windows = [(window, pairs_at(window)) for window in (4, 6, 8, 10, 12, 1000)]
    production = dict(windows)[PAIR_WINDOW]
    hard = [j.hard for j in judged]

    def logistic(training: list[int]) -> list[float]:
        features = list(zip(production, trigram, idf_novelty))
        used = [i for i in training if ce.is_faithful(rows[i]) or ce.is_entity_or_circumstance_error(rows[i])]
        weights = _fit_logistic([features[i] for i in used], [ce.is_entity_or_circumstance_error(rows[i]) for i in used])
        return [_probability(weights, row) for row in features]

    def measured(scores, fit=None) -> tuple[dict, float, float]:
        held_out, _ = ce.cross_validate_scores(rows, scores, hard, fit=fit)
        repeated = [ce.cross_validate_scores(rows, scores, hard, seed=seed, fit=fit)[0] for seed in range(REPEATS)]
        return (held_out, _mean(r["entity_circ_flagged_share"] for r in repeated),
                _mean(r["faithful_flagged_share"] for r in repeated))

    lines = [
        "#### Methods compared (cross-validated, same folds, same run)",
        "",
        "Each way of scoring a summary's wording below replaces the unsupported-content score; the number, date, "
        "name and quote lints flag as in production, and the threshold is chosen within the folds as above. "
        f"Averages are over {REPEATS} deals of the articles into folds; with 240 EntE/CircE summaries a difference "
        "of 1 to 2 points is within the noise.",
        "",
        "| method | EntE/CircE flagged (folds as above) | faithful flagged | EntE/CircE flagged (average) | faithful flagged (average) |",
        "|---|---|---|---|---|",
    ]

    def line(label: str, result: tuple[dict, float, float]) -> str:
        held_out, entity, faithful = result
        return (f"| {label} | {_share(held_out['entity_circ_flagged_share'])} | "
                f"{_share(held_out['faithful_flagged_share'])} | {_share(entity)} | {_share(faithful)} |")

    for label, scores in candidates:
        lines.append(line(label, measured(scores)))
    for window, scores in windows:
        where = "anywhere in one source sentence" if window >= 1000 else f"within {window} words in one source sentence"
        marker = " **(production)**" if window == PAIR_WINDOW else ""
        lines.append(line(f"word pairs backed {where}{marker}", measured(scores)))
    lines.append(line(
        "logistic regression on word pairs, novel trigrams and IDF novelty (trained within each fold)",
        measured(production, fit=logistic),
    ))
    lines += [
        "",
        "Word pairs: each pair of neighbouring content words of a summary sentence (stopwords aside) must be found "
        "within the window in one sentence of the article; the score is the share of pairs that are not, averaged "
        "over the sentences, with at least two such pairs in the summary. Measured alternatives that did no better "
        "(not in this table, measured the same way while choosing): a Snowball stemmer, a larger stopword list, distance "
        "counted in content words only, pairs kept within one clause, each word paired with its next two, word order "
        "required as in the source, triples of words instead of pairs, pairs with a name or number counted double, "
        "and a random forest on 30 such features (79% at 20%).",
    ]
    return lines


def _idf(materials: list) -> dict[str, float]:
    """Inverse document frequency of each word over the articles; "" holds the value for a word in none."""
    import math

    from rewrites.checks.claims.support import word_tokens

    counts = Counter()
    for material in materials:
        counts.update({word for sentence in material.sentences for word, _, _ in word_tokens(sentence.text)})
    total = len(materials)
    return {word: math.log((total + 1) / (count + 1)) + 1 for word, count in counts.items()} | {"": math.log(total + 1) + 1}


def _idf_novelty(material, sentence: str, idf: dict[str, float]) -> float:
    from rewrites.checks.claims.support import content_words

    words = [word for word, _, _ in content_words(sentence)]
    if not words:
        return 0.0
    novel = sum(idf.get(word, idf[""]) for word in words if word not in material.word_positions)
    return novel / sum(idf.get(word, idf[""]) for word in words)


def _aligned_pairs(material, sentence: str, *, keep: int) -> float:
    """Share of word pairs not backed within the window in the ``keep`` source sentences backing most pairs."""
    import bisect

    from rewrites.checks.claims.support import PAIR_WINDOW, content_words

    words = [word for word, _, _ in content_words(sentence)]
    pairs = [(a, b) for a, b in zip(words, words[1:]) if a != b]
    if not pairs:
        return 0.0
    sentence_of = material.sentence_of_position
    backing = []
    for a, b in pairs:
        found = set()
        others = material.word_positions.get(b, [])
        for position in material.word_positions.get(a, []):
            at = bisect.bisect_left(others, position - PAIR_WINDOW)
            while at < len(others) and others[at] <= position + PAIR_WINDOW:
                if sentence_of[others[at]] == sentence_of[position]:
                    found.add(sentence_of[position])
                at += 1
        backing.append(found)
    chosen: set[int] = set()
    for _ in range(keep):
        counts = Counter(number for found in backing if not found & chosen for number in found)
        if not counts:
            break
        chosen.add(min(counts, key=lambda number: (-counts[number], number)))
    return sum(1 for found in backing if not found & chosen) / len(pairs)


class _PreviousMethod:
    """The unsupported-content score before word pairs: novel word trigrams and rare-word pairs that no two
    adjacent source sentences hold together, the two shares averaged."""

    def __init__(self, material):
        from rewrites.checks.claims.support import word_tokens

        words: list[str] = []
        self.sentences = []
        for sentence in material.sentences:
            tokens = [word for word, _, _ in word_tokens(sentence.text)]
            words.extend(tokens)
            self.sentences.append(set(tokens))
        self.trigrams = set(zip(words, words[1:], words[2:]))
        self.windows = [
            self.sentences[i] | (self.sentences[i + 1] if i + 1 < len(self.sentences) else set())
            for i in range(len(self.sentences))
        ]
        self.sentence_counts = Counter(word for sentence in self.sentences for word in sentence)

    def trigram_share(self, sentence: str) -> float:
        from rewrites.checks.claims.support import word_tokens

        words = [word for word, _, _ in word_tokens(sentence)]
        grams = list(zip(words, words[1:], words[2:]))
        return sum(gram not in self.trigrams for gram in grams) / len(grams) if grams else 0.0

    def score(self, sentence: str) -> float:
        from rewrites.checks.claims.support import STOPWORDS, word_tokens

        words = [word for word, _, _ in word_tokens(sentence)]
        rare = [
            word for word in dict.fromkeys(words)
            if word not in STOPWORDS and len(word) > 1 and (word.isdigit() or self.sentence_counts.get(word, 0) <= 2)
        ]
        pairs = [(a, b) for i, a in enumerate(rare) for b in rare[i + 1:]]
        apart = sum(1 for a, b in pairs if not any(a in window and b in window for window in self.windows))
        return (self.trigram_share(sentence) + (apart / len(pairs) if pairs else 0.0)) / 2


def _fit_logistic(features: list[tuple[float, ...]], labels: list[bool], *, l2: float = 1.0) -> list[float]:
    """Weights (intercept first) of an L2-regularised logistic regression, by Newton's method."""
    import math

    size = len(features[0]) + 1
    weights = [0.0] * size
    rows = [(1.0, *row) for row in features]
    for _ in range(30):
        gradient = [0.0] * size
        hessian = [[0.0] * size for _ in range(size)]
        for row, label in zip(rows, labels):
            z = max(-30.0, min(30.0, sum(w * x for w, x in zip(weights, row))))
            p = 1 / (1 + math.exp(-z))
            for i in range(size):
                gradient[i] += (p - label) * row[i]
                for k in range(size):
                    hessian[i][k] += p * (1 - p) * row[i] * row[k]
        for i in range(1, size):
            gradient[i] += l2 * weights[i]
            hessian[i][i] += l2
        step = _solve(hessian, gradient)
        weights = [w - d for w, d in zip(weights, step)]
        if max(abs(d) for d in step) < 1e-9:
            break
    return weights


def _probability(weights: list[float], row: tuple[float, ...]) -> float:
    import math

    z = weights[0] + sum(w * x for w, x in zip(weights[1:], row))
    return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    size = len(vector)
    rows = [list(row) + [vector[i]] for i, row in enumerate(matrix)]
    for column in range(size):
        pivot = max(range(column, size), key=lambda r: abs(rows[r][column]))
        rows[column], rows[pivot] = rows[pivot], rows[column]
        for r in range(size):
            if r != column and rows[column][column]:
                factor = rows[r][column] / rows[column][column]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[column])]
    return [rows[i][size] / rows[i][i] if rows[i][i] else 0.0 for i in range(size)]


# The Japanese corruption set


def _english_number(quantity) -> str | None:
    value = quantity.value
    if quantity.kind in ("date", "time", "range") or quantity.unit == "version" or quantity.form == "words":
        return None
    if quantity.kind == "money":
        currency = {"JPY": "yen", "USD": "dollars", "EUR": "euros"}.get(quantity.unit)
        return f"{_plain(value)} {currency}" if currency else None
    if quantity.kind == "percent":
        return f"{_plain(value)}%"
    if quantity.kind == "duration" and quantity.unit == "s":
        return f"{_plain(value)} seconds"
    if quantity.kind == "year":
        return f"in {_plain(value)}"
    return _plain(value)


def _plain(value: Decimal) -> str:
    value = value.normalize()
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return format(value, "f")


def _changed(value: Decimal) -> Decimal:
    if value != value.to_integral_value():
        return value + Decimal("0.1")
    return value + max(1, int(value) // 10)


MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
               "November", "December"]


def _english_date(year, month, day) -> str:
    text = MONTH_NAMES[month - 1]
    if day:
        text += f" {day}"
    if year:
        text += f", {year}" if day else f" {year}"
    return text


def _english_name(name) -> str | None:
    reading = name.readings[0] if name.readings else ""
    words = [word for word in reading.replace("-", " ").split() if word.isalpha()]
    if not words or len("".join(words)) < 4:
        return None
    return " ".join(word.capitalize() for word in words)


def corruption_rows(rows: list[dict]) -> list[dict]:
    """Faithful and corrupted English renderings of each headline's facts, with the Japanese article as source."""
    from newsroom.facts import extract_dates, extract_names, extract_quantities

    rng = random.Random(12)
    per_article = []
    for row in rows:
        headline = row["headline"]
        numbers = [(q, _english_number(q)) for q in extract_quantities(headline)]
        numbers = [(q, text) for q, text in numbers if text]
        dates = [d for d in extract_dates(headline) if d.month]
        names = [n for n in extract_names(headline) if n.kind in ("katakana", "proper_noun") and _english_name(n)]
        article_names = {_english_name(n) for n in extract_names(row["article"]) if n.kind != "latin"}
        if numbers or dates or names:
            per_article.append((row, numbers, dates, names, article_names))
    all_names = [_english_name(n) for _, _, _, names, _ in per_article for n in names]
    built = []
    for row, numbers, dates, names, article_names in per_article[:CORRUPTION_ARTICLES]:
        parts = {
            "names": [_english_name(n) for n in names],
            "numbers": [text for _, text in numbers],
            "dates": [_english_date(d.year, d.month, d.day) for d in dates],
        }

        def render(parts, negated=False):
            clauses = []
            if parts["names"]:
                clauses.append(f"the report {'does not name' if negated else 'names'} {' and '.join(parts['names'])}")
            if parts["numbers"]:
                clauses.append(f"it {'does not give' if negated else 'gives'} {' and '.join(parts['numbers'])}")
            if parts["dates"]:
                clauses.append(f"it {'is not dated' if negated else 'is dated'} {' and '.join(parts['dates'])}")
            text = "; ".join(clauses) + "."
            return text[0].upper() + text[1:]

        source = {"title": row["headline"], "article": row["article"]}
        built.append({"kind": "faithful", "text": render(parts), **source})
        if numbers:
            quantity, _ = numbers[0]
            changed = quantity.__class__(**{**quantity.__dict__, "value": _changed(quantity.value)})
            corrupted = dict(parts, numbers=[_english_number(changed)] + parts["numbers"][1:])
            built.append({"kind": "number changed", "text": render(corrupted), **source})
        if dates:
            date = dates[0]
            day = ((date.day or 1) + 2) % 28 + 1 if date.day else None
            month = date.month if date.day else date.month % 12 + 1
            corrupted = dict(parts, dates=[_english_date(date.year, month, day)] + parts["dates"][1:])
            built.append({"kind": "date changed", "text": render(corrupted), **source})
        if names:
            others = [name for name in all_names if name not in article_names and name not in parts["names"]]
            if others:
                corrupted = dict(parts, names=[rng.choice(others)] + parts["names"][1:])
                built.append({"kind": "name swapped (from another article)", "text": render(corrupted), **source})
        built.append({"kind": "negation", "text": render(parts, negated=True), **source})
    return built


def corruption_section() -> str:
    from rewrites.checks import lint

    with gzip.open(WIKINEWS, "rt", encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle]
    built = corruption_rows(rows)
    flagged, noted, totals = Counter(), Counter(), Counter()
    checks = [lint.lint_unsupported_numbers, lint.lint_unsupported_dates, lint.lint_unsupported_names,
              lint.lint_unsupported_quotes, lint.lint_unsupported_content]
    for item in built:
        draft = lint.Draft(fields={"summary": item["text"]}, sources=[lint.SourceText(title=item["title"], text=item["article"])])
        findings = [f for check in checks for f in check(draft)]
        totals[item["kind"]] += 1
        flagged[item["kind"]] += any(f.severity in (lint.ERROR, lint.WARNING) for f in findings)
        noted[item["kind"]] += any(f.severity == lint.INFO for f in findings)
    lines = [
        "### Japanese corruption set (Wikinews headlines)",
        "",
        f"The first {CORRUPTION_ARTICLES} of the 3,670 Japanese Wikinews articles whose headline holds a number, a date or a "
        "name: an English rendering of the headline's facts (numbers in English form, 「19秒19」 as 19.19 seconds, "
        "15億円 as 1,500,000,000 yen; dates as \"April 7, 2011\"; names romanised) is linted against the Japanese "
        "article, faithful and with one fact corrupted. Detected = an error or warning; names that cannot be matched "
        "against Japanese sources are only noted (info, \"could not check\"), never an error, so they are counted apart.",
        "",
        "| version | outputs | flagged (error or warning) | noted \"could not check\" |",
        "|---|---|---|---|",
    ]
    for kind in ["faithful", "number changed", "date changed", "name swapped (from another article)", "negation"]:
        if totals[kind]:
            lines.append(
                f"| {kind} | {totals[kind]} | {flagged[kind] / totals[kind]:.1%} | {noted[kind] / totals[kind]:.1%} |"
            )
    lines += [
        "",
        "The faithful row is the false-alarm rate. A negation keeps every number, date and name, so no lint that "
        "checks facts against the sources can see it: the optional model claim check (NEWSROOM_CLAIM_CHECK) is the "
        "tool for it. Wikinews text is CC BY 2.5 and is read from ../shared/data at run time.",
    ]
    return "\n".join(lines)


# Speed


def speed_section() -> str:
    from rewrites.checks import claims, lint

    with gzip.open(WIKINEWS, "rt", encoding="utf-8") as handle:
        japanese = [json.loads(line) for _, line in zip(range(3), handle)]
    with gzip.open(FRANK, "rt", encoding="utf-8") as handle:
        english = [json.loads(line) for _, line in zip(range(200), handle)]
    english = list({row["hash"]: row for row in english}.values())[:2]
    sources = [
        lint.SourceText(title=row["headline"], text=(row["article"] * 4)[:6000], article_id=f"a_{index:024x}")
        for index, row in enumerate(japanese)
    ] + [
        lint.SourceText(title="", text=row["article"][:6000], article_id=f"a_{index + 10:024x}")
        for index, row in enumerate(english)
    ]
    summary = english[0]["system_summary"]
    fields = {name: summary for name in lint.TEXT_FIELDS}
    fields["headline"] = summary[:100]
    fields["webCardHtml"] = f"<p>{summary}</p>"
    cold, warm = [], []
    for _ in range(5):
        claims._MATERIAL_CACHE.clear()
        started = time.perf_counter()
        lint.run_lints(lint.Draft(fields=fields, sources=sources, key_facts=[summary]))
        cold.append(time.perf_counter() - started)
    for _ in range(20):
        started = time.perf_counter()
        lint.run_lints(lint.Draft(fields=fields, sources=sources, key_facts=[summary]))
        warm.append(time.perf_counter() - started)
    characters = sum(len(s.title) + len(s.text) for s in sources)
    return "\n".join([
        "### Speed of one lint pass",
        "",
        f"All lints over the eight output fields and key facts of one rewrite whose cluster has {len(sources)} sources "
        f"({characters:,} characters: three Japanese, two English), in this process:",
        "",
        "| pass | median | slowest |",
        "|---|---|---|",
        f"| first (sources read: sentences, numbers, dates, names with readings, word positions) | {statistics.median(cold) * 1000:.0f} ms | {max(cold) * 1000:.0f} ms |",
        f"| re-save (sources cached for the last 32 clusters) | {statistics.median(warm) * 1000:.0f} ms | {max(warm) * 1000:.0f} ms |",
    ])
