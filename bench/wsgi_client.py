"""Requests made as the web server makes them: to the desk's WSGI application, with a signed-in session.

Django's test client is not used for timing. On every request it connects two signal receivers again,
and each connection leaves a weak-reference finalizer that lasts as long as the receiver (a module's
function, the client itself): over a benchmark's thousands of requests the heap grows by a few objects a
request, and the collector's full passes, timed as part of whichever request sets one off, grow with it
(20 ms and more after 2,500 requests). The web server calls the application, which connects nothing.
"""

from __future__ import annotations

import html
import io
import re
import statistics
import time
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes
from wsgiref.util import setup_testing_defaults

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.encoding import iri_to_uri

from newsroom.wsgi import application

NEXT_LINK = re.compile(r'<a href="(\?[^"]+)"[^>]*rel="next"')


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
            "REQUEST_METHOD": "GET", "PATH_INFO": unquote_to_bytes(route).decode("iso-8859-1"),
            "QUERY_STRING": query, "SERVER_NAME": "testserver", "HTTP_HOST": "testserver",
            "HTTP_COOKIE": self.cookie, "REMOTE_ADDR": "127.0.0.1", "wsgi.input": io.BytesIO(),
        }
        setup_testing_defaults(environ)
        statuses = []
        response = application(environ, lambda status, headers, exc_info=None: statuses.append(status))
        try:
            content = b"".join(response)
        finally:
            response.close()  # as the server does: the request-finished signal, connections tidied
        return Response(int(statuses[0].split()[0]), content)


def next_page(response: Response) -> str:
    """The query of the page after the one in response (its link marked rel="next"), as "?...". """
    link = NEXT_LINK.search(response.content.decode())
    assert link, "The page has no link to an older page."
    return html.unescape(link.group(1))


def timings(client: WSGIClient, paths: list[str]) -> tuple[float, float, int]:
    """(median ms, p95 ms, queries) of GET requests to paths, each answered 200.

    The p95 is the nearest rank: of 5 requests their slowest, of 60 the 57th fastest. The queries are
    counted on one more request to the last path, untimed, since recording them costs time that a
    production server does not spend.
    """
    samples = []
    for path in paths:
        started = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    with CaptureQueriesContext(connection) as captured:
        client.get(paths[-1])
    samples.sort()
    return statistics.median(samples), samples[-(-len(samples) * 95 // 100) - 1], len(captured.captured_queries)
