"""One desk per var/ folder, and nothing left running when its launcher dies.

`manage.py rundesk` (the launcher) locks ``var/desk.pid`` before the settings
start the embedded servers, and writes into it its pid, the desk's address,
the process groups of the web server, worker and scheduler, and whether it
started the embedded Redis. The lock goes with the launcher, however it ends.

A keeper process (``python -m newsroom.desk_lock``), in a session of its own
so a terminal's signals do not reach it, reads a pipe from the launcher. When
the launcher stops the desk it says so on the pipe; when the pipe closes
without a word (kill -9, the out-of-memory killer), the keeper stops what the
file lists, then the embedded Redis and PostgreSQL. A start that finds the
lock free and the file still listing a desk (the keeper died too) does the
same before starting. This module is imported before the settings, so it must
not import Django.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

from newsroom import runtime

# Seconds each process group gets after SIGTERM, then after a second SIGTERM (an RQ worker's cold shutdown,
# which also stops the job it is running), before the whole group is killed.
GRACE_SECONDS = 10
# How long a start or a keeper waits for a desk whose launcher has died to be stopped by the other.
STOPPING_SECONDS = 3 * GRACE_SECONDS + 60

_STOPPED = b"stopped"

_lock_fd: int | None = None
_keeper: subprocess.Popen | None = None
_record: dict = {}


class DeskAlreadyRunning(RuntimeError):
    """Another desk runs from the same var/ folder; the message says which and how to stop it."""


def lock_path() -> Path:
    return runtime.VAR_DIR / "desk.pid"


def claim_folder() -> None:
    """Makes this process the desk's launcher for var/, or raises DeskAlreadyRunning.

    What a launcher that died left running is stopped first. Calling it again
    in the same process does nothing.
    """
    global _lock_fd, _keeper
    if _lock_fd is not None:
        return
    runtime.VAR_DIR.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path(), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        _wait_for_lock(fd)
        previous = _read_record()
        if previous:
            _say(
                f"The desk last started from {runtime.VAR_DIR} (pid {previous.get('pid')}) was not stopped; "
                "stopping what it left running first."
            )
            stop_leftovers(previous)
        redis_socket = runtime.VAR_DIR / "redis" / "redis.sock"
        # Whatever answers there later was started by this launcher, which then owns it.
        _record.update(pid=os.getpid(), url=None, groups=[], redis=None)
        if not runtime._redis_answers(redis_socket):
            _record["redis"] = str(redis_socket)
        _write_record(fd, _record)
    except BaseException:
        os.close(fd)
        raise
    _lock_fd = fd
    _keeper = subprocess.Popen(
        [sys.executable, "-m", "newsroom.desk_lock", str(os.getpid())],
        stdin=subprocess.PIPE,
        cwd=runtime.BASE_DIR,
        env={**os.environ, "NEWSROOM_VAR_DIR": str(runtime.VAR_DIR)},
        start_new_session=True,
    )
    atexit.register(release_folder)


def record_desk(*, url: str) -> None:
    """Writes the desk's address into var/desk.pid, for a second start to show."""
    _record["url"] = url
    _write_record(_lock_fd, _record)


def record_group(pid: int) -> None:
    """Adds a child started in its own session (its process group is its pid) to what a keeper stops."""
    _record["groups"].append({"pid": pid, "started": psutil.Process(pid).create_time()})
    _write_record(_lock_fd, _record)


def release_folder() -> None:
    """Stops the embedded servers, tells the keeper the desk stopped, and lets go of var/desk.pid."""
    global _lock_fd, _keeper
    if _lock_fd is None:
        return
    runtime.stop_embedded_servers()
    _write_record(_lock_fd, {})
    if _keeper is not None:
        with contextlib.suppress(OSError):
            _keeper.stdin.write(_STOPPED)
            _keeper.stdin.close()
        _keeper.wait()
        _keeper = None
    os.close(_lock_fd)
    _lock_fd = None


def stop_leftovers(record: dict) -> None:
    """Stops what a launcher that died left running: its children's process groups, Redis and PostgreSQL."""
    leaders = []
    for group in record.get("groups", []):
        try:
            if psutil.Process(group["pid"]).create_time() != group["started"]:
                continue  # The pid now belongs to another process.
        except psutil.NoSuchProcess:
            pass  # The leader is gone; members of its group may not be.
        leaders.append(group["pid"])
    stop_process_groups(leaders)
    if record.get("redis"):
        runtime.stop_redis(Path(record["redis"]))
    runtime.stop_unheld_postgres()


def stop_process_groups(leaders: list[int]) -> None:
    """Stops each leader (SIGTERM, again, each with a grace period), then kills what is left of its group."""
    for number in (signal.SIGTERM, signal.SIGTERM):
        running = [pid for pid in leaders if runtime.process_alive(pid)]
        if not running:
            break
        for pid in running:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, number)
        deadline = time.monotonic() + GRACE_SECONDS
        while any(runtime.process_alive(pid) for pid in running) and time.monotonic() < deadline:
            time.sleep(0.1)
    for pid in leaders:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)


def _wait_for_lock(fd: int, *, keeper_of: int | None = None) -> bool:
    """Locks fd and returns True; a start raises DeskAlreadyRunning while a live launcher holds it.

    A lock held after its launcher died is held by whoever stops that desk's
    leftovers (its keeper, or a new start), so this waits for it. A keeper
    (keeper_of is its launcher's pid) returns False once a new desk has taken
    the folder, and after waiting too long.
    """
    deadline = time.monotonic() + STOPPING_SECONDS
    said = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            pass
        holder = _read_record().get("pid")
        if keeper_of is not None and holder != keeper_of:
            return False
        if keeper_of is None and isinstance(holder, int) and not said and not runtime.process_alive(holder):
            _say(f"Waiting for what the desk last started from here (pid {holder}) left running to be stopped...")
            said = True
        if keeper_of is None and isinstance(holder, int) and runtime.process_alive(holder):
            url = _read_record().get("url")
            where = f"pid {holder}, {url}" if url else f"pid {holder}, still starting"
            raise DeskAlreadyRunning(
                f"A desk is already running from this folder ({where}); "
                f"stop it with Ctrl-C in its terminal or `kill {holder}`. "
                f"(Its data is in {runtime.VAR_DIR}; a second desk needs its own NEWSROOM_VAR_DIR and NEWSROOM_PORT.)"
            )
        if time.monotonic() > deadline:
            if keeper_of is not None:
                return False
            raise DeskAlreadyRunning(
                f"The desk that last ran from {runtime.VAR_DIR} (pid {holder}) is still being stopped "
                f"after {STOPPING_SECONDS} seconds; see what is left with `ps -ef`, then try again."
            )
        time.sleep(0.1)


def _read_record() -> dict:
    try:
        record = json.loads(lock_path().read_text() or "{}")
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def _write_record(fd: int, record: dict) -> None:
    data = json.dumps(record).encode()
    os.ftruncate(fd, 0)
    os.pwrite(fd, data, 0)


def _say(message: str) -> None:
    with contextlib.suppress(OSError):
        print(message, file=sys.stderr, flush=True)


def keep(launcher: int) -> None:
    """Waits for the launcher to end; if it ended without stopping the desk, stops what it left running."""
    if sys.stdin.buffer.read() == _STOPPED:
        return
    fd = os.open(lock_path(), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if not _wait_for_lock(fd, keeper_of=launcher):
            return
        record = _read_record()
        if record.get("pid") != launcher:
            return
        _say(f"The desk's launcher (pid {launcher}) ended without stopping the desk; stopping what it started.")
        try:
            stop_leftovers(record)
        except runtime.EmbeddedServiceError as error:
            _say(str(error))
            return
        _write_record(fd, {})
    finally:
        os.close(fd)


if __name__ == "__main__":
    keep(int(sys.argv[1]))
