import contextlib
import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from newsroom import desk_lock
from newsroom.desk_lock import GRACE_SECONDS
from newsroom.first_admin import ensure_admin
from newsroom.roles import ensure_roles
from newsroom.runtime import EmbeddedServiceError, stop_on_signals

QUEUES = ["default", "ingest", "generate", "publish"]


class Command(BaseCommand):
    help = (
        "Brings up the whole desk in development mode: database, queue, migrations, roles, an admin login, "
        "demo content, then the web server, an RQ worker and the scheduler until Ctrl-C or SIGTERM."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("NEWSROOM_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("NEWSROOM_PORT", "8000")))
        parser.add_argument("--no-demo", action="store_true", help="Do not load demo content.")

    def handle(self, *args, host: str, port: int, no_demo: bool, **options):
        # manage.py installs these before the settings load; again here for call_command("rundesk").
        stop_on_signals()
        try:
            desk_lock.claim_folder()
        except (desk_lock.DeskAlreadyRunning, EmbeddedServiceError) as error:
            raise CommandError(str(error)) from error
        children: dict[str, subprocess.Popen] = {}
        try:
            self.run_desk(host=host, port=port, no_demo=no_demo, children=children)
        except KeyboardInterrupt:
            pass
        finally:
            # A second Ctrl-C must not cut the shutdown short and leave processes behind.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            self.stdout.write("Stopping the desk...")
            stop_children(children)
            desk_lock.release_folder()
            self.stdout.write("Stopped. Data is kept in var/ for the next start.")

    def run_desk(self, *, host: str, port: int, no_demo: bool, children: dict[str, subprocess.Popen]) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        ensure_roles()
        admin, password = ensure_admin()
        local_host = "127.0.0.1" if host in {"0.0.0.0", "::", ""} else host
        demo_feeds_url = os.environ.get("NEWSROOM_DEMO_FEEDS_URL") or f"http://{local_host}:{port}/demo-feeds/"
        if not no_demo:
            call_command("load_demo", feeds_url=demo_feeds_url, stdout=self.stdout)

        env = {
            **os.environ,
            "DATABASE_URL": settings.DATABASE_URL,
            "REDIS_URL": settings.REDIS_URL,
            "NEWSROOM_HOST": host,
            "NEWSROOM_PORT": str(port),
            "NEWSROOM_DEMO_FEEDS_URL": demo_feeds_url,
            # On a desk brought up to look around, write a new story half a minute after it settles
            # rather than the production default of a quarter of an hour.
            "NEWSROOM_SETTLE_SECONDS": os.environ.get("NEWSROOM_SETTLE_SECONDS", "30"),
        }
        url = f"http://{host}:{port}/"
        desk_lock.record_desk(url=url)
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        commands = {
            "web": [
                sys.executable, "-m", "gunicorn", "newsroom.wsgi:application",
                "--bind", f"{host}:{port}", "--workers", "2", "--threads", "4",
                "--access-logfile", "-", "--graceful-timeout", "10",
            ],
            "worker": manage + ["rqworker", *QUEUES, "--with-scheduler"],
            "scheduler": manage + ["run_scheduler"],
        }
        for name, command in commands.items():
            spawn_child(children, name, command, env=env)

        self.stdout.write(self.style.SUCCESS(f"\nNewsroom is running at {url}"))
        if password:
            self.stdout.write(f"Log in as '{admin.get_username()}' with password: {password}")
            self.stdout.write("(Shown once. Change it with: .venv/bin/python manage.py changepassword admin)")
        else:
            self.stdout.write(
                f"Log in as '{admin.get_username()}' with the password printed when the desk was first started "
                "(reset it with: .venv/bin/python manage.py changepassword admin)."
            )
        mode = "DEBUG on" if settings.DEBUG else "DEBUG off"
        self.stdout.write(self.style.WARNING(
            f"This is development mode ({mode}, one machine, embedded servers where no URL is set): "
            "not for production. To run the desk in production, see README.md, section \"Running in production\"."
        ))
        self.stdout.write(f"Press Ctrl-C to stop, or from another terminal: kill {os.getpid()}\n")

        while True:
            for name, child in children.items():
                if child.poll() is not None:
                    self.stderr.write(f"The {name} process exited with code {child.returncode}; stopping the desk.")
                    return
            time.sleep(0.5)


def spawn_child(children: dict[str, subprocess.Popen], name: str, command: list[str], *, env: dict) -> None:
    """Starts a child in its own session and records it, with no window where a signal could lose it.

    It is also recorded in var/desk.pid, for the keeper to stop should the launcher be killed.
    """
    interrupted = []
    previous = {
        number: signal.signal(number, lambda *_: interrupted.append(True)) for number in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        children[name] = subprocess.Popen(command, env=env, cwd=settings.BASE_DIR, start_new_session=True)
        desk_lock.record_group(children[name].pid)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    if interrupted:
        raise KeyboardInterrupt


def _signal_group(child: subprocess.Popen, number: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, number)


def stop_children(children: dict[str, subprocess.Popen]) -> None:
    """Stops every child and everything it started (its whole process group): SIGTERM, again, then SIGKILL."""
    for attempt in (signal.SIGTERM, signal.SIGTERM, signal.SIGKILL):
        running = [child for child in children.values() if child.poll() is None]
        if not running:
            break
        for child in running:
            child.send_signal(attempt)
        deadline = time.monotonic() + GRACE_SECONDS
        for child in running:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
    for child in children.values():
        # A work horse or web worker whose parent has gone still belongs to the child's group.
        _signal_group(child, signal.SIGKILL)
        if child.poll() is None:
            child.wait()
