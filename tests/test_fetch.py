import gzip
import threading
import time

import pytest

from newsroom.outbound import BlockedAddressError, FetchError, TooLargeError, fetch, refusal_for_address
from tests.http_server import LocalHTTPServer, Reply, slow_reply, stream_forever


@pytest.fixture
def server(settings):
    local = LocalHTTPServer().start()
    settings.NEWSROOM_FETCH_ALLOWED_HOSTS = [local.host]
    yield local
    local.stop()


def test_conditional_get_sends_validators_and_reads_304(server):
    def feed(request):
        if request.headers.get("If-None-Match") == '"v1"':
            return Reply(304)
        return Reply(200, b"<rss/>", {"ETag": '"v1"', "Last-Modified": "Wed, 25 Nov 2026 10:00:00 GMT"})

    server.routes["/feed"] = feed
    first = fetch(server.url("/feed"))
    second = fetch(server.url("/feed"), etag=first.etag, last_modified=first.last_modified)

    assert (first.status, first.body, first.etag) == (200, b"<rss/>", '"v1"')
    assert second.not_modified and second.body == b""
    assert server.requests[1].headers["if-modified-since"] == "Wed, 25 Nov 2026 10:00:00 GMT"


def test_loopback_server_is_refused_when_the_allow_list_is_empty(server, settings):
    settings.NEWSROOM_FETCH_ALLOWED_HOSTS = []
    server.routes["/feed"] = Reply(200, b"<rss/>")

    with pytest.raises(BlockedAddressError, match="127.0.0.1 is a loopback address"):
        fetch(server.url("/feed"))
    assert server.requests == []


def test_redirect_to_127_0_0_1_is_refused(server, settings):
    # Only the name "localhost" is allowed; the redirect target 127.0.0.1 is checked on its own.
    settings.NEWSROOM_FETCH_ALLOWED_HOSTS = [f"localhost:{server.port}"]
    server.routes["/feed"] = Reply(302, b"", {"Location": f"http://127.0.0.1:{server.port}/secret"})
    server.routes["/secret"] = Reply(200, b"internal")

    with pytest.raises(BlockedAddressError, match="127.0.0.1 is a loopback address"):
        fetch(f"http://localhost:{server.port}/feed")
    assert [request.path for request in server.requests] == ["/feed"]


def test_redirect_to_loopback_is_refused_at_the_hop(server, settings):
    # The first server is allowed by name; the redirect goes to another loopback address that is not.
    server.routes["/feed"] = Reply(302, b"", {"Location": f"http://localhost:{server.port}/secret"})
    server.routes["/secret"] = Reply(200, b"internal")

    with pytest.raises(BlockedAddressError, match="loopback"):
        fetch(server.url("/feed"))
    assert [request.path for request in server.requests] == ["/feed"]


def test_redirect_within_allowed_host_is_followed(server):
    server.routes["/old"] = Reply(301, b"", {"Location": "/new"})
    server.routes["/new"] = Reply(200, b"moved")

    result = fetch(server.url("/old"))

    assert (result.url, result.body) == (server.url("/new"), b"moved")


@pytest.mark.parametrize(
    "address, words",
    [
        ("10.1.2.3", "private"), ("192.168.0.1", "private"), ("169.254.169.254", "metadata"),
        ("169.254.10.10", "link-local"), ("::1", "loopback"), ("::ffff:127.0.0.1", "loopback"),
        ("fd00:ec2::254", "metadata"), ("100.64.1.1", "not a public"), ("0.0.0.0", "not a public"),
    ],
)
def test_non_public_addresses_are_refused(address, words):
    assert words in refusal_for_address(address)


def test_public_address_is_allowed():
    assert refusal_for_address("93.184.216.34") is None


def test_only_http_and_https_are_fetched(settings):
    with pytest.raises(BlockedAddressError, match="Only http and https"):
        fetch("file:///etc/passwd")


def test_fifty_megabyte_body_is_cut_off(server, settings):
    server.routes["/huge"] = Reply(body=lambda handler: stream_forever(handler, total=50_000_000))

    with pytest.raises(TooLargeError, match="larger than the 10 MB limit"):
        fetch(server.url("/huge"))


def test_declared_oversize_body_is_not_downloaded(server, settings):
    settings.NEWSROOM_FETCH_MAX_BYTES = 1000
    server.routes["/big"] = Reply(200, b"x" * 5000)

    with pytest.raises(TooLargeError, match="over the 0.001 MB limit"):
        fetch(server.url("/big"))


def test_gzip_bomb_is_cut_off_while_decompressing(server, settings):
    settings.NEWSROOM_FETCH_MAX_BYTES = 1_000_000
    server.routes["/bomb"] = Reply(200, gzip.compress(b"\0" * 20_000_000), {"Content-Encoding": "gzip"})

    with pytest.raises(TooLargeError):
        fetch(server.url("/bomb"))


def test_gzip_body_is_decompressed(server):
    server.routes["/feed"] = Reply(200, gzip.compress(b"<rss/>"), {"Content-Encoding": "gzip"})

    assert fetch(server.url("/feed")).body == b"<rss/>"


def test_slow_server_times_out(server, settings):
    settings.NEWSROOM_FETCH_READ_TIMEOUT = 0.5
    server.routes["/slow"] = Reply(body=lambda handler: slow_reply(handler, delay=3))

    with pytest.raises(FetchError, match="did not answer in time"):  # it would have answered after 3 s
        fetch(server.url("/slow"))


def test_http_error_status_is_reported_in_words(server):
    with pytest.raises(FetchError, match="answered 404"):
        fetch(server.url("/missing"))


def test_unresolvable_host_is_reported_in_words(settings):
    with pytest.raises(FetchError, match="could not be resolved"):
        fetch("http://no-such-host.invalid/feed")


def test_connection_refused_is_reported_in_words(settings):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.NEWSROOM_FETCH_ALLOWED_HOSTS = [f"127.0.0.1:{port}"]

    with pytest.raises(FetchError, match="refused the connection"):
        fetch(f"http://127.0.0.1:{port}/feed")


class Trickle:
    """Sends a response one byte at a time, slowly; counts what it managed to send before being cut off."""

    def __init__(self, *, headers_first: bool, delay: float = 0.2, body: bytes = b"<rss/>" * 10):
        self.headers_first, self.delay, self.body = headers_first, delay, body
        self.sent = 0
        self.total = 0
        self.finished = threading.Event()  # set once the server has stopped sending, cut off or not

    def __call__(self, handler):
        head = f"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: {len(self.body)}\r\n\r\n"
        payload = head.encode() + self.body
        self.total = len(payload)
        try:
            if self.headers_first:
                handler.wfile.write(head.encode())
                handler.wfile.flush()
                self.sent = len(head)
                payload = self.body
            for byte in payload:
                time.sleep(self.delay)
                handler.wfile.write(bytes([byte]))
                handler.wfile.flush()
                self.sent += 1
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            self.finished.set()

    def wait_until_finished(self) -> None:
        """Waits until the server notices the closed connection (at its next write)."""
        assert self.finished.wait(timeout=30), "the trickling server never stopped sending"


def test_a_server_trickling_its_headers_is_cut_off_at_the_total_deadline(server, settings):
    settings.NEWSROOM_FETCH_READ_TIMEOUT = 5
    settings.NEWSROOM_FETCH_TOTAL_TIMEOUT = 1
    trickle = Trickle(headers_first=False)
    server.routes["/feed"] = Reply(body=trickle)

    with pytest.raises(FetchError, match=r"timed out: it took longer than the 1 s allowed in all"):
        fetch(server.url("/feed"))
    trickle.wait_until_finished()
    assert 0 < trickle.sent < trickle.total


def test_a_server_trickling_its_body_is_cut_off_at_the_total_deadline(server, settings):
    settings.NEWSROOM_FETCH_READ_TIMEOUT = 5
    settings.NEWSROOM_FETCH_TOTAL_TIMEOUT = 1
    trickle = Trickle(headers_first=True)
    server.routes["/feed"] = Reply(body=trickle)

    with pytest.raises(FetchError, match="took"):
        fetch(server.url("/feed"))
    trickle.wait_until_finished()
    assert 0 < trickle.sent < trickle.total


def test_a_server_that_stalls_inside_its_headers_times_out_instead_of_answering_not_modified(server, settings):
    import threading

    settings.NEWSROOM_FETCH_READ_TIMEOUT = 5
    settings.NEWSROOM_FETCH_TOTAL_TIMEOUT = 0.5
    released = threading.Event()

    def stall(handler):
        handler.wfile.write(b'HTTP/1.1 304 Not Modified\r\nETag: "v')
        released.wait(timeout=60)

    server.routes["/feed"] = Reply(body=stall)
    try:
        with pytest.raises(FetchError, match=r"timed out: it took longer than the 0.5 s allowed in all"):
            fetch(server.url("/feed"), etag='"v1"')
    finally:
        released.set()


def test_a_webhook_receiver_trickling_its_answer_is_cut_off_at_the_timeout(settings):
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from threading import Thread

    from newsroom.outbound import post

    trickle = Trickle(headers_first=False)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            trickle(self)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    Thread(target=httpd.serve_forever, daemon=True).start()
    settings.NEWSROOM_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    try:
        with pytest.raises(FetchError, match=r"timed out: it took longer than the 1 s allowed in all"):
            post(f"http://127.0.0.1:{httpd.server_address[1]}/hook", body=b"{}", headers={}, timeout=1)
        trickle.wait_until_finished()
        assert 0 < trickle.sent < trickle.total
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_an_allow_list_entry_with_a_path_allows_only_that_path(server, settings):
    settings.NEWSROOM_FETCH_ALLOWED_HOSTS = [f"{server.host}/demo-feeds/"]
    server.routes["/demo-feeds/a/feed.xml"] = Reply(body=b"<rss/>")
    server.routes["/admin/login/"] = Reply(body=b"the desk's login page")

    assert fetch(server.url("/demo-feeds/a/feed.xml")).body == b"<rss/>"
    for other in ["/admin/login/", "/demo-feeds/../admin/login/", "/demo-feeds/%2e%2e/admin/login/", "/demo-feedsX/"]:
        with pytest.raises(BlockedAddressError, match="allows only some paths on this host"):
            fetch(server.url(other))
    assert [request.path for request in server.requests] == ["/demo-feeds/a/feed.xml"]


def test_a_redirect_out_of_an_allowed_path_is_refused_at_the_hop(server, settings):
    settings.NEWSROOM_FETCH_ALLOWED_HOSTS = [f"{server.host}/demo-feeds/"]
    server.routes["/demo-feeds/feed.xml"] = Reply(302, headers={"Location": "/accounts/login/"})

    with pytest.raises(BlockedAddressError):
        fetch(server.url("/demo-feeds/feed.xml"))


def test_in_debug_the_default_allow_list_is_the_demo_feed_path_only(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    from django.conf import settings as current

    code = "import django; django.setup(); from django.conf import settings; print(settings.NEWSROOM_FETCH_ALLOWED_HOSTS)"
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "newsroom.settings", "DEBUG": "true", "NEWSROOM_PORT": "8123",
           "DATABASE_URL": current.DATABASE_URL, "REDIS_URL": current.REDIS_URL, "NEWSROOM_VAR_DIR": str(tmp_path)}
    output = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parent.parent, env=env,
                            capture_output=True, text=True, timeout=60, check=True).stdout

    assert output.strip() == "['127.0.0.1:8123/demo-feeds/']"
