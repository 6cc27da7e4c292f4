"""The one CSV writer for every CSV the desk hands out (newsletter export, audit log, ...).

Spreadsheet programs run a cell that begins with ``=``, ``+``, ``-`` or ``@``
as a formula (``=HYPERLINK(...)`` in a headline becomes a live link, ``=cmd|...``
can run a program), and some also treat a leading tab or carriage return that
way. Following OWASP's advice on CSV injection, such a cell is written with a
leading single quote, so the spreadsheet shows it as text, and every cell is
quoted, so separators and quotes inside a cell stay inside it.
"""

from __future__ import annotations

import csv
import io
from typing import Any, Iterable, Iterator, TextIO

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: Any) -> Any:
    """Returns value with a leading single quote when it is text a spreadsheet would run as a formula.

    Numbers are returned as they are: a spreadsheet reads ``-3`` as a number, not a formula.
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


class SafeCsvWriter:
    """A csv.writer whose every row is neutralised against formula injection and fully quoted."""

    def __init__(self, stream: TextIO):
        self._writer = csv.writer(stream, quoting=csv.QUOTE_ALL)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([neutralise_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def stream_csv(header: Iterable[Any], rows: Iterable[Iterable[Any]], *, prefix: str = "") -> Iterator[str]:
    """Safe CSV text a row at a time (for a StreamingHttpResponse): the header (after prefix, e.g. a
    byte-order mark), then each row as it is produced."""
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(header)
    yield prefix + flush()
    for row in rows:
        writer.writerow(row)
        yield flush()
