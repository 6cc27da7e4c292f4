from django.db import models
from django.utils import timezone

from newsroom.ids import id_validator, new_article_id, new_cluster_id


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

    def resume(self) -> None:
        """Makes a disabled source due again with a clean failure count (the caller saves)."""
        self.enabled = True
        self.disabled_reason = ""
        self.consecutive_failures = 0
        self.next_poll_at = None

    def disable(self, *, reason: str) -> None:
        self.enabled = False
        self.disabled_reason = reason


class ClusterQuerySet(models.QuerySet):
    def stale(self):
        return self.filter(written_source_count__lt=models.F("source_count"))


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

    objects = ClusterQuerySet.as_manager()

    class Meta:
        ordering = ["-last_seen_at"]

    def __str__(self) -> str:
        return self.canonical_title

    @property
    def is_stale(self) -> bool:
        return self.written_source_count < self.source_count


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
    text = models.TextField(blank=True)
    text_origin = models.CharField(
        max_length=20, blank=True, help_text="Where the text came from: 'page', 'feed' or 'import'."
    )
    extraction_note = models.TextField(blank=True, help_text="Why the page text was not used, if it was not.")
    content_hash = models.CharField(max_length=64, blank=True, db_index=True)
    image_url = models.URLField(max_length=2000, blank=True)
    image = models.ImageField(upload_to="articles/%Y/%m/", blank=True)
    image_note = models.TextField(blank=True, help_text="Why the lead image was not kept, if it was not.")

    class Meta:
        ordering = ["-published_at"]

    def __str__(self) -> str:
        return self.title
