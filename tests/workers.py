"""Real `manage.py rqworker` processes for tests that need a worker in a process of its own (to kill it, or to
run jobs the way production does)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def database_url() -> str:
    """The URL of the test database this test runs against, for a worker process."""
    db = connection.settings_dict
    host = db["HOST"] or db["OPTIONS"].get("host", "")
    auth = quote(db["USER"] or "") + (":" + quote(db["PASSWORD"]) if db["PASSWORD"] else "")
    if host.startswith("/"):
        return f"postgresql://{auth}@/{db['NAME']}?host={quote(host)}"
    return f"postgresql://{auth}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker(*arguments: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    """Starts `manage.py rqworker ARGUMENTS` on the test database and Redis, in a process group of its own."""
    return subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "rqworker", *arguments],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": database_url(),
            "REDIS_URL": settings.REDIS_URL,
            **(env or {}),
        },
        cwd=ROOT, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )


def kill_worker_and_its_children(worker: subprocess.Popen) -> None:
    """SIGKILL for the worker and the work-horse it forked (which runs in a session of its own)."""
    children = Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split()
    os.killpg(worker.pid, signal.SIGKILL)
    for child in children:
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(child), signal.SIGKILL)
    worker.wait(timeout=10)
