"""Online clustering: each new article joins the best matching recent cluster or starts one.

An article becomes a unit-length TF-IDF vector (clusters.features: words for
English, character bigrams for Japanese, after NFKC normalisation), weighted
with document frequencies kept in TermFrequency as articles arrive. A cluster
is the trimmed sum of its articles' vectors (ClusterVector); its heaviest
terms are written to an inverted index (ClusterTerm) with the cluster's
last_seen_at. Candidates for a new article are read from that index for the
article's terms within the time window, so the cost per article depends on
how many clusters are active in the window, not on the size of the archive.

The article joins the candidate with the highest cosine similarity if it
clears the threshold, which rises with the time since the cluster was last
seen; otherwise it starts a solo cluster. Everything is deterministic: ties
are broken by id.

Assignment runs under one PostgreSQL advisory transaction lock, shared with
the editor operations in clusters.editing, so concurrent workers see each
other's clusters and never start two clusters for one story.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Max, Min
from django.db.models.functions import Coalesce, Length
from django.utils import timezone

from clusters import features
from clusters.models import Article, ArticleVector, Cluster, ClusterTerm, ClusterVector, TermFrequency

logger = logging.getLogger(__name__)

# pg_advisory_xact_lock key held while clusters change ("NRCLUST" in ASCII).
CLUSTERING_LOCK_KEY = 0x4E52434C555354

# TermFrequency row that counts all clustered articles.
ALL_DOCUMENTS = ""


@dataclass(frozen=True)
class ClusteringSettings:
    window: timedelta
    threshold: float
    threshold_ja: float
    threshold_per_day: float
    title_weight: float
    text_chars: int
    name_weight: float
    pair_weight: float
    title_share: float
    article_terms: int
    centroid_terms: int
    index_terms: int
    candidates: int
    query_terms: int
    postings_per_term: int

    @classmethod
    def current(cls) -> ClusteringSettings:
        """Reads the NEWSROOM_CLUSTER_* settings (at call time, so tests and commands can override them)."""
        return cls(
            window=timedelta(hours=settings.NEWSROOM_CLUSTER_WINDOW_HOURS),
            threshold=settings.NEWSROOM_CLUSTER_THRESHOLD,
            threshold_ja=settings.NEWSROOM_CLUSTER_THRESHOLD_JA,
            threshold_per_day=settings.NEWSROOM_CLUSTER_THRESHOLD_PER_DAY,
            title_weight=settings.NEWSROOM_CLUSTER_TITLE_WEIGHT,
            text_chars=settings.NEWSROOM_CLUSTER_TEXT_CHARS,
            name_weight=settings.NEWSROOM_CLUSTER_NAME_WEIGHT,
            pair_weight=settings.NEWSROOM_CLUSTER_PAIR_WEIGHT,
            title_share=settings.NEWSROOM_CLUSTER_TITLE_SHARE,
            article_terms=settings.NEWSROOM_CLUSTER_ARTICLE_TERMS,
            centroid_terms=settings.NEWSROOM_CLUSTER_CENTROID_TERMS,
            index_terms=settings.NEWSROOM_CLUSTER_INDEX_TERMS,
            candidates=settings.NEWSROOM_CLUSTER_CANDIDATES,
            query_terms=settings.NEWSROOM_CLUSTER_QUERY_TERMS,
            postings_per_term=settings.NEWSROOM_CLUSTER_POSTINGS_PER_TERM,
        )


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
        vector = article_vector(article, config=config)
        when = article_time(article)
        threshold = config.threshold_ja if features.is_mostly_cjk(f"{article.title}\n{article.text[:500]}") else config.threshold
        cluster = best_cluster(vector, when=when, config=config, threshold=threshold)
        if cluster is None:
            cluster = Cluster.objects.create(
                canonical_title=article.title,
                domain=article.source.domain,
                first_seen_at=when,
                last_seen_at=when,
            )
            centroid = ClusterVector(cluster=cluster, terms={}, members=0)
        else:
            centroid = ClusterVector.objects.select_for_update().filter(cluster=cluster).first()
            if centroid is None:
                centroid = ClusterVector(cluster=cluster, terms={}, members=0)
        article.cluster = cluster
        article.save(update_fields=["cluster"])
        refresh_cluster(cluster)
        centroid.terms = features.top_terms(features.add(centroid.terms, vector), config.centroid_terms)
        centroid.members += 1
        centroid.save()
        write_index(cluster, centroid.terms, config=config)
    return cluster


def article_vector(article: Article, *, config: ClusteringSettings) -> dict[str, float]:
    """Returns the article's stored vector, or computes, counts and stores it.

    The first computation adds the article's terms to the document frequencies.
    """
    stored = ArticleVector.objects.filter(article=article).values_list("terms", flat=True).first()
    if stored is not None:
        return stored
    counts = features.term_counts(
        article.title, article.text, title_weight=config.title_weight, text_chars=config.text_chars,
        name_weight=config.name_weight, pair_weight=config.pair_weight,
    )
    headline = features.title_counts(article.title)
    frequencies, documents = count_terms(sorted(counts.keys() | headline.keys()))
    vector = features.article_vector(
        features.weigh(counts, frequencies, documents, max_terms=config.article_terms),
        features.weigh(headline, frequencies, documents, max_terms=config.article_terms),
        title_share=config.title_share,
    )
    ArticleVector.objects.create(article=article, terms=vector)
    return vector


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


def best_cluster(
    vector: dict[str, float], *, when: datetime, config: ClusteringSettings, threshold: float | None = None
) -> Cluster | None:
    """Returns the open cluster most similar to vector within the time window, if similar enough.

    Candidates come from the inverted index: clusters sharing one of the
    vector's query_terms heaviest (most specific) terms and last seen no
    earlier than the window before `when`, reading at most postings_per_term of
    the most recently seen clusters per term, so the work per article is
    bounded whatever the size of the archive. The best candidates are then
    scored exactly over all the vector's terms.
    """
    if not vector:
        return None
    # Stage 1: the article's most specific terms find candidates through the index.
    query = features.top_terms(vector, config.query_terms)
    query_terms = sorted(query)
    with connection.cursor() as cursor:
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
            [
                query_terms, [query[term] for term in query_terms], when - config.window,
                config.postings_per_term, config.candidates,
            ],
        )
        candidates = [cluster_id for (cluster_id,) in cursor.fetchall()]
        if not candidates:
            return None
        # Stage 2: the exact cosine of the whole vector with each candidate's indexed centroid.
        terms = sorted(vector)
        cursor.execute(
            # MATERIALIZED: read the candidates' rows by cluster id (a few hundred each), never
            # the posting lists of the article's common terms, which grow with the archive.
            f"""
            WITH candidate AS MATERIALIZED (
                SELECT cluster_id, term, weight FROM {ClusterTerm._meta.db_table} WHERE cluster_id = ANY(%s)
            )
            SELECT c.cluster_id, SUM(q.weight * c.weight) AS score
            FROM candidate c
            JOIN unnest(%s::text[], %s::float8[]) AS q(term, weight) ON q.term = c.term
            GROUP BY c.cluster_id
            ORDER BY score DESC, c.cluster_id
            """,
            [candidates, terms, [vector[term] for term in terms]],
        )
        scored = cursor.fetchall()
    if not scored:
        return None
    clusters = Cluster.objects.in_bulk([cluster_id for cluster_id, _ in scored])
    best, best_score = None, 0.0
    for cluster_id, score in scored:
        cluster = clusters.get(cluster_id)
        if cluster is None or cluster.status == Cluster.Status.MERGED:
            continue
        if cluster.first_seen_at > when + config.window:
            continue
        gap_days = max((when - cluster.last_seen_at).total_seconds() / 86400, 0.0)
        needed = (config.threshold if threshold is None else threshold) + config.threshold_per_day * gap_days
        if score >= needed and score > best_score:
            best, best_score = cluster, score
    return best


def write_index(cluster: Cluster, centroid: dict[str, float], *, config: ClusteringSettings) -> None:
    """Replaces the cluster's index rows with the heaviest terms of its centroid (unit length)."""
    ClusterTerm.objects.filter(cluster=cluster).delete()
    if not centroid or cluster.status == Cluster.Status.MERGED or cluster.is_roundup:
        return
    top = features.unit(features.top_terms(centroid, config.index_terms))
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


def rebuild_centroid(cluster: Cluster, *, config: ClusteringSettings | None = None) -> None:
    """Recomputes the cluster's centroid and index from all its articles (after an editor's change)."""
    config = config or ClusteringSettings.current()
    total: dict[str, float] = {}
    members = 0
    for article in Article.objects.filter(cluster=cluster).order_by("id"):
        total = features.add(total, article_vector(article, config=config))
        members += 1
    terms = features.top_terms(total, config.centroid_terms)
    ClusterVector.objects.update_or_create(cluster=cluster, defaults={"terms": terms, "members": members})
    write_index(cluster, terms, config=config)
