"""The desk's one outbound HTTP client: every request it makes to the outside goes through here.

``fetch`` GETs feeds, article pages and images (following redirects);
``post`` sends webhooks (never following redirects). Both keep one address
policy: only http(s), no user name or password in the address, connect and
read timeouts plus a total deadline, a size cap on every body (compressed
or not), and every connection, the first and each redirect hop, goes only to
public addresses. The total deadline covers connecting, the TLS handshake,
sending, waiting for the headers and reading the body: when it runs out the
connection is shut down under whatever is waiting on it, so a server that
trickles a byte a second, or holds back its headers, is cut off on time. The address check happens when the socket is opened, on the
addresses actually connected to, so a name that resolves to a private address
(or changes its answer between checks) is still refused.

An allow-list lets named hosts past the address check (a local test server,
the desk's own demo feeds, an internal build server). Its entries are
``host``, ``host:port`` or ``host:port/path-prefix`` (only paths under the
prefix); fetching reads ``NEWSROOM_FETCH_ALLOWED_HOSTS`` and webhooks
``NEWSROOM_WEBHOOK_ALLOWED_HOSTS``.
"""

from __future__ import annotations

import http.client
import ipaddress
import os
import re
import socket
import ssl
import threading
import time
import zlib
from dataclasses import dataclass, field
from urllib.parse import unquote, urljoin, urlsplit

from django.conf import settings

REDIRECT_STATUSES = {301, 302, 303, 307, 308}
METADATA_ADDRESSES = {
    ipaddress.ip_address("169.254.169.254"),  # AWS, GCP, Azure, OpenStack
    ipaddress.ip_address("100.100.100.200"),  # Alibaba Cloud
    ipaddress.ip_address("fd00:ec2::254"),  # AWS over IPv6
}


class FetchError(Exception):
    """A fetch that did not give a usable response; the message says why in plain words."""


class BlockedAddressError(FetchError):
    """The address is private, loopback, link-local, a cloud metadata service or not http(s)."""


class TimedOutError(FetchError):
    """The whole request took longer than it was allowed and was stopped."""


class TooLargeError(FetchError):
    """The body is larger than the size limit."""


@dataclass
class FetchResult:
    url: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    @property
    def etag(self) -> str:
        return self.headers.get("etag", "")

    @property
    def last_modified(self) -> str:
        return self.headers.get("last-modified", "")


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:g} MB"


FETCH_ALLOW_LIST = "NEWSROOM_FETCH_ALLOWED_HOSTS"
WEBHOOK_ALLOW_LIST = "NEWSROOM_WEBHOOK_ALLOWED_HOSTS"


def _safe_path(path: str) -> str | None:
    """The decoded path without its query, or None when it has dot segments that could climb out of a prefix."""
    decoded = unquote(path.split("?", 1)[0])
    if any(segment in {".", ".."} for segment in decoded.split("/")) or "\\" in decoded:
        return None
    return decoded


def is_allowed_host(host: str, port: int, *, path: str | None = "/", allow_list: str = FETCH_ALLOW_LIST) -> bool:
    """True when the allow-list setting called allow_list names this host (and port, and path).

    Entries are ``host``, ``host:port`` or ``host:port/path-prefix``; an entry
    with a path prefix allows only paths under it (after decoding, with no
    ``..`` segments), so the desk's demo feeds can be allowed without the rest
    of the desk. With path None, any entry naming the host counts.
    """
    host = host.lower().strip("[]")
    for entry in getattr(settings, allow_list):
        entry = entry.strip()
        address, slash, prefix = entry.partition("/")
        address = address.lower()
        if address not in {host, f"{host}:{port}", f"[{host}]:{port}"}:
            continue
        if not slash or path is None:
            return True
        decoded = _safe_path(path)
        if decoded is not None and decoded.startswith("/" + prefix):
            return True
    return False


def refusal_for_address(address: str) -> str | None:
    """Returns why connecting to this IP address is refused, or None when it is public."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_unspecified:
        return f"{ip} is not a public internet address"
    if ip in METADATA_ADDRESSES:
        return f"{ip} is a cloud metadata service"
    if ip.is_loopback:
        return f"{ip} is a loopback address"
    if ip.is_link_local:
        return f"{ip} is a link-local address"
    if ip.is_private:
        return f"{ip} is a private network address"
    if ip.is_multicast or ip.is_unspecified or ip.is_reserved or not ip.is_global:
        return f"{ip} is not a public internet address"
    return None


class _Deadline:
    """The total time one request may take; when it runs out, the socket in use is shut down.

    Per-operation socket timeouts cannot bound a whole request (each byte of a
    trickle resets them), so a timer shuts the connection down under whatever
    call is blocked on it: connecting, the TLS handshake, sending, waiting
    for headers or reading.
    """

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.at = time.monotonic() + seconds
        self.expired = False
        self._lock = threading.Lock()
        self._watched: tuple[int, int] | None = None  # (file descriptor, inode) of the connection in use
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def remaining(self) -> float:
        return max(0.0, self.at - time.monotonic())

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            if self.expired:
                raise TimeoutError("the deadline has passed")
            fd = sock.fileno()
            self._watched = (fd, os.fstat(fd).st_ino)

    def release(self) -> None:
        """Stops watching the connection; called before it is closed, so its descriptor is never touched again."""
        with self._lock:
            self._watched = None

    def cancel(self) -> None:
        self._timer.cancel()
        self.release()

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            if self._watched is None:
                return
            fd, inode = self._watched
            try:
                if os.fstat(fd).st_ino != inode:
                    return
                sock = socket.socket(fileno=fd)
            except OSError:
                return
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            finally:
                sock.detach()


def _connectable_addresses(host: str, port: int, *, path: str, allow_list: str) -> list[tuple]:
    """The resolved addresses of host that a connection may go to (all of them when the allow-list names it).

    Raises BlockedAddressError when the policy refuses every address host resolves to, and FetchError when
    host does not resolve.
    """
    allowed = is_allowed_host(host, port, path=path, allow_list=allow_list)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise FetchError(f"The host name {host} could not be resolved ({error.strerror}).") from error
    if allowed:
        return infos
    refusals = [reason for *_, address in infos if (reason := refusal_for_address(address[0]))]
    connectable = [info for info in infos if refusal_for_address(info[4][0]) is None]
    if connectable or not refusals:
        return connectable
    if is_allowed_host(host, port, path=None, allow_list=allow_list):
        raise BlockedAddressError(
            f"Refused to fetch {path} from {host}: {refusals[0]}, and {allow_list} allows only some paths "
            "on this host, not this one."
        )
    raise BlockedAddressError(
        f"Refused to connect to {host}: {refusals[0]}. Only public addresses are contacted; "
        f"add the host to {allow_list} if it is meant to be reached."
    )


def destination_refusal(url: str, *, allow_list: str) -> str | None:
    """Why the address policy would refuse to send a request to url, or None when it would not.

    The same checks as every request (``post``, ``fetch``) makes before it connects, so a form can refuse
    what a request would later refuse. A host name that does not resolve now is not refused here: the
    request reports it when it is made.
    """
    try:
        _, host, port, path = _address(url)
        _connectable_addresses(host, port, path=path, allow_list=allow_list)
    except BlockedAddressError as refusal:
        return str(refusal)
    except FetchError:
        return None
    return None


def _safe_create_connection(
    host: str, port: int, *, path: str, connect_timeout: float, read_timeout: float, allow_list: str,
    deadline: _Deadline,
):
    """Opens a TCP connection to a public address of host, refusing private ones (unless allowed for path)."""
    last_error: OSError | None = None
    for family, socktype, proto, _, address in _connectable_addresses(host, port, path=path, allow_list=allow_list):
        if deadline.remaining() <= 0:
            raise TimeoutError("the deadline has passed")
        sock = socket.socket(family, socktype, proto)
        sock.settimeout(min(connect_timeout, deadline.remaining()))
        try:
            sock.connect(address)
        except TimeoutError as error:
            sock.close()
            last_error = error
            continue
        except OSError as error:
            sock.close()
            last_error = error
            continue
        sock.settimeout(read_timeout)
        try:
            deadline.watch(sock)
        except TimeoutError:
            sock.close()
            raise
        return sock
    if isinstance(last_error, TimeoutError):
        raise FetchError(f"Connecting to {host}:{port} timed out after {connect_timeout:g} s.")
    if isinstance(last_error, ConnectionRefusedError):
        raise FetchError(f"{host}:{port} refused the connection (no server is listening there, or it is down).")
    raise FetchError(f"Could not connect to {host}:{port} ({last_error}).")


class _Connection:
    """Wires the safe socket into http.client's connection classes."""

    def __init__(self, *, connect_timeout: float, read_timeout: float, allow_list: str, deadline: _Deadline):
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.allow_list = allow_list
        self.deadline = deadline

    def open(self, scheme: str, host: str, port: int, path: str) -> http.client.HTTPConnection:
        if scheme == "https":
            connection = http.client.HTTPSConnection(host, port, context=ssl.create_default_context())
        else:
            connection = http.client.HTTPConnection(host, port)
        connection._create_connection = lambda address, timeout=None, source_address=None: (
            _safe_create_connection(
                host, port, path=path, connect_timeout=self.connect_timeout, read_timeout=self.read_timeout,
                allow_list=self.allow_list, deadline=self.deadline,
            )
        )
        return connection


def _read_body(response: http.client.HTTPResponse, *, max_bytes: int, deadline: _Deadline, url: str) -> bytes:
    declared = response.getheader("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise TooLargeError(
            f"{url} is {_megabytes(int(declared))}, over the {_megabytes(max_bytes)} limit; it was not downloaded."
        )
    encoding = (response.getheader("content-encoding") or "").strip().lower()
    decompressor = None
    if encoding in {"gzip", "x-gzip"}:
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    elif encoding == "deflate":
        decompressor = zlib.decompressobj()
    chunks: list[bytes] = []
    size = 0
    too_large = TooLargeError(
        f"{url} is larger than the {_megabytes(max_bytes)} limit; the download was stopped there."
    )
    while True:
        if deadline.expired:
            raise FetchError(f"Downloading {url} took too long and was stopped.")
        try:
            chunk = response.read1(65536)
        except TimeoutError as error:
            raise FetchError(f"The server at {url} stopped sending data (read timed out).") from error
        except (http.client.HTTPException, OSError) as error:
            raise FetchError(f"The download of {url} broke off ({error}).") from error
        if not chunk:
            break
        if decompressor is not None:
            try:
                chunk = decompressor.decompress(chunk, max_bytes + 1 - size)
            except zlib.error as error:
                raise FetchError(f"{url} sent a corrupt compressed body ({error}).") from error
            if decompressor.unconsumed_tail:
                raise too_large
        size += len(chunk)
        if size > max_bytes:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


# The authority's user information: everything between "//" and the last "@" before the path, as urlsplit reads it.
_USERINFO = re.compile(r"^((?:[A-Za-z][A-Za-z0-9+.-]*:)?//)[^/?#]*@")


def has_credentials(url: str) -> bool:
    """True when url carries a user name or password (``https://user:password@host/``)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return bool(_USERINFO.match(url))
    return bool(parts.username or parts.password)


def masked_url(url: str) -> str:
    """url with any user name and password replaced by ``***``: the form in which an address is shown or logged."""
    return _USERINFO.sub(r"\1***@", url, count=1)


def _address(url: str) -> tuple[str, str, int, str]:
    """Returns (scheme, host, port, path with query) of an address the policy allows, or raises."""
    parts = urlsplit(url)
    shown = masked_url(url)
    scheme = parts.scheme.lower()
    if scheme not in {"http", "https"}:
        raise BlockedAddressError(f"Only http and https addresses are contacted, not {shown!r}.")
    if not parts.hostname:
        raise BlockedAddressError(f"{shown!r} has no host name.")
    if has_credentials(url):
        raise BlockedAddressError(f"{shown!r} contains a user name or password; addresses must not.")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError as error:
        raise FetchError(f"{shown!r} has an invalid port.") from error
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return scheme, parts.hostname, port, path


def fetch(
    url: str,
    *,
    etag: str = "",
    last_modified: str = "",
    max_bytes: int | None = None,
    accept: str = "*/*",
) -> FetchResult:
    """Fetches url, following redirects, within the limits in settings.

    Returns the final response; a 304 (with etag / last_modified sent) comes back
    with an empty body. Raises FetchError, with a message for people, on any
    refusal, network failure, HTTP error status, or when the whole fetch,
    redirects included, takes longer than NEWSROOM_FETCH_TOTAL_TIMEOUT.
    """
    max_bytes = max_bytes or settings.NEWSROOM_FETCH_MAX_BYTES
    deadline = _Deadline(settings.NEWSROOM_FETCH_TOTAL_TIMEOUT)
    try:
        return _fetch(url, etag=etag, last_modified=last_modified, max_bytes=max_bytes, accept=accept,
                      deadline=deadline)
    except Exception as error:
        if deadline.expired and not isinstance(error, BlockedAddressError):
            raise FetchError(
                f"Fetching {url} timed out: it took longer than the {deadline.seconds:g} s allowed in all "
                "(NEWSROOM_FETCH_TOTAL_TIMEOUT) and was stopped."
            ) from error
        raise
    finally:
        deadline.cancel()


def _fetch(url: str, *, etag: str, last_modified: str, max_bytes: int, accept: str, deadline: _Deadline) -> FetchResult:
    opener = _Connection(
        connect_timeout=settings.NEWSROOM_FETCH_CONNECT_TIMEOUT,
        read_timeout=settings.NEWSROOM_FETCH_READ_TIMEOUT,
        allow_list=FETCH_ALLOW_LIST,
        deadline=deadline,
    )
    current = url
    for _ in range(settings.NEWSROOM_FETCH_MAX_REDIRECTS + 1):
        scheme, host, port, path = _address(current)
        headers = {
            "User-Agent": settings.NEWSROOM_FETCH_USER_AGENT,
            "Accept": accept,
            "Accept-Encoding": "gzip, deflate",
            "Connection": "close",
        }
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        connection = opener.open(scheme, host, port, path)
        try:
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
            except FetchError:
                raise
            except TimeoutError as error:
                raise FetchError(f"The server at {current} did not answer in time.") from error
            except ssl.SSLCertVerificationError as error:
                raise FetchError(
                    f"The certificate of {host} could not be verified ({error.verify_message})."
                ) from error
            except ssl.SSLError as error:
                raise FetchError(f"The secure connection to {host} failed ({error.reason}).") from error
            except (http.client.HTTPException, OSError) as error:
                raise FetchError(f"Fetching {current} failed ({error}).") from error
            if deadline.expired:
                raise FetchError(f"The server at {current} did not finish its headers in time.")
            response_headers = {name.lower(): value for name, value in response.getheaders()}
            if response.status in REDIRECT_STATUSES:
                location = response_headers.get("location")
                if not location:
                    raise FetchError(f"{current} redirected without saying where to.")
                current = urljoin(current, location)
                continue
            if response.status == 304:
                return FetchResult(url=current, status=304, headers=response_headers)
            if response.status >= 400:
                raise FetchError(
                    f"The server answered {response.status} {response.reason or ''} for {current}.".replace("  ", " ")
                )
            body = _read_body(response, max_bytes=max_bytes, deadline=deadline, url=current)
            if deadline.expired:
                raise FetchError(f"Downloading {current} took too long and was stopped.")
            return FetchResult(url=current, status=response.status, headers=response_headers, body=body)
        finally:
            deadline.release()
            connection.close()
    raise FetchError(f"{url} redirected more than {settings.NEWSROOM_FETCH_MAX_REDIRECTS} times.")


def post(url: str, *, body: bytes, headers: dict[str, str], timeout: float, max_bytes: int = 64 * 1024) -> FetchResult:
    """POSTs body to url without following redirects; returns the response whatever its status.

    The whole request, connecting, sending and waiting for the status and
    headers included, must finish within timeout seconds; the response body is
    read in what is left of that time, up to max_bytes, and cut there. Raises
    BlockedAddressError when the address policy refuses the address
    (``NEWSROOM_WEBHOOK_ALLOWED_HOSTS`` lets hosts past the address check),
    TimedOutError when the time runs out before the status and headers are
    complete, and FetchError when the network fails.
    """
    scheme, host, port, path = _address(url)
    deadline = _Deadline(timeout)
    opener = _Connection(connect_timeout=timeout, read_timeout=timeout, allow_list=WEBHOOK_ALLOW_LIST, deadline=deadline)
    connection = opener.open(scheme, host, port, path)
    try:
        timed_out = TimedOutError(
            f"The request to {url} timed out: it took longer than the {timeout:g} s allowed in all and was stopped."
        )
        try:
            connection.request("POST", path, body=body, headers={**headers, "Content-Length": str(len(body))})
            response = connection.getresponse()
        except BlockedAddressError:
            raise
        except Exception as error:
            if deadline.expired or isinstance(error, TimeoutError):
                raise timed_out from error
            if isinstance(error, FetchError):
                raise
            if isinstance(error, ssl.SSLError):
                raise FetchError(f"The secure connection to {host} failed ({error}).") from error
            if isinstance(error, (http.client.HTTPException, OSError)):
                raise FetchError(f"Sending to {url} failed ({error}).") from error
            raise
        if deadline.expired:
            # Shutting the connection down ends the read of a status line or headers cut off part way as if
            # they were complete, so http.client can hand back a response the receiver never finished.
            raise timed_out
        response_headers = {name.lower(): value for name, value in response.getheaders()}
        content = b""
        while len(content) < max_bytes and not deadline.expired:
            try:
                chunk = response.read1(max_bytes - len(content))
            except (http.client.HTTPException, OSError):
                break  # The status has arrived; a body that breaks off is not a failed delivery.
            if not chunk:
                break
            content += chunk
        return FetchResult(url=url, status=response.status, headers=response_headers, body=content)
    finally:
        deadline.cancel()
        connection.close()
