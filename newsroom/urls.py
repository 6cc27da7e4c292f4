from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from newsroom.demo_feeds import demo_feed_file

urlpatterns = [
    path("", include("rewrites.urls")),
    path("", include("rewrites.publishing.urls")),
    path("", include("rewrites.newsletter.urls")),
    path("", include("rewrites.publishing.public_urls")),
    path("api/", include("rewrites.api.urls")),
    path("sources/", include("clusters.sources.urls")),
    path("demo-feeds/<path:path>", demo_feed_file, name="demo-feeds"),
    path("clusters/", include("clusters.urls")),
    path("dashboard/", include("rewrites.dashboard.urls")),
    path("audit/", include("newsroom.audit.urls")),
    path("notifications/", include("newsroom.notifications.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/rq/", include("django_rq.urls")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
