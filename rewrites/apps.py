from django.apps import AppConfig


class RewritesConfig(AppConfig):
    name = "rewrites"
    verbose_name = "Rewrites"

    def ready(self):
        # Imported once here so that an RQ worker's forked work-horses inherit the
        # openai client library instead of importing it again for every job.
        import rewrites.generation.write  # noqa: F401
        from newsroom.rules import register_state_rules
        from rewrites.models import Rewrite
        from rewrites.states import refusal

        register_state_rules(Rewrite, refusal)
