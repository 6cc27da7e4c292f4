"""How a background job is getting on, read one way for every page that follows one.

``read_job`` asks the queue about a job by its id (``queues.job_state``: a job
whose worker died reads as stopped, not running). Each feature turns that
reading, together with its own record of the work (a rewrite's failure reason,
a PublishJob row, an ingest report), into a ``Progress``: a state, a sentence
for people and whether it has finished. Pages show it with
``templates/progress.html``, which asks again every second until it has.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import redis

from newsroom.queues import JobState, fetch_job, job_state


class ProgressState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    UNKNOWN = "unknown"  # the queue cannot say (unreachable, or the job's record is gone)


@dataclass(frozen=True)
class Progress:
    state: ProgressState
    message: str

    @property
    def finished(self) -> bool:
        """Whether the page can stop asking: the job is done, failed, or no one can tell any more."""
        return self.state in {ProgressState.DONE, ProgressState.FAILED, ProgressState.UNKNOWN}


@dataclass(frozen=True)
class JobReading:
    state: JobState
    result: Any = None  # what the job returned, once finished
    error: str = ""  # the last line of its exception, once failed


def read_job(job_id: str) -> JobReading:
    """What the queue knows about the job with this id; never raises, an unreachable queue is a state."""
    try:
        job = fetch_job(job_id)
        if job is None:
            return JobReading(JobState.MISSING)
        state = job_state(job)
        if state == JobState.FINISHED:
            return JobReading(state, result=job.return_value())
        if state == JobState.FAILED:
            latest = job.latest_result()
            lines = (latest.exc_string or "").strip().splitlines() if latest is not None else []
            return JobReading(state, error=lines[-1] if lines else "the job failed without a message")
        return JobReading(state)
    except (redis.RedisError, OSError):
        return JobReading(JobState.UNREACHABLE)
