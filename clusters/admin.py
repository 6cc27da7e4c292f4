from django.contrib import admin

from clusters.models import Article, Cluster, ClusterChange, Source


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["name", "language", "domain", "enabled", "last_success_at", "consecutive_failures", "next_poll_at"]
    list_filter = ["enabled", "language", "domain"]
    search_fields = ["name", "feed_url", "site_url"]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "source", "language", "published_at", "cluster"]
    list_filter = ["language", "source", "text_origin"]
    search_fields = ["id", "title", "canonical_url"]
    raw_id_fields = ["cluster"]
    list_select_related = ["source", "cluster"]


class ArticleInline(admin.TabularInline):
    model = Article
    fields = ["id", "title", "source", "language", "published_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(Cluster)
class ClusterAdmin(admin.ModelAdmin):
    list_display = ["canonical_title", "status", "source_count", "written_source_count", "is_solo", "content_type", "domain", "last_seen_at"]
    list_filter = ["status", "is_solo", "content_type", "domain"]
    search_fields = ["id", "canonical_title"]
    raw_id_fields = ["representative_article"]
    inlines = [ArticleInline]


@admin.register(ClusterChange)
class ClusterChangeAdmin(admin.ModelAdmin):
    list_display = ["created_at", "action", "username", "description", "reason"]
    list_filter = ["action"]
    search_fields = ["description", "reason", "username"]
    readonly_fields = ["action", "cluster", "other_cluster", "article", "user", "username", "reason", "description", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False
