import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from newsroom.first_admin import ensure_admin
from newsroom.roles import ensure_roles

QUEUES = ["default", "ingest", "generate", "publish"]


class Command(BaseCommand):
    help = (
        "Brings up the whole desk: database, queue, migrations, roles, an admin login, demo content, "
        "then the web server, an RQ worker and the scheduler until Ctrl-C."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("NEWSROOM_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("NEWSROOM_PORT", "8000")))
        parser.add_argument("--no-demo", action="store_true", help="Do not load demo content.")

    def handle(self, *args, host: str, port: int, no_demo: bool, **options):
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
        children = {
            name: subprocess.Popen(command, env=env, cwd=settings.BASE_DIR, start_new_session=True)
            for name, command in commands.items()
        }

        url = f"http://{host}:{port}/"
        self.stdout.write(self.style.SUCCESS(f"\nNewsroom is running at {url}"))
        if password:
            self.stdout.write(f"Log in as '{admin.get_username()}' with password: {password}")
            self.stdout.write("(Shown once. Change it with: .venv/bin/python manage.py changepassword admin)")
        else:
            self.stdout.write(
                f"Log in as '{admin.get_username()}' with the password printed when the desk was first started "
                "(reset it with: .venv/bin/python manage.py changepassword admin)."
            )
        self.stdout.write("Press Ctrl-C to stop.\n")

        stopping = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        try:
            while not stopping:
                for name, child in children.items():
                    if child.poll() is not None:
                        self.stderr.write(f"The {name} process exited with code {child.returncode}; stopping the desk.")
                        stopping.append(True)
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        self.stdout.write("Stopping the desk...")
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 20
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
        self.stdout.write("Stopped. Data is kept in var/ for the next start.")
