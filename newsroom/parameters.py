"""Whole numbers and dates read from query strings and forms, one way for every view.

Python reads more than a form should send: ``int()`` takes any script's decimal digits ('٣' is 3), spaces,
signs and underscores, and numbers longer than any column holds; ``str.isdigit()`` is true of '²', which
``int()`` refuses. A date at either end of the calendar overflows as soon as a day or a time zone is added.
These helpers accept ASCII digits within PostgreSQL's integer and dates a year inside the calendar's ends,
and raise ``ParameterError`` (a ValueError) with a sentence that names what is accepted.
"""

from __future__ import annotations

import re
from datetime import date

LARGEST_INTEGER = 2**31 - 1  # PostgreSQL's integer: user ids, versions, revision numbers
LARGEST_BIG_INTEGER = 2**63 - 1  # PostgreSQL's bigint: the ids of the desk's own tables
EARLIEST_DATE = date(2, 1, 1)
LATEST_DATE = date(9998, 12, 31)
DATE_RANGE = f"use a date from {EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()}"

_ASCII_DIGITS = re.compile(r"[0-9]+")


class ParameterError(ValueError):
    """A parameter a view cannot read; the message says what it accepts."""


def whole_number(text: str | None, *, name: str, maximum: int = LARGEST_INTEGER) -> int:
    """The number text writes in ASCII digits alone (no sign, space or separator), from 0 to maximum.

    Raises ParameterError naming the parameter and the numbers it accepts.
    """
    text = text or ""
    if _ASCII_DIGITS.fullmatch(text) and len(text) <= len(str(maximum)) and int(text) <= maximum:
        return int(text)
    shown = text if len(text) <= 40 else f"{text[:20]}…({len(text)} characters)"
    raise ParameterError(f"“{shown}” is not a number {name} accepts; write a whole number from 0 to {maximum} in digits 0–9.")


def within_calendar(day: date, *, text: str, name: str) -> date:
    """day, when it lies between EARLIEST_DATE and LATEST_DATE (where adding a day or a time zone stays inside
    the years Python and PostgreSQL hold); otherwise raises ParameterError naming the parameter (name, as the
    sentence's subject: "The end date") and quoting text."""
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ParameterError(f"{name} “{text}” is outside the dates the desk can search; {DATE_RANGE}.")
    return day
