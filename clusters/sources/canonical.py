"""Canonical article URLs: the same page reached through different links."""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from newsroom import links

# Besides the tracking parameters the desk strips from the links it writes (newsroom/links.py), these say
# where a reader came from without changing the page, so two links that differ only in them are one article.
REFERRAL_PARAMETERS = {"ref", "ref_src", "ref_url", "share", "from", "via"}
REFERRAL_PREFIXES = ("at_",)


def is_tracking_parameter(name: str) -> bool:
    lowered = name.lower()
    return links.is_tracking_parameter(lowered) or lowered in REFERRAL_PARAMETERS or lowered.startswith(REFERRAL_PREFIXES)


def canonical_url(url: str) -> str:
    """Returns url without fragment, tracking parameters, default port or case in the host."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    query = urlencode(
        [(name, value) for name, value in parse_qsl(parts.query, keep_blank_values=True)
         if not is_tracking_parameter(name)]
    )
    return urlunsplit((scheme, host, parts.path or "/", query, ""))
