from django.urls import path

from rewrites.publishing import views as publish_views

app_name = "publishing"

urlpatterns = [
    path("rewrites/<str:rewrite_id>/publishing/", publish_views.publish_status, name="status"),
    path(
        "rewrites/<str:rewrite_id>/publishing/jobs/<int:job_id>/", publish_views.publish_job_progress, name="progress"
    ),
    path("rewrites/<str:rewrite_id>/publish/", publish_views.publish, name="publish"),
    path("rewrites/<str:rewrite_id>/unpublish/", publish_views.unpublish, name="unpublish"),
]
