"""Posting one webhook: the only code that opens connections to webhook receivers.

The client connects to an address it has just vetted rather than handing the host name to the
socket layer, so a DNS answer that changes between the check and the connect (DNS rebinding)
cannot redirect the request to an internal address. TLS still verifies the certificate against
the host name from the URL.
"""

import base64
import hashlib
import hmac
import http.client
import io
import socket
import ssl
import time
from collections.abc import Mapping
from typing import Any

from trackline.outbound.webhook_addresses import (
    DisallowedWebhookUrl,
    WebhookTarget,
    parse_webhook_url,
    vetted_addresses,
)

MAX_RESPONSE_BYTES = 64 * 1024

# The client frames the request itself; a caller's value for these would corrupt it.
_FRAMING_HEADERS = frozenset({"host", "content-length", "transfer-encoding", "connection"})


def webhook_signature(body: bytes, secret: str) -> str:
    """base64 of HMAC-SHA256 over the raw body, as AfterShip's aftership-hmac-sha256 header."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


class WebhookTransportError(Exception):
    """The webhook could not be delivered: refused address, connection failure, timeout or TLS.

    The message names only scheme://host[:port], never the path, query or headers.
    """


class WebhookClient:
    def __init__(
        self,
        *,
        allow_local_http: bool,
        timeout: float = 10.0,
        ssl_context: ssl.SSLContext | None = None,
        user_agent: str = "Trackline-Webhook/1.0",
    ) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self._allow_local_http = allow_local_http
        self._timeout = timeout
        self._ssl_context = ssl_context or ssl.create_default_context()
        self._user_agent = user_agent

    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> int:
        """Posts the body once and returns the HTTP status; redirects are returned, not followed.

        Raises WebhookTransportError when no status was received, and ValueError when a header
        is not valid HTTP or sets what the client sets itself (Host, Content-Length,
        Transfer-Encoding, Connection).
        """
        request_headers = self._request_headers(body, headers)
        # Started before resolving, so a slow resolver eats into the time left to connect.
        deadline = _Deadline(self._timeout)
        try:
            target = parse_webhook_url(url, allow_local_http=self._allow_local_http)
            addresses = vetted_addresses(target.host, target.port, allow_local_http=self._allow_local_http)
        except DisallowedWebhookUrl as refusal:
            raise WebhookTransportError(str(refusal)) from refusal
        connection = self._connection(target, addresses, deadline)
        try:
            connection.connect()
            connection.sock.settimeout(deadline.remaining())
            connection.request("POST", target.request_target, body=body, headers=request_headers)
            with connection.getresponse() as response:
                _discard_body(response)
                return response.status
        except (OSError, http.client.HTTPException) as error:
            raise WebhookTransportError(f"POST to {target.origin} failed: {_describe(error)}") from error
        finally:
            connection.close()

    def _request_headers(self, body: bytes, headers: Mapping[str, str]) -> dict[str, str]:
        clashes = sorted(name for name in headers if name.lower() in _FRAMING_HEADERS)
        if clashes:
            raise ValueError(f"webhook headers may not set {', '.join(clashes)}")
        # Keyed by lower-case name so the caller's Content-Type or User-Agent replaces ours.
        merged = {
            "content-type": ("Content-Type", "application/json"),
            "user-agent": ("User-Agent", self._user_agent),
        }
        merged.update((name.lower(), (name, value)) for name, value in headers.items())
        merged["content-length"] = ("Content-Length", str(len(body)))
        # One request per connection: nothing to gain from keeping an idle socket to a receiver.
        merged["connection"] = ("Connection", "close")
        return dict(merged.values())

    def _connection(
        self, target: WebhookTarget, addresses: list[str], deadline: "_Deadline"
    ) -> http.client.HTTPConnection:
        if target.scheme == "https":
            return _PinnedHTTPSConnection(
                target.host, target.port, addresses=addresses, deadline=deadline, context=self._ssl_context
            )
        return _PinnedHTTPConnection(target.host, target.port, addresses=addresses, deadline=deadline)


class _Deadline:
    """One time budget for the whole exchange, so a receiver cannot stretch it step by step."""

    def __init__(self, seconds: float) -> None:
        self._expires_at = time.monotonic() + seconds

    def remaining(self) -> float:
        left = self._expires_at - time.monotonic()
        if left <= 0:
            raise TimeoutError("timed out")
        return left


class _PinnedConnection(http.client.HTTPConnection):
    """Dials vetted addresses only, and reads the response under the deadline."""

    def __init__(
        self, host: str, port: int, *, addresses: list[str], deadline: _Deadline, **kwargs: Any
    ) -> None:
        # No timeout here: every step takes what is left of the deadline instead.
        super().__init__(host, port, **kwargs)
        self._addresses = addresses
        self._deadline = deadline
        self.response_class = self._deadline_response

    def _dial(self) -> socket.socket:
        # Tried in resolver order, like socket.create_connection, but never resolving again.
        failure: OSError = ConnectionError("no address to connect to")
        for address in self._addresses:
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                sock.settimeout(self._deadline.remaining())
                sock.connect((address, self.port))
            except OSError as error:
                sock.close()
                failure = error
                continue
            return sock
        raise failure

    def _deadline_response(self, sock: socket.socket, *args: Any, **kwargs: Any) -> http.client.HTTPResponse:
        deadline_sock: Any = _DeadlineSocket(sock, self._deadline)
        return http.client.HTTPResponse(deadline_sock, *args, **kwargs)


class _PinnedHTTPConnection(_PinnedConnection):
    def connect(self) -> None:
        self.sock = self._dial()


class _PinnedHTTPSConnection(_PinnedConnection, http.client.HTTPSConnection):
    def connect(self) -> None:
        sock = self._dial()
        sock.settimeout(self._deadline.remaining())
        # SNI and certificate verification use the URL's host name, not the address dialled.
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class _DeadlineSocket:
    """What http.client's response reads from instead of the socket itself.

    A plain socket timeout restarts with every byte received, so a receiver trickling its
    headers could hold the sender for as long as it liked; here each read gets only what is
    left of the deadline.
    """

    def __init__(self, sock: socket.socket, deadline: _Deadline) -> None:
        self._sock = sock
        self._deadline = deadline

    def makefile(self, mode: str) -> io.BufferedReader:
        return io.BufferedReader(_DeadlineReader(self._sock, self._deadline))


class _DeadlineReader(io.RawIOBase):
    def __init__(self, sock: socket.socket, deadline: _Deadline) -> None:
        super().__init__()
        self._sock = sock
        # A socket file keeps the socket open after http.client closes the connection object.
        self._raw = sock.makefile("rb", buffering=0)
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int | None:
        self._sock.settimeout(self._deadline.remaining())
        return self._raw.readinto(buffer)

    def close(self) -> None:
        self._raw.close()
        super().close()


def _discard_body(response: http.client.HTTPResponse) -> None:
    # The status is the receiver's answer. Reading some of the body only lets the receiver
    # finish writing; a body that is huge, slow or cut short does not change the answer.
    try:
        response.read(MAX_RESPONSE_BYTES)
    except (OSError, http.client.HTTPException):
        pass


def _describe(error: OSError | http.client.HTTPException) -> str:
    """A reason for the failure that cannot contain the URL, headers or body."""
    if isinstance(error, TimeoutError):
        return "timed out"
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"TLS certificate verification failed ({error.verify_message})"
    if isinstance(error, ssl.SSLError):
        return f"TLS failure ({error.reason or type(error).__name__})"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return type(error).__name__
