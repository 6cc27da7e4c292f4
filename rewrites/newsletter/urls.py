from django.urls import path

from rewrites.newsletter import views as newsletter_views

app_name = "newsletter"

urlpatterns = [
    path("newsletter/", newsletter_views.newsletter_page, name="page"),
    path("newsletter/export/", newsletter_views.newsletter_export, name="export"),
]
