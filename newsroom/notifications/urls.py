from django.urls import path

from newsroom.notifications import views as notification_views

app_name = "notifications"

urlpatterns = [
    path("", notification_views.inbox, name="inbox"),
    path("<int:notification_id>/read/", notification_views.read, name="read"),
    path("read-all/", notification_views.read_all, name="read-all"),
    path("settings/", notification_views.notification_settings, name="settings"),
]
