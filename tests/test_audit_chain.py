"""The audit log's hash chain: each entry's hash covers its content and the entry before it, written by the
database under a lock so concurrent writers chain one after the other; `manage.py verify_audit_log` names the
first entry changed or missing behind the desk's back."""

from __future__ import annotations

import threading
import time

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction

from newsroom.audit import record, verify_chain
from newsroom.database_roles import use_desk, use_owner
from newsroom.models import AuditEntry
from newsroom.timestamps import format_timestamp
from tests.database_owner import owner_connection

needs_owner = pytest.mark.skipif(
    not settings.NEWSROOM_MIGRATE_DATABASE, reason="needs the owner's role (NEWSROOM_MIGRATE_DATABASE_URL)"
)


@pytest.fixture
def behind_the_desks_back():
    """An owner connection that may change entries (the append-only trigger off); empties the log afterwards, so
    later tests start from an intact chain."""
    with owner_connection() as owner:
        owner.execute("ALTER TABLE newsroom_auditentry DISABLE TRIGGER newsroom_auditentry_append_only")
        try:
            yield owner
        finally:
            owner.execute("ALTER TABLE newsroom_auditentry ENABLE TRIGGER newsroom_auditentry_append_only")
            owner.execute("TRUNCATE newsroom_auditentry")


def three_entries(user) -> list[AuditEntry]:
    return [record(action="login", actor=user, reason=f"entry {number}") for number in range(3)]


@pytest.mark.django_db
def test_each_entry_chains_onto_the_one_before_and_the_intact_chain_verifies(admin_user, capsys):
    first, second, third = three_entries(admin_user)

    assert second.previous_hash == first.entry_hash and third.previous_hash == second.entry_hash
    assert len({first.entry_hash, second.entry_hash, third.entry_hash}) == 3
    assert verify_chain().broken is None
    call_command("verify_audit_log")
    assert f"The audit log's chain is intact: {AuditEntry.objects.count()} entries, the last #{third.id} with hash " \
           f"{third.entry_hash}." in capsys.readouterr().out


@pytest.mark.django_db
def test_the_desk_cannot_choose_an_entrys_hashes(admin_user):
    first = record(action="login", actor=admin_user)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO newsroom_auditentry (at, actor_name, category, action, object_type, object_id, object_label, "
            "changes, reason, previous_hash, entry_hash) VALUES (now(), 'x', 'access', 'login', '', '', '', '{}', '', "
            "'forged', 'forged') RETURNING previous_hash, entry_hash"
        )
        previous_hash, entry_hash = cursor.fetchone()

    assert previous_hash == first.entry_hash and entry_hash != "forged"
    assert verify_chain().broken is None


@needs_owner
@pytest.mark.django_db(transaction=True)
def test_an_entry_changed_behind_the_desks_back_is_named_as_the_first_broken_entry(admin_user, behind_the_desks_back):
    first, second, third = three_entries(admin_user)
    behind_the_desks_back.execute("UPDATE newsroom_auditentry SET reason = 'rewritten' WHERE id = %s", [second.id])

    with pytest.raises(CommandError) as refused:
        call_command("verify_audit_log")

    assert refused.value.returncode != 0
    assert str(refused.value) == (
        f"The audit log's chain is broken at entry #{second.id} ({format_timestamp(second.at)}): its content no "
        "longer matches its hash: it was changed after it was written. Entries from there on cannot be trusted; "
        "compare them with a backup."
    )


@needs_owner
@pytest.mark.django_db(transaction=True)
def test_an_entry_changed_and_given_a_new_hash_breaks_the_link_of_the_next(admin_user, behind_the_desks_back):
    first, second, third = three_entries(admin_user)
    behind_the_desks_back.execute("UPDATE newsroom_auditentry SET reason = 'rewritten' WHERE id = %s", [second.id])
    behind_the_desks_back.execute(
        "UPDATE newsroom_auditentry AS entry SET entry_hash = newsroom_audit_entry_hash(previous_hash, entry) "
        "WHERE id = %s", [second.id],
    )

    broken = verify_chain().broken

    assert broken.entry_id == third.id
    assert f"not the hash of entry #{second.id}" in broken.problem


@needs_owner
@pytest.mark.django_db(transaction=True)
def test_a_deleted_entry_is_detected_at_the_entry_after_it(admin_user, behind_the_desks_back):
    first, second, third = three_entries(admin_user)
    behind_the_desks_back.execute("DELETE FROM newsroom_auditentry WHERE id = %s", [second.id])

    broken = verify_chain().broken

    assert (broken.entry_id, broken.at) == (third.id, third.at)
    assert broken.problem == (
        f"its previous hash is not the hash of entry #{first.id}, the one before it: an entry between them was "
        f"deleted, or #{first.id} was changed and given a new hash"
    )


def _advisory_lock_waiters() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_writers_chain_one_after_the_other(admin_user):
    first_inserted, release_first, second_done = threading.Event(), threading.Event(), threading.Event()
    entries: dict[str, AuditEntry] = {}
    errors: list[BaseException] = []

    def write(name: str, *, after_insert, finished) -> None:
        try:
            with transaction.atomic():
                entries[name] = record(action="login", actor=admin_user, reason=name)
                after_insert()
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            finished()
            connections.close_all()

    first = threading.Thread(target=write, args=("first",), kwargs={
        "after_insert": lambda: (first_inserted.set(), release_first.wait(60)), "finished": first_inserted.set,
    })
    second = threading.Thread(target=write, args=("second",), kwargs={
        "after_insert": lambda: None, "finished": second_done.set,
    })
    first.start()
    try:
        first_inserted.wait(60)
        second.start()
        # The second writer either waits for the first's lock (the chain) or finishes at once (no lock).
        deadline = time.monotonic() + 60
        while not second_done.is_set() and _advisory_lock_waiters() == 0:
            assert time.monotonic() < deadline, "the second writer neither waited nor finished"
            time.sleep(0.01)
    finally:
        release_first.set()
        first.join(60)
        if second.ident is not None:  # started
            second.join(60)

    assert errors == []
    assert entries["second"].previous_hash == entries["first"].entry_hash
    assert entries["second"].id > entries["first"].id
    assert verify_chain().broken is None


@needs_owner
@pytest.mark.django_db(transaction=True)
def test_the_migration_chains_the_entries_already_in_the_log(admin_user):
    use_owner()
    try:
        call_command("migrate", "newsroom", "0002", verbosity=0)
        with connection.cursor() as cursor:
            for number in range(3):
                cursor.execute(
                    "INSERT INTO newsroom_auditentry (at, actor_name, category, action, object_type, object_id, "
                    "object_label, changes, reason, remote_addr) VALUES (now(), 'ada', 'access', 'login', '', '', '', "
                    "%s, %s, '192.0.2.7')", ['{"headline": ["a", "b"]}', f"before the chain {number}"],
                )
        call_command("migrate", "newsroom", verbosity=0)
    finally:
        use_desk()

    entries = list(AuditEntry.objects.filter(reason__startswith="before the chain").order_by("id"))
    assert [entry.previous_hash == before.entry_hash for before, entry in zip(entries, entries[1:])] == [True, True]
    assert all(entry.entry_hash for entry in entries)
    assert verify_chain().broken is None
    assert record(action="login", actor=admin_user).previous_hash == entries[-1].entry_hash
