"""Whether the job queue (Redis) can be reached, asked quickly."""

import redis
from django.conf import settings

UNREACHABLE = (
    "The job queue is unreachable, so this cannot run now. Everything you can read still works; "
    "try again when the queue server is back (an admin can check it at /admin/rq/)."
)


def queue_connection() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)


def queue_problem() -> str | None:
    """Returns None when Redis answers, else a sentence saying what cannot be done."""
    try:
        queue_connection().ping()
    except (redis.RedisError, OSError):
        return UNREACHABLE
    return None
