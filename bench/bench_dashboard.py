"""Server time of the operations dashboard at 200,000 rewrites and 1,000,000 model calls, before and after
the scheduled sweep has summed the finished days.

``NEWSROOM_BENCH_DASHBOARD_SCALE`` (default 1) scales both numbers down for a quick run, e.g. 0.1.
"""

import os
import time

from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import override_settings

from bench.bench_review import populate
from bench.wsgi_client import WSGIClient, timings
from clusters.evaluation import scratch_database
from newsroom.roles import ADMINS, ensure_roles
from rewrites.dashboard.jobs import roll_up_finished_days

TITLE = "Dashboard at 200,000 rewrites and 1,000,000 model calls"
SCALE = float(os.environ.get("NEWSROOM_BENCH_DASHBOARD_SCALE", "1"))
REWRITES = int(200_000 * SCALE)
CALLS = int(1_000_000 * SCALE)
CALL_DAYS = 200  # the calls are spread evenly over this many days, the newest now
REQUESTS = 40


def populate_operations(rewrites: int, calls: int) -> None:
    """Adds to bench_review's rewrites: model calls, generated and published revisions, lint findings,
    published stories and failing sources."""
    seconds = CALL_DAYS * 86400
    with connection.cursor() as cursor:
        cursor.execute(f"""
            INSERT INTO rewrites_modelcall (rewrite_id, model, prompt_version, purpose, input_tokens, output_tokens,
                cost_usd, latency_ms, outcome, error, created_at)
            SELECT 'r_' || lpad(to_hex(1 + i % {rewrites}), 24, '0'),
                   (ARRAY['gpt-4.1-mini','gpt-4.1','claude-haiku'])[1 + i % 3], 'v1',
                   (ARRAY['generate','repair','claim-check'])[1 + i % 3], 3000 + i % 900, 600 + i % 300,
                   0.0005 + (i % 7) * 0.0001, 1200, (ARRAY['ok','ok','ok','ok','ok','ok','timeout','rate_limited',
                   'invalid_json','schema_error'])[1 + i % 10], '',
                   now() - ((i::float * {seconds} / {calls}) || ' seconds')::interval
              FROM generate_series(1, {calls}) AS i""")
        # Every rewrite was written 30 minutes after its cluster started; a sixth published 2 hours later.
        cursor.execute("""
            INSERT INTO rewrites_revision (rewrite_id, number, kind, reason, fields, changed_fields, created_at)
            SELECT id, 1, 'generated', '', '{}', '[]', created_at + interval '30 minutes' FROM rewrites_rewrite""")
        cursor.execute("""
            INSERT INTO rewrites_revision (rewrite_id, number, kind, reason, fields, changed_fields, created_at)
            SELECT id, 2, 'published', '', '{}', '[]', created_at + interval '150 minutes'
              FROM rewrites_rewrite WHERE status = 'published'""")
        cursor.execute("""
            UPDATE rewrites_rewrite SET lint_flags_json =
                '[{"code": "unsupported-number", "severity": "error"}, {"code": "hype", "severity": "warning"}]'
             WHERE lint_errors > 0""")
        cursor.execute("""
            INSERT INTO rewrites_publishedstory (rewrite_id, slug, headline, summary, why_it_matters, web_card_html,
                newsletter_blurb, sources, domain, content_type, published_at, updated_at, rewrite_version, card,
                image, image_alt, image_credit, image_width, image_height, withdrawn_reason)
            SELECT id, slug, headline, '', '', '', '', '[]', '', '', created_at + interval '150 minutes',
                   created_at + interval '150 minutes', 1, '', '', '', '', 0, 0, ''
              FROM rewrites_rewrite WHERE status = 'published'""")
        # Articles arrive as their clusters start: one a minute, like the rewrites.
        cursor.execute("UPDATE clusters_article SET fetched_at = published_at")
        cursor.execute("""
            UPDATE clusters_source SET consecutive_failures = id % 3, last_error = 'HTTP 503 from the feed'
             WHERE id % 3 = 0""")
        # As autovacuum would have by now: statistics and the visibility map (index-only counts).
        cursor.execute("VACUUM ANALYZE")


def run() -> str:
    # Debug off, as the desk runs in production; requests as the web server sends them (bench/wsgi_client.py).
    with override_settings(DEBUG=False, ALLOWED_HOSTS=["testserver"]):
        return measure()


def measure() -> str:
    with scratch_database():
        user = get_user_model().objects.create_user(username="bench-admin", password="x")
        user.groups.add(ensure_roles()[ADMINS])
        started = time.monotonic()
        populate(REWRITES, assignee_id=user.id)
        populate_operations(REWRITES, CALLS)
        filled = time.monotonic() - started
        client = WSGIClient(user)
        client.get("/dashboard/")
        rows = []
        for name in ("today", "7d", "30d"):
            rows.append((f"{name}, before the first daily sums (every day counted live)", *timings(client, [f"/dashboard/?range={name}"] * REQUESTS)))
        started = time.monotonic()
        summed = roll_up_finished_days()
        rolled = time.monotonic() - started
        for name in ("today", "7d", "30d"):
            rows.append((f"{name}, with the daily sums", *timings(client, [f"/dashboard/?range={name}"] * REQUESTS)))
        lines = [
            f"{REWRITES:,} rewrites (each with a cluster, a source article and a generated revision; a sixth "
            f"published) and {CALLS:,} model calls spread over {CALL_DAYS} days, in a scratch PostgreSQL database, "
            f"filled in {filled:.0f} s. The scheduled sweep summed {summed} finished days in {rolled:.1f} s (it does "
            f"so once; afterwards only the day that just ended). Server time of the desk's WSGI application (middleware, view, queries, Redis, template), "
            f"{REQUESTS} requests each; the machine is shared with other work, so the p95 column is the noisier one:",
            "",
            "| page | median ms | p95 ms | queries |",
            "|---|---:|---:|---:|",
            *(f"| {name} | {median:.1f} | {p95:.1f} | {queries} |" for name, median, p95, queries in rows),
        ]
    return "\n".join(lines)
