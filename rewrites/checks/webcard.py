"""The web card's HTML allow-list, applied before storing and again before showing."""

from __future__ import annotations

import nh3

ALLOWED_TAGS = {"p", "a", "strong", "em", "b", "i", "ul", "ol", "li", "blockquote", "br", "h3", "h4", "cite", "q"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
VOID_TAGS = {"br"}


def safe_web_card(html: str | None) -> str:
    """Returns html with every tag, attribute and link scheme outside the allow-list removed.

    Scripts, styles, event handlers and htmx (``hx-``) attributes never survive;
    links get ``rel="noopener noreferrer nofollow"``.
    """
    if not html:
        return ""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
