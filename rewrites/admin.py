from django.contrib import admin

from rewrites.models import Attribution, Rewrite


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
