from django.urls import path

from clusters.sources import views

app_name = "sources"

urlpatterns = [
    path("", views.sources, name="list"),
    path("new/", views.source_form, name="add"),
    path("<int:source_id>/edit/", views.source_form, name="edit"),
    path("<int:source_id>/toggle/", views.toggle_source, name="toggle"),
    path("<int:source_id>/fetch/", views.fetch_now, name="fetch"),
    path("<int:source_id>/fetch/<str:job_id>/", views.fetch_status, name="fetch-status"),
]
