import json

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone

from clusters.models import Article, Cluster
from newsroom.ids import id_validator, new_rewrite_id


# The kinds of story and subject areas a generated rewrite may give its cluster.
CONTENT_TYPES = ["news", "announcement", "release", "review", "interview", "feature", "opinion", "event", "other"]
DOMAINS = ["anime", "manga", "games", "film", "music", "tech", "business", "science", "culture", "other"]


class RewriteQuerySet(models.QuerySet):
    def needing_review(self):
        return self.filter(status=Rewrite.Status.DRAFT)

    def published(self):
        return self.filter(status=Rewrite.Status.PUBLISHED)

    def stale(self):
        return self.filter(cluster__written_source_count__lt=models.F("cluster__source_count"))

    def with_cluster(self):
        return self.select_related("cluster")


class Rewrite(models.Model):
    """The English rewrite of one cluster's story, in every output format."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        GENERATING = "generating", "Generating"
        DRAFT = "draft", "Draft"
        APPROVED = "approved", "Approved"
        PUBLISHED = "published", "Published"
        FAILED = "failed", "Failed"
        SPIKED = "spiked", "Spiked"

    id = models.CharField(
        primary_key=True, max_length=26, default=new_rewrite_id, validators=[id_validator("r")]
    )
    cluster = models.OneToOneField(Cluster, on_delete=models.CASCADE, related_name="rewrite")
    slug = models.SlugField(max_length=200, unique=True, null=True, blank=True)
    model = models.CharField(max_length=200, null=True, blank=True)

    headline = models.TextField(null=True, blank=True)
    summary = models.TextField(null=True, blank=True)
    why_it_matters = models.TextField(null=True, blank=True)
    web_card_html = models.TextField(null=True, blank=True)
    bluesky_post = models.TextField(null=True, blank=True)
    twitter_post = models.TextField(null=True, blank=True)
    threads_post = models.TextField(null=True, blank=True)
    newsletter_blurb = models.TextField(null=True, blank=True)

    attribution_json = models.TextField(
        null=True, blank=True, help_text="Sources credited in the output, with English titles (JSON list)."
    )
    lint_flags_json = models.TextField(null=True, blank=True, help_text="Lint findings (JSON list).")
    lint_hits = models.PositiveIntegerField(default=0)
    lint_errors = models.PositiveIntegerField(default=0, help_text="How many of the lint hits are errors.")

    cost_usd = models.DecimalField(max_digits=14, decimal_places=8, default=0)
    input_tokens = models.PositiveIntegerField(default=0)
    output_tokens = models.PositiveIntegerField(default=0)

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    repair_attempts = models.PositiveIntegerField(default=0)
    next_repair_at = models.DateTimeField(null=True, blank=True, db_index=True)
    facts_attempted_at = models.DateTimeField(null=True, blank=True)
    key_facts = models.JSONField(null=True, blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    # Desk state that is not part of the record.
    version = models.PositiveIntegerField(default=1, help_text="Raised by every saved change.")
    has_unpublished_changes = models.BooleanField(default=False)
    failure_reason = models.TextField(blank=True)
    # Headline, summary and the cluster's canonical title, kept by database triggers.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = RewriteQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-updated_at"], name="rewrite_status_updated"),
            models.Index(fields=["-updated_at", "-id"], name="rewrite_updated_id"),
            models.Index(fields=["-created_at"], name="rewrite_created"),
            models.Index(fields=["lint_hits"], name="rewrite_lint_hits"),
            models.Index(fields=["lint_errors"], name="rewrite_lint_errors"),
            GinIndex(fields=["search_vector"], name="rewrite_search"),
        ]
        permissions = [
            ("review_rewrite", "Can review, edit and approve rewrites"),
            ("publish_rewrite", "Can publish, republish and unpublish rewrites"),
            ("export_newsletter", "Can export newsletter blurbs"),
        ]

    def __str__(self) -> str:
        return self.headline or self.id

    @property
    def attribution(self) -> list[dict]:
        return json.loads(self.attribution_json) if self.attribution_json else []

    @property
    def lint_flags(self) -> list[dict]:
        return json.loads(self.lint_flags_json) if self.lint_flags_json else []

    @property
    def is_offline_draft(self) -> bool:
        return (self.model or "").startswith("newsroom-offline")


class Attribution(models.Model):
    """One of the cluster's source articles as credited in the record, in order."""

    rewrite = models.ForeignKey(Rewrite, on_delete=models.CASCADE, related_name="attributions")
    position = models.PositiveSmallIntegerField()
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="attributions"
    )
    source = models.CharField(max_length=200)
    url = models.URLField(max_length=2000)
    title = models.TextField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["rewrite", "position"], name="attribution_position_unique")
        ]

    def __str__(self) -> str:
        return f"{self.source}: {self.title}"


# The output fields an editor can change, in the order the workspace shows them:
# (model field, record name, label).
OUTPUT_FIELDS = [
    ("headline", "headline", "Headline"),
    ("summary", "summary", "Summary"),
    ("why_it_matters", "whyItMatters", "Why it matters"),
    ("web_card_html", "webCardHtml", "Web card"),
    ("bluesky_post", "blueskyPost", "Bluesky post"),
    ("twitter_post", "twitterPost", "X post"),
    ("threads_post", "threadsPost", "Threads post"),
    ("newsletter_blurb", "newsletterBlurb", "Newsletter blurb"),
]
OUTPUT_FIELD_NAMES = [name for name, _, _ in OUTPUT_FIELDS]


class Revision(models.Model):
    """One saved state of a rewrite's output, with who made it, when and why."""

    class Kind(models.TextChoices):
        IMPORTED = "imported", "Imported"
        GENERATED = "generated", "Generated"
        REPAIRED = "repaired", "Repaired"
        EDITED = "edited", "Edited"
        REGENERATED = "regenerated", "Regenerated"
        RESTORED = "restored", "Restored"
        APPROVED = "approved", "Approved"
        SPIKED = "spiked", "Spiked"
        PUBLISHED = "published", "Published"
        UNPUBLISHED = "unpublished", "Unpublished"

    rewrite = models.ForeignKey(Rewrite, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    user = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="rewrite_revisions"
    )
    reason = models.TextField(blank=True)
    fields = models.JSONField(help_text="The output fields as they were after this change.")
    changed_fields = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["rewrite", "number"], name="revision_number_unique")]

    def __str__(self) -> str:
        return f"{self.rewrite_id} #{self.number} ({self.kind})"


class ModelCallQuerySet(models.QuerySet):
    def since(self, moment):
        return self.filter(created_at__gte=moment)

    def total_cost(self):
        return self.aggregate(total=models.Sum("cost_usd"))["total"] or 0


class ModelCall(models.Model):
    """One request to the language model (or the offline writer) for a rewrite."""

    class Outcome(models.TextChoices):
        PENDING = "pending", "In progress"
        OK = "ok", "Answered"
        INVALID_JSON = "invalid_json", "Reply was not valid JSON"
        SCHEMA_ERROR = "schema_error", "Reply broke the schema"
        TIMEOUT = "timeout", "Timed out"
        RATE_LIMITED = "rate_limited", "Rate limited (429)"
        API_ERROR = "api_error", "API error"
        UNSUPPORTED = "unsupported", "Output mode refused by the endpoint"
        INTERRUPTED = "interrupted", "Worker stopped during the call"

    # Spend outlives the rewrite: the daily budget and the dashboard still count it.
    rewrite = models.ForeignKey(Rewrite, null=True, on_delete=models.SET_NULL, related_name="model_calls")
    model = models.CharField(max_length=200)
    prompt_version = models.CharField(max_length=50)
    purpose = models.CharField(max_length=50, help_text="generate, repair or the regenerated field.")
    input_tokens = models.PositiveIntegerField(default=0)
    output_tokens = models.PositiveIntegerField(default=0)
    cost_usd = models.DecimalField(
        max_digits=14, decimal_places=8, default=0,
        help_text="Actual cost; while pending, the estimate reserved against the daily budget.",
    )
    latency_ms = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.PENDING)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = ModelCallQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["rewrite", "created_at"], name="modelcall_rewrite_created")]

    def __str__(self) -> str:
        return f"{self.model} {self.purpose}: {self.outcome}"
