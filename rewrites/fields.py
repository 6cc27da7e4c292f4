"""The rewrite's output fields, one row each, in the order the record and the workspace show them.

Every list of output fields comes from ``OUTPUT_FIELDS``: the lints' field lists and the claim
fields (``rewrites.checks.lint``), the networks and their counters (``rewrites.checks.counters``, and through
``COUNTER_SPEC`` the workspace's live counters in ``static/js/workspace.js``), the social previews
(``rewrites.desk.previews``), the prompt's JSON schema and its limits sentence
(``rewrites.generation.prompt``), the offline writer's posts, the record's keys (schema, export and
import in ``rewrites.records``), the workspace's panels and the history's labels.

A new social network is one ``OutputField`` row with its ``Network``, a migration adding its model
field to ``Rewrite`` and its posting client. Its counting rule is a name: ``rewrites.checks.counters``
and ``static/js/workspace.js`` each hold the function for every rule name, so a network that counts
as an existing one names that rule. This module imports nothing from the desk, so that every
part of it can read the rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    TEXT = "text"  # plain prose
    HTML = "html"  # the web card: HTML, sanitised before it is shown
    POST = "post"  # a social post: counted, previewed and posted to its network


class Rule(StrEnum):
    """How a network counts a post's length (the functions: ``rewrites.checks.counters.COUNTING_RULES``)."""

    GRAPHEMES = "graphemes"  # user-perceived characters, after NFC
    X_WEIGHTED = "x-weighted"  # twitter-text v3: links 23, emoji and wide characters 2
    CODE_POINTS = "code-points"  # Unicode code points


# How a counting rule is put to the writing model, after "at most <limit>".
RULE_FOR_THE_MODEL = {
    Rule.GRAPHEMES: "characters",
    Rule.X_WEIGHTED: "characters where a link counts as 23 and a Japanese or Chinese character as 2",
    Rule.CODE_POINTS: "characters",
}


@dataclass(frozen=True)
class LinkDisplay:
    """How a network shows a link in a post's text: without the scheme and www., cut when long.

    ``part`` is what gets cut: "address" (host and path together) or "path" (the host is always
    shown whole). A part longer than ``longest`` characters keeps its first ``kept`` and ``mark``.
    """

    part: str
    longest: int
    kept: int
    mark: str


@dataclass(frozen=True)
class Network:
    """A social network a post is written for, and how it counts, limits and shows that post."""

    key: str  # short name in pages and previews ("x")
    name: str  # as editors know it ("X")
    limit: int
    unit: str  # what the limit counts, in words ("weighted characters")
    rule: Rule
    hashtag_allowance: int
    link_allowance: int
    link_display: LinkDisplay
    card_link: str = "first"  # the link the network draws its card for: "first" or "last"
    hides_card_link: bool = False  # a carded link that ends the post is left out of the text
    offline_opening: str = "headline"  # the offline writer opens the post with "headline" (and first sentence) or "summary"


@dataclass(frozen=True)
class OutputField:
    """One output field: its model attribute, record name and label, and what kind of text it holds."""

    attribute: str  # the Rewrite model field ("twitter_post")
    record_name: str  # its key in the record, the prompt and the lints ("twitterPost")
    label: str  # as editors read it ("X post")
    kind: Kind = Kind.TEXT
    long: bool = False  # edited in a tall textarea
    claims_checked: bool = True  # numbers, dates, names, quotations and wording checked against the sources
    network: Network | None = None  # for a social post


BLUESKY = Network(
    key="bluesky", name="Bluesky", limit=300, unit="graphemes", rule=Rule.GRAPHEMES,
    hashtag_allowance=2, link_allowance=1, link_display=LinkDisplay(part="path", longest=15, kept=13, mark="..."),
)
X = Network(
    key="x", name="X", limit=280, unit="weighted characters", rule=Rule.X_WEIGHTED,
    hashtag_allowance=2, link_allowance=1, link_display=LinkDisplay(part="address", longest=23, kept=23, mark="…"),
    card_link="last", hides_card_link=True,
)
THREADS = Network(
    key="threads", name="Threads", limit=500, unit="characters", rule=Rule.CODE_POINTS,
    hashtag_allowance=3, link_allowance=1, link_display=LinkDisplay(part="address", longest=30, kept=30, mark="…"),
    offline_opening="summary",
)

OUTPUT_FIELDS: list[OutputField] = [
    # A headline condenses, so its wording rarely appears in any source: its numbers, dates, names and
    # quotations are checked (``FACT_FIELDS``), its wording is not.
    OutputField("headline", "headline", "Headline", claims_checked=False),
    OutputField("summary", "summary", "Summary", long=True),
    OutputField("why_it_matters", "whyItMatters", "Why it matters", long=True),
    OutputField("web_card_html", "webCardHtml", "Web card", kind=Kind.HTML, long=True),
    OutputField("bluesky_post", "blueskyPost", "Bluesky post", kind=Kind.POST, network=BLUESKY),
    OutputField("twitter_post", "twitterPost", "X post", kind=Kind.POST, network=X),
    OutputField("threads_post", "threadsPost", "Threads post", kind=Kind.POST, long=True, network=THREADS),
    OutputField("newsletter_blurb", "newsletterBlurb", "Newsletter blurb", long=True),
]


def by_record_name(fields: list[OutputField] | None = None) -> dict[str, OutputField]:
    return {field.record_name: field for field in (OUTPUT_FIELDS if fields is None else fields)}


def social_posts(fields: list[OutputField] | None = None) -> list[OutputField]:
    """The fields that are posts to a social network, in record order."""
    return [field for field in (OUTPUT_FIELDS if fields is None else fields) if field.network is not None]
