from django.urls import path

from rewrites.dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.dashboard, name="page"),
    path("jobs/<str:queue_name>/<str:job_id>/retry/", views.retry_job, name="retry"),
]
