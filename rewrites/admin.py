from django import forms
from django.contrib import admin
from django.db import transaction

from newsroom.admin import AuditedAdmin
from newsroom.outbound import masked_url
from rewrites.models import (
    Attribution,
    Correction,
    ModelCall,
    PublishedStory,
    PublishJob,
    Rewrite,
    StoryRedirect,
    Suggestion,
    Webhook,
    WebhookAttempt,
    WebhookDelivery,
)
from rewrites.publishing.jobs import redeliver


class AttributionInline(admin.TabularInline):
    model = Attribution
    extra = 0
    raw_id_fields = ["article"]


@admin.register(Rewrite)
class RewriteAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "model", "lint_hits", "cost_usd", "updated_at"]
    list_filter = ["status", "model"]
    search_fields = ["id", "slug", "headline", "cluster__canonical_title"]
    raw_id_fields = ["cluster"]
    list_select_related = ["cluster"]
    inlines = [AttributionInline]


@admin.register(ModelCall)
class ModelCallAdmin(admin.ModelAdmin):
    list_display = ["created_at", "rewrite", "model", "purpose", "outcome", "input_tokens", "output_tokens", "cost_usd", "latency_ms"]
    list_filter = ["outcome", "model", "purpose"]
    search_fields = ["rewrite__id", "error"]
    raw_id_fields = ["rewrite"]
    date_hierarchy = "created_at"


# Publishing


@admin.register(PublishedStory)
class PublishedStoryAdmin(admin.ModelAdmin):
    list_display = ["headline", "slug", "published_at", "updated_at", "withdrawn_at"]
    list_filter = ["domain", "content_type", ("withdrawn_at", admin.EmptyFieldListFilter)]
    search_fields = ["headline", "slug", "rewrite__id"]
    raw_id_fields = ["rewrite"]
    readonly_fields = [field.name for field in PublishedStory._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(PublishJob)
class PublishJobAdmin(admin.ModelAdmin):
    list_display = ["rewrite", "action", "state", "outcome", "requested_by", "created_at", "finished_at"]
    list_filter = ["action", "state"]
    search_fields = ["rewrite__id", "rewrite__headline"]
    raw_id_fields = ["rewrite", "requested_by"]
    readonly_fields = ["error", "rq_job_id", "created_at", "started_at", "finished_at"]


@admin.register(Correction)
class CorrectionAdmin(admin.ModelAdmin):
    list_display = ["rewrite", "text", "created_at", "created_by"]
    raw_id_fields = ["rewrite", "created_by"]


class WebhookForm(forms.ModelForm):
    """Shows a stored address with any user name and password masked (saving it then asks for them to go)."""

    class Meta:
        model = Webhook
        fields = ["name", "url", "secret", "on_published", "on_republished", "on_unpublished", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.initial.get("url"):
            self.initial["url"] = masked_url(self.initial["url"])


@admin.register(Webhook)
class WebhookAdmin(AuditedAdmin):
    form = WebhookForm
    list_display = ["name", "address", "active", "on_published", "on_republished", "on_unpublished", "created_at"]
    list_filter = ["active"]
    fieldsets = [
        (None, {"fields": ["name", "url", "secret", "active"]}),
        ("Events", {"fields": ["on_published", "on_republished", "on_unpublished"]}),
    ]
    audit_fields = ["name", "url", "secret", "active", "on_published", "on_republished", "on_unpublished"]
    audit_masked = ["secret"]

    @admin.display(description="URL", ordering="url")
    def address(self, obj: Webhook) -> str:
        return masked_url(obj.url)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or self.has_change_permission(request, obj):
            return fieldsets
        # Read-only, the page would show the stored address as it is.
        return [
            (title, {**options, "fields": ["address" if name == "url" else name for name in options["fields"]]})
            for title, options in fieldsets
        ]

    def audit_values(self, obj) -> dict:
        values = super().audit_values(obj)
        values["url"] = masked_url(values["url"])
        return values

    def audit_action(self, *, created: bool, before: dict, after: dict) -> str:
        if created:
            return "webhook_create"
        if before.get("active") and not after.get("active"):
            return "webhook_revoke"
        return "webhook_edit"

    def audit_delete_action(self, obj) -> str:
        return "webhook_delete"


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    fields = ["number", "started_at", "duration_ms", "status_code", "error", "response_excerpt"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["id", "webhook", "event", "rewrite", "state", "attempt_count", "next_attempt_at", "created_at"]
    list_filter = ["state", "event", "webhook"]
    search_fields = ["rewrite__id", "rewrite__headline"]
    list_select_related = ["webhook", "rewrite"]
    readonly_fields = [
        "webhook", "event", "rewrite", "payload", "state", "attempt_count", "next_attempt_at", "last_error",
        "redelivery_of", "created_at", "delivered_at",
    ]
    inlines = [WebhookAttemptInline]
    actions = ["redeliver_selected"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Redeliver the selected deliveries (same event and body)")
    def redeliver_selected(self, request, queryset):
        with transaction.atomic():
            copies = [redeliver(delivery) for delivery in queryset.select_related("webhook")]
        self.message_user(
            request, f"Queued {len(copies)} redeliver{'y' if len(copies) == 1 else 'ies'} on the publish queue."
        )


@admin.register(Suggestion)
class SuggestionAdmin(admin.ModelAdmin):
    list_display = ["created_at", "rewrite", "field", "model", "resolution", "resolved_by"]
    list_filter = ["resolution", "field"]
    search_fields = ["rewrite__id", "text"]
    raw_id_fields = ["rewrite", "requested_by", "resolved_by"]


@admin.register(StoryRedirect)
class StoryRedirectAdmin(admin.ModelAdmin):
    list_display = ["slug", "story", "created_at"]
    search_fields = ["slug", "story__slug"]
    raw_id_fields = ["story"]
