from django.urls import path

from rewrites.api import views as api

app_name = "api"

urlpatterns = [
    path("records", api.records, name="records"),
    path("records/<str:rewrite_id>", api.record, name="record"),
]
