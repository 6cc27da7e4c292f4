import json

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils import timezone

from clusters.models import Article, Cluster
from newsroom.ids import id_validator, new_rewrite_id
from newsroom.outbound import WEBHOOK_ALLOW_LIST, destination_refusal, has_credentials
from rewrites.fields import OUTPUT_FIELDS

# The kinds of story and subject areas a generated rewrite may give its cluster.
CONTENT_TYPES = ["news", "announcement", "release", "review", "interview", "feature", "opinion", "event", "other"]
DOMAINS = [
    "anime", "manga", "games", "film", "music", "tech", "business", "science", "culture", "sports", "politics", "other",
]


class RewriteQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Rewrite.Status.PUBLISHED)

    def stale(self):
        """Rewrites whose cluster has more sources than they were written from."""
        return self.filter(Cluster.stale_filter("cluster__"))

    def with_cluster(self):
        return self.select_related("cluster")


class MergedPage(models.TextChoices):
    """An editor's answer to what a merged-away story's public page becomes."""

    KEEP = "keep", "Keep it as it is"
    REDIRECT = "redirect", "Redirect to the story it was merged into, once that is published"
    KILL = "kill", "Take it down"


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

    # The output fields, one per row of rewrites.fields.OUTPUT_FIELDS.
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
    claim_check_json = models.TextField(
        null=True, blank=True,
        help_text="Findings of the optional model claim check after generation (JSON list), re-applied on every lint run.",
    )

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
    lead_image_article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The source article whose lead image the story uses, when an editor chose one.",
    )
    lead_image_chosen = models.BooleanField(
        default=False, db_default=False, help_text="An editor chose the lead image (or none); until then the cluster's first image is offered.",
    )
    lead_image_alt = models.TextField(blank=True, db_default="", help_text="The image's alt text, written by an editor.")
    version = models.PositiveIntegerField(default=1, help_text="Raised by every saved change.")
    has_unpublished_changes = models.BooleanField(default=False)
    failure_reason = models.TextField(blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_rewrites",
        help_text="The editor who is to review this rewrite (assigned by a colleague, or claimed).",
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    merged_page = models.CharField(
        max_length=10, choices=MergedPage.choices, blank=True, db_default="",
        help_text="What happens to the public page of a story whose cluster was merged into another.",
    )
    # Copies of the cluster's columns that the queue filters and sorts on, kept by database triggers
    # (migration 0010_queue_columns), so that every filter and sort reads one table through its indexes.
    queue_domain = models.CharField(max_length=50, blank=True, db_default="", editable=False)
    queue_content_type = models.CharField(max_length=50, blank=True, db_default="", editable=False)
    queue_stale = models.BooleanField(db_default=False, editable=False)
    queue_source_count = models.PositiveIntegerField(db_default=0, editable=False)
    queue_merged = models.BooleanField(db_default=False, editable=False)
    queue_sources = ArrayField(
        models.IntegerField(), null=True, blank=True, editable=False,
        help_text="The ids of the sources of the cluster's articles (migration 0012_queue_sources).",
    )
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
            # The queue: one index per sort (keyset order), and the filters' own.
            models.Index(fields=["-created_at", "-id"], name="rewrite_created_id"),
            models.Index(fields=["-lint_hits", "-id"], name="rewrite_lints_id"),
            models.Index(fields=["-queue_source_count", "-id"], name="rewrite_sources_id"),
            models.Index(fields=["queue_domain", "-updated_at"], name="rewrite_domain_updated"),
            models.Index(fields=["queue_content_type", "-updated_at"], name="rewrite_type_updated"),
            models.Index(fields=["-updated_at"], condition=models.Q(queue_stale=True), name="rewrite_stale_updated"),
            models.Index(fields=["-updated_at"], condition=models.Q(lint_errors__gt=0), name="rewrite_errors_updated"),
            models.Index(fields=["assigned_to", "-updated_at", "-id"], name="rewrite_assigned_updated"),
            GinIndex(fields=["search_vector"], name="rewrite_search"),
            GinIndex(fields=["queue_sources"], name="rewrite_queue_sources"),
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


OUTPUT_FIELD_NAMES = [field.attribute for field in OUTPUT_FIELDS]
# What a revision keeps besides the output fields: the credits, so that restoring brings them back too.
HISTORY_FIELDS = [(field.attribute, field.record_name, field.label) for field in OUTPUT_FIELDS] + [
    ("attribution_json", "attributionJson", "Attribution")
]
HISTORY_FIELD_NAMES = [name for name, _, _ in HISTORY_FIELDS]
HISTORY_LABELS = {name: label for name, _, label in HISTORY_FIELDS} | {"slug": "Slug"}


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
        CHECKED = "checked", "Finding checked"
        MERGED = "merged", "Page after a merge"
        ASSIGNED = "assigned", "Assigned"

    rewrite = models.ForeignKey(Rewrite, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    user = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="rewrite_revisions"
    )
    reason = models.TextField(blank=True)
    fields = models.JSONField(help_text="The output fields as they were after this change.")
    changed_fields = models.JSONField(default=list)
    version = models.PositiveIntegerField(
        null=True, blank=True, help_text="The rewrite's version once this change was made (older revisions: unknown)."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["rewrite", "number"], name="revision_number_unique")]
        # The dashboard's review pipeline finds the first model-written and published revisions by day.
        indexes = [models.Index(fields=["kind", "created_at"], name="revision_kind_created")]

    def __str__(self) -> str:
        return f"{self.rewrite_id} #{self.number} ({self.kind})"

    @property
    def changed_labels(self) -> list[str]:
        """The changed fields as editors name them (Summary, X post, Attribution ...)."""
        return [HISTORY_LABELS.get(name, name) for name in self.changed_fields]


class SuggestionQuerySet(models.QuerySet):
    def open(self):
        return self.filter(resolved_at__isnull=True)


class Suggestion(models.Model):
    """Regenerated text that arrived after an editor had changed the same field.

    It is never written over the editor's text: the workspace shows it beside the field, and an
    editor accepts it (it becomes the field's text, as a new revision) or discards it.
    """

    class Resolution(models.TextChoices):
        ACCEPTED = "accepted", "Accepted"
        DISCARDED = "discarded", "Discarded"
        REPLACED = "replaced", "Replaced by a newer suggestion"

    rewrite = models.ForeignKey(Rewrite, on_delete=models.CASCADE, related_name="suggestions")
    field = models.CharField(max_length=50, help_text="The model field it would replace (summary, twitter_post ...).")
    text = models.TextField()
    base_text = models.TextField(
        null=True, blank=True, help_text="The field's text when the regeneration was asked for."
    )
    model = models.CharField(max_length=200, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=20, choices=Resolution.choices, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = SuggestionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["rewrite", "resolved_at"], name="suggestion_rewrite_open")]

    def __str__(self) -> str:
        return f"{self.field} of {self.rewrite_id} ({self.resolution or 'open'})"


class CheckedFindingQuerySet(models.QuerySet):
    def active(self):
        return self.filter(cleared_at__isnull=True)


class CheckedFinding(models.Model):
    """A lint finding an editor checked and found correct, with why.

    While the flagged text of that field is exactly the same, the lint stays silent about it; once
    the text changes the mark is cleared (``cleared_at``) and the lint speaks again. The mark is
    also a "checked" revision in the rewrite's history.
    """

    rewrite = models.ForeignKey(Rewrite, on_delete=models.CASCADE, related_name="checked_findings")
    field = models.CharField(max_length=50, help_text="The record name of the field (summary, keyFacts, ...).")
    code = models.CharField(max_length=50)
    text = models.TextField(help_text="The flagged text, exactly as it was when checked.")
    message = models.TextField(blank=True, help_text="What the lint said.")
    reason = models.TextField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revision = models.ForeignKey(Revision, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    cleared_at = models.DateTimeField(null=True, blank=True)

    objects = CheckedFindingQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["rewrite", "cleared_at"], name="checked_finding_rewrite")]

    def __str__(self) -> str:
        return f"{self.code} in {self.field}: {self.text}"


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
    purpose = models.CharField(max_length=50, help_text="generate, repair, the regenerated field or claim-check.")
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


class ModelCallDay(models.Model):
    """The model calls of one finished UTC day for one model and outcome, summed.

    Kept by ``rewrites.dashboard.rollup.roll_up_days`` (the scheduled sweep
    ``rewrites.dashboard.jobs.roll_up_finished_days``) so the dashboard reads a few rows per day
    instead of every call; today is always counted live.
    """

    day = models.DateField()
    model = models.CharField(max_length=200)
    outcome = models.CharField(max_length=20, choices=ModelCall.Outcome.choices)
    calls = models.PositiveIntegerField(default=0)
    input_tokens = models.PositiveBigIntegerField(default=0)
    output_tokens = models.PositiveBigIntegerField(default=0)
    cost_usd = models.DecimalField(max_digits=16, decimal_places=8, default=0)
    rolled_at = models.DateTimeField(default=timezone.now, help_text="When these sums were taken.")

    class Meta:
        ordering = ["day", "model", "outcome"]
        constraints = [
            models.UniqueConstraint(fields=["day", "model", "outcome"], name="model_call_day_unique"),
        ]
        permissions = [
            ("view_dashboard", "Can see the operations dashboard"),
            ("retry_job", "Can retry failed background jobs"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.model} {self.outcome}: {self.calls}"


class ReviewDay(models.Model):
    """One finished UTC day of the review pipeline, summed by ``rewrites.dashboard.rollup.roll_up_days``.

    Its row also marks the day as summed: the dashboard reads that day from the daily tables
    (this one, ``ModelCallDay``, ``LintDay`` and ``IntakeDay``) instead of counting it again.
    """

    day = models.DateField(unique=True)
    drafts = models.PositiveIntegerField(default=0, help_text="Rewrites written (created that day, not queued or generating).")
    drafted = models.PositiveIntegerField(default=0, help_text="Rewrites whose first model-written version came that day.")
    to_draft_median_hours = models.FloatField(null=True, blank=True)
    to_draft_p90_hours = models.FloatField(null=True, blank=True)
    first_published = models.PositiveIntegerField(default=0, help_text="Stories published for the first time that day.")
    to_publish_median_hours = models.FloatField(null=True, blank=True)
    to_publish_p90_hours = models.FloatField(null=True, blank=True)
    published_stories = models.PositiveIntegerField(default=0, help_text="Public stories whose publish time is that day.")
    published_cost_usd = models.DecimalField(max_digits=16, decimal_places=8, default=0)
    rolled_at = models.DateTimeField(default=timezone.now, help_text="When these sums were taken.")

    class Meta:
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day}: {self.drafts} drafts"


class LintDay(models.Model):
    """Error lint findings of one finished day's drafts for one lint code, as they stood when summed."""

    day = models.DateField()
    code = models.CharField(max_length=100)
    errors = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["day", "code"]
        constraints = [models.UniqueConstraint(fields=["day", "code"], name="lint_day_unique")]

    def __str__(self) -> str:
        return f"{self.day} {self.code}: {self.errors}"


class IntakeDay(models.Model):
    """Articles fetched and clusters started on one finished day from one source in one language."""

    day = models.DateField()
    source = models.CharField(max_length=200)
    language = models.CharField(max_length=16)
    articles = models.PositiveIntegerField(default=0)
    clusters = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["day", "source", "language"]
        constraints = [models.UniqueConstraint(fields=["day", "source", "language"], name="intake_day_unique")]

    def __str__(self) -> str:
        return f"{self.day} {self.source} ({self.language}): {self.articles} articles"


# Publishing (rewrites/publishing/publish.py, rewrites/publishing/webhooks.py): what the public sees,
# the publish jobs' progress, corrections and outbound webhooks.


class PublishedStoryQuerySet(models.QuerySet):
    def live(self):
        return self.filter(withdrawn_at__isnull=True)

    def newest_first(self):
        return self.order_by("-published_at", "-id")


class PublishedStory(models.Model):
    """The public version of a rewrite, as of its last publish.

    Edits to the rewrite stay off the public outputs until it is republished;
    a killed story keeps its row with ``withdrawn_at`` set, so its page answers 410.
    """

    rewrite = models.OneToOneField(Rewrite, on_delete=models.CASCADE, related_name="published_story")
    slug = models.SlugField(max_length=200, unique=True)
    headline = models.TextField()
    summary = models.TextField(blank=True)
    why_it_matters = models.TextField(blank=True)
    web_card_html = models.TextField(blank=True, help_text="Sanitised when published.")
    newsletter_blurb = models.TextField(blank=True)
    sources = models.JSONField(default=list, help_text="The credited source articles: source, url, title.")
    domain = models.CharField(max_length=50, blank=True)
    content_type = models.CharField(max_length=50, blank=True)
    published_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField()
    rewrite_version = models.PositiveIntegerField(help_text="The rewrite's version this copy was made from.")
    card = models.FileField(upload_to="cards/", blank=True, max_length=300)
    image = models.FileField(
        upload_to="stories/", blank=True, max_length=300, db_default="",
        help_text="The lead image as published: re-encoded as JPEG, without metadata.",
    )
    image_alt = models.TextField(blank=True, db_default="")
    image_credit = models.TextField(blank=True, db_default="", help_text="Where the image is from and who made it.")
    image_width = models.PositiveIntegerField(default=0, db_default=0)
    image_height = models.PositiveIntegerField(default=0, db_default=0)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.TextField(blank=True)

    objects = PublishedStoryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "published stories"
        indexes = [
            models.Index(fields=["-published_at", "-id"], name="published_story_newest"),
            models.Index(fields=["-updated_at"], name="published_story_updated"),
        ]

    def __str__(self) -> str:
        return self.headline

    @property
    def is_live(self) -> bool:
        return self.withdrawn_at is None


class SourceTranslation(models.Model):
    """A machine translation of one source article into English, for editors to check their work against.

    Made on request by one model call per cluster (``rewrites/generation/translate.py``), kept while the
    article's text is unchanged (``text_hash``), and never published.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="translations")
    title = models.TextField()
    text = models.TextField()
    text_hash = models.CharField(max_length=64, help_text="Hash of the title and text that were translated.")
    model = models.CharField(max_length=200)
    call = models.ForeignKey(ModelCall, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["article", "-created_at"], name="source_translation_article")]

    def __str__(self) -> str:
        return f"{self.article_id}: {self.title}"


class StoryRedirect(models.Model):
    """An address a story used to have: it answers with a permanent redirect to the story's address now."""

    slug = models.SlugField(max_length=200, unique=True)
    story = models.ForeignKey(PublishedStory, on_delete=models.CASCADE, related_name="redirects")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"/stories/{self.slug}/ → {self.story.slug}"


class PublishJob(models.Model):
    """One publish, republish or kill request and how far it got; the workspace shows it."""

    class Action(models.TextChoices):
        PUBLISH = "publish", "Publish"
        UNPUBLISH = "unpublish", "Unpublish"

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    rewrite = models.ForeignKey(Rewrite, on_delete=models.CASCADE, related_name="publish_jobs")
    action = models.CharField(max_length=20, choices=Action.choices, default=Action.PUBLISH)
    state = models.CharField(max_length=20, choices=State.choices, default=State.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    correction_note = models.TextField(blank=True)
    reason = models.TextField(blank=True, help_text="Why a story was killed.")
    outcome = models.CharField(
        max_length=20, blank=True, help_text="published, republished, unchanged or unpublished."
    )
    error = models.TextField(blank=True)
    rq_job_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["rewrite", "-created_at"], name="publish_job_rewrite"),
            models.Index(fields=["state", "-created_at"], name="publish_job_state_created"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.rewrite_id}: {self.state}"

    @property
    def is_pending(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.RUNNING)


class Correction(models.Model):
    """A correction note attached when a story was republished; shown on its public page."""

    rewrite = models.ForeignKey(Rewrite, on_delete=models.CASCADE, related_name="corrections")
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text


WEBHOOK_URL_FORMAT = URLValidator(schemes=["http", "https"])


class Webhook(models.Model):
    """An outside endpoint told about publish events, with a shared secret to sign them."""

    class Event(models.TextChoices):
        PUBLISHED = "published", "Published"
        REPUBLISHED = "republished", "Republished"
        UNPUBLISHED = "unpublished", "Unpublished"

    name = models.CharField(max_length=100)
    url = models.URLField(
        max_length=2000,
        validators=[WEBHOOK_URL_FORMAT],
        help_text="An http(s) address that accepts POST requests.",
    )
    secret = models.CharField(
        max_length=200, help_text="Shared secret for the X-Newsroom-Signature HMAC-SHA256 header."
    )
    on_published = models.BooleanField("published", default=True)
    on_republished = models.BooleanField("republished", default=True)
    on_unpublished = models.BooleanField("unpublished", default=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def wants(self, event: str) -> bool:
        return bool(getattr(self, f"on_{event}", False))

    def clean(self) -> None:
        """Refuses an address with a user name or password, and one that delivery would refuse to send to."""
        try:
            WEBHOOK_URL_FORMAT(self.url)
        except ValidationError:
            return  # The field's own validation says what is wrong with the address.
        if has_credentials(self.url):
            raise ValidationError({"url": (
                "Take the user name and password out of the address and put the shared secret in the Secret "
                "field instead: the address is kept in the audit log, which can never be cleared of a password."
            )})
        refusal = destination_refusal(self.url, allow_list=WEBHOOK_ALLOW_LIST)
        if refusal:
            raise ValidationError({"url": f"Webhooks cannot be sent to this address. {refusal}"})


class WebhookDelivery(models.Model):
    """One event sent to one webhook, retried with backoff until it succeeds or gives up."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=20, choices=Webhook.Event.choices)
    rewrite = models.ForeignKey(Rewrite, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    payload = models.TextField(help_text="The body sent: the record as it was when the event happened.")
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING, db_index=True)
    attempt_count = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_error = models.TextField(blank=True)
    redelivery_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="redeliveries"
    )
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.event} to {self.webhook}: {self.state}"


class WebhookAttempt(models.Model):
    """One HTTP request of a delivery: what came back and how long it took."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField(default=timezone.now)
    duration_ms = models.PositiveIntegerField(default=0)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    response_excerpt = models.TextField(blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="webhook_attempt_number_unique")
        ]

    def __str__(self) -> str:
        return f"attempt {self.number}: {self.status_code or self.error}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
