from django.urls import path

from newsroom.audit import views as audit_views

app_name = "audit"

urlpatterns = [
    path("", audit_views.audit_log, name="list"),
    path("export.csv", audit_views.audit_csv, name="csv"),
]
