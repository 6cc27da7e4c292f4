"""The two PostgreSQL roles the desk uses: the desk's own, and the one that owns the tables.

The web process, the workers and every command connect as the desk's role
(``DATABASE_URL``), which owns nothing: it may read and write the desk's
tables but only read and append to the audit log. Migrations run as the role
that owns the tables (``NEWSROOM_MIGRATE_DATABASE_URL``); after migrating,
``grant_desk_privileges`` gives the desk's role what it needs and no more.
With one role for both (no migrate URL), the desk owns the audit log and can
empty it; ``audit_role_warnings`` says so in ``manage.py check --database default``.
"""

from __future__ import annotations

from django.conf import settings
from django.core import checks
from django.db import DEFAULT_DB_ALIAS, connections

AUDIT_TABLE = "newsroom_auditentry"
_CREDENTIALS = ("USER", "PASSWORD", "HOST", "PORT", "OPTIONS")
# The desk's credentials of each connection switched to the owner, to put back afterwards.
_desk_credentials: dict[str, dict] = {}


def owner_configured() -> bool:
    return bool(settings.NEWSROOM_MIGRATE_DATABASE)


def use_owner(alias: str = DEFAULT_DB_ALIAS) -> bool:
    """Reconnects alias as the role that owns the tables (same database); False when there is none or it already is."""
    owner = settings.NEWSROOM_MIGRATE_DATABASE
    if not owner or alias in _desk_credentials:
        return False
    connection = connections[alias]
    connection.close()
    _desk_credentials[alias] = {key: connection.settings_dict.get(key) for key in _CREDENTIALS}
    connection.settings_dict.update({key: owner.get(key) for key in _CREDENTIALS})
    return True


def use_desk(alias: str = DEFAULT_DB_ALIAS) -> None:
    """Reconnects alias as the desk's role again after ``use_owner``."""
    credentials = _desk_credentials.pop(alias, None)
    if credentials is not None:
        connection = connections[alias]
        connection.close()
        connection.settings_dict.update(credentials)


def desk_role(alias: str = DEFAULT_DB_ALIAS) -> str:
    """The role DATABASE_URL names, whichever role alias is connected as now."""
    credentials = _desk_credentials.get(alias) or connections[alias].settings_dict
    return credentials.get("USER") or ""


def grant_desk_privileges(alias: str = DEFAULT_DB_ALIAS) -> bool:
    """Gives the desk's role ordinary reads and writes on every table and sequence of the schema, and only SELECT
    and INSERT on the audit log. Run as the owner after each migrate; returns False (and changes nothing) when the
    desk connects as the owner itself."""
    desk = desk_role(alias)
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT current_user, current_schema(), to_regclass(%s) IS NOT NULL", [AUDIT_TABLE])
        current, schema, has_audit = cursor.fetchone()
        if not desk or desk == current:
            return False
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [desk])
        if cursor.fetchone() is None:
            raise RuntimeError(
                f"The desk's database role “{desk}” (the user in DATABASE_URL) does not exist; create it as "
                "docs/operations.md, section “Database roles”, shows, then run migrate again."
            )
        role = connections[alias].ops.quote_name(desk)
        schema = connections[alias].ops.quote_name(schema)
        cursor.execute(f"GRANT USAGE ON SCHEMA {schema} TO {role}")
        cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA {schema} TO {role}")
        cursor.execute(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {schema} TO {role}")
        if has_audit:
            cursor.execute(f"REVOKE ALL ON {AUDIT_TABLE} FROM {role}")
            cursor.execute(f"GRANT SELECT, INSERT ON {AUDIT_TABLE} TO {role}")
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [AUDIT_TABLE])
            sequence = cursor.fetchone()[0]
            # nextval only: setval could send new entries' ids back over existing ones.
            cursor.execute(f"REVOKE ALL ON SEQUENCE {sequence} FROM {role}")
            cursor.execute(f"GRANT USAGE, SELECT ON SEQUENCE {sequence} TO {role}")
    return True


def audit_role_problems(alias: str = DEFAULT_DB_ALIAS) -> list[str]:
    """What the role alias connects as can do to the audit log beyond reading and appending, in words."""
    with connections[alias].cursor() as cursor:
        cursor.execute(
            """
            SELECT current_user, r.rolsuper,
                   c.oid IS NOT NULL AND pg_has_role(current_user, c.relowner, 'MEMBER'),
                   pg_get_userbyid(c.relowner),
                   c.oid IS NOT NULL AND (has_table_privilege(c.oid, 'UPDATE') OR has_table_privilege(c.oid, 'DELETE')
                                          OR has_table_privilege(c.oid, 'TRUNCATE'))
            FROM pg_roles r LEFT JOIN pg_class c ON c.oid = to_regclass(%s)
            WHERE r.rolname = current_user
            """,
            [AUDIT_TABLE],
        )
        role, superuser, owns, owner, may_change = cursor.fetchone()
    if superuser:
        return [f"The desk connects to PostgreSQL as “{role}”, a superuser: it can empty or rewrite the audit log."]
    if owns:
        return [f"The desk connects to PostgreSQL as “{role}”, which owns the audit log table (owner “{owner}”): "
                "it can empty it, or turn off the trigger that keeps it append-only."]
    if may_change:
        return [f"The desk's role “{role}” has been granted UPDATE, DELETE or TRUNCATE on the audit log table."]
    return []


@checks.register(checks.Tags.database)
def audit_role_warnings(app_configs=None, databases=None, **kwargs) -> list[checks.CheckMessage]:
    """`manage.py check --database default`: warns when the desk's role can change or empty the audit log."""
    if not databases or DEFAULT_DB_ALIAS not in databases:
        return []
    try:
        problems = audit_role_problems(DEFAULT_DB_ALIAS)
    except Exception:  # An unreachable database is reported by the checks that need it.
        return []
    hint = (
        "Connect the desk (DATABASE_URL) as a role that owns nothing and run migrations as the owner "
        "(NEWSROOM_MIGRATE_DATABASE_URL): docs/operations.md, section “Database roles”."
    )
    return [checks.Warning(problem, hint=hint, id="newsroom.W001") for problem in problems]
