import json

from django.conf import settings
from django.db import models
from django.utils import timezone

from newsroom.ids import id_validator, new_article_id, new_cluster_id

# The keys of a cluster's entities (Cluster.entities_json, the record's "entities", the model's
# output): lists of names, then the kind of story, its subject area and whether it is a roundup.
ENTITY_NAME_KEYS = ("anime_titles", "manga_titles", "work_titles", "studios", "people")
ENTITY_KEYS = (*ENTITY_NAME_KEYS, "type", "domain", "is_roundup")


def empty_entities(*, domain: str = "other") -> dict:
    """Entities with every key and no names (a news story in domain), for a cluster no model has described."""
    return {**{key: [] for key in ENTITY_NAME_KEYS}, "type": "news", "domain": domain, "is_roundup": False}


class SourceQuerySet(models.QuerySet):
    def due(self, now):
        """Enabled sources with a feed whose next poll time has come."""
        return (
            self.filter(enabled=True)
            .exclude(feed_url="")
            .filter(models.Q(next_poll_at__isnull=True) | models.Q(next_poll_at__lte=now))
        )

    def with_article_counts(self, *, since):
        """Annotates articles_total and articles_recent (fetched since `since`), in the same query."""
        return self.annotate(
            articles_total=models.Count("articles"),
            articles_recent=models.Count("articles", filter=models.Q(articles__fetched_at__gte=since)),
        )


class Source(models.Model):
    """A news site the desk watches through its feed."""

    name = models.CharField(max_length=200, unique=True)
    feed_url = models.URLField(max_length=2000, blank=True, help_text="RSS, Atom or JSON Feed address.")
    site_url = models.URLField(max_length=2000, blank=True)
    language = models.CharField(max_length=16, blank=True, help_text="ISO 639-1 code, e.g. 'ja'.")
    domain = models.CharField(max_length=50, blank=True, help_text="Subject area, e.g. 'anime' or 'tech'.")
    trust = models.PositiveSmallIntegerField(
        default=3, help_text="1 (least) to 5 (most): used to choose a cluster's representative article."
    )
    poll_interval_minutes = models.PositiveIntegerField(default=30)
    licence = models.TextField(
        blank=True, db_default="",
        help_text="The notice public story pages print for text from this source, e.g. 'Text from Wikinews, CC BY 2.5.'",
    )
    licence_url = models.URLField(max_length=500, blank=True, db_default="", help_text="Where the licence is stated in full.")
    enabled = models.BooleanField(default=True)

    # Health, kept by ingestion.
    etag = models.CharField(max_length=500, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    last_fetch_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    next_poll_at = models.DateTimeField(null=True, blank=True, db_index=True)
    disabled_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def is_due(self, now) -> bool:
        """Whether the source is fetched at the scheduler's next look (the rule of ``SourceQuerySet.due``)."""
        return self.enabled and bool(self.feed_url) and (self.next_poll_at is None or self.next_poll_at <= now)

    def resume(self) -> None:
        """Makes a disabled source due again with a clean failure count (the caller saves)."""
        self.enabled = True
        self.disabled_reason = ""
        self.consecutive_failures = 0
        self.next_poll_at = None

    def disable(self, *, reason: str) -> None:
        self.enabled = False
        self.disabled_reason = reason


class Cluster(models.Model):
    """One story, told by one or more source articles."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        QUEUED = "queued", "Queued"
        GENERATING = "generating", "Generating"
        DRAFT = "draft", "Draft"
        APPROVED = "approved", "Approved"
        PUBLISHED = "published", "Published"
        FAILED = "failed", "Failed"
        SPIKED = "spiked", "Spiked"
        MERGED = "merged", "Merged"

    id = models.CharField(
        primary_key=True, max_length=26, default=new_cluster_id, validators=[id_validator("c")]
    )
    canonical_title = models.TextField()
    representative_article = models.ForeignKey(
        "clusters.Article",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source_count = models.PositiveIntegerField(default=0)
    written_source_count = models.PositiveIntegerField(default=0)
    write_attempts = models.PositiveIntegerField(default=0)
    is_solo = models.BooleanField(default=True)
    entities_json = models.TextField(
        null=True, blank=True, help_text="The cluster's entities as the record's JSON string."
    )
    content_type = models.CharField(max_length=50, null=True, blank=True, db_index=True)
    domain = models.CharField(
        max_length=50, blank=True, db_index=True, help_text="Copied from the entities for filtering."
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN, db_index=True)
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now)
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_from",
        help_text="Set when an editor merged this cluster into another.",
    )

    class Meta:
        ordering = ["-last_seen_at"]
        indexes = [models.Index(fields=["first_seen_at"], name="cluster_first_seen")]

    def __str__(self) -> str:
        return self.canonical_title

    # The stale rule: the cluster has more sources than its rewrite was written from.
    # ``is_stale`` and ``stale_filter`` are its two forms (Python and SQL); keep them together.
    @property
    def is_stale(self) -> bool:
        return self.written_source_count < self.source_count

    @staticmethod
    def stale_filter(prefix: str = "") -> models.Q:
        """The stale rule as a filter; prefix reaches the cluster from another model ("cluster__")."""
        return models.Q(**{f"{prefix}written_source_count__lt": models.F(f"{prefix}source_count")})

    @staticmethod
    def stale_requested(value: str | None) -> bool:
        """Whether a page's ``stale`` filter parameter asks for stale rewrites: "1" (or "yes", from older links)."""
        return value in ("1", "yes")

    @property
    def is_roundup(self) -> bool:
        """Whether the entities mark this cluster as a roundup of several stories."""
        if not self.entities_json:
            return False
        try:
            entities = json.loads(self.entities_json)
        except ValueError:
            return False
        return isinstance(entities, dict) and bool(entities.get("is_roundup"))


class Article(models.Model):
    """One source article, as fetched from a feed or imported with a record."""

    id = models.CharField(
        primary_key=True, max_length=26, default=new_article_id, validators=[id_validator("a")]
    )
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="articles")
    cluster = models.ForeignKey(
        Cluster, null=True, blank=True, on_delete=models.SET_NULL, related_name="articles"
    )
    url = models.URLField(max_length=2000)
    canonical_url = models.URLField(max_length=2000, unique=True)
    title = models.TextField()
    language = models.CharField(max_length=16, blank=True)
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)
    fetched_at = models.DateTimeField(default=timezone.now, db_index=True)
    date_note = models.TextField(
        blank=True, db_default="", help_text="Why the feed's publication time was not kept, and what it said, if it was not.",
    )
    text = models.TextField(blank=True)
    text_origin = models.CharField(
        max_length=20, blank=True, help_text="Where the text came from: 'page', 'feed' or 'import'."
    )
    extraction_note = models.TextField(blank=True, help_text="Why the page text was not used, if it was not.")
    content_hash = models.CharField(max_length=64, blank=True, db_index=True)
    image_url = models.URLField(max_length=2000, blank=True)
    image = models.ImageField(upload_to="articles/%Y/%m/", blank=True)
    image_note = models.TextField(blank=True, help_text="Why the lead image was not kept, if it was not.")
    image_credit = models.TextField(blank=True, db_default="", help_text="The caption printed with the lead image on its page (credits).")

    class Meta:
        ordering = ["-published_at"]

    def __str__(self) -> str:
        return self.title


class ArticleVector(models.Model):
    """An article's clustering features: its unit-length TF-IDF vector over terms."""

    article = models.OneToOneField(Article, primary_key=True, on_delete=models.CASCADE, related_name="vector")
    terms = models.JSONField(help_text="Term to weight: words and anchors (prefix '#'), each part of unit length.")
    script = models.CharField(max_length=8, default="latin", help_text="'cjk' (mostly Japanese or Chinese) or 'latin'.")
    facts = models.JSONField(default=dict, help_text="Distinguishing facts (clusters.conflicts): frame to values.")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Vector of article {self.article_id}"


class ClusterVector(models.Model):
    """A cluster's summed vector (trimmed to the heaviest terms), its articles' facts and scripts."""

    cluster = models.OneToOneField(Cluster, primary_key=True, on_delete=models.CASCADE, related_name="vector")
    terms = models.JSONField(default=dict, help_text="Term to summed weight.")
    members = models.PositiveIntegerField(default=0)
    facts = models.JSONField(
        default=dict, help_text="Union of the articles' distinguishing facts, and under 'scripts' articles per script."
    )

    def __str__(self) -> str:
        return f"Vector of cluster {self.cluster_id}"


class ClusterTerm(models.Model):
    """The inverted index: a heavy term of an open cluster's centroid, and when it was last seen.

    Candidate clusters for a new article are those sharing its terms within the
    time window, found through the (term, last_seen_at) index.
    """

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="index_terms")
    term = models.CharField(max_length=100)
    weight = models.FloatField()
    last_seen_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cluster", "term"], name="clusterterm_cluster_term_unique")]
        indexes = [models.Index(fields=["term", "last_seen_at"], name="clusterterm_term_seen")]

    def __str__(self) -> str:
        return f"{self.term} in cluster {self.cluster_id}"


class TermFrequency(models.Model):
    """How many clustered articles contain a term (document frequency, for IDF).

    The row with the empty term counts all clustered articles.
    """

    term = models.CharField(max_length=100, primary_key=True)
    documents = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.term}: {self.documents} articles"


class ClusterChange(models.Model):
    """An editor's change to clusters: who, when, what and why."""

    class Action(models.TextChoices):
        MERGE = "merge", "Merged clusters"
        MOVE = "move", "Moved an article"
        ROUNDUP = "roundup", "Marked as roundup"
        UNROUNDUP = "unroundup", "Unmarked as roundup"
        UNDO = "undo", "Undid a change"

    action = models.CharField(max_length=20, choices=Action.choices)
    cluster = models.ForeignKey(
        Cluster, null=True, on_delete=models.SET_NULL, related_name="changes",
        help_text="The cluster that was changed (for a merge: the one kept; for a move: the destination).",
    )
    other_cluster = models.ForeignKey(
        Cluster, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="For a merge: the cluster merged away; for a move: the cluster the article left.",
    )
    article = models.ForeignKey(Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    username = models.CharField(max_length=150, blank=True, help_text="Kept if the account is deleted.")
    reason = models.TextField(blank=True)
    description = models.TextField(help_text="What changed, in words.")
    groups = models.JSONField(
        default=dict, blank=True,
        help_text="The articles as the editor found them: for a merge 'kept' and 'merged' article ids; for a "
        "move 'article', the ids left 'from' and the ids it joined 'to' (empty for a new cluster); for an undo "
        "'undoes', the id of the change undone.",
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.description
