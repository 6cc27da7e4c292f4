"""The desk's Content-Security-Policy: no inline script runs on any page.

The policy itself is ``CONTENT_SECURITY_POLICY`` in the settings (django-csp).
Two kinds of page come from templates with small inline scripts of their own,
and there those exact scripts are allowed by their SHA-256 hashes, and nothing
else inline:

- the queue dashboard (``/admin/rq/``), from django-rq's templates;
- Django's debug pages for a 404 and a 500 (``DEBUG`` on only), whose inline
  style sheets are allowed the same way. django-csp sends those pages no policy
  at all; here they get the desk's. Their inline ``onclick`` handlers (showing
  more lines of source around a frame) stay blocked.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import asdict
from functools import cache
from pathlib import Path

from csp.constants import SELF
from csp.middleware import HEADER, CSPMiddleware, PolicyParts, build_policy
from django.conf import settings

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL | re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.DOTALL | re.IGNORECASE)
QUEUE_DASHBOARD_PREFIX = "/admin/rq/"
DEBUG_PAGE_STATUSES = (404, 500)


def inline_hashes(templates: list[Path], pattern: re.Pattern) -> tuple[str, ...]:
    """CSP hash sources of the inline blocks that pattern finds in the templates, where they are static text."""
    hashes = set()
    for template in templates:
        for body in pattern.findall(template.read_text(encoding="utf-8")):
            if body.strip() and "{%" not in body and "{{" not in body:
                digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode("ascii")
                hashes.add(f"'sha256-{digest}'")
    return tuple(sorted(hashes))


@cache
def queue_dashboard_script_hashes() -> tuple[str, ...]:
    """CSP hash sources of the static inline scripts in django-rq's templates."""
    import django_rq

    return inline_hashes(list((Path(django_rq.__file__).parent / "templates").rglob("*.html")), INLINE_SCRIPT)


@cache
def debug_page_hashes() -> dict[str, list[str]]:
    """The script and style sources of Django's 404 and 500 debug pages: the desk's own, and their static blocks."""
    import django.views

    templates = [Path(django.views.__file__).parent / "templates" / name for name in ("technical_404.html", "technical_500.html")]
    return {
        "script-src": [SELF, *inline_hashes(templates, INLINE_SCRIPT)],
        "style-src": [SELF, *inline_hashes(templates, INLINE_STYLE)],
    }


class DeskCSPMiddleware(CSPMiddleware):
    """django-csp's middleware, allowing the inline scripts of django-rq's dashboard and Django's debug pages
    (by hash) on those pages only, and sending the debug pages a policy."""

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if report_only:
            return parts
        if request.path_info.startswith(QUEUE_DASHBOARD_PREFIX):
            parts.update = {**(parts.update or {}), "script-src": list(queue_dashboard_script_hashes())}
        if settings.DEBUG and response.status_code in DEBUG_PAGE_STATUSES:
            parts.update = {**(parts.update or {}), **debug_page_hashes()}
        return parts

    def process_response(self, request, response):
        # django-csp leaves DEBUG's 404 and 500 pages without a policy, for their inline scripts.
        if settings.DEBUG and response.status_code in DEBUG_PAGE_STATUSES and HEADER not in response:
            response[HEADER] = build_policy(**asdict(self.get_policy_parts(request=request, response=response)))
            return response
        return super().process_response(request, response)
