"""Who else has a workspace open, kept in Redis with a short expiry."""

import contextlib
import time

import redis
from django.conf import settings

from newsroom.queues import quick_connection


def fresh_seconds() -> int:
    """How long a heartbeat counts: three intervals of the workspace's heartbeat (at least 45 seconds)."""
    return max(45, 3 * settings.NEWSROOM_PRESENCE_SECONDS)


def touch_presence(*, key: str, username: str) -> list[str] | None:
    """Records that username is looking at key; returns the others there, or None if Redis is down."""
    name = f"presence:{key}"
    now = time.time()
    try:
        connection = quick_connection()
        pipeline = connection.pipeline()
        pipeline.zadd(name, {username: now})
        pipeline.zremrangebyscore(name, 0, now - fresh_seconds())
        pipeline.zrange(name, 0, -1)
        pipeline.expire(name, fresh_seconds() * 2)
        _, _, members, _ = pipeline.execute()
    except (redis.RedisError, OSError):
        return None
    return sorted(member.decode() for member in members if member.decode() != username)


def leave_presence(*, key: str, username: str) -> None:
    with contextlib.suppress(redis.RedisError, OSError):
        quick_connection().zrem(f"presence:{key}", username)
