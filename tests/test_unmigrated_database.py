"""Commands run on a database that was never migrated (a fresh clone before `make run`) say what to run and exit
non-zero, instead of a ProgrammingError traceback. The databases here are made empty on the tests' own
PostgreSQL server and dropped afterwards."""

import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command, get_commands, load_command_class
from django.core.management.base import CommandError
from django.db import connections

from newsroom.commands import NO_TABLES, DatabaseCommand

ROOT = Path(__file__).resolve().parent.parent
DESK_APPS = {"newsroom", "clusters", "rewrites"}
# Desk commands that do not read the desk's tables: rundesk migrates first; evaluate_clustering clusters in a
# scratch database it migrates itself (and checks the database itself before replaying its corrections);
# evaluate_extraction reads files.
# migrate and flush are Django's own, run as the owner of the tables and keeping the audit log.
WITHOUT_TABLES = {"rundesk", "evaluate_clustering", "evaluate_extraction", "evaluate_claims", "migrate", "flush"}
COMMANDS = [
    ("import_records", "-"),
    ("export_records",),
    ("ingest_feed", "https://news.example/feed"),
    ("generate_rewrite", "c_" + "0" * 24),
    ("index_clusters",),
    ("export_corrections",),
    ("load_demo",),
    ("setup_roles",),
    ("run_scheduler", "--once"),
    ("verify_audit_log",),
]


def _server() -> dict:
    """The tests' PostgreSQL server, reached as the role that may create databases (the owner's, when there is one)."""
    db = settings.NEWSROOM_MIGRATE_DATABASE or connections["default"].settings_dict
    return {
        "host": db["HOST"] or db["OPTIONS"].get("host", ""), "port": db["PORT"] or "5432",
        "user": db["USER"], "password": db["PASSWORD"],
    }


def _url(name: str) -> str:
    server = _server()
    auth = quote(server["user"] or "") + (":" + quote(server["password"]) if server["password"] else "")
    if server["host"].startswith("/"):
        return f"postgresql://{auth}@/{name}?host={quote(server['host'])}"
    return f"postgresql://{auth}@{server['host']}:{server['port']}/{name}"


@pytest.fixture
def empty_database():
    """The name of a new, empty database on the tests' PostgreSQL server; dropped afterwards."""
    name = f"newsroom_unmigrated_{uuid.uuid4().hex[:12]}"
    server = _server()
    with psycopg.connect(dbname="postgres", autocommit=True, **{k: v for k, v in server.items() if v}) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield name
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def on_empty_database(empty_database, django_db_blocker):
    """Points the default connection at the empty database for the test, as DATABASE_URL would."""
    connection = connections["default"]
    original = connection.settings_dict["NAME"]
    with django_db_blocker.unblock():
        connection.close()
        connection.settings_dict["NAME"] = empty_database
        try:
            yield empty_database
        finally:
            connection.close()
            connection.settings_dict["NAME"] = original


def run_command(*arguments: str, database: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *arguments],
        env={
            **os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": _url(database), "REDIS_URL": settings.REDIS_URL,
        },
        cwd=ROOT, capture_output=True, text=True, input="", timeout=120,
    )


def test_import_records_on_a_fresh_clone_says_to_migrate_instead_of_a_traceback(empty_database):
    finished = run_command("import_records", "-", database=empty_database)

    assert finished.returncode != 0
    assert NO_TABLES in finished.stderr
    assert "Traceback" not in finished.stderr and "ProgrammingError" not in finished.stderr


@pytest.mark.parametrize("arguments", COMMANDS, ids=[arguments[0] for arguments in COMMANDS])
def test_every_command_that_needs_the_tables_refuses_an_unmigrated_database(on_empty_database, arguments):
    with pytest.raises(CommandError, match="The database has no tables yet") as refused:
        call_command(*arguments)

    assert refused.value.returncode != 0


def test_a_database_missing_some_migrations_names_them(on_empty_database):
    call_command("migrate", "contenttypes", verbosity=0)

    with pytest.raises(CommandError, match=r"The database is missing \d+ migrations \(.+\): run `.venv/bin/python manage.py migrate`"):
        call_command("export_records")


def test_every_desk_command_checks_the_database_unless_it_needs_no_tables():
    desk_commands = {name for name, app in get_commands().items() if app in DESK_APPS}

    checked = {name for name in desk_commands if isinstance(load_command_class(get_commands()[name], name), DatabaseCommand)}

    assert checked == desk_commands - WITHOUT_TABLES
    assert checked == {arguments[0] for arguments in COMMANDS}
