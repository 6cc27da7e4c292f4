from django.urls import path

from rewrites import views

app_name = "rewrites"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("rewrites/<str:rewrite_id>/", views.record_detail, name="record"),
]
