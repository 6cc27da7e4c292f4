import contextlib
import signal

from django.conf import settings

from newsroom.commands import DatabaseCommand
from newsroom.scheduler import run_due_tasks, run_forever


class Command(DatabaseCommand):
    help = "Enqueues due periodic work (source polls, repairs, settled clusters) every few seconds."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run every task once and exit.")

    def handle(self, *args, once: bool, **options):
        if once:
            for path, outcome in run_due_tasks().items():
                self.stdout.write(f"{path}: {outcome}")
            return
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        interval = settings.NEWSROOM_SCHEDULER_INTERVAL_SECONDS
        self.stdout.write(f"Scheduler running every {interval:g} s: {', '.join(settings.NEWSROOM_SCHEDULED_TASKS) or 'no tasks'}.")
        with contextlib.suppress(KeyboardInterrupt):
            run_forever(interval=interval, stop=lambda: bool(stopping))
