"""The bundled demo feeds and article pages, served by the desk itself at /demo-feeds/.

The demo sources fetch them through the real ingestion path, so a fresh desk
shows the whole pipeline working without reaching the internet.
"""

import re
from pathlib import Path

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotFound
from django.views.decorators.http import require_GET
from django.views.static import serve

DEMO_DIR = Path(__file__).resolve().parent / "demo"
DEMO_FEEDS_DIR = DEMO_DIR / "feeds"
# A demo file is addressed as <feed folder>/<file name>; nothing else is ever served.
DEMO_FILE_PATH = re.compile(r"[A-Za-z0-9_-]+/[A-Za-z0-9_-]+\.(?:xml|html|md)")


def demo_file(path: str) -> Path | None:
    """Returns the bundled demo file at path, or None when path is not one (malformed, outside, missing)."""
    if not DEMO_FILE_PATH.fullmatch(path):
        return None
    target = (DEMO_FEEDS_DIR / path).resolve()
    if not target.is_relative_to(DEMO_FEEDS_DIR) or not target.is_file():
        return None
    return target


@login_not_required
@require_GET
def demo_feed_file(request: HttpRequest, path: str) -> HttpResponse:
    """Serves the bundled demo feeds and article pages, so the demo ingests through the real fetch path.

    Any other path, malformed or not, answers a plain 404, never an error page.
    """
    not_found = HttpResponseNotFound("No demo feed file at this address.", content_type="text/plain; charset=utf-8")
    if demo_file(path) is None:
        return not_found
    try:
        response = serve(request, path, document_root=DEMO_FEEDS_DIR)
    except Http404:
        return not_found
    if path.endswith(".xml"):
        response["Content-Type"] = "application/rss+xml; charset=utf-8"
    return response
