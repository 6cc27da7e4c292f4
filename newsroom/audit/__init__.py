"""The desk-wide audit log: who did what to which object, when, from where, and what changed.

Every editorial and admin action calls ``record`` once, at the one place that
makes the change (the review, publishing and clustering services, the Sources
views, the admin, the auth signals), inside the same transaction, so an action
that is rolled back leaves no entry. A job acting for a person passes that
person as the actor. The request's address (and, for the admin and the auth
signals, its user) comes from ``AuditContextMiddleware``.

Entries are append-only: the model refuses updates and deletes, the admin is
read-only, a database trigger refuses UPDATE and DELETE on the table, and the
desk's database role may only read and insert (``newsroom.database_roles``).
Each entry carries a hash over its content and the previous entry's hash,
written by the database as it is inserted; ``verify_chain`` recomputes them
(``manage.py verify_audit_log``).
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet

from newsroom.csv_safety import stream_csv
from newsroom.models import AuditEntry
from newsroom.outbound import masked_url
from newsroom.parameters import ParameterError, within_calendar
from newsroom.rules import Action, may
from newsroom.timestamps import format_timestamp

Category = AuditEntry.Category

# Every action the log knows: its category (who may read it) and how the page names it.
ACTIONS: dict[str, tuple[str, str]] = {
    "edit": (Category.EDITORIAL, "Edited"),
    "approve": (Category.EDITORIAL, "Approved"),
    "spike": (Category.EDITORIAL, "Spiked"),
    "restore": (Category.EDITORIAL, "Restored a revision"),
    "check_finding": (Category.EDITORIAL, "Marked a finding checked"),
    "accept_suggestion": (Category.EDITORIAL, "Accepted regenerated text"),
    "discard_suggestion": (Category.EDITORIAL, "Discarded regenerated text"),
    "regenerate": (Category.EDITORIAL, "Asked for a regeneration"),
    "write_queue": (Category.EDITORIAL, "Queued for writing"),
    "write_start": (Category.EDITORIAL, "Started writing"),
    "write_draft": (Category.EDITORIAL, "Wrote a draft"),
    "write_in_place": (Category.EDITORIAL, "Wrote regenerated text in place"),
    "write_repair": (Category.EDITORIAL, "Queued a repair"),
    "write_fail": (Category.EDITORIAL, "Gave up writing"),
    "write_budget": (Category.EDITORIAL, "Waited for the daily budget"),
    "write_recover": (Category.EDITORIAL, "Took back the work of a stopped worker"),
    "import": (Category.EDITORIAL, "Imported a record"),
    "assign": (Category.EDITORIAL, "Assigned a rewrite"),
    "publish": (Category.EDITORIAL, "Published"),
    "republish": (Category.EDITORIAL, "Republished"),
    "kill": (Category.EDITORIAL, "Took down"),
    "cluster_merge": (Category.EDITORIAL, "Merged clusters"),
    "cluster_move": (Category.EDITORIAL, "Moved an article"),
    "cluster_roundup": (Category.EDITORIAL, "Changed roundup mark"),
    "source_add": (Category.ADMIN, "Added a source"),
    "source_edit": (Category.ADMIN, "Edited a source"),
    "source_disable": (Category.ADMIN, "Disabled a source"),
    "source_enable": (Category.ADMIN, "Enabled a source"),
    "source_fetch": (Category.ADMIN, "Fetched a source now"),
    "job_retry": (Category.ADMIN, "Retried a failed job"),
    "webhook_create": (Category.ADMIN, "Created a webhook"),
    "webhook_edit": (Category.ADMIN, "Edited a webhook"),
    "webhook_revoke": (Category.ADMIN, "Turned a webhook off"),
    "webhook_delete": (Category.ADMIN, "Deleted a webhook"),
    "token_create": (Category.ADMIN, "Created an API token"),
    "token_revoke": (Category.ADMIN, "Revoked an API token"),
    "token_edit": (Category.ADMIN, "Edited an API token"),
    "user_create": (Category.ADMIN, "Created a user"),
    "user_change": (Category.ADMIN, "Changed a user"),
    "user_delete": (Category.ADMIN, "Deleted a user"),
    "role_change": (Category.ADMIN, "Changed a role's permissions"),
    "login": (Category.ACCESS, "Logged in"),
    "login_failed": (Category.ACCESS, "Failed to log in"),
    "logout": (Category.ACCESS, "Logged out"),
}

PAGE_SIZE = 50


@dataclass
class AuditContext:
    user: Any = None
    remote_addr: str | None = None


_context: contextvars.ContextVar[AuditContext | None] = contextvars.ContextVar("audit_context", default=None)


def client_address(request) -> str | None:
    """The client's address as the login throttling sees it (proxy settings included), or None."""
    from axes.helpers import get_client_ip_address

    try:
        return get_client_ip_address(request) or None
    except Exception:  # A malformed forwarding header must not stop the action being recorded.
        return request.META.get("REMOTE_ADDR") or None


class AuditContextMiddleware:
    """Makes the request's user and address known to ``record`` for the length of the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _context.set(AuditContext(user=getattr(request, "user", None), remote_addr=client_address(request)))
        try:
            return self.get_response(request)
        finally:
            _context.reset(token)


def current_user():
    """The user of the request being served, or None (a job, a command)."""
    context = _context.get()
    user = context.user if context else None
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def _text(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str, list, dict)):
        return value
    if isinstance(value, datetime):
        return format_timestamp(value)
    return str(value)


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list]:
    """{field: [before, after]} for every field whose value differs, as JSON-friendly values."""
    return {
        name: [_text(before.get(name)), _text(after.get(name))]
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    }


def shown_changes(changes: dict) -> dict:
    """changes as pages and exports show them: the user name and password of any address masked.

    ``record`` is given addresses masked already; entries written before that may hold them, and entries
    can never be changed.
    """
    return {
        name: [masked_url(value) if isinstance(value, str) else value for value in pair] if isinstance(pair, list)
        else pair
        for name, pair in changes.items()
    }


def record(
    *,
    action: str,
    actor=None,
    actor_name: str = "",
    obj: Any = None,
    object_type: str = "",
    object_id: str = "",
    object_label: str = "",
    changes: dict | None = None,
    reason: str = "",
    request=None,
) -> AuditEntry:
    """Appends one entry to the audit log and returns it.

    actor: who acted (for a job, the person it acts for); without one, the user
    of the request being served, else nobody (the system). obj fills the object's
    type, id and label unless they are given. changes: {field: [before, after]}.
    """
    if action not in ACTIONS:
        raise ValueError(f"“{action}” is not an action the audit log knows; add it to newsroom.audit.ACTIONS.")
    context = _context.get()
    if actor is None or not getattr(actor, "is_authenticated", False):
        actor = current_user() if actor is None else None
    if obj is not None:
        object_type = object_type or obj._meta.verbose_name
        object_id = object_id or str(obj.pk)
        object_label = object_label or str(obj)
    remote_addr = client_address(request) if request is not None else (context.remote_addr if context else None)
    return AuditEntry.objects.create(
        actor_id=actor.pk if actor is not None else None,
        actor_name=actor.get_username() if actor is not None else actor_name,
        category=ACTIONS[action][0],
        action=action,
        object_type=object_type[:50],
        object_id=str(object_id)[:100],
        object_label=(object_label or "")[:300],
        changes=changes or {},
        reason=reason or "",
        remote_addr=remote_addr,
    )


# Reading the log


@dataclass
class AuditFilters:
    person: str = ""
    action: str = ""
    object: str = ""
    since: datetime | None = None
    until: datetime | None = None
    errors: list[str] = field(default_factory=list)


def _parse_time(text: str, name: str, errors: list[str], *, end_of_day: bool = False) -> datetime | None:
    """The time text names (a date, or a date and time; UTC unless it says otherwise). A date alone means the
    start of that day, or with end_of_day the start of the next, so "until 2026-11-30" includes the 30th."""
    from django.utils import timezone
    from django.utils.dateparse import parse_date, parse_datetime

    text = text.strip()
    if not text:
        return None
    try:
        if len(text) == 10 and (day := parse_date(text)) is not None:
            within_calendar(day, text=text, name=f"The {name} date")
            moment = datetime(day.year, day.month, day.day) + (timedelta(days=1) if end_of_day else timedelta())
        elif (moment := parse_datetime(text)) is not None:
            within_calendar(moment.date(), text=text, name=f"The {name} time")
    except ParameterError as error:
        errors.append(str(error))
        return None
    except ValueError:
        moment = None
    if moment is None:
        errors.append(f"“{text}” is not a time the {name} filter understands; use a date like 2026-11-30.")
        return None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def parse_filters(params) -> AuditFilters:
    """The filters of the audit page's query string; unreadable ones are named in ``errors`` and ignored."""
    errors: list[str] = []
    action = params.get("action", "").strip()
    if action and action not in ACTIONS:
        errors.append(f"“{action}” is not an action in the log; choose one from the list.")
        action = ""
    return AuditFilters(
        person=params.get("person", "").strip(),
        action=action,
        object=params.get("object", "").strip(),
        since=_parse_time(params.get("since", ""), "from", errors),
        until=_parse_time(params.get("until", ""), "until", errors, end_of_day=True),
        errors=errors,
    )


def visible_entries(user) -> QuerySet[AuditEntry]:
    """The entries the user may read: Admins every entry, Editors the desk's editorial actions, others none."""
    if may(user, Action.VIEW_ALL_AUDIT):
        return AuditEntry.objects.all()
    if may(user, Action.VIEW_AUDIT):
        return AuditEntry.objects.editorial()
    return AuditEntry.objects.none()


def filtered(entries: QuerySet[AuditEntry], filters: AuditFilters) -> QuerySet[AuditEntry]:
    """entries narrowed by the filters, newest first.

    person: a user name (exact); object: "type:id" (a rewrite's id, a source's number) or an id alone.
    """
    if filters.person:
        entries = entries.filter(actor_name=filters.person)
    if filters.action:
        entries = entries.filter(action=filters.action)
    if filters.object:
        kind, _, ident = filters.object.rpartition(":")
        entries = entries.filter(object_type=kind, object_id=ident) if kind else entries.filter(object_id=ident)
    if filters.since:
        entries = entries.filter(at__gte=filters.since)
    if filters.until:
        entries = entries.filter(at__lt=filters.until)
    return entries.order_by("-at", "-id")


def encode_cursor(entry: AuditEntry) -> str:
    return f"{entry.at.isoformat()}_{entry.pk}"


def after_cursor(entries: QuerySet[AuditEntry], cursor: str) -> QuerySet[AuditEntry]:
    """The entries older than the one the cursor names (keyset paging: no OFFSET, no COUNT)."""
    from django.utils.dateparse import parse_datetime

    moment_text, _, ident = cursor.rpartition("_")
    try:
        moment, pk = parse_datetime(moment_text), int(ident)
    except ValueError:
        return entries
    if moment is None:
        return entries
    # The redundant at <= bound lets PostgreSQL start the index scan at the cursor.
    return entries.filter(at__lte=moment).filter(Q(at__lt=moment) | Q(at=moment, id__lt=pk))


def page_of(entries: QuerySet[AuditEntry], *, cursor: str = "", size: int = PAGE_SIZE) -> tuple[list[AuditEntry], str]:
    """One page of entries and the cursor of the next page ("" on the last)."""
    if cursor:
        entries = after_cursor(entries, cursor)
    rows = list(entries[: size + 1])
    return rows[:size], (encode_cursor(rows[size - 1]) if len(rows) > size else "")


CSV_HEADER = ["time", "person", "action", "object type", "object id", "object", "changes", "reason", "address"]


def csv_rows(entries: QuerySet[AuditEntry]) -> Iterator[str]:
    """The entries as CSV text, a row at a time, through the shared formula-safe writer."""
    import json

    return stream_csv(CSV_HEADER, (
        [
            format_timestamp(entry.at), entry.actor_name, entry.action, entry.object_type, entry.object_id,
            entry.object_label, json.dumps(shown_changes(entry.changes), ensure_ascii=False) if entry.changes else "",
            entry.reason, entry.remote_addr or "",
        ]
        for entry in entries.iterator(chunk_size=2000)
    ))


# The hash chain


@dataclass
class ChainBreak:
    """The first entry whose hash does not follow: its id, time, and what is wrong, in words."""

    entry_id: int
    at: datetime
    problem: str


@dataclass
class ChainReport:
    entries: int
    last_id: int | None
    last_hash: str
    broken: ChainBreak | None


_CHAIN_SQL = """
SELECT id, at, previous_id, entry_hash = expected_hash
FROM (
    SELECT id, at, previous_hash, entry_hash, newsroom_audit_entry_hash(previous_hash, entry) AS expected_hash,
           lag(id) OVER chain AS previous_id, coalesce(lag(entry_hash) OVER chain, '') AS expected_previous
    FROM newsroom_auditentry AS entry
    WINDOW chain AS (ORDER BY id)
) AS checked
WHERE previous_hash <> expected_previous OR entry_hash <> expected_hash
ORDER BY id
LIMIT 1
"""


def verify_chain() -> ChainReport:
    """Recomputes every entry's hash in id order and returns the first entry that does not follow, if any.

    An entry whose own hash does not match its content was changed after it was written; one whose
    previous hash is not the hash of the entry before it comes after a deleted entry, or after an entry that
    was changed and given a new hash. Entries removed from the end leave no break: compare ``last_hash``
    with one noted earlier.
    """
    with connection.cursor() as cursor:
        cursor.execute(_CHAIN_SQL)
        row = cursor.fetchone()
        cursor.execute("SELECT count(*), max(id) FROM newsroom_auditentry")
        entries, last_id = cursor.fetchone()
        cursor.execute("SELECT entry_hash FROM newsroom_auditentry WHERE id = %s", [last_id])
        last = cursor.fetchone()
    broken = None
    if row is not None:
        entry_id, at, previous_id, matches = row
        if not matches:
            problem = "its content no longer matches its hash: it was changed after it was written"
        elif previous_id is None:
            problem = "it is the first entry but names a previous hash: the entries before it were deleted"
        else:
            problem = (
                f"its previous hash is not the hash of entry #{previous_id}, the one before it: an entry between "
                f"them was deleted, or #{previous_id} was changed and given a new hash"
            )
        broken = ChainBreak(entry_id=entry_id, at=at, problem=problem)
    return ChainReport(entries=entries, last_id=last_id, last_hash=last[0] if last else "", broken=broken)
