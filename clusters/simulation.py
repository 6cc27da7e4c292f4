"""The production clustering replayed in memory, for choosing and checking settings quickly.

Same features, weights, facts, index weights and decision (clusters.features, clusters.conflicts,
clusters.clustering.choose_cluster) as assign_article, without the database: every cluster in the
window that shares a term with the article is scored (production reads at most CANDIDATES
candidates through the index, which on sets of a few thousand articles finds the same ones). An
article's features depend only on the articles before it, not on the settings, so they are prepared
once and each setting is a fast replay of the decisions. The clustering benchmark checks that this
replay and the database path give the same clusters on the dev set.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from clusters import conflicts, features
from clusters.clustering import (
    CENTROID_TERMS,
    ArticleFeatures,
    Candidate,
    ClusteringSettings,
    article_script,
    choose_cluster,
    index_weights,
)


@dataclass(frozen=True)
class Prepared:
    """One article ready to be clustered: its time and features."""

    when: datetime
    features: ArticleFeatures


def prepare(rows: Sequence[dict], *, tokenize: Callable[[str], list[str]] | None = None) -> list[Prepared]:
    """Computes the features of rows (dicts with title, text and published, in the order given) as
    assign_article would, document frequencies growing one article at a time."""
    frequencies: Counter = Counter()
    prepared = []
    for documents, row in enumerate(rows, start=1):
        title, text = row.get("title") or "", row.get("text") or ""
        words = features.term_counts(title, text, tokenize=tokenize)
        anchors = features.anchor_counts(title, text)
        for term in words.keys() | anchors.keys():
            frequencies[term] += 1
        vector = features.article_vector(
            features.weigh(words, frequencies, documents), features.weigh(anchors, frequencies, documents)
        )
        prepared.append(Prepared(
            when=row["published"],
            features=ArticleFeatures(
                vector=vector, script=article_script(title, text),
                facts=conflicts.distinguishing_facts(title, text),
            ),
        ))
    return prepared


@dataclass
class _Cluster:
    terms: dict
    members: int
    facts: dict
    scripts: dict
    first_seen_at: datetime
    last_seen_at: datetime
    index: dict


def replay(prepared: Sequence[Prepared], config: ClusteringSettings) -> list[int]:
    """Clusters prepared articles in order with config; returns a cluster number per article."""
    clusters: list[_Cluster] = []
    postings: dict[str, dict[int, float]] = defaultdict(dict)
    labels = []
    for item in prepared:
        found = item.features
        words, anchors = Counter(), Counter()
        for term, weight in found.vector.items():
            target = anchors if features.is_anchor(term) else words
            for number, indexed in postings.get(term, {}).items():
                target[number] += weight * indexed
        candidates = [
            Candidate(
                id=number, words=words.get(number, 0.0), anchors=anchors.get(number, 0.0),
                scripts=frozenset(clusters[number].scripts), first_seen_at=clusters[number].first_seen_at,
                last_seen_at=clusters[number].last_seen_at, facts=clusters[number].facts,
            )
            for number in words.keys() | anchors.keys()
        ]
        chosen = choose_cluster(candidates, features_=found, when=item.when, config=config)
        if chosen is None:
            clusters.append(_Cluster({}, 0, {}, {}, item.when, item.when, {}))
            number = len(clusters) - 1
        else:
            number = chosen.id
        cluster = clusters[number]
        for term in cluster.index:
            postings[term].pop(number, None)
        cluster.terms = features.top_terms(features.add(cluster.terms, found.vector), CENTROID_TERMS)
        cluster.members += 1
        cluster.scripts[found.script] = cluster.scripts.get(found.script, 0) + 1
        cluster.facts = conflicts.merge_facts(cluster.facts, found.facts)
        cluster.first_seen_at = min(cluster.first_seen_at, item.when)
        cluster.last_seen_at = max(cluster.last_seen_at, item.when)
        cluster.index = index_weights(cluster.terms, members=cluster.members, scripts=cluster.scripts)
        for term, weight in cluster.index.items():
            postings[term][number] = weight
        labels.append(number)
    return labels
