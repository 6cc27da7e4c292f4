"""The one local HTTP server of the tests: real sockets on 127.0.0.1, answering from routes.

Feeds and article pages for ingestion, webhook receivers for publishing and the
OpenAI-compatible model server (tests/llm_server.py) are all this server with
different routes. A route is a ``Reply``, or a function of the ``Request`` that
returns one; a reply's body may be a function that writes to the connection
itself (a stream that never ends, a reply that comes late). Every request is kept
in ``requests`` with its arrival time, and ``received`` is set on the first.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WriteBody = Callable[[BaseHTTPRequestHandler], None]


@dataclass
class Reply:
    status: int = 200
    body: bytes | WriteBody = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Request:
    method: str
    path: str
    headers: Message  # names are matched without regard to case
    body: bytes
    at: float  # time.monotonic() on arrival

    @property
    def route(self) -> str:
        return self.path.split("?", 1)[0]


Route = Reply | Callable[[Request], Reply]


class LocalHTTPServer:
    """Serves routes by path (any method) on 127.0.0.1 at a free port; unknown paths answer 404."""

    def __init__(self, routes: dict[str, Route] | None = None):
        self.routes: dict[str, Route] = dict(routes or {})
        self.requests: list[Request] = []
        self.received = threading.Event()
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                server._answer(self)

            do_POST = do_PUT = do_DELETE = do_HEAD = do_GET

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def host(self) -> str:
        """host:port, as the outbound client's allow-list takes it."""
        return f"127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return f"http://{self.host}{path}"

    def start(self) -> LocalHTTPServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> LocalHTTPServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        request = Request(
            method=handler.command, path=handler.path, headers=handler.headers,
            body=handler.rfile.read(length) if length else b"", at=time.monotonic(),
        )
        with self._lock:
            self.requests.append(request)
        self.received.set()
        route = self.routes.get(request.route)
        reply = Reply(404, b"not here") if route is None else route(request) if callable(route) else route
        try:
            if callable(reply.body):
                reply.body(handler)
                return
            handler.send_response(reply.status)
            for name, value in reply.headers.items():
                handler.send_header(name, value)
            if not any(name.lower() == "content-length" for name in reply.headers):
                handler.send_header("Content-Length", str(len(reply.body)))
            handler.end_headers()
            if handler.command != "HEAD":
                handler.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # The client gave up first (a timeout or size-limit test).


def stream_forever(handler: BaseHTTPRequestHandler, *, chunk: bytes = b"x" * 65536, total: int) -> None:
    """Sends `total` bytes with no Content-Length, as a large response does."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/rss+xml")
    handler.end_headers()
    sent = 0
    try:
        while sent < total:
            handler.wfile.write(chunk)
            sent += len(chunk)
    except (BrokenPipeError, ConnectionResetError):
        pass


def slow_reply(handler: BaseHTTPRequestHandler, *, delay: float) -> None:
    """Answers {} after `delay` seconds."""
    time.sleep(delay)
    try:
        handler.send_response(200)
        handler.send_header("Content-Length", "2")
        handler.end_headers()
        handler.wfile.write(b"{}")
    except (BrokenPipeError, ConnectionResetError):
        pass
