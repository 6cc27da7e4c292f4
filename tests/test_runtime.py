"""The desk on a fresh machine: embedded servers, production settings, `make run`."""

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings

from newsroom import runtime

ROOT = Path(__file__).resolve().parent.parent


def run_python(code: str, *, var_dir: Path, extra_env: dict | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update({"NEWSROOM_VAR_DIR": str(var_dir), **(extra_env or {})})
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_embedded_postgres_keeps_data_across_restarts_and_stops_with_its_process(tmp_path):
    write = """
import psycopg
from newsroom import runtime
with psycopg.connect(runtime.embedded_migrate_database_url(), autocommit=True) as db:
    db.execute("CREATE TABLE kept (note text)")
    db.execute("INSERT INTO kept VALUES ('still here')")
"""
    read = """
import psycopg
from newsroom import runtime
with psycopg.connect(runtime.embedded_migrate_database_url()) as db:
    print(db.execute("SELECT note FROM kept").fetchone()[0])
"""
    run_python(write, var_dir=tmp_path)
    assert not (tmp_path / "pgdata" / "postmaster.pid").exists()

    assert run_python(read, var_dir=tmp_path).strip() == "still here"


def test_embedded_postgres_still_stops_after_a_process_holding_it_was_killed(tmp_path):
    killed = """
import os, signal
from newsroom import runtime
runtime.embedded_database_url()
os.kill(os.getpid(), signal.SIGKILL)
"""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env["NEWSROOM_VAR_DIR"] = str(tmp_path)
    subprocess.run([sys.executable, "-c", killed], cwd=ROOT, env=env, timeout=120)
    assert (tmp_path / "pgdata" / "postmaster.pid").exists()

    run_python("from newsroom import runtime; runtime.embedded_database_url()", var_dir=tmp_path)

    assert not (tmp_path / "pgdata" / "postmaster.pid").exists()


def test_embedded_redis_keeps_queued_data_across_restarts(tmp_path):
    socket_path = runtime.start_redis(tmp_path / "redis")
    import redis

    redis.Redis(unix_socket_path=str(socket_path)).rpush("rq:queue:ingest", "job-1")
    runtime.stop_redis(socket_path)
    assert not runtime._redis_answers(socket_path)

    socket_path = runtime.start_redis(tmp_path / "redis")
    try:
        assert redis.Redis(unix_socket_path=str(socket_path)).lrange("rq:queue:ingest", 0, -1) == [b"job-1"]
    finally:
        runtime.stop_redis(socket_path)


def test_embedded_redis_is_reused_when_already_running(tmp_path):
    first = runtime.start_redis(tmp_path / "redis")
    pid = (tmp_path / "redis" / "redis.pid").read_text()
    try:
        assert runtime.start_redis(tmp_path / "redis") == first
        assert (tmp_path / "redis" / "redis.pid").read_text() == pid
    finally:
        runtime.stop_redis(first)


def test_configured_servers_are_used_and_nothing_is_started(tmp_path):
    code = """
import pytest
from django.conf import settings
import django
django.setup()
print(settings.DATABASES["default"]["HOST"], settings.REDIS_URL)
"""
    output = run_python(
        code,
        var_dir=tmp_path,
        extra_env={
            "DJANGO_SETTINGS_MODULE": "newsroom.settings",
            "DATABASE_URL": "postgres://desk@db.example:5432/newsroom",
            "REDIS_URL": "redis://cache.example:6379/0",
        },
    )

    assert output.split() == ["db.example", "redis://cache.example:6379/0"]
    assert not (tmp_path / "pgdata").exists()
    assert not (tmp_path / "redis").exists()


def test_production_settings_pass_the_deploy_check(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "DEBUG": "false",
        "SECRET_KEY": "x" * 20 + "-production-secret-key-that-is-long-and-random-9f8e7d6c5b4a",
        "ALLOWED_HOSTS": "desk.example.com",
        "DATABASE_URL": settings.DATABASE_URL,
        "REDIS_URL": settings.REDIS_URL,
        "NEWSROOM_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "newsroom.settings", "DEBUG": "0", "SECRET_KEY": "",
           "DATABASE_URL": settings.DATABASE_URL, "REDIS_URL": settings.REDIS_URL}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_development_secret_key_is_generated_once(tmp_path, monkeypatch):
    monkeypatch.setattr(runtime, "VAR_DIR", tmp_path)

    first = runtime.development_secret_key()

    assert len(first) > 40
    assert runtime.development_secret_key() == first
    assert oct((tmp_path / "secret_key").stat().st_mode)[-3:] == "600"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_rundesk_brings_up_the_desk_with_demo_content_and_stops_on_ctrl_c(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update({"NEWSROOM_VAR_DIR": str(tmp_path), "NEWSROOM_ADMIN_PASSWORD": "", "PYTHONUNBUFFERED": "1"})
    desk = subprocess.Popen(
        [sys.executable, "manage.py", "rundesk", "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    lines = []
    try:
        password = None
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline:
            line = desk.stdout.readline()
            assert line, "rundesk exited early:\n" + "".join(lines)
            lines.append(line)
            if match := re.search(r"Log in as 'admin' with password: (\S+)", line):
                password = match.group(1)
            if "Press Ctrl-C to stop" in line:
                break
        assert password, "".join(lines)
        assert f"http://127.0.0.1:{port}/" in "".join(lines)

        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        login_url = f"http://127.0.0.1:{port}/accounts/login/"
        for _ in range(100):
            try:
                page = opener.open(login_url, timeout=5).read().decode()
                break
            except OSError:
                time.sleep(0.2)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        data = urlencode({"username": "admin", "password": password, "csrfmiddlewaretoken": token}).encode()
        queue = opener.open(urllib.request.Request(login_url, data=data, headers={"Referer": login_url}), timeout=10)

        assert "Alibaba Bans Employees From Using Claude Code" in queue.read().decode()
    finally:
        desk.send_signal(signal.SIGINT)
        output, _ = desk.communicate(timeout=60)
        lines.append(output)
    assert desk.returncode == 0, "".join(lines)
    assert "Stopped." in output
    assert not (tmp_path / "pgdata" / "postmaster.pid").exists()
    assert not runtime._redis_answers(tmp_path / "redis" / "redis.sock")


def _alive(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _desk_processes(desk: subprocess.Popen, var_dir: Path) -> set[int]:
    """Every process the desk started: its descendants, the embedded PostgreSQL and the embedded Redis."""
    import psutil

    pids = {child.pid for child in psutil.Process(desk.pid).children(recursive=True)}
    pids.add(int((var_dir / "pgdata" / "postmaster.pid").read_text().split()[0]))
    pids.add(int((var_dir / "redis" / "redis.pid").read_text().strip()))
    return pids


@pytest.mark.parametrize(
    "stop_signal, started_in_background",
    [(signal.SIGINT, True), (signal.SIGTERM, False), (signal.SIGTERM, True)],
    ids=["sigint-in-background", "sigterm", "sigterm-in-background"],
)
def test_rundesk_stops_everything_it_started_on_a_signal(tmp_path, stop_signal, started_in_background):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update({"NEWSROOM_VAR_DIR": str(tmp_path), "NEWSROOM_ADMIN_PASSWORD": "x-7Yq-desk", "PYTHONUNBUFFERED": "1"})
    # A shell starts a background job with SIGINT ignored; the job inherits that.
    ignore_sigint = (lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)) if started_in_background else None
    desk = subprocess.Popen(
        [sys.executable, "manage.py", "rundesk", "--port", str(port), "--no-demo"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, preexec_fn=ignore_sigint,
    )
    lines, started, output = [], set(), ""
    try:
        while "Press Ctrl-C to stop" not in "".join(lines[-1:]):
            line = desk.stdout.readline()
            assert line, "rundesk exited early:\n" + "".join(lines)
            lines.append(line)
        started = _desk_processes(desk, tmp_path)
        assert len(started) >= 5, started  # web master and workers, RQ worker, scheduler, PostgreSQL, Redis
        desk.send_signal(stop_signal)
        with contextlib.suppress(subprocess.TimeoutExpired):
            desk.wait(timeout=60)
    finally:
        leftovers = [pid for pid in [desk.pid, *started] if _alive(pid)]
        for pid in leftovers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        output = desk.stdout.read()
    assert leftovers == [] and desk.returncode == 0, "".join(lines) + output
    assert "Stopped." in output
    assert "development mode" in "".join(lines) and "Running in production" in "".join(lines)
    assert not (tmp_path / "pgdata" / "postmaster.pid").exists()


def _start_desk(var_dir: Path, port: int) -> tuple[subprocess.Popen, list[str]]:
    """Starts `manage.py rundesk` on var_dir and returns it once it says it is running, with what it printed."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update({"NEWSROOM_VAR_DIR": str(var_dir), "NEWSROOM_ADMIN_PASSWORD": "x-7Yq-desk", "PYTHONUNBUFFERED": "1"})
    desk = subprocess.Popen(
        [sys.executable, "manage.py", "rundesk", "--port", str(port), "--no-demo"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    lines = []
    while "Press Ctrl-C to stop" not in "".join(lines[-1:]):
        line = desk.stdout.readline()
        if not line:
            desk.kill()
            pytest.fail("rundesk exited early:\n" + "".join(lines))
        lines.append(line)
    return desk, lines


def _stop_desk(desk: subprocess.Popen, var_dir: Path) -> None:
    """Stops a desk with Ctrl-C, or failing that kills what it started."""
    started = _desk_processes(desk, var_dir) if desk.poll() is None else set()
    desk.send_signal(signal.SIGINT)
    with contextlib.suppress(subprocess.TimeoutExpired):
        desk.wait(timeout=60)
    for pid in [desk.pid, *started]:
        if _alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    desk.stdout.close()


def _wait_until_gone(pids: set[int]) -> list[str]:
    """Waits for every pid to end; returns those still running after a generous deadline, with their command."""
    import psutil

    deadline = time.monotonic() + 120
    while (alive := sorted(pid for pid in pids if _alive(pid))) and time.monotonic() < deadline:
        time.sleep(0.1)
    described = []
    for pid in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            described.append(f"{pid} {' '.join(psutil.Process(pid).cmdline())}")
    return described


def _login_page_status(port: int) -> int:
    deadline = time.monotonic() + 60
    while True:
        try:
            return urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5).status
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_a_second_desk_on_the_same_folder_is_refused_and_leaves_the_first_running(tmp_path):
    port = free_port()
    desk, _ = _start_desk(tmp_path, port)
    try:
        postmaster = int((tmp_path / "pgdata" / "postmaster.pid").read_text().split()[0])
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
        env["NEWSROOM_VAR_DIR"] = str(tmp_path)
        second = subprocess.run(
            [sys.executable, "manage.py", "rundesk", "--port", str(free_port()), "--no-demo"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
        )

        assert second.returncode != 0
        assert (
            f"A desk is already running from this folder (pid {desk.pid}, http://127.0.0.1:{port}/); "
            f"stop it with Ctrl-C in its terminal or `kill {desk.pid}`"
        ) in second.stderr
        assert _alive(postmaster)
        assert runtime._redis_answers(tmp_path / "redis" / "redis.sock")
        assert _login_page_status(port) == 200
    finally:
        _stop_desk(desk, tmp_path)


def test_killing_the_launcher_stops_everything_it_started(tmp_path):
    desk, lines = _start_desk(tmp_path, free_port())
    started = _desk_processes(desk, tmp_path)
    try:
        assert len(started) >= 5, started  # web master and workers, RQ worker, scheduler, PostgreSQL, Redis

        desk.kill()
        desk.wait()

        assert _wait_until_gone(started) == []
    finally:
        for pid in started:
            if _alive(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        lines.append(desk.stdout.read())
    assert "ended without stopping the desk" in "".join(lines)
    assert not (tmp_path / "pgdata" / "postmaster.pid").exists()
    assert not runtime._redis_answers(tmp_path / "redis" / "redis.sock")


def test_a_start_stops_what_a_killed_launcher_left_running_and_comes_up(tmp_path):
    import psutil

    port = free_port()
    first, _ = _start_desk(tmp_path, port)
    left_running = _desk_processes(first, tmp_path)
    try:
        # With the keeper killed as well, nothing stops the first desk's processes.
        for keeper in psutil.Process(first.pid).children():
            if "newsroom.desk_lock" in keeper.cmdline():
                keeper.kill()
        first.kill()
        first.wait()
        first.stdout.close()

        second, lines = _start_desk(tmp_path, port)
        try:
            assert "was not stopped; stopping what it left running first" in "".join(lines)
            assert _wait_until_gone(left_running) == []
            assert _login_page_status(port) == 200
        finally:
            _stop_desk(second, tmp_path)
    finally:
        for pid in left_running:
            if _alive(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
