"""How each social post will look on its network: its text with links shown the way the network
shortens them, and the link card the network draws for the post's link.

The workspace draws the preview at the network's own column width and font size
(``static/css/newsroom.css``, ``.post-preview``), so lines wrap where they will on the
network. A link to the story's own page gets the story's card: its headline, summary and
Open Graph image; a link to one of the story's source articles gets that article's title and
lead image; any other link only its domain, since the network draws that page's own preview.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from rewrites.counters import NETWORKS, find_hashtags, find_urls

# How each network shows a link in the text: (characters kept of host and path, mark put after a cut).
_LINK_DISPLAY = {"twitterPost": (23, "…"), "blueskyPost": (None, "..."), "threadsPost": (30, "…")}
_BLUESKY_PATH_CHARS = 15


@dataclass(frozen=True)
class StoryLinks:
    """What a link card can show about the story and its sources."""

    story_paths: frozenset[str]  # /stories/<slug>/ addresses of the story, now and once published
    headline: str
    summary: str
    card_image_url: str  # the story's Open Graph image
    articles: dict[str, tuple[str, str]] = field(default_factory=dict)  # source url → (title, image url)


@dataclass(frozen=True)
class LinkCard:
    url: str
    domain: str
    title: str = ""
    description: str = ""
    image_url: str = ""
    is_story: bool = False


@dataclass(frozen=True)
class PostPreview:
    network: str  # "x", "bluesky" or "threads"
    name: str
    segments: list[tuple[str, str]]  # (kind, text): kind is "text", "link" or "hashtag"
    card: LinkCard | None
    note: str


def _with_scheme(url: str) -> str:
    return url if "://" in url else f"https://{url}"


def display_link(record_name: str, url: str) -> str:
    """The link as the network shows it in the post's text: without the scheme (and www.), shortened."""
    parts = urlsplit(_with_scheme(url))
    host = parts.netloc.removeprefix("www.")
    path = parts.path.rstrip("/") + (f"?{parts.query}" if parts.query else "")
    keep, mark = _LINK_DISPLAY[record_name]
    if keep is None:  # Bluesky keeps the host and cuts the path
        return host + (path[: _BLUESKY_PATH_CHARS - 2] + mark if len(path) > _BLUESKY_PATH_CHARS else path)
    shown = host + path
    return shown if len(shown) <= keep else shown[:keep] + mark


def _card_for(url: str, links: StoryLinks) -> LinkCard:
    full = _with_scheme(url)
    parts = urlsplit(full)
    domain = parts.netloc.removeprefix("www.")
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    if path in links.story_paths:
        return LinkCard(
            url=full, domain=domain, title=links.headline, description=links.summary[:200],
            image_url=links.card_image_url, is_story=True,
        )
    for source_url, (title, image_url) in links.articles.items():
        if _same_page(source_url, full):
            return LinkCard(url=full, domain=domain, title=title, image_url=image_url)
    return LinkCard(url=full, domain=domain)


def _same_page(first: str, second: str) -> bool:
    a, b = urlsplit(first), urlsplit(second)
    return (a.netloc.removeprefix("www."), a.path.rstrip("/"), a.query) == (
        b.netloc.removeprefix("www."), b.path.rstrip("/"), b.query
    )


def post_preview(record_name: str, text: str | None, *, links: StoryLinks) -> PostPreview:
    """The preview of one social post (blueskyPost, twitterPost or threadsPost) as its network shows it."""
    text = text or ""
    network = NETWORKS[record_name]
    urls = find_urls(text)
    # X draws the card for the last link, the others for the first.
    carded = (urls[-1] if record_name == "twitterPost" else urls[0]) if urls else None
    card = _card_for(text[carded[0]:carded[1]], links) if carded else None
    # X hides a link that ends the post when it draws its card.
    hidden = carded if record_name == "twitterPost" and carded and not text[carded[1]:].strip() else None
    marks = sorted([(start, end, "link") for start, end in urls] + [(s, e, "hashtag") for s, e in find_hashtags(text)])
    segments, position = [], 0
    for start, end, kind in marks:
        if start < position:
            continue
        before = text[position:start]
        segments.append(("text", before.rstrip() if (start, end) == hidden else before))
        if (start, end) != hidden:
            shown = display_link(record_name, text[start:end]) if kind == "link" else text[start:end]
            segments.append((kind, shown))
        position = end
    segments.append(("text", "" if hidden else text[position:]))
    segments = [(kind, part) for kind, part in segments if part]
    if card is None:
        note = "No link in this post, so the network shows no link card."
    elif card.is_story:
        note = "The link card shows the story's Open Graph image, headline and summary."
    elif card.title:
        note = "The link card shows the source article's title" + (" and lead image." if card.image_url else ".")
    else:
        note = f"{network.name} draws this page's own preview; the desk cannot show it here."
    return PostPreview(
        network={"twitterPost": "x", "blueskyPost": "bluesky", "threadsPost": "threads"}[record_name],
        name=network.name, segments=segments, card=card, note=note,
    )
