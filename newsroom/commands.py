"""The base of every management command that reads or writes the desk's tables.

Such a command run on a database that has not been migrated (a fresh clone
before `make run`, or a deploy before `migrate`) stops at once with a sentence
saying what to run and a non-zero exit, instead of a ProgrammingError traceback
from the first query.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor

NO_TABLES = "The database has no tables yet: run `make run` once, or `.venv/bin/python manage.py migrate`"


def database_problem(using: str = DEFAULT_DB_ALIAS) -> str | None:
    """Returns None when every migration has been applied, else a sentence saying what to run."""
    connection = connections[using]
    try:
        executor = MigrationExecutor(connection)
        applied = executor.recorder.applied_migrations()
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as error:
        return f"The database cannot be read: {error}".strip()
    if not applied:
        return NO_TABLES
    if plan:
        names = ", ".join(f"{migration.app_label}.{migration.name}" for migration, _ in plan[:3])
        more = f" and {len(plan) - 3} more" if len(plan) > 3 else ""
        return (
            f"The database is missing {len(plan)} migration{'s' if len(plan) != 1 else ''} ({names}{more}): "
            "run `.venv/bin/python manage.py migrate`"
        )
    return None


class DatabaseCommand(BaseCommand):
    """A command that needs the desk's tables: refuses to start, saying why, until the database is migrated."""

    def execute(self, *args, **options):
        if problem := database_problem(options.get("database") or DEFAULT_DB_ALIAS):
            raise CommandError(problem)
        return super().execute(*args, **options)
