"""The desk's database role can read and append to the audit log and nothing more: it cannot empty, alter or
rewrite it, turn off its trigger or replication checks, and `manage.py flush` keeps it. Migrations run as the
role that owns the tables."""

from __future__ import annotations

import psycopg
import pytest
from django.conf import settings
from django.core import checks
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from clusters.models import Source
from newsroom.audit import record
from newsroom.database_roles import audit_role_problems, use_desk, use_owner
from newsroom.models import AuditEntry
from tests.database_owner import owner_connection
from tests.factories import make_source

pytestmark = pytest.mark.skipif(
    not settings.NEWSROOM_MIGRATE_DATABASE,
    reason="DATABASE_URL is set without NEWSROOM_MIGRATE_DATABASE_URL: the desk connects as the owner of the tables",
)


REFUSED = [
    ("TRUNCATE newsroom_auditentry", "permission denied"),
    ("DELETE FROM newsroom_auditentry", "permission denied"),
    ("UPDATE newsroom_auditentry SET reason = 'rewritten'", "permission denied"),
    ("ALTER TABLE newsroom_auditentry DISABLE TRIGGER newsroom_auditentry_append_only", "must be owner"),
    ("ALTER TABLE newsroom_auditentry DISABLE TRIGGER ALL", "must be owner"),
    ("ALTER TABLE newsroom_auditentry ADD COLUMN note text", "must be owner"),
    ("DROP TABLE newsroom_auditentry", "must be owner"),
    ("DROP TRIGGER newsroom_auditentry_append_only ON newsroom_auditentry", "must be owner"),
    ("SET session_replication_role = replica", "permission denied"),
    ("SELECT setval(pg_get_serial_sequence('newsroom_auditentry', 'id'), 1)", "permission denied"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("statement, refusal", REFUSED, ids=[statement for statement, _ in REFUSED])
def test_the_desks_role_cannot_empty_alter_or_rewrite_the_audit_log(admin_user, statement, refusal):
    entry = record(action="login", actor=admin_user, reason="kept")

    with pytest.raises(DatabaseError, match=refusal), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)

    assert AuditEntry.objects.get(id=entry.id).reason == "kept"


@pytest.mark.django_db
def test_the_desks_role_is_no_superuser_and_owns_nothing():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls FROM pg_roles "
            "WHERE rolname = current_user"
        )
        assert cursor.fetchone() == (False, False, False, False, False)
        cursor.execute(
            "SELECT count(*) FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)"
        )
        assert cursor.fetchone()[0] == 0


@pytest.mark.django_db
def test_the_desks_role_reads_appends_and_writes_the_other_tables(admin_user):
    source = make_source(name="Kept")
    Source.objects.filter(id=source.id).update(name="Renamed")
    source.refresh_from_db()

    entry = record(action="source_edit", actor=admin_user, obj=source)

    assert AuditEntry.objects.get(id=entry.id).object_label == "Renamed"
    assert audit_role_problems() == []
    assert [message for message in checks.run_checks(databases=["default"]) if message.id == "newsroom.W001"] == []


@pytest.mark.django_db(transaction=True)
def test_the_check_warns_when_the_desk_connects_as_the_owner_of_the_audit_log():
    use_owner()
    try:
        warnings = [message for message in checks.run_checks(databases=["default"]) if message.id == "newsroom.W001"]
    finally:
        use_desk()

    assert len(warnings) == 1
    assert "owns the audit log table" in warnings[0].msg
    assert "NEWSROOM_MIGRATE_DATABASE_URL" in warnings[0].hint


@pytest.mark.django_db(transaction=True)
def test_flush_as_the_desk_empties_every_table_but_keeps_the_audit_log(admin_user, capsys):
    source = make_source(name="Gone after the flush")
    entry = record(action="source_add", actor=admin_user, obj=source)

    call_command("flush", interactive=False)

    assert not Source.objects.filter(id=source.id).exists()
    assert AuditEntry.objects.filter(id=entry.id).exists()
    assert "except the audit log (newsroom_auditentry), which is kept" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_the_trigger_refuses_even_the_owner_an_update_or_delete(admin_user):
    entry = record(action="login", actor=admin_user, reason="kept")

    with owner_connection() as owner:
        for statement in ("UPDATE newsroom_auditentry SET reason = 'x' WHERE id = %s",
                          "DELETE FROM newsroom_auditentry WHERE id = %s"):
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                owner.execute(statement, [entry.id])

    assert AuditEntry.objects.get(id=entry.id).reason == "kept"
