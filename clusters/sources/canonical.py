"""Canonical article URLs: the same page reached through different links."""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

TRACKING_PARAMETERS = {
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "mc_cid", "mc_eid", "igshid",
    "yclid", "_hsenc", "_hsmi", "mkt_tok", "ref", "ref_src", "ref_url", "cmpid", "ncid", "ocid",
    "spm", "share", "from", "via",
}
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "at_", "itm_")


def is_tracking_parameter(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMETERS or lowered.startswith(TRACKING_PREFIXES)


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
