"""Links the desk writes: without tracking parameters, and to the desk's own story pages.

Every link the desk puts in its output (the offline writer's drafts and posts, the attribution
links of public pages and feeds, newsletter exports) goes through ``strip_tracking``, and the
``tracking-link`` lint flags any output link that still carries one of ``TRACKING_PARAMETERS``
or a parameter starting with one of ``TRACKING_PREFIXES``.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.urls import reverse

# Parameters that only say where a click came from (ad clicks, mail campaigns, social shares).
TRACKING_PARAMETERS = frozenset({
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "mc_cid", "mc_eid", "igshid", "yclid",
    "twclid", "ttclid", "li_fat_id", "_hsenc", "_hsmi", "mkt_tok", "oly_enc_id", "oly_anon_id", "vero_id",
    "_ga", "_gl", "ncid", "ocid", "cmpid", "spm",
})
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "itm_")


def is_tracking_parameter(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMETERS or lowered.startswith(TRACKING_PREFIXES)


def tracking_parameters(url: str) -> list[str]:
    """The names of the tracking parameters in url's query, in order."""
    try:
        query = urlsplit(url).query
    except ValueError:
        return []
    return [name for name, _ in parse_qsl(query, keep_blank_values=True) if is_tracking_parameter(name)]


def strip_tracking(url: str) -> str:
    """url without its tracking parameters; everything else (other parameters, their order, the fragment) kept."""
    if not url or "?" not in url:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(name, value) for name, value in pairs if not is_tracking_parameter(name)]
    if len(kept) == len(pairs):
        return url
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(kept), parts.fragment))


def story_page_url(slug: str | None) -> str:
    """The public address of the story page at slug under NEWSROOM_PUBLIC_BASE_URL, or "" when that is unset."""
    base = settings.NEWSROOM_PUBLIC_BASE_URL
    if not base or not slug:
        return ""
    return base + reverse("public:story", args=[slug])
