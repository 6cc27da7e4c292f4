"""Times as the desk writes and reads them in records, the API, exports and feeds.

Written: ISO 8601 in UTC with milliseconds and a trailing Z, as the record
carries them (``2026-07-04T15:08:56.000Z``). Read: any ISO-8601 time with a
time zone, ``Z`` or an offset (``2026-07-05T00:10:00+09:00``).
"""

from __future__ import annotations

from datetime import UTC, datetime

EXAMPLE = "2026-07-04T15:08:56.000Z"


def format_timestamp(value: datetime | None) -> str | None:
    """Returns value in UTC with milliseconds and a trailing Z, the year always in four digits; None stays None."""
    if value is None:
        return None
    # isoformat, unlike the C library's strftime("%Y"), pads years before 1000 ("0999"), which readers require.
    return value.astimezone(UTC).isoformat(timespec="milliseconds").removesuffix("+00:00") + "Z"


def parse_timestamp(text: str) -> datetime:
    """Returns the aware datetime an ISO-8601 time with Z or an offset names.

    Raises ValueError with a sentence that says what to fix: the text is not
    ISO 8601, it has no time zone (a time without one is ambiguous), or it
    falls outside the years 1 to 9999 once moved to UTC (which neither Python
    nor PostgreSQL can hold and show).
    """
    try:
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise ValueError(f"'{text}' is not an ISO-8601 time such as {EXAMPLE}") from None
    if moment.tzinfo is None:
        raise ValueError(f"'{text}' has no time zone; end it with Z for UTC")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"'{text}' is outside the years 1 to 9999 once moved to UTC") from None
