"""The audit log's hash chain: each entry's hash covers its content and the hash of the entry before it.

The database writes both hashes as an entry is inserted (a trigger that holds an advisory lock until the
inserting transaction ends, so two writers never chain onto the same entry), and this migration chains the
entries already in the log, in id order.
"""

from django.db import migrations, models

# pg_advisory_xact_lock key held by each audit insert until its transaction ends ("NRAUDIT" in ASCII).
AUDIT_CHAIN_LOCK_KEY = 0x4E524155444954

CREATE = """
CREATE FUNCTION newsroom_audit_entry_hash(previous text, entry newsroom_auditentry) RETURNS text
LANGUAGE sql STABLE SET search_path = {path} AS $$
    SELECT encode(sha256(convert_to(jsonb_build_array(
        previous,
        to_char(entry.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        entry.actor_id, entry.actor_name, entry.category, entry.action,
        entry.object_type, entry.object_id, entry.object_label,
        entry.changes, entry.reason, host(entry.remote_addr)
    )::text, 'UTF8')), 'hex')
$$;

CREATE FUNCTION newsroom_audit_chain() RETURNS trigger
LANGUAGE plpgsql SET search_path = {path} AS $$
BEGIN
    -- Held until the transaction ends, so the entry read below is the last committed one and the next
    -- writer waits for this one. The id is drawn under the lock too, so id order is chain order.
    PERFORM pg_advisory_xact_lock({lock});
    NEW.id := nextval(pg_get_serial_sequence('newsroom_auditentry', 'id'));
    NEW.previous_hash := coalesce((SELECT entry_hash FROM newsroom_auditentry ORDER BY id DESC LIMIT 1), '');
    NEW.entry_hash := newsroom_audit_entry_hash(NEW.previous_hash, NEW);
    RETURN NEW;
END $$;

ALTER TABLE newsroom_auditentry DISABLE TRIGGER newsroom_auditentry_append_only;
DO $$ DECLARE entry_id bigint; previous text := ''; BEGIN
    FOR entry_id IN SELECT id FROM newsroom_auditentry ORDER BY id LOOP
        UPDATE newsroom_auditentry AS entry
           SET previous_hash = previous, entry_hash = newsroom_audit_entry_hash(previous, entry)
         WHERE id = entry_id
        RETURNING entry_hash INTO previous;
    END LOOP;
END $$;
ALTER TABLE newsroom_auditentry ENABLE TRIGGER newsroom_auditentry_append_only;

CREATE TRIGGER newsroom_auditentry_chain
    BEFORE INSERT ON newsroom_auditentry
    FOR EACH ROW EXECUTE FUNCTION newsroom_audit_chain();
"""

DROP = """
DROP TRIGGER IF EXISTS newsroom_auditentry_chain ON newsroom_auditentry;
DROP FUNCTION IF EXISTS newsroom_audit_chain();
DROP FUNCTION IF EXISTS newsroom_audit_entry_hash(text, newsroom_auditentry);
"""


def create_chain(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = cursor.fetchone()[0]
    # The schema's own objects first and temporary ones last, so no session can shadow the table the trigger reads.
    path = f"{connection.ops.quote_name(schema)}, pg_catalog, pg_temp"
    schema_editor.execute(CREATE.format(path=path, lock=AUDIT_CHAIN_LOCK_KEY), params=None)


def drop_chain(apps, schema_editor):
    schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('newsroom', '0002_audit_log_and_notifications'),
    ]

    operations = [
        migrations.AddField(
            model_name='auditentry',
            name='entry_hash',
            field=models.CharField(blank=True, db_default='', editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='auditentry',
            name='previous_hash',
            field=models.CharField(blank=True, db_default='', editable=False, max_length=64),
        ),
        migrations.RunPython(create_chain, drop_chain),
    ]
