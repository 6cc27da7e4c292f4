"""Clustering: quality against two baselines, Japanese false merges, and cost per article as the
archive grows. Everything runs in scratch databases that are dropped afterwards.

- Quality: ../shared/data/clustering/newscluster_dev.jsonl through the production code and
  settings (the same path as `manage.py evaluate_clustering`), beside two baselines written
  here: single-pass TF-IDF centroid clustering without a time window, and batch average-linkage
  agglomerative clustering. Both baselines get IDF from the whole set and the best threshold
  of a sweep (chosen with the labels), so they are shown at their best.
- Japanese: the 3,670 Japanese Wikinews articles of ../shared/data/summaries/jawikinews_headline/
  (distinct stories), all dated within two and a half days so every pair is inside the window.
- Throughput: a synthetic archive grown to 1,000, 10,000 and 100,000 articles (bulk-loaded
  with the production features and index), then new articles assigned with assign_article.
"""

from __future__ import annotations

import gzip
import json
import math
import random
import statistics
import time
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

TITLE = "Clustering"
ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
DEV_SET = DATA / "clustering" / "newscluster_dev.jsonl"
JAWIKINEWS = DATA / "summaries" / "jawikinews_headline" / "ja_article_headline.detok.jsonl.gz"
ARCHIVE_SIZES = (1_000, 10_000, 100_000)
SWEEP = [round(0.02 * step, 2) for step in range(1, 40)]


# Baselines -----------------------------------------------------------------------------------

def _tfidf_vectors(rows: list[dict]) -> list[dict[str, float]]:
    from clusters import features

    counts = [Counter(features.tokens(f"{row['title']}\n{row['text'] or ''}")) for row in rows]
    frequencies = Counter(term for count in counts for term in count)
    return [
        features.unit({term: (1 + math.log(n)) * features.idf(frequencies[term], len(rows)) for term, n in count.items()})
        for count in counts
    ]


def single_pass_centroid(rows: list[dict], vectors: list[dict[str, float]], threshold: float) -> list[int]:
    """Each article, in publication order, joins the most similar centroid (any age) or starts one."""
    from clusters import features

    sums: list[dict[str, float]] = []
    labels = []
    for vector in vectors:
        best, best_score = None, threshold
        for number, total in enumerate(sums):
            score = features.cosine(vector, features.unit(total))
            if score >= best_score:
                best, best_score = number, score
        if best is None:
            sums.append(dict(vector))
            labels.append(len(sums) - 1)
        else:
            sums[best] = features.add(sums[best], vector)
            labels.append(best)
    return labels


def average_linkage_merges(vectors: list[dict[str, float]]) -> list[tuple[float, int, int]]:
    """The full average-linkage dendrogram over cosine similarity: (similarity, kept, merged) in
    merge order, similarities non-increasing."""
    from clusters import features

    n = len(vectors)
    similarity = [[features.cosine(vectors[i], vectors[j]) if i != j else -1.0 for j in range(n)] for i in range(n)]
    size = [1] * n
    alive = set(range(n))
    merges = []
    while len(alive) > 1:
        best = (-2.0, -1, -1)
        for i in alive:
            row = similarity[i]
            for j in alive:
                if j > i and row[j] > best[0]:
                    best = (row[j], i, j)
        score, i, j = best
        merges.append((score, i, j))
        for k in alive:
            if k not in (i, j):
                value = (size[i] * similarity[i][k] + size[j] * similarity[j][k]) / (size[i] + size[j])
                similarity[i][k] = similarity[k][i] = value
        size[i] += size[j]
        alive.discard(j)
    return merges


def cut(merges: list[tuple[float, int, int]], n: int, threshold: float) -> list[int]:
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for score, i, j in merges:
        if score < threshold:
            break
        parent[find(j)] = find(i)
    return [find(x) for x in range(n)]


def _best(labelings: dict[float, list[int]], gold: list) -> tuple[float, dict]:
    from clusters.metrics import bcubed, pairwise

    scored = []
    for threshold, labels in labelings.items():
        precision, recall, f1 = bcubed(labels, gold)
        scored.append((f1, threshold, precision, recall, pairwise(labels, gold)[2], len(set(labels))))
    f1, threshold, precision, recall, pair_f1, clusters = max(scored)
    return threshold, {
        "bcubed_precision": precision, "bcubed_recall": recall, "bcubed_f1": f1,
        "pairwise_f1": pair_f1, "clusters": clusters,
    }


def quality_section() -> str:
    from clusters.evaluation import cluster_labelled, read_labelled, scratch_database

    if not DEV_SET.exists():
        return f"_Skipped: {DEV_SET} is absent._"
    rows = read_labelled(DEV_SET)
    with scratch_database():
        ours = cluster_labelled(rows)
    ordered = sorted(rows, key=lambda row: (row["published"], row["line"]))
    gold = [row["event_id"] for row in ordered]
    vectors = _tfidf_vectors(ordered)
    started = time.monotonic()
    single_threshold, single = _best({t: single_pass_centroid(ordered, vectors, t) for t in SWEEP}, gold)
    single_seconds = (time.monotonic() - started) / len(SWEEP)
    started = time.monotonic()
    merges = average_linkage_merges(vectors)
    linkage_seconds = time.monotonic() - started
    linkage_threshold, linkage = _best({t: cut(merges, len(vectors), t) for t in SWEEP}, gold)

    def line(name: str, result: dict, seconds: float, note: str) -> str:
        return (
            f"| {name} | {result['bcubed_precision']:.3f} | {result['bcubed_recall']:.3f} | "
            f"**{result['bcubed_f1']:.3f}** | {result['pairwise_f1']:.3f} | {result['clusters']} | {seconds:.1f} | {note} |"
        )

    return "\n".join([
        f"Dev set: {len(rows)} labelled English articles, {len(set(gold))} events "
        "(`../shared/data/clustering/newscluster_dev.jsonl`), in publication order.",
        "",
        "| method | B³ precision | B³ recall | B³ F1 | pairwise F1 | clusters | seconds | notes |",
        "|---|---|---|---|---|---|---|---|",
        line("Newsroom online clustering (production code and settings)", ours, ours["seconds"],
             "online, one article at a time, IDF only from articles seen so far, real PostgreSQL"),
        line("Single-pass TF-IDF centroid, no time window", single, single_seconds,
             f"best threshold of a sweep: {single_threshold}; IDF from the whole set"),
        line("Average-linkage agglomerative (batch)", linkage, linkage_seconds,
             f"sees the whole set; best cut of a sweep: {linkage_threshold}"),
        "",
        "The baselines are given every advantage (the whole set's IDF, the threshold picked with the "
        "labels). The production settings are global (a similarity threshold, its rise per day of gap, "
        "the headline's share, term weights), picked with a small grid on this set, with no rule for any "
        "event; neighbouring settings score 0.947-0.952, and ties in publication time reordered give "
        "0.947-0.955, so read the third decimal as noise. The remaining errors are "
        "mostly events whose articles lie months or years apart (one event spans 2013-2017) and one "
        "hard negative pair (the Falcon Heavy launch and the Tesla Roadster it carried) that ends up "
        "in one cluster.",
        "",
        "Reproduce the first line with `.venv/bin/python manage.py evaluate_clustering "
        "../shared/data/clustering/newscluster_dev.jsonl`.",
    ])


# Japanese false merges -----------------------------------------------------------------------

def _japanese_run(rows: list[dict], *, spacing: timedelta) -> dict:
    from clusters.clustering import assign_article
    from clusters.evaluation import scratch_database
    from clusters.models import Article, Source

    start = datetime(2005, 1, 1, tzinfo=timezone.utc)
    with scratch_database():
        source = Source.objects.create(name="Wikinews (ja)", language="ja")
        started = time.monotonic()
        for number, row in enumerate(rows):
            url = f"https://ja.wikinews.org/?curid={row['id']}"
            when = start + spacing * number
            article = Article.objects.create(
                source=source, url=url, canonical_url=url, title=row["headline"], text=row["article"],
                language="ja", published_at=when, fetched_at=when,
            )
            assign_article(article_id=article.id)
        seconds = time.monotonic() - started
        sizes = Counter(Article.objects.values_list("cluster_id", flat=True))
        multi = {cluster_id for cluster_id, size in sizes.items() if size > 1}
        titles = defaultdict(list)
        for cluster_id, title in (
            Article.objects.filter(cluster_id__in=multi).order_by("published_at").values_list("cluster_id", "title")
        ):
            titles[cluster_id].append(title)
    return {
        "clusters": len(sizes),
        "merged": sum(sizes[cluster_id] for cluster_id in multi),
        "multi": len(multi),
        "largest": max(sizes.values()),
        "per_second": len(rows) / seconds,
        "examples": sorted(titles.values(), key=lambda group: (-len(group), group[0])),
    }


def japanese_section() -> str:
    if not JAWIKINEWS.exists():
        return f"_Skipped: {JAWIKINEWS} is absent._"
    with gzip.open(JAWIKINEWS, "rt", encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    spread = _japanese_run(rows, spacing=timedelta(days=1.5))
    packed = _japanese_run(rows, spacing=timedelta(minutes=1))
    lines = [
        f"{len(rows):,} Japanese Wikinews articles (headline as title, article text), production code "
        "and settings, clustered in file order. The set has no dates, so two timings are shown: "
        f"one article every 1.5 days (about {len(rows) * 1.5 / 365:.0f} years, the span of Japanese "
        "Wikinews 2005-2019), and the worst case of all of them within 2.5 days, so that every pair "
        "is inside the time window and every typhoon, election or Olympics story of fifteen years "
        "competes at once.",
        "",
        "| dates | clusters | articles in a multi-article cluster (false-merge rate) | multi-article clusters | largest | articles/s |",
        "|---|---|---|---|---|---|",
    ]
    for name, result in [("one every 1.5 days", spread), ("all within 2.5 days", packed)]:
        lines.append(
            f"| {name} | {result['clusters']:,} | {result['merged']} ({result['merged'] / len(rows):.1%}) | "
            f"{result['multi']} | {result['largest']} | {result['per_second']:.0f} |"
        )
    lines += [
        "",
        "The set is mostly distinct stories, but not entirely: Wikinews has follow-ups of one event "
        "(a typhoon's approach and landfall, election rounds), so part of the rate is true merges; "
        "the rest are stories on one topic (typhoons, one baseball league) joined into a topic "
        "cluster, the known weakness of centroid clustering when many such stories fall inside one "
        "window. Largest multi-article clusters in the worst case, by headline (Japanese Wikinews, "
        "CC BY 2.5):",
        "",
    ]
    for group in packed["examples"][:4]:
        lines.append("- " + " / ".join(group[:4]) + (" / ..." if len(group) > 4 else ""))
    return "\n".join(lines)


# Throughput as the archive grows ------------------------------------------------------------

class SyntheticNews:
    """Deterministic synthetic stories: Zipf-distributed common words plus words that name a story."""

    def __init__(self, seed: int = 7, vocabulary: int = 30000):
        self.random = random.Random(seed)
        self.words = [self._word(rank) for rank in range(vocabulary)]
        weights = [1 / (rank + 1) for rank in range(vocabulary)]
        self.cumulative = []
        total = 0.0
        for weight in weights:
            total += weight
            self.cumulative.append(total)
        self.stories = 0

    @staticmethod
    def _word(rank: int) -> str:
        letters = "bcdfghjklmnpqrtvwxz"
        word = ""
        rank += 1
        while rank:
            rank, digit = divmod(rank, len(letters))
            word += letters[digit] + "aeiou"[digit % 5]
        return word

    def common(self, count: int) -> list[str]:
        return self.random.choices(self.words, cum_weights=self.cumulative, k=count)

    def story(self) -> list[str]:
        self.stories += 1
        return self.random.sample(self.words[2000:], 8) + [f"name{self.stories}x"]

    def article(self, story: list[str]) -> tuple[str, str]:
        title = " ".join(self.random.sample(story, 3) + self.common(4)).capitalize()
        body = story + self.random.choices(story, k=6) + self.common(35)
        self.random.shuffle(body)
        return title, " ".join(body) + "."


def _bulk_archive(news: SyntheticNews, *, count: int, start: datetime, per_day: int, source_id: int, config) -> datetime:
    """Adds count articles in stories of 1-12 articles, with their vectors, centroids, index rows and
    document frequencies, as assign_article would have left them. Returns the last time used."""
    from django.db import connection, transaction

    from clusters import features
    from clusters.clustering import ALL_DOCUMENTS, CENTROID_TERMS, index_weights
    from clusters.models import Article, Cluster, ClusterTerm, ClusterVector, TermFrequency
    from newsroom.ids import new_article_id, new_cluster_id

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT term, documents FROM {TermFrequency._meta.db_table}")
        frequencies = dict(cursor.fetchall())
    documents = frequencies.pop(ALL_DOCUMENTS, 0)
    articles, clusters, vectors, postings = [], [], [], []
    added = Counter()
    made = 0
    when = start
    while made < count:
        story = news.story()
        members = min(news.random.choice([1, 2, 3, 5, 8, 12]), count - made)
        cluster_id = new_cluster_id()
        total: dict[str, float] = {}
        first = when
        for _ in range(members):
            title, text = news.article(story)
            counts = features.term_counts(title, text)
            documents += 1
            for term in counts:
                frequencies[term] = frequencies.get(term, 0) + 1
                added[term] += 1
            vector = features.weigh(counts, frequencies, documents)
            total = features.add(total, vector)
            article_id = new_article_id()
            url = f"https://synthetic.invalid/{article_id}"
            articles.append((article_id, source_id, cluster_id, url, url, title, "en", when, when, text, "", "", "", "", "", ""))
            when += timedelta(days=1 / per_day)
            made += 1
        centroid = features.top_terms(total, CENTROID_TERMS)
        clusters.append((cluster_id, title, articles[-1][0], 1, 0, 0, True, None, None, "", "open", first, when, when, None))
        vectors.append((cluster_id, json.dumps(centroid), members, json.dumps({"scripts": {"latin": members}})))
        for term, weight in index_weights(centroid, members=members, scripts={"latin": members}).items():
            postings.append((cluster_id, term, weight, when))
    added[ALL_DOCUMENTS] = made
    with transaction.atomic(), connection.cursor() as cursor:
        for table, columns, rows in [
            (Cluster._meta.db_table, "id, canonical_title, representative_article_id, source_count, written_source_count, "
             "write_attempts, is_solo, entities_json, content_type, domain, status, first_seen_at, last_seen_at, "
             "updated_at, merged_into_id", clusters),
            (Article._meta.db_table, "id, source_id, cluster_id, url, canonical_url, title, language, published_at, "
             "fetched_at, text, text_origin, extraction_note, content_hash, image_url, image, image_note", articles),
            (ClusterVector._meta.db_table, "cluster_id, terms, members, facts", vectors),
            (ClusterTerm._meta.db_table, "cluster_id, term, weight, last_seen_at", postings),
        ]:
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        terms = sorted(added)
        cursor.execute(
            f"""
            INSERT INTO {TermFrequency._meta.db_table} (term, documents)
            SELECT term, n FROM unnest(%s::text[], %s::bigint[]) AS t(term, n)
            ON CONFLICT (term) DO UPDATE SET documents = {TermFrequency._meta.db_table}.documents + EXCLUDED.documents
            """,
            [terms, [added[term] for term in terms]],
        )
    with connection.cursor() as cursor:
        # Settle the bulk load (visibility map, statistics, dirty pages) before anything is timed.
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("CHECKPOINT")
    return when


def throughput_section() -> str:
    from clusters.clustering import POSTINGS_PER_TERM, ClusteringSettings, assign_article
    from clusters.evaluation import scratch_database
    from clusters.models import Article, ClusterTerm, Source

    config = ClusteringSettings.current()
    news = SyntheticNews()
    per_day = 500
    measured = 200
    results = []
    with scratch_database():
        source = Source.objects.create(name="Synthetic wire")
        when = datetime(2026, 1, 1, tzinfo=timezone.utc)
        archive = 0
        for size in ARCHIVE_SIZES:
            started = time.monotonic()
            when = _bulk_archive(news, count=size - archive, start=when, per_day=per_day, source_id=source.id, config=config)
            archive = size
            load_seconds = time.monotonic() - started
            timings = []
            recent = list(
                Article.objects.filter(published_at__lte=when).order_by("-published_at").values_list("title", "text")[:50]
            )
            for number in range(measured):
                if number % 2:
                    title, text = news.random.choice(recent)  # another version of a recent story
                    title, text = title + " update", text
                else:
                    title, text = news.article(news.story())  # a story never seen before
                when += timedelta(days=1 / per_day)
                url = f"https://synthetic.invalid/measured/{size}/{number}"
                article = Article.objects.create(
                    source=source, url=url, canonical_url=url, title=title, text=text, language="en",
                    published_at=when, fetched_at=when,
                )
                tick = time.perf_counter()
                assign_article(article_id=article.id)
                timings.append(time.perf_counter() - tick)
            archive += measured
            results.append((size, statistics.mean(timings), statistics.median(timings),
                            sorted(timings)[int(len(timings) * 0.95)], ClusterTerm.objects.count(), load_seconds))
    base = results[0][1]
    lines = [
        f"A synthetic archive (Zipf-distributed common words over a 30,000-word vocabulary plus words "
        f"naming each story; stories of 1-12 articles, 5 on average; {per_day} articles a day, so the whole archive "
        f"stays inside the {config.window.days}-day window) is bulk-loaded with the production features "
        f"and index, then {measured} new articles (half new versions of recent stories, half new stories) "
        "are assigned one by one with `assign_article`, each in its own transaction, on the real PostgreSQL.",
        "",
        "| archive | index rows | mean ms/article | median ms | p95 ms | articles/s | mean vs 1,000 |",
        "|---|---|---|---|---|---|---|",
    ]
    for size, mean, median, p95, rows, _ in results:
        lines.append(
            f"| {size:,} | {rows:,} | {mean * 1000:.1f} | {median * 1000:.1f} | {p95 * 1000:.1f} | "
            f"{1 / mean:.0f} | {mean / base:.2f}x |"
        )
    lines += [
        "",
        "Candidates come from the (term, last_seen_at) index, reading at most "
        f"{POSTINGS_PER_TERM} recent clusters per term "
        "(`POSTINGS_PER_TERM` in clusters/clustering.py), so the work per article is bounded whatever the "
        "archive size.",
    ]
    return "\n".join(lines)


def run() -> str:
    return "\n\n".join([
        "### Quality against baselines",
        quality_section(),
        "### Japanese: false merges",
        japanese_section(),
        "### Cost per article as the archive grows",
        throughput_section(),
    ])
