"""The one CSV writer for every CSV the desk hands out (newsletter export, audit log, ...).

Spreadsheet programs run a cell that begins with ``=``, ``+``, ``-`` or ``@``
as a formula (``=HYPERLINK(...)`` in a headline becomes a live link, ``=cmd|...``
can run a program), and some also treat a leading tab or carriage return that
way. Programs differ on what else counts: some read the full-width and small
forms (＝ ＋ － ＠, U+FE62-FE6B) and the minus sign U+2212 as the signs they
resemble, and some skip whitespace (or an invisible format character) before
them. Following OWASP's advice on CSV injection, widened to all of these, such a
cell is written with a leading single quote, so the spreadsheet shows it as
text, and every cell is quoted, so separators and quotes inside a cell stay
inside it.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from typing import Any, Iterable, Iterator, TextIO

MINUS_SIGN = "\u2212"
FORMULA_SIGNS = ("=", "+", "-", "@", MINUS_SIGN)
FORMULA_TRIGGERS = (*FORMULA_SIGNS, "\t", "\r")


def _first_visible(text: str) -> str:
    """The first character of text that is neither whitespace nor an invisible format character, in its
    compatibility form (full-width ＝ and small ﹦ become =), or "" when there is none."""
    for character in text:
        if not character.isspace() and unicodedata.category(character) != "Cf":
            return MINUS_SIGN if character == MINUS_SIGN else unicodedata.normalize("NFKC", character)[:1]
    return ""


def neutralise_cell(value: Any) -> Any:
    """Returns value with a leading single quote when it is text a spreadsheet would run as a formula.

    Numbers are returned as they are: a spreadsheet reads ``-3`` as a number, not a formula.
    """
    if not isinstance(value, str):
        return value
    if value.startswith(FORMULA_TRIGGERS) or _first_visible(value) in FORMULA_SIGNS:
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
