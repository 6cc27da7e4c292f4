"""Requests the desk refuses before any view sees them."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.http.cookie import parse_cookie
from django.http.multipartparser import MultiPartParserError
from django.utils.cache import patch_vary_headers

NUL = "\x00"


def _shown(name: str) -> str:
    return name.replace(NUL, "\\0")


def _nul_in(request: HttpRequest) -> str | None:
    """Names the part of the request that contains a NUL character, or None."""
    if NUL in request.path:
        return "the address"
    for name, values in request.GET.lists():
        if NUL in name or any(NUL in value for value in values):
            return f"the query parameter “{_shown(name)}”"
    if request.method == "POST":
        try:
            post, files = request.POST, request.FILES
        except (MultiPartParserError, OSError, ValueError):
            return None  # A body Django cannot parse is the view's (and Django's) to refuse.
        for name, values in post.lists():
            if NUL in name or any(NUL in value for value in values):
                return f"the form field “{_shown(name)}”"
        for name, uploads in files.lists():
            if NUL in name or any(NUL in (upload.name or "") for upload in uploads):
                return f"the uploaded file “{_shown(name)}”"
    return None


def _cookie_domain(name: str) -> str | None:
    if name == settings.SESSION_COOKIE_NAME:
        return settings.SESSION_COOKIE_DOMAIN
    if name == settings.CSRF_COOKIE_NAME:
        return settings.CSRF_COOKIE_DOMAIN
    return None


def _cookies_without_nul(header: str) -> tuple[dict[str, str], set[str]]:
    """Parses a Cookie header as Django does, leaving out every value with a NUL; returns them and the names left out.

    A quoted cookie value may spell NUL as ``\\000``, which Django decodes. The
    other values of the same name are kept, so a broken cookie beside a good
    one (another site of the same domain can set one) costs nobody their login.
    """
    kept: dict[str, str] = {}
    dropped: set[str] = set()
    for chunk in header.split(";"):
        for name, value in parse_cookie(chunk).items():
            if NUL in name or NUL in value:
                dropped.add(name)
            else:
                kept[name] = value
    return kept, dropped - kept.keys()


class RefuseNulCharactersMiddleware:
    """Answers 400, saying where, to a request with a NUL character in its path, query or form fields.

    No address, search or form field of the desk has a use for NUL, and
    PostgreSQL cannot store it in text; refusing it here means no view ever
    fails on one. A cookie with a NUL is not the person's doing, so it is
    ignored instead, and the browser is told to drop it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        broken_cookies: set[str] = set()
        if any(NUL in name or NUL in value for name, value in request.COOKIES.items()):
            request.COOKIES, broken_cookies = _cookies_without_nul(request.META.get("HTTP_COOKIE", ""))
        where = _nul_in(request)
        if where is None:
            response = self.get_response(request)
            for name in broken_cookies - response.cookies.keys():
                if NUL not in name:
                    response.delete_cookie(name, domain=_cookie_domain(name))
            return response
        message = (
            f"The request was refused: {where} contains a NUL character (\\0), which no address or field of the "
            "desk accepts. Remove it and try again."
        )
        if request.path.startswith("/api/"):
            return JsonResponse({"error": message}, status=400)
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


class _WatchedHtmx:
    """request.htmx, noting whether the view looked at it."""

    def __init__(self, details):
        self._details = details
        self.read = False

    def __bool__(self) -> bool:
        self.read = True
        return bool(self._details)

    def __getattr__(self, name: str):
        self.read = True
        return getattr(self._details, name)


class VaryOnHtmxMiddleware:
    """Adds ``Vary: HX-Request`` to the answer of every view that looked at ``request.htmx``.

    Such a view answers an htmx request with a part of its page and any other
    request with the whole page, so a cache must keep the two apart. It runs
    after django-htmx's middleware, which sets ``request.htmx``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        watched = request.htmx = _WatchedHtmx(request.htmx)
        response = self.get_response(request)
        if watched.read:
            patch_vary_headers(response, ("HX-Request",))
        return response
