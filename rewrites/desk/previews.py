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

from rewrites.checks.counters import find_hashtags, find_urls
from rewrites.fields import OutputField, by_record_name, social_posts


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
    network: str  # the network's key: "x", "bluesky", "threads" ...
    name: str
    segments: list[tuple[str, str]]  # (kind, text): kind is "text", "link" or "hashtag"
    card: LinkCard | None
    note: str


def _with_scheme(url: str) -> str:
    return url if "://" in url else f"https://{url}"


def _post_field(record_name: str, fields: list[OutputField] | None) -> OutputField:
    field = by_record_name(social_posts(fields)).get(record_name)
    if field is None:
        raise KeyError(f"{record_name} is not a social post")
    return field


def display_link(record_name: str, url: str, *, fields: list[OutputField] | None = None) -> str:
    """The link as the post's network shows it in the text: without the scheme (and www.), shortened."""
    display = _post_field(record_name, fields).network.link_display
    parts = urlsplit(_with_scheme(url))
    host = parts.netloc.removeprefix("www.")
    path = parts.path.rstrip("/") + (f"?{parts.query}" if parts.query else "")
    cut = path if display.part == "path" else host + path
    if len(cut) > display.longest:
        cut = cut[: display.kept] + display.mark
    return host + cut if display.part == "path" else cut


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


def post_preview(
    record_name: str, text: str | None, *, links: StoryLinks, fields: list[OutputField] | None = None,
) -> PostPreview:
    """The preview of one social post (blueskyPost, twitterPost, threadsPost ...) as its network shows it."""
    text = text or ""
    network = _post_field(record_name, fields).network
    urls = find_urls(text)
    # Networks draw the card for the first link, or (X) the last.
    carded = (urls[-1] if network.card_link == "last" else urls[0]) if urls else None
    card = _card_for(text[carded[0]:carded[1]], links) if carded else None
    # Some (X) hide a link that ends the post when they draw its card.
    hidden = carded if network.hides_card_link and carded and not text[carded[1]:].strip() else None
    marks = sorted([(start, end, "link") for start, end in urls] + [(s, e, "hashtag") for s, e in find_hashtags(text)])
    segments, position = [], 0
    for start, end, kind in marks:
        if start < position:
            continue
        before = text[position:start]
        segments.append(("text", before.rstrip() if (start, end) == hidden else before))
        if (start, end) != hidden:
            shown = display_link(record_name, text[start:end], fields=fields) if kind == "link" else text[start:end]
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
        network=network.key, name=network.name, segments=segments, card=card, note=note,
    )
