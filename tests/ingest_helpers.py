"""A real HTTP server on 127.0.0.1 for the ingestion tests, and small factories."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from clusters.models import Source

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def require_shared_data(*parts: str) -> Path:
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: the third-party test data in ../shared/data is not on this machine.")
    return path


@dataclass
class Reply:
    status: int = 200
    body: bytes | Callable[[BaseHTTPRequestHandler], None] = b""
    headers: dict[str, str] = field(default_factory=dict)


class LocalServer:
    """Serves Reply objects by path; records the requests it saw."""

    def __init__(self):
        self.routes: dict[str, Reply | Callable[[BaseHTTPRequestHandler], Reply]] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                server.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                route = server.routes.get(self.path.split("?", 1)[0])
                if route is None:
                    reply = Reply(404, b"not here")
                else:
                    reply = route(self) if callable(route) else route
                try:
                    if callable(reply.body):
                        reply.body(self)
                        return
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    if "Content-Length" not in reply.headers:
                        self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return f"http://{self.host}{path}"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


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
    time.sleep(delay)
    try:
        handler.send_response(200)
        handler.send_header("Content-Length", "2")
        handler.end_headers()
        handler.wfile.write(b"{}")
    except (BrokenPipeError, ConnectionResetError):
        pass


def make_source(*, name: str = "Example News", feed_url: str = "https://news.example/feed", **fields) -> Source:
    return Source.objects.create(name=name, feed_url=feed_url, **fields)


def rss(items: list[dict], *, encoding: str = "utf-8", title: str = "Example feed") -> bytes:
    """An RSS 2.0 document with the given items (title, link, description, pubDate, enclosure)."""
    parts = [f'<?xml version="1.0" encoding="{encoding}"?>\n<rss version="2.0"><channel><title>{title}</title>'
             "<link>https://news.example/</link>"]
    for item in items:
        parts.append("<item>")
        for key in ("title", "link", "description", "pubDate", "guid"):
            if key in item:
                parts.append(f"<{key}>{item[key]}</{key}>")
        if "image" in item:
            parts.append(f'<enclosure url="{item["image"]}" type="image/png" length="1"/>')
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "".join(parts).encode(encoding)
