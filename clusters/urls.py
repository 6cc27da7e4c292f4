from django.urls import path

from clusters import views

app_name = "clusters"

urlpatterns = [
    path("", views.sources, name="sources"),
    path("new/", views.source_form, name="source-add"),
    path("<int:source_id>/edit/", views.source_form, name="source-edit"),
    path("<int:source_id>/toggle/", views.toggle_source, name="source-toggle"),
    path("<int:source_id>/fetch/", views.fetch_now, name="source-fetch"),
    path("<int:source_id>/fetch/<str:job_id>/", views.fetch_status, name="source-fetch-status"),
]
