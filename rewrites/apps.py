from django.apps import AppConfig


class RewritesConfig(AppConfig):
    name = "rewrites"
    verbose_name = "Rewrites"
