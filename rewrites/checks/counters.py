"""Length counters for the social networks, as each network counts: one function per counting rule.

- graphemes (Bluesky, 300): user-perceived characters.
- x-weighted (X, 280): the twitter-text v3 way: a link counts 23, an emoji
  counts 2, a code point in the narrow ranges below counts 1 and anything
  else (CJK, Hangul, most symbols) counts 2.
- code-points (Threads, 500): Unicode code points.

Each network is a row of ``rewrites.fields`` that names its rule and limit;
``COUNTING_RULES`` holds the function for each rule name, and ``NETWORKS`` is
built from the rows. ``COUNTER_SPEC`` holds every constant the counters use,
and each post's network, rule and limits, so that the editor's live counters
in JavaScript (``static/js/workspace.js``, which holds the same functions
under the same rule names) can mirror them exactly (the same URL pattern,
ranges and limits); keep the two in step. The URL pattern avoids ``\b``,
which means different things in Python and JavaScript regular expressions.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Callable

import grapheme

from rewrites.fields import OutputField, Rule, social_posts

# twitter-text v3 configuration: weights are in hundredths of a character.
X_SCALE = 100
X_DEFAULT_WEIGHT = 200
X_NARROW_RANGES = [(0, 4351), (8192, 8205), (8208, 8223), (8242, 8247)]
X_URL_LENGTH = 23

URL_PATTERN = (
    r"(?:https?://[^\s<>\"]+)"
    r"|(?:(?<![A-Za-z0-9_])www\.[^\s<>\"]+)"
    r"|(?:(?<![A-Za-z0-9_])[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:com|net|org|io|jp|co|dev|ai|app|news|tv|me|ly|gg)"
    r"(?:/[^\s<>\"]*)?(?![a-z0-9-]))"
)
URL_RE = re.compile(URL_PATTERN, re.IGNORECASE)
HASHTAG_PATTERN = r"(?:^|(?<=[^\w&]))[#＃][^\W\d_][\w]*"
HASHTAG_RE = re.compile(HASHTAG_PATTERN)
_TRAILING_PUNCTUATION = ".,;:!?)]}'\""


@dataclass(frozen=True)
class Network:
    field: str
    name: str
    limit: int
    unit: str
    count: Callable[[str], int]
    hashtag_allowance: int
    link_allowance: int


def bluesky_length(text: str) -> int:
    """Returns the number of graphemes in text, as Bluesky counts toward 300."""
    return grapheme.length(unicodedata.normalize("NFC", text or ""))


def threads_length(text: str) -> int:
    """Returns the number of characters (code points) in text, as Threads counts toward 500."""
    return len(text or "")


def find_urls(text: str) -> list[tuple[int, int]]:
    """Returns the (start, end) spans of links in text, trailing punctuation left out."""
    spans = []
    for match in URL_RE.finditer(text or ""):
        start, end = match.span()
        while end > start and text[end - 1] in _TRAILING_PUNCTUATION:
            end -= 1
        spans.append((start, end))
    return spans


def find_hashtags(text: str) -> list[tuple[int, int]]:
    return [match.span() for match in HASHTAG_RE.finditer(text or "")]


def _is_emoji(cluster: str) -> bool:
    return any(
        ord(char) >= 0x1F000 or char == "\ufe0f" or 0x2600 <= ord(char) <= 0x27BF for char in cluster
    )


def _x_weight(char: str) -> int:
    code = ord(char)
    for low, high in X_NARROW_RANGES:
        if low <= code <= high:
            return X_SCALE
    return X_DEFAULT_WEIGHT


def x_weighted_length(text: str) -> int:
    """Returns text's length as X counts toward 280: links 23, emoji and wide characters 2."""
    text = unicodedata.normalize("NFC", text or "")
    total = 0
    position = 0
    for start, end in find_urls(text) + [(len(text), len(text))]:
        for cluster in grapheme.graphemes(text[position:start]):
            if _is_emoji(cluster):
                total += X_DEFAULT_WEIGHT
            else:
                total += sum(_x_weight(char) for char in cluster)
        if end > start:
            total += X_URL_LENGTH * X_SCALE
        position = end
    return (total + X_SCALE - 1) // X_SCALE


COUNTING_RULES: dict[Rule, Callable[[str], int]] = {
    Rule.GRAPHEMES: bluesky_length,
    Rule.X_WEIGHTED: x_weighted_length,
    Rule.CODE_POINTS: threads_length,
}


def networks_for(fields: list[OutputField] | None = None) -> dict[str, Network]:
    """The network of each social post among fields (all output fields by default), by record name."""
    return {
        field.record_name: Network(
            field.record_name, field.network.name, field.network.limit, field.network.unit,
            COUNTING_RULES[field.network.rule], field.network.hashtag_allowance, field.network.link_allowance,
        )
        for field in social_posts(fields)
    }


NETWORKS: dict[str, Network] = networks_for()


def offset_at_limit(text: str, network: Network) -> int:
    """Returns the character offset where text first goes over the network's limit (len(text) if it never does)."""
    low, high = 0, len(text)
    if network.count(text) <= network.limit:
        return len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if network.count(text[:middle]) <= network.limit:
            low = middle
        else:
            high = middle - 1
    return low


def count_for(field: str, text: str | None) -> dict:
    """Returns {network, count, limit, remaining, unit} for one social field."""
    network = NETWORKS[field]
    count = network.count(text or "")
    return {
        "network": network.name,
        "count": count,
        "limit": network.limit,
        "remaining": network.limit - count,
        "unit": network.unit,
    }


def truncate_to(text: str, network: Network, *, suffix: str = "…") -> str:
    """Returns text cut at a word boundary so that it fits the network's limit."""
    if network.count(text) <= network.limit:
        return text
    cut = offset_at_limit(text + suffix, network) - len(suffix)
    cut = max(0, min(cut, len(text)))
    head = text[:cut]
    if " " in head[int(len(head) * 0.6):]:
        head = head[: head.rfind(" ")]
    return head.rstrip(" ,;:-") + suffix


def counter_spec(fields: list[OutputField] | None = None) -> dict:
    """What the workspace's live counters read (rendered into the page as JSON): the counting rules'
    constants, and each social post's network by record name with its model attribute and rule name."""
    return {
        "x": {
            "scale": X_SCALE,
            "defaultWeight": X_DEFAULT_WEIGHT,
            "narrowRanges": X_NARROW_RANGES,
            "urlLength": X_URL_LENGTH,
        },
        "urlPattern": URL_PATTERN,
        "hashtagPattern": HASHTAG_PATTERN,
        "networks": {
            field.record_name: {
                "field": field.attribute,
                "name": field.network.name,
                "limit": field.network.limit,
                "unit": field.network.unit,
                "rule": str(field.network.rule),
                "hashtags": field.network.hashtag_allowance,
                "links": field.network.link_allowance,
            }
            for field in social_posts(fields)
        },
    }


COUNTER_SPEC = counter_spec()
