"""Online clustering: each new article joins the best matching recent cluster or starts one.

An article becomes two unit-length TF-IDF vectors (clusters.features): its words (English words,
Japanese character trigrams) and its anchors (names, numbers and dates, the same in any language),
weighted with document frequencies kept in TermFrequency as articles arrive and a background
prior from general word frequencies, so a similarity means the same on a new desk as on a busy one.
A cluster keeps the sum of its articles' vectors (ClusterVector); the *mean* of its articles'
vectors, trimmed to the heaviest terms, is written to an inverted index (ClusterTerm) with the
cluster's last_seen_at. A score is therefore the article's average similarity to the cluster's
articles: a large, loose cluster does not pull in everything near it, as a normalised centroid does.

Candidates for a new article are read from that index for the article's most specific terms within
the time window, so the cost per article depends on how many clusters are active, not on the size
of the archive. The article joins the candidate that clears its bar by the widest margin: the word
threshold for a cluster with articles in the article's script, the anchor threshold for a cluster
only in other scripts (an English report of a Japanese story; Japanese and Chinese articles have
their own word threshold, since character trigrams are shared more by stories on one topic than
English words are), and never a cluster whose
distinguishing facts conflict with the article's (clusters.conflicts). Otherwise it starts a solo
cluster. Everything is deterministic: ties are broken by id.

Assignment runs under one PostgreSQL advisory transaction lock, shared with the editor operations
in clusters.editing, so concurrent workers see each other's clusters and never start two clusters
for one story.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Max, Min
from django.db.models.functions import Coalesce, Length
from django.urls import reverse
from django.utils import timezone

from clusters import conflicts, features
from clusters.models import Article, ArticleVector, Cluster, ClusterTerm, ClusterVector, TermFrequency
from newsroom.notifications import notify

logger = logging.getLogger(__name__)

# pg_advisory_xact_lock key held while clusters change ("NRCLUST" in ASCII).
CLUSTERING_LOCK_KEY = 0x4E52434C555354

# TermFrequency row that counts all clustered articles.
ALL_DOCUMENTS = ""

# Bounds on the work per article; they keep the cost flat as the archive grows (docs/benchmarks.md)
# and were not tuned for quality.
CENTROID_TERMS = 500  # heaviest terms kept in a cluster's summed vector
INDEX_TERMS = 300  # of those, written to the index
QUERY_TERMS = 30  # the article's heaviest (most specific) terms used to find candidates
POSTINGS_PER_TERM = 30  # most recently seen clusters read per query term
CANDIDATES = 10  # best candidates by partial score that are scored exactly

CJK, LATIN = "cjk", "latin"


@dataclass(frozen=True)
class ClusteringSettings:
    window: timedelta
    threshold: float
    threshold_ja: float
    anchor_threshold: float

    @classmethod
    def current(cls) -> ClusteringSettings:
        """Reads the NEWSROOM_CLUSTER_* settings (at call time, so tests and commands can override them)."""
        return cls(
            window=timedelta(hours=settings.NEWSROOM_CLUSTER_WINDOW_HOURS),
            threshold=settings.NEWSROOM_CLUSTER_THRESHOLD,
            threshold_ja=settings.NEWSROOM_CLUSTER_THRESHOLD_JA,
            anchor_threshold=settings.NEWSROOM_CLUSTER_ANCHOR_THRESHOLD,
        )


@dataclass(frozen=True)
class ArticleFeatures:
    """What clustering knows of an article: its vector (words and anchors), script and facts."""

    vector: dict[str, float]
    script: str
    facts: conflicts.Facts


@dataclass(frozen=True)
class Candidate:
    """A cluster as scored against one article."""

    id: object
    words: float
    anchors: float
    scripts: frozenset[str]
    first_seen_at: datetime
    last_seen_at: datetime
    facts: conflicts.Facts = field(default_factory=dict)


def article_script(title: str, text: str) -> str:
    """CJK when the headline and the start of the text are mostly Japanese or Chinese script, else LATIN."""
    return CJK if features.is_mostly_cjk(f"{title}\n{(text or '')[:500]}") else LATIN


def measure(candidate: Candidate, *, script: str, config: ClusteringSettings) -> tuple[float, float]:
    """Returns (similarity, bar) for a candidate: its words against the threshold of the article's
    script when it has articles in that script, else its anchors against the anchor threshold."""
    if script in candidate.scripts or not candidate.scripts:
        return candidate.words, config.threshold_ja if script == CJK else config.threshold
    return candidate.anchors, config.anchor_threshold


def choose_cluster(
    candidates: Iterable[Candidate], *, features_: ArticleFeatures, when: datetime, config: ClusteringSettings
) -> Candidate | None:
    """Returns the candidate the article joins, or None for a new cluster.

    A candidate qualifies when its similarity reaches its bar (see measure), it was last seen
    within the window before `when` and started no later than the window after it, and its facts
    do not conflict with the article's. Of those, the one furthest over its bar wins; ties go to
    the lower id.
    """
    best, best_margin = None, None
    for candidate in sorted(candidates, key=lambda c: str(c.id)):
        similarity, bar = measure(candidate, script=features_.script, config=config)
        if similarity < bar or bar <= 0 and similarity <= 0:
            continue
        if candidate.last_seen_at < when - config.window or candidate.first_seen_at > when + config.window:
            continue
        if conflicts.conflict(features_.facts, candidate.facts):
            continue
        margin = similarity / bar if bar > 0 else similarity
        if best_margin is None or margin > best_margin:
            best, best_margin = candidate, margin
    return best


def index_weights(centroid: dict[str, float], *, members: int, scripts: dict[str, int]) -> dict[str, float]:
    """The cluster's mean vector as written to the index: its INDEX_TERMS heaviest summed terms,
    each divided by the number of articles that could have it (Japanese terms by the Japanese
    articles, other words by the others, anchors by all), so a score is an average similarity."""
    top = features.top_terms(centroid, INDEX_TERMS)
    cjk = scripts.get(CJK, 0)
    latin = scripts.get(LATIN, 0)
    weights = {}
    for term, weight in top.items():
        if features.is_anchor(term):
            count = members
        elif features.CJK_CHAR.search(term):
            count = cjk or members
        else:
            count = latin or members
        weights[term] = weight / max(count, 1)
    return weights


def lock_clusters() -> None:
    """Takes the clustering lock until the end of the current transaction."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CLUSTERING_LOCK_KEY])


def article_time(article: Article) -> datetime:
    """When the article happened for clustering: its publication time, else when it was fetched."""
    return article.published_at or article.fetched_at


def assign_article(*, article_id: str) -> Cluster | None:
    """Puts the article into the best matching cluster in the time window, or a new solo one.

    Returns the article's cluster; an article that already has one keeps it
    (so the job can run twice). Returns None if the article no longer exists.
    """
    config = ClusteringSettings.current()
    with transaction.atomic():
        lock_clusters()
        article = (
            Article.objects.select_for_update(of=("self",)).select_related("source").filter(id=article_id).first()
        )
        if article is None:
            logger.warning("Article %s was deleted before it could be clustered", article_id)
            return None
        if article.cluster_id is not None:
            return article.cluster
        found = article_features(article)
        when = article_time(article)
        cluster = best_cluster(found, when=when, config=config)
        if cluster is None:
            cluster = Cluster.objects.create(
                canonical_title=article.title,
                domain=article.source.domain,
                first_seen_at=when,
                last_seen_at=when,
            )
            centroid = ClusterVector(cluster=cluster, terms={}, members=0, facts={})
        else:
            centroid = ClusterVector.objects.select_for_update().filter(cluster=cluster).first()
            if centroid is None:
                centroid = ClusterVector(cluster=cluster, terms={}, members=0, facts={})
        article.cluster = cluster
        article.save(update_fields=["cluster"])
        refresh_cluster(cluster)
        add_member(centroid, found)
        centroid.save()
        write_index(cluster, centroid)
        tell_if_stale(cluster)
    return cluster


def tell_if_stale(cluster: Cluster) -> None:
    """Tells the editors when a published story's cluster has gained sources its text does not cover yet, once
    until it is written again."""
    if cluster.status != Cluster.Status.PUBLISHED or cluster.written_source_count >= cluster.source_count:
        return
    rewrite_id = Cluster.objects.filter(id=cluster.id).values_list("rewrite__id", flat=True).first()
    if rewrite_id is None:
        return
    new = cluster.source_count - cluster.written_source_count
    notify(
        kind="stale", cause_key=f"stale:{cluster.id}",
        message=(
            f"The published story “{cluster.canonical_title}” has {new} new source(s) since it was written. "
            "Regenerate it to take them in, then republish."
        ),
        link=reverse("rewrites:workspace", args=[rewrite_id]),
    )


def add_member(centroid: ClusterVector, found: ArticleFeatures) -> None:
    """Adds one article's vector, script and facts to a cluster's summed vector (not saved)."""
    centroid.terms = features.top_terms(features.add(centroid.terms, found.vector), CENTROID_TERMS)
    centroid.members += 1
    facts = dict(centroid.facts or {})
    scripts = dict(facts.pop("scripts", {}))
    scripts[found.script] = scripts.get(found.script, 0) + 1
    centroid.facts = {**conflicts.merge_facts(facts, found.facts), "scripts": scripts}


def article_features(article: Article) -> ArticleFeatures:
    """Returns the article's stored features, or computes, counts and stores them.

    The first computation adds the article's terms to the document frequencies.
    """
    stored = ArticleVector.objects.filter(article=article).values_list("terms", "script", "facts").first()
    if stored is not None:
        return ArticleFeatures(vector=stored[0], script=stored[1], facts=stored[2])
    words = features.term_counts(article.title, article.text)
    anchors = features.anchor_counts(article.title, article.text)
    frequencies, documents = count_terms(sorted(words.keys() | anchors.keys()))
    found = ArticleFeatures(
        vector=features.article_vector(
            features.weigh(words, frequencies, documents), features.weigh(anchors, frequencies, documents)
        ),
        script=article_script(article.title, article.text),
        facts=conflicts.distinguishing_facts(article.title, article.text),
    )
    ArticleVector.objects.create(article=article, terms=found.vector, script=found.script, facts=found.facts)
    return found


def count_terms(terms: list[str]) -> tuple[dict[str, int], int]:
    """Adds one document containing terms to the frequencies; returns the frequencies of
    those terms and the number of documents, both including this one."""
    rows = [ALL_DOCUMENTS, *terms]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {TermFrequency._meta.db_table} (term, documents)
            SELECT term, 1 FROM unnest(%s::text[]) AS t(term)
            ON CONFLICT (term) DO UPDATE SET documents = {TermFrequency._meta.db_table}.documents + 1
            RETURNING term, documents
            """,
            [rows],
        )
        found = dict(cursor.fetchall())
    documents = found.pop(ALL_DOCUMENTS)
    return found, documents


def best_cluster(found: ArticleFeatures, *, when: datetime, config: ClusteringSettings) -> Cluster | None:
    """Returns the open cluster the article should join (see choose_cluster), or None.

    Candidates come from the inverted index: clusters sharing one of the article's QUERY_TERMS
    heaviest (most specific) words or anchors and last seen no earlier than the window before
    `when`, reading at most POSTINGS_PER_TERM of the most recently seen clusters per term, so the
    work per article is bounded whatever the size of the archive. The best CANDIDATES are then
    scored exactly over all the article's terms: words and anchors apart.
    """
    if not found.vector:
        return None
    words, anchors = features.split(found.vector)
    query = {**features.top_terms(words, QUERY_TERMS), **features.top_terms(anchors, QUERY_TERMS)}
    query_terms = sorted(query)
    with connection.cursor() as cursor:
        # Stage 1: the article's most specific terms find candidates through the index.
        cursor.execute(
            f"""
            SELECT p.cluster_id
            FROM unnest(%s::text[], %s::float8[]) AS q(term, weight)
            CROSS JOIN LATERAL (
                SELECT ct.cluster_id, ct.weight
                FROM {ClusterTerm._meta.db_table} ct
                WHERE ct.term = q.term AND ct.last_seen_at >= %s
                ORDER BY ct.last_seen_at DESC
                LIMIT %s
            ) p
            GROUP BY p.cluster_id
            ORDER BY SUM(q.weight * p.weight) DESC, p.cluster_id
            LIMIT %s
            """,
            [query_terms, [query[term] for term in query_terms], when - config.window, POSTINGS_PER_TERM, CANDIDATES],
        )
        candidates = [cluster_id for (cluster_id,) in cursor.fetchall()]
        if not candidates:
            return None
        # Stage 2: exact scores of the whole vector with each candidate's indexed mean, words and anchors apart.
        terms = sorted(found.vector)
        cursor.execute(
            # MATERIALIZED: read the candidates' rows by cluster id (a few hundred each), never
            # the posting lists of the article's common terms, which grow with the archive.
            f"""
            WITH candidate AS MATERIALIZED (
                SELECT cluster_id, term, weight FROM {ClusterTerm._meta.db_table} WHERE cluster_id = ANY(%s)
            )
            SELECT c.cluster_id,
                   COALESCE(SUM(q.weight * c.weight) FILTER (WHERE left(c.term, 1) <> %s), 0),
                   COALESCE(SUM(q.weight * c.weight) FILTER (WHERE left(c.term, 1) = %s), 0)
            FROM candidate c
            JOIN unnest(%s::text[], %s::float8[]) AS q(term, weight) ON q.term = c.term
            GROUP BY c.cluster_id
            """,
            [candidates, features.ANCHOR, features.ANCHOR, terms, [found.vector[term] for term in terms]],
        )
        scored = {cluster_id: (word_score, anchor_score) for cluster_id, word_score, anchor_score in cursor.fetchall()}
    clusters = Cluster.objects.in_bulk(list(scored))
    facts = dict(ClusterVector.objects.filter(cluster_id__in=list(scored)).values_list("cluster_id", "facts"))
    choices = []
    for cluster_id, (word_score, anchor_score) in scored.items():
        cluster = clusters.get(cluster_id)
        if cluster is None or cluster.status == Cluster.Status.MERGED:
            continue
        known = dict(facts.get(cluster_id) or {})
        scripts = known.pop("scripts", {})
        choices.append(Candidate(
            id=cluster_id, words=word_score, anchors=anchor_score, scripts=frozenset(scripts),
            first_seen_at=cluster.first_seen_at, last_seen_at=cluster.last_seen_at, facts=known,
        ))
    chosen = choose_cluster(choices, features_=found, when=when, config=config)
    return clusters[chosen.id] if chosen else None


def write_index(cluster: Cluster, centroid: ClusterVector) -> None:
    """Replaces the cluster's index rows with its mean vector (see index_weights)."""
    ClusterTerm.objects.filter(cluster=cluster).delete()
    if not centroid.terms or cluster.status == Cluster.Status.MERGED or cluster.is_roundup:
        return
    scripts = (centroid.facts or {}).get("scripts", {})
    top = index_weights(centroid.terms, members=centroid.members, scripts=scripts)
    terms = sorted(top)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {ClusterTerm._meta.db_table} (cluster_id, term, weight, last_seen_at)
            SELECT %s, term, weight, %s FROM unnest(%s::text[], %s::float8[]) AS t(term, weight)
            """,
            [cluster.id, cluster.last_seen_at, terms, [top[term] for term in terms]],
        )


def refresh_cluster(cluster: Cluster) -> Cluster:
    """Recomputes the cluster's fields from its articles and saves them.

    source_count counts distinct sources; the representative article is the
    one from the most trusted source with the most complete text (longest,
    then earliest, then by id); its title is the canonical title. An empty
    cluster keeps its title and times. written_source_count is left alone, so
    a cluster that gained a source since its rewrite stays stale.
    """
    articles = Article.objects.filter(cluster=cluster)
    summary = articles.aggregate(
        sources=Count("source", distinct=True),
        first=Min(Coalesce("published_at", "fetched_at")),
        last=Max(Coalesce("published_at", "fetched_at")),
    )
    representative = (
        articles.select_related("source")
        .annotate(text_length=Length("text"))
        .order_by(
            F("source__trust").desc(),
            F("text_length").desc(),
            F("published_at").asc(nulls_last=True),
            "id",
        )
        .first()
    )
    cluster.source_count = summary["sources"]
    cluster.is_solo = summary["sources"] <= 1
    if representative is not None:
        cluster.representative_article = representative
        cluster.canonical_title = representative.title
        cluster.first_seen_at = summary["first"]
        cluster.last_seen_at = summary["last"]
        if not cluster.domain:
            cluster.domain = representative.source.domain
    else:
        cluster.representative_article = None
    cluster.updated_at = timezone.now()
    cluster.save(
        update_fields=[
            "source_count", "is_solo", "representative_article", "canonical_title",
            "first_seen_at", "last_seen_at", "domain", "updated_at",
        ]
    )
    return cluster


def rebuild_centroid(cluster: Cluster) -> None:
    """Recomputes the cluster's summed vector, facts and index from all its articles (after an editor's change)."""
    centroid = ClusterVector.objects.filter(cluster=cluster).first() or ClusterVector(cluster=cluster)
    centroid.terms, centroid.members, centroid.facts = {}, 0, {}
    for article in Article.objects.filter(cluster=cluster).order_by("id"):
        add_member(centroid, article_features(article))
    centroid.save()
    write_index(cluster, centroid)
