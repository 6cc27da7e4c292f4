"""Requests made as the web server makes them: to the desk's WSGI application, with a signed-in session.

Django's test client is not used for timing. On every request it connects two signal receivers again,
and each connection leaves a weak-reference finalizer that lasts as long as the receiver (a module's
function, the client itself): over a benchmark's thousands of requests the heap grows by a few objects a
request, and the collector's full passes, timed as part of whichever request sets one off, grow with it
(20 ms and more after 2,500 requests). The web server calls the application, which connects nothing.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes
from wsgiref.util import setup_testing_defaults

from django.conf import settings
from django.test import Client
from django.utils.encoding import iri_to_uri

from newsroom.wsgi import application


@dataclass
class Response:
    status_code: int
    content: bytes


class WSGIClient:
    """GET requests to the WSGI application as user (signed in once, through the test client)."""

    def __init__(self, user) -> None:
        signing_in = Client()
        signing_in.force_login(user)
        self.cookie = f"{settings.SESSION_COOKIE_NAME}={signing_in.cookies[settings.SESSION_COOKIE_NAME].value}"

    def get(self, path: str) -> Response:
        # As a browser sends it: percent-encoded (a search in Japanese), the path decoded to bytes by the server.
        route, _, query = iri_to_uri(path).partition("?")
        environ = {
            "REQUEST_METHOD": "GET", "PATH_INFO": unquote_to_bytes(route).decode("iso-8859-1"), "QUERY_STRING": query, "SERVER_NAME": "testserver",
            "HTTP_HOST": "testserver", "HTTP_COOKIE": self.cookie, "wsgi.input": io.BytesIO(),
        }
        setup_testing_defaults(environ)
        statuses = []
        response = application(environ, lambda status, headers, exc_info=None: statuses.append(status))
        try:
            content = b"".join(response)
        finally:
            response.close()  # as the server does: the request-finished signal, connections tidied
        return Response(int(statuses[0].split()[0]), content)
