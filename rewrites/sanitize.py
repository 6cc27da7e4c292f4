"""Sanitising model-written web-card HTML for display to the public."""

import nh3

WEB_CARD_TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "s", "blockquote", "q", "cite", "code", "pre",
    "ul", "ol", "li", "h2", "h3", "h4", "a", "abbr", "sub", "sup", "small", "span",
}
WEB_CARD_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "q": {"cite"}, "blockquote": {"cite"}}
WEB_CARD_URL_SCHEMES = {"http", "https", "mailto"}


def safe_web_card(html: str | None) -> str:
    """Returns html with only the allow-listed tags and attributes; links open safely.

    Scripts, styles, event handlers, iframes and javascript: URLs are removed, with their
    content for script and style.
    """
    if not html:
        return ""
    return nh3.clean(
        html,
        tags=WEB_CARD_TAGS,
        attributes=WEB_CARD_ATTRIBUTES,
        url_schemes=WEB_CARD_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        clean_content_tags={"script", "style"},
        strip_comments=True,
    )
