from django.apps import AppConfig


class NewsroomConfig(AppConfig):
    name = "newsroom"
    verbose_name = "Newsroom"

    def ready(self):
        import newsroom.audit.signals  # noqa: F401 - connects the login receivers
        import newsroom.database_roles  # noqa: F401 - registers the audit log's role check
