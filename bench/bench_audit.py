"""Server time of the audit log page, unfiltered and with each filter, at 1,000,000 entries.

NEWSROOM_BENCH_AUDIT_ROWS sets a smaller log for a quick run (the section then says how many).
"""

import os
import random
import time
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import override_settings
from django.utils import timezone

from bench.wsgi_client import WSGIClient, next_page, timings
from clusters.evaluation import scratch_database
from newsroom.audit import ACTIONS
from newsroom.roles import ADMINS, EDITORS, ensure_roles

TITLE = "Audit log at 1,000,000 entries"
ROWS = int(os.environ.get("NEWSROOM_BENCH_AUDIT_ROWS", "1000000"))
REQUESTS = 60
PEOPLE = 40


def populate(rows: int) -> None:
    """Fills the log with rows entries, one a second back from now, spread over PEOPLE people and every action."""
    names = list(ACTIONS)
    actions = "ARRAY[" + ",".join(f"'{name}'" for name in names) + "]"
    categories = "ARRAY[" + ",".join(f"'{ACTIONS[name][0]}'" for name in names) + "]"
    with connection.cursor() as cursor:
        cursor.execute(f"""
            INSERT INTO newsroom_auditentry (at, actor_id, actor_name, category, action, object_type, object_id,
                object_label, changes, reason, remote_addr)
            SELECT now() - (i || ' seconds')::interval, 1000 + i % {PEOPLE},
                   CASE WHEN i % 100000 = 7 THEN 'rare-person' ELSE 'person' || (i % {PEOPLE}) END,
                   ({categories})[1 + i % {len(names)}], ({actions})[1 + i % {len(names)}], 'rewrite',
                   'r_' || lpad(to_hex(i % 50000), 24, '0'), 'Story ' || (i % 50000),
                   jsonb_build_object('headline', jsonb_build_array('Old ' || i, 'New ' || i)), '', '10.0.0.1'
              FROM generate_series(1, {rows}) AS i""")
        cursor.execute("ANALYZE newsroom_auditentry")


def run() -> str:
    random.seed(14)
    # Debug off, as the desk runs in production; requests as the web server sends them (bench/wsgi_client.py).
    with override_settings(DEBUG=False, ALLOWED_HOSTS=["testserver"]):
        return measure()


def _client(username: str, role: str) -> WSGIClient:
    user = get_user_model().objects.create_user(username=username, password="x")
    user.groups.add(ensure_roles()[role])
    return WSGIClient(user)


def measure() -> str:
    with scratch_database():
        started = time.monotonic()
        populate(ROWS)
        filled = time.monotonic() - started
        admin, editor = _client("bench-admin", ADMINS), _client("bench-editor", EDITORS)
        admin.get("/audit/")
        editor.get("/audit/")
        day = (timezone.now() - timedelta(seconds=ROWS // 2)).date().isoformat()
        cases = {
            "Admin, first page": (admin, ["/audit/"] * REQUESTS),
            "Editor, first page (editorial entries only)": (editor, ["/audit/"] * REQUESTS),
            "by person": (admin, [f"/audit/?person=person{random.randrange(PEOPLE)}" for _ in range(REQUESTS)]),
            "a person with 10 entries in all": (admin, ["/audit/?person=rare-person"] * REQUESTS),
            "by action": (admin, [f"/audit/?action={random.choice(list(ACTIONS))}" for _ in range(REQUESTS)]),
            "by object": (admin, [f"/audit/?object=rewrite:r_{random.randrange(50000):024x}" for _ in range(REQUESTS)]),
            "one day, half-way back": (admin, [f"/audit/?since={day}&until={day}T23:59:59"] * REQUESTS),
            "person + action + day": (
                admin, [f"/audit/?person=person{random.randrange(PEOPLE)}&action=edit&since={day}"] * REQUESTS
            ),
            "50th page (cursor)": (admin, []),
        }
        response = admin.get("/audit/")
        for _ in range(49):
            response = admin.get("/audit/" + next_page(response))
        cases["50th page (cursor)"] = (admin, ["/audit/" + next_page(response)] * REQUESTS)
        lines = [
            f"{ROWS:,} audit entries (40 people and one with an entry every 100,000, every action) in a scratch PostgreSQL database, filled in "
            f"{filled:.0f} s. Server time of the desk's WSGI application (middleware, view, queries, template), "
            f"{REQUESTS} requests each, 50 entries a page, keyset paging (no COUNT, no OFFSET):",
            "",
            "| page | median ms | p95 ms | queries |",
            "|---|---:|---:|---:|",
        ]
        for name, (client, paths) in cases.items():
            median, p95, queries = timings(client, paths)
            lines.append(f"| {name} | {median:.1f} | {p95:.1f} | {queries} |")
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_table_size('newsroom_auditentry'), pg_indexes_size('newsroom_auditentry')")
            table, indexes = cursor.fetchone()
        lines += ["", f"On disk: {table / 2**20:,.0f} MiB of entries and {indexes / 2**20:,.0f} MiB of indexes."]
    return "\n".join(lines)
