"""The bundled demo feeds and article pages, served by the desk itself at /demo-feeds/.

The demo sources fetch them through the real ingestion path, so a fresh desk
shows the whole pipeline working without reaching the internet.
"""

from pathlib import Path

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from django.views.static import serve

DEMO_DIR = Path(__file__).resolve().parent / "demo"
DEMO_FEEDS_DIR = DEMO_DIR / "feeds"


@login_not_required
@require_GET
def demo_feed_file(request: HttpRequest, path: str) -> HttpResponse:
    """Serves the bundled demo feeds and article pages, so the demo ingests through the real fetch path."""
    response = serve(request, path, document_root=DEMO_FEEDS_DIR)
    if path.endswith(".xml"):
        response["Content-Type"] = "application/rss+xml; charset=utf-8"
    return response
