from django.contrib import admin

from rewrites.models import Attribution, ModelCall, Rewrite


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
