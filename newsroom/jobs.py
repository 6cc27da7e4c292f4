"""Sweeps of the shared base, run by the scheduler (``NEWSROOM_SCHEDULED_TASKS``)."""

from newsroom import queues


def requeue_abandoned_jobs() -> str:
    """Hands back to RQ the jobs of workers that stopped their heartbeat (killed, or their machine lost)."""
    return f"{queues.requeue_abandoned_jobs()} handed back"
