"""Requests the desk refuses before any view sees them."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.http.multipartparser import MultiPartParserError

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


class RefuseNulCharactersMiddleware:
    """Answers 400, saying where, to a request with a NUL character in its path, query or form fields.

    No address, search or form field of the desk has a use for NUL, and
    PostgreSQL cannot store it in text; refusing it here means no view ever
    fails on one.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        where = _nul_in(request)
        if where is None:
            return self.get_response(request)
        message = (
            f"The request was refused: {where} contains a NUL character (\\0), which no address or field of the "
            "desk accepts. Remove it and try again."
        )
        if request.path.startswith("/api/"):
            return JsonResponse({"error": message}, status=400)
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
