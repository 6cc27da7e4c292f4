"""Hard negatives: facts that tell two stories apart whatever their words have in common.

Two typhoons (台風8号 / 台風17号), two milestones (20万記事 / 110万記事), two races (100 m / 200 m),
two days of one championship (7日目 / 13日目) or two events on different dates share most of their
words; what separates them is a number or a date in the headline or the first sentence. Numbers
and dates are read by newsroom.facts, the module the lints use, so both see the same facts.

An article's distinguishing facts are a mapping from a *frame* (what the number identifies or
counts) to the values found in it:

- ``id:<frame>``: identifiers, where any difference means another story: 台風8号 (``id:号``),
  13日目 (``id:日目``), 第99回 (``id:第回``), "Typhoon No. 8", "day 13", "Game 7", "Stage 13".
- ``size:<unit>``: the distance or weight class of a competition (100 m, 48 kg級).
- ``count:<counter>``: a count of things that identifies a milestone (20万記事); counts of people,
  money, time and percentages change as a story develops and are left out. Two counts conflict
  only when they differ by more than a factor of two.
- ``medal``: the medal an Olympic or championship event was won with (金メダル, "silver").
- ``date``: the date of the event itself (month and day, and the year when given); no conflict
  when the two also name the same specific person, place or thing (a follow-up of one story).

Facts are read from the headline and, for a frame the headline does not mention, from the first
sentence of the story (after a repeated headline and a dateline, which says when the page was
written, not when the event happened), where news reports state the event; later sentences give background (earlier
typhoons, last year's result) and are not read. A cluster's facts are the union of its articles'
facts, so a cluster conflicts with an article only where none of its articles agrees with it.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal

from clusters.background import zipf
from newsroom.facts import extract_dates, extract_names, extract_quantities, name_key, same_name

Facts = dict[str, list[str]]

# Japanese counters after a number that identify rather than count.
IDENTIFIER_SUFFIXES = ("日目", "号", "回戦", "区")
# Frames that are one frame across languages: 台風8号 and "Typhoon No. 8".
SAME_FRAME = {"号": "no", "number": "no", "typhoon": "no", "日目": "day", "matchday": "day"}
# English words before a number that make it an identifier ("Typhoon No. 8", "day 13").
IDENTIFIER_WORDS = (
    "typhoon", "no", "number", "day", "game", "stage", "round", "week", "episode", "season", "chapter",
    "volume", "vol", "part", "flight", "race", "leg", "heat", "match", "matchday",
)
_WORD_BEFORE = re.compile(r"([A-Za-z]+)\.?\s*(?:#\s*)?$")
# The result of a competition event: a gold and a silver medal are two events, not one.
MEDALS = {"金": "gold", "銀": "silver", "銅": "bronze", "gold": "gold", "silver": "silver", "bronze": "bronze"}
_MEDAL = re.compile(r"([金銀銅])メダル|\b(gold|silver|bronze)(?:\s+medal)?\b", re.IGNORECASE)
_SIZE_AFTER = re.compile(r"\s*(?:(kg|キロ)\s*級|(m|メートル|metres?|meters?)(?![A-Za-z]))", re.IGNORECASE)
_COUNTER_AFTER = re.compile(r"\s*([\u4e00-\u9fff\u30a0-\u30ff]{1,3})")
NAMES_KEPT = 40
# Counters whose numbers change as a story develops (casualties, money, time) or say nothing of identity.
_CHANGING_COUNTERS = frozenset(
    ["人", "名", "歳", "円", "ドル", "年", "月", "日", "時", "分", "秒", "万", "億", "兆", "件", "回", "度", "倍", "割", "位", "点", "票", "戸", "世帯", "棟", "軒", "隻", "機", "両", "台", "カ国", "か国", "校", "社", "店"]
)
FIRST_SENTENCE_CHARS = 400
_OPEN, _CLOSE = "(（[「『“", ")）]」』”"


def first_sentence(text: str) -> str:
    """The first sentence of text (at most FIRST_SENTENCE_CHARS characters); a full stop inside
    brackets, as in 「(UTC + 2 =ドイツ夏時間。日本時間- 7時間)」, does not end it."""
    head = (text or "").strip()[:FIRST_SENTENCE_CHARS]
    depth = 0
    for index, char in enumerate(head):
        if char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth = max(depth - 1, 0)
        elif depth == 0 and (char in "。！？\n" or char in ".!?" and _ends_sentence(head, index)):
            return head[:index + 1]
    return head


_ABBREVIATION = re.compile(r"(?:\b[A-Za-z]{1,2}|\b(?:[A-Za-z]\.)+[A-Za-z]|Sept|Gen|Gov|Sen|Rep|Inc|Corp|Ltd|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Oct|Nov|Dec)$")


def _ends_sentence(text: str, index: int) -> bool:
    """Whether the stop at index ends an English sentence: a space and a capital follow, and it does
    not close an abbreviation ("No. 8", "U.S. officials", "Gen. Smith")."""
    following = text[index + 1:index + 3]
    if following and not (following[0] in " \n" and (len(following) < 2 or following[1].isupper() or following[1] in "\"“")):
        return False
    return not _ABBREVIATION.search(text[:index])


def _frames(text: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    normal = unicodedata.normalize("NFKC", text)

    def add(frame: str, value) -> None:
        kind, _, name = frame.partition(":")
        frame = f"{kind}:{SAME_FRAME.get(name, name)}"
        found.setdefault(frame, set()).add(_plain(value))

    for quantity in extract_quantities(normal):
        start, end = quantity.span
        after = normal[end:end + 12]
        before = normal[max(0, start - 16):start]
        if quantity.kind == "date" and after.startswith("目"):
            add("id:日目", quantity.value % 100 if quantity.value > 31 else quantity.value)
            continue
        if quantity.kind in ("date", "time", "year", "range", "duration", "percent", "money"):
            continue
        suffix = next((s for s in IDENTIFIER_SUFFIXES if after.lstrip().startswith(s)), None)
        if quantity.kind == "ordinal" and before.endswith("第"):
            add("id:第" + (quantity.unit or after.lstrip()[:1]), quantity.value)
            continue
        if suffix:
            add(f"id:{suffix}", quantity.value)
            continue
        word = _WORD_BEFORE.search(before)
        if word and word.group(1).lower() in IDENTIFIER_WORDS and not quantity.text.strip().isalpha():
            add(f"id:{word.group(1).lower()}", quantity.value)
            continue
        size = _SIZE_AFTER.match(normal, quantity.span[1]) if not quantity.unit else None
        unit = quantity.unit if quantity.unit in ("m", "kg") else None
        if size:
            unit = "kg" if size.group(1) else "m"
        if unit:
            add(f"size:{unit}", quantity.value)
            continue
        if quantity.kind == "count" and quantity.unit is None and quantity.form == "digits":
            counter = _COUNTER_AFTER.match(after)
            if (
                counter and len(counter.group(1)) <= 2 and quantity.value >= 1000
                and counter.group(1) not in _CHANGING_COUNTERS and not counter.group(1).startswith(("人", "名"))
            ):
                add(f"count:{counter.group(1)}", quantity.value)
    for match in _MEDAL.finditer(normal):
        found.setdefault("medal", set()).add(MEDALS[(match.group(1) or match.group(2)).lower()])
    for mention in extract_dates(normal):
        if mention.month is not None and mention.day is not None:
            found.setdefault("date", set()).add(
                f"{mention.year or '????'}-{mention.month:02d}-{mention.day:02d}"
            )
            break
    return found


def _plain(value) -> str:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


# A name is specific when it is rarer than this in general text (zipf, log10 per billion words):
# "Usain", "Sawajiri", "Infantino" are; "Japan", "FIFA", "UTC", "medal" are not.
SPECIFIC_ZIPF = 3.5


def _specific(key: str) -> bool:
    words = key.split()
    return bool(words) and min(zipf(word) for word in words) < SPECIFIC_ZIPF


def name_keys(text: str) -> set[str]:
    """Comparable keys of the specific names in text: Latin names as written, Japanese names by
    their readings; names common in general text (countries, loanwords such as メダル) are left out."""
    keys = set()
    for name in extract_names(text):
        if name.readings and (zipf(name.text) >= SPECIFIC_ZIPF or any(zipf(reading) >= SPECIFIC_ZIPF for reading in name.readings)):
            continue  # a common word, or a loanword the dictionary spells as a common English word (マグニチュード)
        for key in (name.readings or (name.text,)):
            key = name_key(key)
            if len(key) >= 3 and not key.replace(" ", "").isdigit() and _specific(key):
                keys.add(key)
    return keys


_WEEKDAY = re.compile(
    r"[\s(（)）,、・]|[月火水木金土日](?:曜日?)?|(?:mon|tues|wednes|thurs|fri|satur|sun)day|\b(?:mon|tue|wed|thu|fri|sat|sun)\b",
    re.IGNORECASE,
)


def is_dateline(line: str) -> bool:
    """Whether a line only gives a date (and its weekday), as news pages print above the story:
    「2009年8月17日 (月)」, "Tuesday, August 16, 2005". It is when the page was written, not the event."""
    line = line.strip()
    if not line or len(line) > 40:
        return False
    dates = extract_dates(line)
    if not dates:
        return False
    rest = line
    for found in sorted(dates, key=lambda d: d.span[0], reverse=True):
        rest = rest[: found.span[0]] + rest[found.span[1]:]
    return not _WEEKDAY.sub("", rest)


def story_lead(title: str, text: str) -> str:
    """The first sentence of the story itself: after a repeated headline and any dateline."""
    body = (text or "").strip()
    if title and body.startswith(title.strip()):
        body = body[len(title.strip()):]  # extracted pages often repeat the headline first
    lines = body.strip().split("\n")
    while lines and is_dateline(lines[0]):
        lines.pop(0)
    return first_sentence("\n".join(lines))


def distinguishing_facts(title: str, text: str) -> Facts:
    """Returns the frames and values that identify the story of an article (see the module
    docstring), and under ``names`` the keys of the names in its headline and first sentence."""
    lead = story_lead(title, text)
    facts = _frames(title or "")
    for frame, values in _frames(lead).items():
        facts.setdefault(frame, values)
    names = name_keys(title or "") | name_keys(lead)
    if names:
        facts["names"] = names
    return {frame: sorted(values) for frame, values in sorted(facts.items())}


def shared_names(mine: list[str], theirs: list[str]) -> bool:
    """Whether two lists of name keys name one thing, across scripts ("usain bolt" and "usain boruto")."""
    if set(mine) & set(theirs):
        return True
    return any(same_name(a, b) for a in mine for b in theirs)


def merge_facts(total: Facts, facts: Facts) -> Facts:
    """The union of two sets of facts (a cluster's facts are the union of its articles')."""
    merged = {frame: list(values) for frame, values in (total or {}).items()}
    for frame, values in (facts or {}).items():
        kept = merged.setdefault(frame, [])
        kept.extend(value for value in values if value not in kept)
    if len(merged.get("names", ())) > NAMES_KEPT:
        merged["names"] = merged["names"][-NAMES_KEPT:]
    return {frame: sorted(values) for frame, values in sorted(merged.items())}


def _day(value: str) -> tuple[int | None, date] | None:
    year, month, day = value.split("-")
    try:
        return (None if year == "????" else int(year)), date(2000, int(month), int(day))
    except ValueError:
        return None


def _dates_agree(mine: list[str], theirs: list[str]) -> bool:
    for a in mine:
        for b in theirs:
            day_a, day_b = _day(a), _day(b)
            if day_a is None or day_b is None:
                return True
            if day_a[0] is not None and day_b[0] is not None and day_a[0] != day_b[0]:
                continue
            gap = abs((day_a[1] - day_b[1]).days)
            if min(gap, 366 - gap) <= 1:  # time zones put one event on two dates
                return True
    return False


def _counts_agree(mine: list[str], theirs: list[str]) -> bool:
    for a in mine:
        for b in theirs:
            low, high = sorted((Decimal(a), Decimal(b)))
            if low > 0 and high <= 2 * low:
                return True
    return False


def conflict(article: Facts, cluster: Facts) -> str | None:
    """Returns why an article cannot belong to a cluster (a frame where their values disagree), or None.

    Different dates are no conflict when the two name the same things: that is a follow-up of
    one story (a typhoon's approach and its landfall, an election's second round).
    """
    for frame in sorted(article.keys() & cluster.keys()):
        mine, theirs = article[frame], cluster[frame]
        if frame == "names":
            continue
        if frame == "date":
            agree = _dates_agree(mine, theirs) or shared_names(article.get("names", []), cluster.get("names", []))
        elif frame.startswith("count:"):
            agree = _counts_agree(mine, theirs)
        else:
            agree = bool(set(mine) & set(theirs))
        if not agree:
            return f"{frame} {'/'.join(mine)} vs {'/'.join(theirs)}"
    return None
