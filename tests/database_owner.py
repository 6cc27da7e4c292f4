"""A connection to the test database as the role that owns its tables, for tests that act behind the desk's back."""

from __future__ import annotations

import psycopg
from django.conf import settings
from django.db import connection


def owner_connection() -> psycopg.Connection:
    """A new autocommit connection to the test database as the owner of the tables (NEWSROOM_MIGRATE_DATABASE_URL)."""
    owner = settings.NEWSROOM_MIGRATE_DATABASE
    host = owner["HOST"] or owner["OPTIONS"].get("host", "")
    return psycopg.connect(
        dbname=connection.settings_dict["NAME"], user=owner["USER"], password=owner["PASSWORD"] or None,
        host=host, port=owner["PORT"] or None, autocommit=True,
    )


def run_as_owner(sql: str) -> None:
    """Runs sql as the owner of the tables (or on the desk's connection, where one role is both)."""
    if settings.NEWSROOM_MIGRATE_DATABASE:
        with owner_connection() as owner:
            owner.execute(sql)
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql)


def analyze(table: str) -> None:
    """Refreshes the planner's statistics of table, which only its owner may do; as the owner, the rows to count
    must be committed (a test with ``transaction=True``)."""
    run_as_owner(f"ANALYZE {table}")


def truncate_audit_log() -> None:
    """Empties the test database's audit log as its owner (the desk's role may not)."""
    run_as_owner("TRUNCATE newsroom_auditentry")
