"""Numbers, dates and names in English and Japanese text, found the same way for every caller.

The lints compare the facts of an English rewrite with those of its (often Japanese) sources, and
clustering compares the facts of articles with each other; both read them through this module:

- ``extract_quantities(text)``: every number with what it counts, as a ``Quantity``: ``value`` (a
  ``Decimal``, in the unit's base: seconds for durations, the full amount for money, 12000 for
  「約1万2千人」), ``unit`` (``"s"``, ``"JPY"``, ``"USD"``, ``"%"``, ``"person"`` ... or None), ``kind``
  (count, money, duration, percent, ordinal, year, date, time or range), the ``span`` in the text,
  every number as written (``numbers``) and, for a range, its ``upper`` end. Full-width digits,
  kanji numerals, 万/億/兆 and English "million"/"billion" are read; 「19秒19」 is 19.19 seconds.
- ``extract_dates(text)``: dates, whole or partial, as ``DateMention`` (year, month, day; any of them
  may be None): 「2011年4月7日」, 「平成23年4月7日」 and 令和/昭和/大正/明治 eras, 「4月7日」, 「7日」 (the
  month and year carried over from the date before it), "February 2, 2009", "2 Feb", "Feb. 2",
  "February 2009", "2009-02-02".
- ``extract_names(text)``: capitalised Latin-script names ("James Brown", "NHK"), names in 「」『』
  brackets, katakana runs and (through the UniDic dictionary) proper nouns in kanji, each as a
  ``Name`` with its ``readings``: romanised forms (cutlet, with the English spelling of loanwords
  where the dictionary knows it, and plain Hepburn).
- ``same_name(a, b)``: whether two spellings name the same thing ("Kenji Sato" and "Satou Kenji",
  "James Brown" and "Jeemusu Buraun").
- ``normalise(text)``: NFKC (full-width to ASCII) with kanji numerals written as digits.

Nothing here touches the database or Django; every function is pure and safe to call per request.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from difflib import SequenceMatcher
from functools import lru_cache

__all__ = [
    "Quantity", "DateMention", "Name",
    "extract_quantities", "extract_dates", "extract_names",
    "romanise", "readings", "same_name", "name_key", "normalise", "parse_number",
]

KINDS = ("count", "money", "duration", "percent", "ordinal", "year", "date", "time", "range")


@dataclass(frozen=True)
class Quantity:
    """One number in a text and what it measures.

    ``value`` is in the unit's base (seconds for durations, the whole amount for money, minutes
    after midnight for a time, year*10000 + month*100 + day for a date with missing parts as 0);
    ``numbers`` holds every number as written inside the span (19 and 19 for 「19秒19」), so a
    reader's other ways of citing it can be matched too. ``form`` says how the number was written:
    ``digits``, ``kanji`` or ``words``.
    """

    text: str
    span: tuple[int, int]
    value: Decimal
    kind: str
    unit: str | None = None
    upper: Decimal | None = None
    numbers: tuple[Decimal, ...] = ()
    approximate: bool = False
    form: str = "digits"

    @property
    def values(self) -> frozenset[Decimal]:
        """Every value the quantity can be cited as: its value, its range ends, and other units of a duration."""
        found = {self.value, *self.numbers}
        if self.upper is not None:
            found.add(self.upper)
        if self.unit == "s":
            for size in (60, 3600, 86400):
                for amount in (self.value, self.upper):
                    if amount is not None and (amount / size) * 100 % 1 == 0:
                        found.add(amount / size)
        return frozenset(_tidy(value) for value in found)


@dataclass(frozen=True)
class DateMention:
    """A date as written, whole or partial: any of year, month and day may be None."""

    text: str
    span: tuple[int, int]
    year: int | None
    month: int | None
    day: int | None

    @property
    def date(self) -> date | None:
        if None in (self.year, self.month, self.day):
            return None
        try:
            return date(self.year, self.month, self.day)
        except ValueError:
            return None

    def agrees_with(self, other: "DateMention") -> bool:
        """True when no part known in both differs and they share at least the month or the day."""
        shared = False
        for mine, theirs in ((self.year, other.year), (self.month, other.month), (self.day, other.day)):
            if mine is not None and theirs is not None:
                if mine != theirs:
                    return False
                shared = True
        return shared and (self.month is None or other.month is not None or self.day == other.day)


@dataclass(frozen=True)
class Name:
    """A name as written, with how it may be read in Latin script.

    ``kind`` is ``latin`` (capitalised words or an acronym), ``bracketed`` (inside 「」 or 『』),
    ``katakana`` or ``proper_noun`` (kanji or kana the dictionary tags as a person, place or
    organisation). ``readings`` are lower-case romanised forms; empty for a Latin name.
    """

    text: str
    span: tuple[int, int]
    kind: str
    readings: tuple[str, ...] = field(default=())


# Normalising with offsets kept


def _normalised_with_offsets(text: str) -> tuple[str, list[int]]:
    """NFKC per character, with the original offset of every output character (and one past the end)."""
    out: list[str] = []
    offsets: list[int] = []
    for index, char in enumerate(text):
        folded = unicodedata.normalize("NFKC", char) if ord(char) > 127 else char
        if folded in ("〜", "～", "~"):
            folded = "〜"
        out.append(folded)
        offsets.extend([index] * len(folded))
    offsets.append(len(text))
    return "".join(out), offsets


_KANJI_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_KANJI_SMALL = {"十": 10, "百": 100, "千": 1000}
_KANJI_LARGE = {"万": 10**4, "億": 10**8, "兆": 10**12}
_KANJI_ALL = "".join(_KANJI_DIGITS) + "".join(_KANJI_SMALL) + "".join(_KANJI_LARGE)


def _tidy(value: Decimal) -> Decimal:
    """Drops trailing zeros without exponent notation: 12000, not 1.2E+4."""
    value = value.normalize()
    if value != value.to_integral_value():
        return value
    try:
        return value.quantize(Decimal(1))
    except InvalidOperation:
        # More digits than the decimal context holds (a 30-digit amount of 兆): kept in exponent form.
        return value


def parse_number(written: str) -> Decimal | None:
    """The value of a number written with digits, kanji numerals or both: "1万2千" is 12000, "二十五" 25.

    Returns None for what is not a number ("2.9.1", "万").
    """
    written = unicodedata.normalize("NFKC", written).replace(",", "")
    total, section = Decimal(0), Decimal(0)
    current: Decimal | None = None
    seen_digit = False
    for token in re.findall(r"\d+(?:\.\d+)?|.", written):
        if token[0].isdigit():
            if token.count(".") > 1:
                return None
            current = Decimal(token)
            seen_digit = True
        elif token in _KANJI_DIGITS:
            current = current * 10 + _KANJI_DIGITS[token] if current is not None else Decimal(_KANJI_DIGITS[token])
            seen_digit = True
        elif token in _KANJI_SMALL:
            section += (current if current is not None else 1) * _KANJI_SMALL[token]
            current = None
            seen_digit = True
        elif token in _KANJI_LARGE:
            if current is None and section == 0:
                return None
            total += (section + (current or 0)) * _KANJI_LARGE[token]
            section, current = Decimal(0), None
        else:
            return None
    if not seen_digit:
        return None
    return _tidy(total + section + (current or 0))


def normalise(text: str) -> str:
    """Full-width to ASCII (NFKC) and runs of kanji numerals as digits: 「７．４」 is "7.4", 「二十五」 "25"."""
    text = unicodedata.normalize("NFKC", text or "")

    def replace(match: re.Match) -> str:
        value = parse_number(match.group())
        return match.group() if value is None else format(value, "f")

    return re.sub(rf"[{_KANJI_ALL}]+", replace, text)


# Quantities

_ARABIC = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_NUMERAL_RE = re.compile(
    rf"(?<![A-Za-z0-9_.])(?:(?:{_ARABIC})[{_KANJI_ALL}]*(?:(?:{_ARABIC})[{_KANJI_ALL}]+)*(?:{_ARABIC})?"
    rf"|[{''.join(_KANJI_DIGITS)}{''.join(_KANJI_SMALL)}][{_KANJI_ALL}]*)"
    r"(?:\.\d+)*",
)
_ENGLISH_SCALE = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12,
                  "k": 10**3, "m": 10**6, "mn": 10**6, "bn": 10**9, "b": 10**9, "tn": 10**12}
_NUMBER_WORDS = {
    word: value
    for value, word in enumerate(
        ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"]
    )
} | {"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
     "hundred": 100, "dozen": 12}
_ORDINAL_WORDS = {
    word: value
    for value, word in enumerate(
        ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh", "twelfth"], start=1
    )
}
_WORDS_RE = re.compile(
    r"\b(" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")(?:[- ](one|two|three|four|five|six|seven|eight|nine))?"
    r"(?:\s+(thousand|million|billion|trillion))?\b",
    re.IGNORECASE,
)
_ORDINAL_WORDS_RE = re.compile(r"\b(" + "|".join(_ORDINAL_WORDS) + r")\b", re.IGNORECASE)

# Units after a number: (pattern, kind, unit, multiplier). Japanese first, then English; longest first.
_JA_COUNTERS = {
    "人": "person", "名": "person", "歳": "age", "件": "case", "台": "unit", "個": "item", "本": "item",
    "部": "copy", "回": "time", "話": "episode", "巻": "volume", "枚": "sheet", "匹": "animal", "頭": "animal",
    "社": "company", "校": "school", "店": "store", "軒": "building", "棟": "building", "点": "point",
    "票": "vote", "戸": "household", "隻": "ship", "機": "aircraft", "両": "vehicle", "冊": "book", "曲": "song",
    "作": "work", "カ国": "country", "か国": "country", "ヶ国": "country", "ケ国": "country", "都市": "city",
    "度": "degree", "階": "floor", "世帯": "household", "試合": "game", "勝": "win", "敗": "loss", "戦": "match",
    "得点": "point", "ゴール": "goal", "キロ": "km", "キロメートル": "km", "km": "km", "メートル": "m", "m": "m",
    "センチ": "cm", "cm": "cm", "ミリ": "mm", "mm": "mm", "キログラム": "kg", "kg": "kg", "グラム": "g",
    "トン": "t", "ヘクタール": "ha", "平方キロメートル": "km2", "倍": "times",
}
_UNIT_RULES: list[tuple[re.Pattern, str, str | None, Decimal]] = [
    (re.compile(r"\s*(?:%|パーセント|percent\b|per\s+cent\b|pct\b|percentage\s+points?\b)", re.IGNORECASE), "percent", "%", Decimal(1)),
    (re.compile(r"割(?!引|合|安|高|増|減)"), "percent", "%", Decimal(10)),
    (re.compile(r"\s*(?:円|yen\b)", re.IGNORECASE), "money", "JPY", Decimal(1)),
    (re.compile(r"\s*(?:米ドル|ドル|(?:US\s+)?dollars?\b|USD\b)", re.IGNORECASE), "money", "USD", Decimal(1)),
    (re.compile(r"\s*(?:ユーロ|euros?\b|EUR\b)", re.IGNORECASE), "money", "EUR", Decimal(1)),
    (re.compile(r"\s*(?:ポンド|pounds?\s+sterling\b|GBP\b)", re.IGNORECASE), "money", "GBP", Decimal(1)),
    (re.compile(r"\s*(?:人民元|yuan\b|CNY\b)", re.IGNORECASE), "money", "CNY", Decimal(1)),
    (re.compile(r"\s*(?:ウォン|won\b|KRW\b)"), "money", "KRW", Decimal(1)),
    (re.compile(r"時間"), "duration", "s", Decimal(3600)),
    (re.compile(r"日間"), "duration", "s", Decimal(86400)),
    (re.compile(r"週間"), "duration", "s", Decimal(7 * 86400)),
    (re.compile(r"(?:か|カ|ヶ|ケ|箇)月"), "duration", "month", Decimal(1)),
    (re.compile(r"年間"), "duration", "year", Decimal(1)),
    (re.compile(r"分(?!の)"), "duration", "s", Decimal(60)),
    (re.compile(r"秒"), "duration", "s", Decimal(1)),
    (re.compile(r"[- ]?(?:seconds?|secs?)\b", re.IGNORECASE), "duration", "s", Decimal(1)),
    (re.compile(r"[- ]?(?:minutes?|mins?)\b", re.IGNORECASE), "duration", "s", Decimal(60)),
    (re.compile(r"[- ]?(?:hours?|hrs?)\b", re.IGNORECASE), "duration", "s", Decimal(3600)),
    (re.compile(r"[- ]?days?\b(?!\s+of\b)", re.IGNORECASE), "duration", "s", Decimal(86400)),
    (re.compile(r"[- ]?weeks?\b", re.IGNORECASE), "duration", "s", Decimal(7 * 86400)),
    (re.compile(r"[- ]?months?\b", re.IGNORECASE), "duration", "month", Decimal(1)),
    (re.compile(r"[- ]?years?\b(?![- ]old)", re.IGNORECASE), "duration", "year", Decimal(1)),
    (re.compile(r"[- ]?years?[- ]old\b", re.IGNORECASE), "count", "age", Decimal(1)),
    (re.compile(r"(?:位|番目|回目|着)"), "ordinal", None, Decimal(1)),
    (re.compile(r"(?:st|nd|rd|th)\b"), "ordinal", None, Decimal(1)),
    (re.compile("(?:" + "|".join(re.escape(c) for c in sorted(_JA_COUNTERS, key=len, reverse=True)) + ")(?![a-zA-Z])"), "count", None, Decimal(1)),
    (re.compile(r"\s*(?:people|persons|residents|victims|fans|viewers)\b", re.IGNORECASE), "count", "person", Decimal(1)),
    (re.compile(r"\s*(?:km|kilomet(?:er|re)s?)\b", re.IGNORECASE), "count", "km", Decimal(1)),
    (re.compile(r"\s*(?:kg|kilograms?)\b", re.IGNORECASE), "count", "kg", Decimal(1)),
    (re.compile(r"\s*(?:met(?:er|re)s?)\b", re.IGNORECASE), "count", "m", Decimal(1)),
    (re.compile(r"\s*(?:tonnes?|tons?)\b", re.IGNORECASE), "count", "t", Decimal(1)),
]
_CURRENCY_PREFIX = re.compile(r"(US\$|A\$|C\$|HK\$|\$|¥|€|£)\s*$")
_CURRENCY_CODES = {"US$": "USD", "$": "USD", "A$": "AUD", "C$": "CAD", "HK$": "HKD", "¥": "JPY", "€": "EUR", "£": "GBP"}
_APPROXIMATE_BEFORE = re.compile(r"(?:約|およそ|ほぼ|about|around|approximately|roughly|some|nearly|almost|over|more than)\s*$", re.IGNORECASE)
_ERAS = {"令和": 2018, "平成": 1988, "昭和": 1925, "大正": 1911, "明治": 1867}
_RANGE_JOIN = re.compile(r"\s*(?:〜|-|–|—|から|to|and)\s*", re.IGNORECASE)


def _english_scale(normal: str, end: int, *, abbreviations: bool) -> tuple[int, Decimal] | None:
    """(end, multiplier) for "million" and the like after a number; "m" and "bn" only after a currency sign."""
    match = re.match(r"(?:\s*(thousand|million|billion|trillion)\b|(k|m|mn|bn|b|tn)\b)", normal[end:], re.IGNORECASE)
    if not match or match.group(2) and not abbreviations:
        return None
    word = (match.group(1) or match.group(2)).lower()
    return end + match.end(), Decimal(_ENGLISH_SCALE[word])


def _unit_after(normal: str, end: int) -> tuple[int, str, str | None, Decimal] | None:
    rest = normal[end:end + 24]
    for pattern, kind, unit, multiplier in _UNIT_RULES:
        match = pattern.match(rest)
        if match:
            if kind == "count" and unit is None:
                unit = _JA_COUNTERS.get(match.group().strip(), match.group().strip())
            return end + match.end(), kind, unit, multiplier
    return None


def _counted_noun(normal: str, end: int) -> str | None:
    """The English noun a bare number counts ("12,000 people" -> person), lower-case, naively singular."""
    match = re.match(r"\s+(?:[a-z]+-)?([a-z]{3,})\b", normal[end:end + 30])
    if not match:
        return None
    word = match.group(1)
    if word in {"and", "the", "for", "with", "from", "that", "which", "who", "was", "were", "are", "per", "in", "on", "of", "to", "by", "at"}:
        return None
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def _kanji_numeral_allowed(normal: str, start: int, end: int) -> bool:
    """A lone kanji digit counts only before a counter or unit or after 第: 四川, 五輪 and 一部 are words."""
    run = normal[start:end]
    if any(char.isdigit() for char in run):
        return True
    if len(run) > 1 and not all(char in _KANJI_LARGE for char in run[1:]):
        return True
    before = normal[start - 1] if start else ""
    if before in ("第", "約"):
        return True
    if run == "一" and _JAPANESE_RE.match(before):
        return False
    return _unit_after(normal, end) is not None or normal[end:end + 1] in ("年", "月", "日", "時")


def extract_quantities(text: str) -> list[Quantity]:
    """Every quantity in text, in order, with its span in text (not in a normalised copy).

    Dates are returned as one quantity of kind ``date`` (their numbers in ``numbers``); times of
    day ("午後11時32分", "11:32 p.m.") as kind ``time`` in minutes after midnight; a lone four-digit
    number from 1800 to 2100, or a number before 年 that no month follows, as kind ``year``.
    """
    normal, offsets = _normalised_with_offsets(text or "")
    found: list[Quantity] = []
    taken: list[tuple[int, int]] = []

    def original(start: int, end: int) -> tuple[int, int]:
        return offsets[start], offsets[end] if end < len(offsets) else len(text)

    def add(start: int, end: int, *, value: Decimal, upper: Decimal | None = None, numbers: tuple = (), **rest) -> None:
        span = original(start, end)
        taken.append((start, end))
        found.append(Quantity(
            text=text[span[0]:span[1]], span=span, value=_tidy(value), upper=None if upper is None else _tidy(upper),
            numbers=tuple(_tidy(number) for number in numbers), **rest,
        ))

    def free(start: int, end: int) -> bool:
        return not any(start < t_end and t_start < end for t_start, t_end in taken)

    for mention, (start, end) in _dates_normalised(normal):
        numbers = tuple(Decimal(n) for n in re.findall(r"\d+", normal[start:end]))
        value = Decimal((mention[0] or 0) * 10000 + (mention[1] or 0) * 100 + (mention[2] or 0))
        add(start, end, value=value, kind="date", numbers=numbers)

    for start, end, minutes in _times(normal):
        if free(start, end):
            numbers = tuple(Decimal(n) for n in re.findall(r"\d+", normal[start:end]))
            add(start, end, value=Decimal(minutes), kind="time", unit="clock", numbers=numbers)

    for match in _ERA_YEAR_RE.finditer(normal):
        if free(*match.span()):
            year = _ERAS[match.group(1)] + (1 if match.group(2) == "元" else int(match.group(2)))
            add(*match.span(), value=Decimal(year), kind="year", numbers=(Decimal(year),), form="kanji")

    for match in _NUMERAL_RE.finditer(normal):
        start, end = match.span()
        if not free(start, end):
            continue
        written = match.group()
        while written and written[-1] in ".,":
            written, end = written[:-1], end - 1
        # Trailing large-unit kanji that start a word (万一) are not part of the number.
        if not written or not _kanji_numeral_allowed(normal, start, end):
            continue
        if re.fullmatch(r"\d+(?:\.\d+){2,}", written):
            add(start, end, value=Decimal(0), kind="count", unit="version", numbers=())
            continue
        value = parse_number(written)
        if value is None:
            continue
        form = "digits" if any(char.isdigit() for char in written) else "kanji"
        numbers = tuple(Decimal(n.replace(",", "")) for n in re.findall(_ARABIC, written)) or (value,)
        kind, unit = "count", None
        approximate = bool(_APPROXIMATE_BEFORE.search(normal[max(0, start - 16):start]))
        currency = _CURRENCY_PREFIX.search(normal[max(0, start - 4):start])
        scale = _english_scale(normal, end, abbreviations=bool(currency))
        if scale:
            end, multiplier = scale
            value = (value * multiplier)
        if currency:
            start -= len(currency.group())
            kind, unit = "money", _CURRENCY_CODES[currency.group(1)]
        elif start > 0 and normal[start - 1] == "第":
            start -= 1
            kind = "ordinal"
        # 9秒58: seconds with the hundredths after the unit; 1分30秒 and 2時間5分: one duration.
        seconds = _compound_duration(normal, end, value, written)
        if seconds is not None:
            total, extra, end = seconds
            add(start, end, value=total, kind="duration", unit="s", numbers=numbers + extra,
                approximate=approximate, form=form)
            continue
        if kind != "money":
            unit_match = _unit_after(normal, end)
            if unit_match:
                end, unit_kind, unit_name, multiplier = unit_match
                if unit_kind == "ordinal" or kind == "ordinal":
                    kind, unit = "ordinal", unit_name if unit_kind == "count" else None
                else:
                    kind, unit = unit_kind, unit_name
                    value = (value * multiplier)
        if kind == "count" and unit is None:
            if normal[end:end + 1] == "年" and form == "digits":
                kind, end = "year", end + 1
            elif re.fullmatch(r"\d{4}", written) and 1800 <= value <= 2100:
                kind = "year"
            else:
                unit = _counted_noun(normal, end)
        ranged = _range_after(normal, start, end, value=value, kind=kind, unit=unit)
        if ranged is not None:
            range_end, low, upper, unit, other = ranged
            add(start, range_end, value=low, kind="range", unit=unit, upper=upper, numbers=numbers + (other,),
                approximate=approximate, form=form)
            continue
        add(start, end, value=value, kind=kind, unit=unit, numbers=numbers, approximate=approximate, form=form)

    for match in _WORDS_RE.finditer(normal):
        if not free(*match.span()):
            continue
        value = _NUMBER_WORDS[match.group(1).lower()]
        if match.group(2):
            value += _NUMBER_WORDS[match.group(2).lower()]
        if match.group(3):
            value *= _ENGLISH_SCALE[match.group(3).lower()]
        add(*match.span(), value=Decimal(value), kind="count", unit=_counted_noun(normal, match.end()),
            numbers=(Decimal(value),), form="words")
    for match in _ORDINAL_WORDS_RE.finditer(normal):
        if free(*match.span()):
            value = Decimal(_ORDINAL_WORDS[match.group(1).lower()])
            add(*match.span(), value=value, kind="ordinal", numbers=(value,), form="words")
    found.sort(key=lambda quantity: quantity.span)
    return found


_ENGLISH_COMPOUND = [
    (re.compile(r"\s*(?:hours?|hrs?)\s+(?:and\s+)?(\d+)\s*(?:minutes?|mins?)\b(?:,?\s+(?:and\s+)?(\d+(?:\.\d+)?)\s*(?:seconds?|secs?)\b)?", re.IGNORECASE), 3600),
    (re.compile(r"\s*(?:minutes?|mins?)\s+(?:and\s+)?(\d+(?:\.\d+)?)\s*(?:seconds?|secs?)\b()", re.IGNORECASE), 60),
]


def _compound_duration(normal: str, end: int, value: Decimal, written: str) -> tuple[Decimal, tuple, int] | None:
    """(seconds, numbers after the first, end) for 9秒58, 1分30秒, 2時間5分, 2時間5分30秒, "1 hour 50 minutes"
    and "2 minutes 30 seconds"; None otherwise."""
    for pattern, size in _ENGLISH_COMPOUND:
        match = pattern.match(normal, end)
        if match:
            parts = [Decimal(part) for part in match.groups() if part]
            total = value * size + parts[0] * (60 if size == 3600 else 1) + (parts[1] if len(parts) > 1 else 0)
            return total, tuple(parts), match.end()
    hundredths = re.match(r"秒(\d+)", normal[end:])
    if hundredths and "." not in written:
        digits = hundredths.group(1)
        return Decimal(f"{int(value)}.{digits}"), (Decimal(digits),), end + hundredths.end()
    hours = re.match(r"時間(\d+)分(?:(\d+)秒)?", normal[end:])
    if hours:
        total = value * 3600 + int(hours.group(1)) * 60 + int(hours.group(2) or 0)
        return total, tuple(Decimal(n) for n in hours.groups() if n), end + hours.end()
    minutes = re.match(r"分(\d+)秒", normal[end:])
    if minutes:
        return (value * 60 + int(minutes.group(1))), (Decimal(minutes.group(1)),), end + minutes.end()
    return None


def _range_after(normal: str, start: int, end: int, *, value: Decimal, kind: str, unit: str | None):
    """(end, low, high, unit, high as written) when a second, larger number follows as a range: 10〜20人, 10 to 20 people."""
    joined = _RANGE_JOIN.match(normal, end)
    if not joined or kind in ("money", "date", "time", "ordinal"):
        return None
    if joined.group().strip().lower() == "and" and not re.search(r"between\s*$", normal[max(0, start - 9):start], re.IGNORECASE):
        return None
    other = _NUMERAL_RE.match(normal, joined.end())
    if not other:
        return None
    other_written = other.group().rstrip(".,")
    high = parse_number(other_written)
    if high is None:
        return None
    range_end = joined.end() + len(other_written)
    low = value
    after = _unit_after(normal, range_end)
    if after and after[1] not in ("ordinal",):
        range_end, _, after_unit, factor = after
        high = (high * factor)
        if unit is None or kind == "count":
            low, unit = (value * factor), after_unit
    scale = _english_scale(normal, range_end, abbreviations=False)
    if scale:
        range_end, factor = scale
        high = (high * factor)
    if high <= low:
        return None
    return range_end, low, high, unit, parse_number(other_written)


_ERA_YEAR_RE = re.compile(r"(令和|平成|昭和|大正|明治)\s*(元|\d{1,2})\s*年(?!\s*(?:元|\d{1,2})\s*月)")


def _times(normal: str):
    """Yields (start, end, minutes after midnight) for times of day."""
    for match in re.finditer(r"(午前|午後)?\s*(?<!\d)(\d{1,2})\s*時(?!間)\s*(?:(\d{1,2})\s*分|半)?(?!\s*間)", normal):
        hour, minute = int(match.group(2)), int(match.group(3) or (30 if "半" in match.group() else 0))
        if match.group(1) == "午後" and hour < 12:
            hour += 12
        if hour <= 24 and minute < 60:
            yield match.start(), match.end(), hour * 60 + minute
    for match in re.finditer(
        r"(?<![\d.:])(\d{1,2})(?::(\d{2}))?\s*(a\.?m\.?|p\.?m\.?)(?![a-z])|(?<![\d.:])(\d{1,2}):(\d{2})(?![\d.:])",
        normal, re.IGNORECASE,
    ):
        if match.group(1):
            hour, minute = int(match.group(1)), int(match.group(2) or 0)
            if hour > 12:
                continue
            if match.group(3).lower().startswith("p") and hour < 12:
                hour += 12
            elif match.group(3).lower().startswith("a") and hour == 12:
                hour = 0
        else:
            hour, minute = int(match.group(4)), int(match.group(5))
        if hour <= 24 and minute < 60:
            yield match.start(), match.end(), hour * 60 + minute


# Dates

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
            ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
            ("october", "oct"), ("november", "nov"), ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\b\.?"
_YEAR_JA = r"(?:(?P<era>令和|平成|昭和|大正|明治)\s*(?P<era_year>元|\d{1,2})|(?P<year>\d{4}))\s*年\s*"
_DATE_PATTERNS = [
    re.compile(r"(?:" + _YEAR_JA + r")?(?P<month>\d{1,2})\s*月\s*(?:(?P<day>\d{1,2})\s*日(?!\s*間))?"),
    re.compile(r"(?<![\d年月])(?P<day>\d{1,2})\s*日(?!\s*間|本|米|中|韓)"),
    re.compile(_MONTH + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+(?P<year>\d{4})\b)?", re.IGNORECASE),
    re.compile(r"\b(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r"(?:,?\s+(?P<year>\d{4})\b)?", re.IGNORECASE),
    re.compile(r"\b" + _MONTH + r",?\s+(?P<year>\d{4})\b", re.IGNORECASE),
    re.compile(r"\b(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})\b"),
    re.compile(r"\b(?P<year>\d{4})/(?P<month>\d{1,2})/(?P<day>\d{1,2})\b"),
]
_ENGLISH_MONTH_ONLY = {"may", "march", "mar", "jan", "jun", "aug", "sep", "oct", "nov", "dec", "feb", "apr", "jul"}


def _dates_normalised(normal: str):
    """Yields ((year, month, day), span) in normalised text, in order, day-only dates taking the month before."""
    candidates: list[tuple[tuple[int, int], tuple[int | None, int | None, int | None]]] = []
    taken: list[tuple[int, int]] = []
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(normal):
            start, end = match.span()
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            groups = match.groupdict()
            month_text = groups.get("month")
            if month_text is None:
                month = None
            elif month_text.isdigit():
                month = int(month_text)
            else:
                month = MONTHS.get(month_text.lower().rstrip("."))
                # "may" and "march" are words too: only a date with a day or year next to it.
            day = int(groups["day"]) if groups.get("day") else None
            year = int(groups["year"]) if groups.get("year") else None
            if groups.get("era"):
                year = _ERAS[groups["era"]] + (1 if groups["era_year"] == "元" else int(groups["era_year"]))
            if month is not None and not 1 <= month <= 12 or day is not None and not 1 <= day <= 31:
                continue
            if month_text and not month_text.isdigit() and month_text[0].islower() and month_text.lower() in _ENGLISH_MONTH_ONLY and day is None:
                continue
            taken.append((start, end))
            candidates.append(((start, end), (year, month, day)))
    candidates.sort()
    year_before: int | None = None
    month_before: int | None = None
    for (start, end), (year, month, day) in candidates:
        if month is None:
            if month_before is None:
                year, month = None, None
            else:
                year, month = year_before, month_before
        elif year is None and month_before == month:
            year = year_before
        year_before = year if year is not None else year_before
        month_before = month
        yield (year, month, day), (start, end)


def extract_dates(text: str) -> list[DateMention]:
    """Every date in text, whole or partial, with its span in text.

    A Japanese day on its own (「13日」) takes the month and year of the date before it, as a
    reader would; with no date before it, only its day is known. A year alone is not a date (it
    is a ``year`` quantity).
    """
    normal, offsets = _normalised_with_offsets(text or "")
    mentions = []
    for (year, month, day), (start, end) in _dates_normalised(normal):
        span = (offsets[start], offsets[end] if end < len(offsets) else len(text))
        mentions.append(DateMention(text=text[span[0]:span[1]], span=span, year=year, month=month, day=day))
    return mentions


# Names

# Particles inside one name ("Ludwig van Beethoven"); "of" and "and" are left out so that
# "Imaishi of Studio Trigger" gives two names.
_CONNECTORS = {"de", "van", "von", "der", "den", "da", "du", "la", "le", "bin", "al", "&"}
NAME_STOPWORDS = {
    "The", "A", "An", "This", "That", "These", "Those", "It", "In", "On", "At", "For", "But", "And", "As", "Or",
    "After", "Before", "When", "While", "With", "Its", "Their", "His", "Her", "Our", "If", "By", "From", "To",
    "Why", "How", "What", "Who", "Where", "Which", "Breaking", "He", "She", "They", "We", "I", "You",
    "There", "Here", "Some", "Many", "Most", "All", "One", "Two", "Three", "According", "However", "Meanwhile",
    "Also", "Now", "Then", "Yet", "So", "Not", "No", "Yes", "More", "Mr", "Mrs", "Ms", "Dr", "Sir", "Lord",
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "Today", "Tomorrow",
    "Yesterday", "Last", "Next", "First", "Second", "Third", "Former", "Several", "Each", "Every", "Both",
    "During", "Despite", "Although", "Because", "Since", "Until", "Under", "Over", "About", "Against",
    "Between", "Into", "Through", "Without", "Within", "Among", "Following", "Once", "Still", "Even", "Only",
    "Just", "Police", "Officials", "Government", "President", "Minister", "Prime", "Chief", "Director",
    "Producer", "Composer", "Writer", "Author", "Actor", "Actress", "Singer", "Chairman", "Chairwoman", "CEO",
    "Mayor", "Governor", "Senator", "Judge", "Coach", "Captain", "Manager", "Editor", "Professor", "Prof",
    "Artist", "Creator", "Designer", "Animator", "Vice", "Deputy", "Secretary",
} | {name.capitalize() for name in MONTHS}
_LATIN_NAME_RE = re.compile(
    r"(?<![\w'’])(?:[A-Z][\w'’.-]*[\w]|[A-Z])(?:(?:\s+|\s*&\s*)(?:(?:" + "|".join(sorted(_CONNECTORS - {"&"})) + r")\s+)*"
    r"(?:[A-Z][\w'’.-]*[\w]|[A-Z]\.?|\d+(?=\b)))*"
)
_KATAKANA_RUN_RE = re.compile(r"[ァ-ヺー][ァ-ヺー・=＝]*[ァ-ヺー]")
_BRACKET_RE = re.compile(r"[「『]([^「」『』。\n]{1,40})[」』]")
_SENTENCE_START_RE = re.compile(r"(?:^|[.!?。！？:;\"“”\n]\s*|\s[-–—]\s)$")


@lru_cache(maxsize=1)
def _romanisers():
    import cutlet

    foreign = cutlet.Cutlet()
    foreign.use_foreign_spelling = True
    hepburn = cutlet.Cutlet()
    hepburn.use_foreign_spelling = False
    return foreign, hepburn


@lru_cache(maxsize=4096)
def readings(text: str) -> tuple[str, ...]:
    """Lower-case romanised forms of Japanese text: loanwords in their English spelling where the dictionary knows it, and plain Hepburn."""
    if not _JAPANESE_RE.search(text):
        return (text.lower(),)
    foreign, hepburn = _romanisers()
    found = []
    for romaniser in (foreign, hepburn):
        try:
            reading = romaniser.romaji(text).lower().replace("/", " ")
        except Exception:  # noqa: BLE001 - an unreadable string has no reading; the caller says it could not check
            continue
        reading = re.sub(r"\s+", " ", reading).strip()
        if reading and reading not in found and not _JAPANESE_RE.search(reading):
            found.append(reading)
    return tuple(found)


def romanise(text: str) -> str:
    """Japanese text in Latin script (cutlet, English spelling for known loanwords): 「ジェームス・ブラウン」 is "james brown"."""
    found = readings(text)
    return found[0] if found else ""


_JAPANESE_RE = re.compile(r"[\u3040-\u309f\u30a0-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")


def _proper_noun_runs(text: str):
    """Yields (start, end) of runs of proper nouns tagged by the UniDic dictionary in Japanese text."""
    foreign, _ = _romanisers()
    position, run_start, run_end = 0, None, None
    for word in foreign.tagger(text):
        surface = word.surface
        at = text.find(surface, position)
        if at == -1:
            continue
        position = at + len(surface)
        if word.feature.pos2 == "固有名詞" and _JAPANESE_RE.search(surface):
            if run_start is None or at != run_end:
                if run_start is not None:
                    yield run_start, run_end
                run_start = at
            run_end = position
        elif run_start is not None and surface == "・" and at == run_end:
            run_end = position
        else:
            if run_start is not None:
                yield run_start, run_end
            run_start = None
    if run_start is not None:
        yield run_start, run_end


def extract_names(text: str) -> list[Name]:
    """Names in English or Japanese text, in order: Latin-script names, 「」『』 contents, katakana runs and proper nouns.

    A capitalised word at the start of a sentence is a name only when it is not a common
    sentence opener (``NAME_STOPWORDS``). Japanese names come with their ``readings``; spans may
    nest (a katakana run inside brackets is reported twice).
    """
    text = text or ""
    names: list[Name] = []
    for match in _LATIN_NAME_RE.finditer(text):
        words = match.group().split()
        while words and words[0].rstrip(".") in NAME_STOPWORDS:
            words = words[1:]
        while words and (words[-1].lower() in _CONNECTORS or words[-1].rstrip(".") in NAME_STOPWORDS):
            words = words[:-1]
        if not words:
            continue
        start = text.index(words[0], match.start())
        end = text.index(words[-1], start) + len(words[-1])
        value = text[start:end].rstrip(".'’")
        end = start + len(value)
        if len(value) < 2 or value.isdigit():
            continue
        if (
            len(words) == 1 and start == match.start()
            and _SENTENCE_START_RE.search(text[:start]) and not value.isupper()
        ):
            continue
        names.append(Name(text=value, span=(start, end), kind="latin"))
    if _JAPANESE_RE.search(text):
        for match in _BRACKET_RE.finditer(text):
            inner = match.group(1).strip()
            if inner:
                names.append(Name(text=inner, span=match.span(1), kind="bracketed", readings=readings(inner)))
        for match in _KATAKANA_RUN_RE.finditer(text):
            if len(match.group().replace("ー", "")) >= 2:
                names.append(Name(text=match.group(), span=match.span(), kind="katakana", readings=readings(match.group())))
        seen = {name.span for name in names}
        for start, end in _proper_noun_runs(text):
            if (start, end) not in seen:
                names.append(Name(text=text[start:end], span=(start, end), kind="proper_noun", readings=readings(text[start:end])))
    names.sort(key=lambda name: name.span)
    return names


def name_key(text: str) -> str:
    """A comparable form of a Latin-script name: lower case, no accents or punctuation, long vowels shortened."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if not unicodedata.combining(char)).lower()
    text = re.sub(r"['’]s\b", "", text)
    text = re.sub(r"[^a-z0-9]+", " ", text)
    text = re.sub(r"(ou|oo|oh)(?=[^aeiou]|$)", "o", text)
    text = re.sub(r"uu", "u", text)
    text = re.sub(r"ii", "i", text)
    return text.strip()


def _sounds(key: str) -> str:
    """A name key folded the way katakana hears it: l as r, v as b, soft g, di and j as j, no r before a consonant."""
    key = key.replace("ph", "f").replace("ck", "k").replace("th", "s").replace("sh", "s").replace("ch", "c")
    key = key.replace("tsu", "tu").replace("ts", "t").replace("x", "ks").replace("q", "k").replace("z", "s")
    key = re.sub(r"g(?=[eiy])", "j", key)
    key = re.sub(r"d(?=i[aeiou])i", "j", key)
    key = re.sub(r"(?<=[aeiou])r(?=[^aeiou]|$)", "", key)  # a final or pre-consonant r is a long vowel in katakana
    key = re.sub(r"c(?=[eiy])", "s", key).replace("c", "k").replace("l", "r").replace("v", "b").replace("gh", "")
    key = re.sub(r"m(?=[bp])", "n", key)
    key = re.sub(r"(?<=[^aeiou\s])u(?=[^aeiou]|$)", "", key)  # the u katakana adds after a consonant (ス, ク, ル)
    return re.sub(r"([^\s])\1+", r"\1", key)


def _skeleton(key: str) -> str:
    """The consonants of a folded name: James and jeemusu are both "jms", Brown and buraun "brn"."""
    return re.sub(r"[aeiouhwy\s]", "", _sounds(key))


def same_name(a: str, b: str) -> bool:
    """Whether two Latin-script spellings plausibly name the same thing.

    True when one's words are all among the other's (in any order, so "Kenji Sato" matches
    "Satou Kenji" and "Brown" matches "James Brown"), or when their consonant skeletons agree
    closely ("Starlight Relay" and "sutaaraito riree").
    """
    key_a, key_b = name_key(a), name_key(b)
    if not key_a or not key_b:
        return False
    words_a, words_b = set(key_a.split()), set(key_b.split())
    if words_a <= words_b or words_b <= words_a:
        return True
    if key_a.replace(" ", "") == key_b.replace(" ", "") or _sounds(key_a).replace(" ", "") == _sounds(key_b).replace(" ", ""):
        return True
    skeleton_a, skeleton_b = _skeleton(key_a), _skeleton(key_b)
    if len(skeleton_a) < 3 or len(skeleton_b) < 3:
        return False
    if skeleton_a == skeleton_b:
        return True
    return SequenceMatcher(None, skeleton_a, skeleton_b).ratio() >= 0.85 and min(len(skeleton_a), len(skeleton_b)) >= 5
