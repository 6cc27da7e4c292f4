"""POSTing to addresses that users typed in, without reaching into the desk's own network.

Only http and https; the host is resolved once and the connection goes to the
address that was checked (so DNS cannot change between check and use);
private, loopback, link-local and reserved addresses are refused unless the
host is named in ``NEWSROOM_WEBHOOK_ALLOWED_HOSTS``; redirects are not
followed; every socket operation has a timeout and the response is read only
up to a limit.
"""

from __future__ import annotations

import http.client
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from clusters.fetch import refusal_for_address

RESPONSE_LIMIT = 64 * 1024


class UnsafeAddress(Exception):
    """The address may not be contacted; the message says why."""


@dataclass
class PostResult:
    status: int
    body: bytes


def _allowed_hosts() -> set[str]:
    return {host.lower() for host in settings.NEWSROOM_WEBHOOK_ALLOWED_HOSTS}


def resolve_public(host: str, port: int) -> str:
    """Returns an IP address for host that may be contacted, or raises UnsafeAddress."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise UnsafeAddress(f"the host name {host} could not be resolved ({error.strerror})") from error
    allowed = host.lower() in _allowed_hosts()
    refusals = []
    for info in infos:
        address = info[4][0].split("%")[0]
        reason = None if allowed else refusal_for_address(address)
        if reason is None:
            return address
        refusals.append(reason)
    raise UnsafeAddress(
        f"{host} cannot be reached from the desk: {refusals[0]}; "
        "add the host to NEWSROOM_WEBHOOK_ALLOWED_HOSTS if it is meant to be reached"
    )


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url: str, *, body: bytes, headers: dict[str, str], timeout: float) -> PostResult:
    """POSTs body to url; raises UnsafeAddress for refused addresses and OSError for network failures."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise UnsafeAddress(f"only http and https addresses can be used, not '{parts.scheme}:'")
    if not parts.hostname:
        raise UnsafeAddress("the address has no host name")
    if parts.username or parts.password:
        raise UnsafeAddress("the address must not contain a user name or password")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = resolve_public(parts.hostname, port)
    connection_class = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(parts.hostname, port, address=address, timeout=timeout)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    try:
        connection.request("POST", path, body=body, headers={**headers, "Content-Length": str(len(body))})
        response = connection.getresponse()
        return PostResult(status=response.status, body=response.read(RESPONSE_LIMIT))
    finally:
        connection.close()
