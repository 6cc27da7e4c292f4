"""The desk's Content-Security-Policy: no inline script runs on any page.

The policy itself is ``CONTENT_SECURITY_POLICY`` in the settings (django-csp).
The one exception is the queue dashboard (``/admin/rq/``), whose templates
come from django-rq with small inline scripts of their own: there those exact
scripts are allowed by their SHA-256 hashes, and nothing else inline.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import cache
from pathlib import Path

from csp.middleware import CSPMiddleware, PolicyParts

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL | re.IGNORECASE)
QUEUE_DASHBOARD_PREFIX = "/admin/rq/"


@cache
def queue_dashboard_script_hashes() -> tuple[str, ...]:
    """CSP hash sources of the static inline scripts in django-rq's templates."""
    import django_rq

    hashes = set()
    for template in (Path(django_rq.__file__).parent / "templates").rglob("*.html"):
        for body in INLINE_SCRIPT.findall(template.read_text(encoding="utf-8")):
            if body.strip() and "{%" not in body and "{{" not in body:
                digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode("ascii")
                hashes.add(f"'sha256-{digest}'")
    return tuple(sorted(hashes))


class DeskCSPMiddleware(CSPMiddleware):
    """django-csp's middleware, allowing django-rq's own inline scripts (by hash) on its dashboard only."""

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and request.path_info.startswith(QUEUE_DASHBOARD_PREFIX):
            parts.update = {**(parts.update or {}), "script-src": list(queue_dashboard_script_hashes())}
        return parts
