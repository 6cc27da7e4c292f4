"""The scheduler: a loop that enqueues periodic work onto the job queues.

Each entry of ``settings.NEWSROOM_SCHEDULED_TASKS`` is the dotted path of a
function that takes no arguments, finds what is due and enqueues it. A task
that fails is logged and retried on the next tick; it never stops the others.
"""

import logging
import time

from django.conf import settings
from django.db import close_old_connections
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


def run_due_tasks() -> dict[str, str]:
    """Runs every scheduled task once; returns each task's outcome."""
    outcomes = {}
    for path in settings.NEWSROOM_SCHEDULED_TASKS:
        close_old_connections()
        try:
            result = import_string(path)()
        except Exception as error:  # noqa: BLE001 - one task's failure must not stop the rest
            logger.exception("Scheduled task %s failed", path)
            outcomes[path] = f"failed: {error}"
        else:
            outcomes[path] = f"ok: {result}" if result is not None else "ok"
    return outcomes


def run_forever(*, interval: float, stop=lambda: False) -> None:
    while not stop():
        started = time.monotonic()
        run_due_tasks()
        time.sleep(max(0.0, interval - (time.monotonic() - started)))
