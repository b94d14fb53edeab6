"""The webhook client against real receivers on 127.0.0.1 (plain http and https)."""

import base64
import datetime
import hashlib
import hmac
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from email.message import Message
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from trackline.outbound.webhook_addresses import DisallowedWebhookUrl
from trackline.outbound.webhook_client import (
    WebhookClient,
    WebhookTransportError,
    webhook_signature,
)

SECRET = "webhook-secret"
BODY = b'{"event":"tracking_update","msg":{"id":"a1b2"}}'
SIGNATURE_HEADER = "aftership-hmac-sha256"
# Names the test certificate covers besides localhost; the fake resolver points them at 127.0.0.1.
CERTIFIED_NAME = "hooks.example.test"


# --- signature ----------------------------------------------------------------------------------


def test_signature_is_base64_of_hmac_sha256_over_the_raw_body():
    expected = base64.b64encode(hmac.new(SECRET.encode(), BODY, hashlib.sha256).digest()).decode()
    assert webhook_signature(BODY, SECRET) == expected
    assert webhook_signature(BODY, SECRET) == "RRyQXudTO4QD646Pr3hBrxqyJowvtffmrPvsHHTJ5CE="


def test_signature_matches_the_published_hmac_sha256_vector():
    # The classic vector: key "key", hex f7bc83f4...2d1a3cd8, here in base64 rather than hex.
    published_hex = "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
    signature = webhook_signature(b"The quick brown fox jumps over the lazy dog", "key")
    assert signature == "97yD9DBThCSxMpjmqm+xQ+9NWaFJRhdZl0edvC0aPNg="
    assert base64.b64decode(signature).hex() == published_hex


# --- test receivers -----------------------------------------------------------------------------


@dataclass
class Received:
    path: str
    headers: Message  # looked up case-insensitively, as HTTP header names are
    body: bytes
    server_name: str | None


@dataclass
class Receiver:
    """Records each webhook and answers with `status`: 401 when the signature does not verify."""

    port: int
    status: int = 200
    response_headers: dict[str, str] = field(default_factory=dict)
    requests: list[Received] = field(default_factory=list)
    server_names: list[str | None] = field(default_factory=list)


def _handler_for(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            server_name = receiver.server_names[-1] if receiver.server_names else None
            receiver.requests.append(Received(self.path, self.headers, body, server_name))
            expected = webhook_signature(body, SECRET)
            signed = hmac.compare_digest(self.headers.get(SIGNATURE_HEADER, ""), expected)
            self.send_response(receiver.status if signed else 401)
            for name, value in receiver.response_headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format, *args) -> None:
            pass

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    tls: ssl.SSLContext | None = None

    def finish_request(self, request, client_address) -> None:
        if self.tls is not None:
            try:
                request = self.tls.wrap_socket(request, server_side=True)
            except OSError:
                return  # a client that rejected the certificate
        super().finish_request(request, client_address)

    def handle_error(self, request, client_address) -> None:
        pass  # clients that give up early are part of the tests


def _serve(tls: ssl.SSLContext | None = None) -> Iterator[Receiver]:
    receiver = Receiver(port=0)
    server = _Server(("127.0.0.1", 0), _handler_for(receiver))
    server.tls = tls
    if tls is not None:
        tls.sni_callback = lambda sock, name, context: receiver.server_names.append(name)
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from _serve()


@dataclass
class Certificate:
    cert_file: Path
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context

    def trusting_client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.cert_file)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> Certificate:
    """A self-signed certificate for localhost, hooks.example.test and 127.0.0.1."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.DNSName(CERTIFIED_NAME),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    directory = tmp_path_factory.mktemp("webhook-tls")
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return Certificate(cert_file, key_file)


@pytest.fixture
def tls_receiver(certificate) -> Iterator[Receiver]:
    yield from _serve(certificate.server_context())


@dataclass
class FakeDns:
    """Answers for the names a test gives it, one queued answer per lookup (the last repeats)."""

    answers: dict[str, list[list[str]]] = field(default_factory=lambda: {"localhost": [["127.0.0.1"]]})
    lookups: list[str] = field(default_factory=list)

    def __setitem__(self, host: str, queued_answers: list[list[str]]) -> None:
        self.answers[host] = queued_answers

    def getaddrinfo(self, host, port, family=0, type=0, proto=0, flags=0):
        self.lookups.append(host)
        queued = self.answers.get(host)
        if not queued:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        addresses = queued.pop(0) if len(queued) > 1 else queued[0]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)) for address in addresses]


@pytest.fixture(autouse=True)
def dns(monkeypatch) -> FakeDns:
    """Stands in for real DNS, which these tests never ask."""
    fake = FakeDns()
    monkeypatch.setattr(socket, "getaddrinfo", fake.getaddrinfo)
    return fake


@pytest.fixture(autouse=True)
def connects(monkeypatch) -> list[tuple[str, int]]:
    """Every address the client dials; anything beyond loopback fails the test."""
    dialled: list[tuple[str, int]] = []
    real_connect = socket.socket.connect

    def connect(sock, address):
        assert ipaddress.ip_address(address[0]).is_loopback, f"a test tried to reach {address[0]}"
        dialled.append((address[0], address[1]))
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return dialled


def signed_headers(body: bytes = BODY) -> dict[str, str]:
    return {SIGNATURE_HEADER: webhook_signature(body, SECRET)}


def local_client(**options) -> WebhookClient:
    return WebhookClient(allow_local_http=True, timeout=options.pop("timeout", 5.0), **options)


# --- plain http against a real receiver ---------------------------------------------------------


def test_posts_the_signed_body_with_its_headers(receiver):
    url = f"http://127.0.0.1:{receiver.port}/hooks/abc?token=t1"
    status = local_client().post(url, BODY, {**signed_headers(), "X-Trackline-Event": "tracking_update"})

    assert status == 200
    [received] = receiver.requests
    assert received.path == "/hooks/abc?token=t1"
    assert received.body == BODY
    assert received.headers[SIGNATURE_HEADER] == webhook_signature(received.body, SECRET)
    assert received.headers["Content-Type"] == "application/json"
    assert received.headers["Content-Length"] == str(len(BODY))
    assert received.headers["User-Agent"] == "Trackline-Webhook/1.0"
    assert received.headers["Host"] == f"127.0.0.1:{receiver.port}"
    assert received.headers["X-Trackline-Event"] == "tracking_update"


def test_a_wrong_signature_is_the_receivers_4xx_not_an_exception(receiver):
    status = local_client().post(f"http://127.0.0.1:{receiver.port}/", BODY, {SIGNATURE_HEADER: "bm9wZQ=="})
    assert status == 401


def test_user_agent_and_content_type_can_be_chosen(receiver):
    client = local_client(user_agent="Trackline-Test/2.0")
    headers = {**signed_headers(), "content-type": "application/json; charset=utf-8"}
    client.post(f"http://localhost:{receiver.port}/", BODY, headers)
    [received] = receiver.requests
    assert received.headers["User-Agent"] == "Trackline-Test/2.0"
    assert received.headers["Content-Type"] == "application/json; charset=utf-8"
    assert received.headers["Host"] == f"localhost:{receiver.port}"


@pytest.mark.parametrize("name", ["Host", "content-length", "Transfer-Encoding", "Connection"])
def test_headers_cannot_override_the_request_framing(receiver, name):
    with pytest.raises(ValueError, match=name):
        local_client().post(f"http://127.0.0.1:{receiver.port}/", BODY, {name: "x"})
    assert receiver.requests == []


@pytest.mark.parametrize("status", [200, 201, 202, 204, 400, 404, 410, 422, 429, 500, 502, 503])
def test_returns_the_receivers_status(receiver, status):
    receiver.status = status
    assert local_client().post(f"http://127.0.0.1:{receiver.port}/in", BODY, signed_headers()) == status


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirects_are_returned_not_followed(receiver, status):
    receiver.status = status
    receiver.response_headers["Location"] = f"http://127.0.0.1:{receiver.port}/elsewhere"
    assert local_client().post(f"http://127.0.0.1:{receiver.port}/in", BODY, signed_headers()) == status
    assert [request.path for request in receiver.requests] == ["/in"]


# --- receivers that misbehave -------------------------------------------------------------------


@pytest.fixture
def silent_receiver() -> Iterator[int]:
    """Accepts connections (the kernel does, from the backlog) and never answers."""
    with socket.create_server(("127.0.0.1", 0), backlog=8) as listener:
        yield listener.getsockname()[1]


def _raw_receiver(reply) -> Iterator[int]:
    """Runs reply(connection, stop) for the first connection; stop is set when the test ends."""
    stop = threading.Event()
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        try:
            connection, _ = listener.accept()
        except OSError:
            return
        with connection:
            connection.recv(65536)
            try:
                reply(connection, stop)
            except OSError:
                pass  # the client hung up, as it should

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        listener.close()
        thread.join(timeout=5)


@pytest.fixture
def trickling_receiver() -> Iterator[int]:
    """Sends its headers one byte at a time, each well within a socket timeout."""

    def reply(connection: socket.socket, stop: threading.Event) -> None:
        connection.sendall(b"HTTP/1.1 200 OK\r\n")
        while not stop.wait(0.05):
            connection.sendall(b"X")

    yield from _raw_receiver(reply)


@pytest.fixture
def endless_body_receiver() -> Iterator[int]:
    """Answers 200, then streams a body that never ends."""

    def reply(connection: socket.socket, stop: threading.Event) -> None:
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n" + b"x" * (256 * 1024))
        stop.wait(10)

    yield from _raw_receiver(reply)


@pytest.mark.timeout(10)
def test_a_receiver_that_never_answers_times_out(silent_receiver):
    client = local_client(timeout=0.5)
    started = time.monotonic()
    with pytest.raises(WebhookTransportError, match="timed out"):
        client.post(f"http://127.0.0.1:{silent_receiver}/in?token=SECRETQUERY", BODY, signed_headers())
    assert time.monotonic() - started < 2


@pytest.mark.timeout(10)
def test_a_receiver_trickling_its_answer_cannot_stretch_the_timeout(trickling_receiver):
    client = local_client(timeout=0.5)
    started = time.monotonic()
    with pytest.raises(WebhookTransportError, match="timed out"):
        client.post(f"http://127.0.0.1:{trickling_receiver}/in", BODY, signed_headers())
    assert time.monotonic() - started < 2


@pytest.mark.timeout(10)
def test_only_the_first_64_kib_of_a_response_body_is_read(endless_body_receiver):
    client = local_client(timeout=5.0)
    started = time.monotonic()
    assert client.post(f"http://127.0.0.1:{endless_body_receiver}/in", BODY, signed_headers()) == 200
    assert time.monotonic() - started < 2


@pytest.fixture
def hang_up_receiver() -> Iterator[int]:
    """Reads the request and closes the connection without a word."""
    yield from _raw_receiver(lambda connection, stop: None)


@pytest.fixture
def garbage_receiver() -> Iterator[int]:
    """Answers with something that is not HTTP."""
    yield from _raw_receiver(lambda connection, stop: connection.sendall(b"SSH-2.0-OpenSSH_9.6\r\n\r\n"))


def test_a_receiver_hanging_up_without_an_answer_is_a_transport_error(hang_up_receiver):
    with pytest.raises(WebhookTransportError, match="RemoteDisconnected"):
        local_client().post(f"http://127.0.0.1:{hang_up_receiver}/in", BODY, signed_headers())


def test_an_answer_that_is_not_http_is_a_transport_error(garbage_receiver):
    with pytest.raises(WebhookTransportError, match="BadStatusLine") as failed:
        local_client().post(f"http://127.0.0.1:{garbage_receiver}/in", BODY, signed_headers())
    assert "SSH" not in str(failed.value)


def test_a_refused_connection_is_a_transport_error_without_the_path_or_query():
    with socket.create_server(("127.0.0.1", 0)) as probe:
        closed_port = probe.getsockname()[1]
    with pytest.raises(WebhookTransportError) as failed:
        local_client().post(f"http://127.0.0.1:{closed_port}/inbox/TOKENPATH?token=SECRETQUERY", BODY, {})
    message = str(failed.value)
    assert f"http://127.0.0.1:{closed_port}" in message
    assert "refused" in message.lower()
    assert "TOKENPATH" not in message and "SECRETQUERY" not in message


# --- the SSRF guard at send time ----------------------------------------------------------------


def test_a_disallowed_address_is_refused_without_connecting(receiver, connects):
    client = WebhookClient(allow_local_http=False, timeout=1.0)
    with pytest.raises(WebhookTransportError, match="loopback") as refused:
        client.post(f"https://127.0.0.1:{receiver.port}/in?token=SECRETQUERY", BODY, signed_headers())
    assert isinstance(refused.value.__cause__, DisallowedWebhookUrl)
    assert "SECRETQUERY" not in str(refused.value)
    assert connects == []


def test_http_to_loopback_is_refused_unless_local_http_is_allowed(receiver, connects):
    with pytest.raises(WebhookTransportError, match="must use https"):
        WebhookClient(allow_local_http=False).post(f"http://127.0.0.1:{receiver.port}/", BODY, {})
    assert connects == []


def test_a_name_resolving_to_a_metadata_address_is_refused_without_connecting(dns, connects):
    dns["hooks.example.com"] = [["169.254.169.254"]]
    with pytest.raises(WebhookTransportError, match="link-local"):
        local_client().post("https://hooks.example.com/in", BODY, signed_headers())
    assert connects == []


def test_a_name_that_does_not_resolve_is_a_transport_error(connects):
    with pytest.raises(WebhookTransportError, match="does not resolve"):
        local_client().post("https://gone.example.com/in", BODY, signed_headers())
    assert connects == []


def test_dns_rebinding_cannot_redirect_the_connection(dns, tls_receiver, certificate, connects):
    # The first answer is checked and allowed; any later lookup would get a different address.
    dns[CERTIFIED_NAME] = [["127.0.0.1"], ["127.0.0.2"]]
    client = local_client(ssl_context=certificate.trusting_client_context())

    status = client.post(f"https://{CERTIFIED_NAME}:{tls_receiver.port}/in", BODY, signed_headers())

    assert status == 200
    assert dns.lookups == [CERTIFIED_NAME]
    assert connects == [("127.0.0.1", tls_receiver.port)]
    [received] = tls_receiver.requests
    assert received.headers["Host"] == f"{CERTIFIED_NAME}:{tls_receiver.port}"
    assert received.server_name == CERTIFIED_NAME


def test_a_second_vetted_address_is_dialled_when_the_first_refuses(dns, receiver, connects):
    dns["localhost"] = [["127.0.0.2", "127.0.0.1"]]
    status = local_client().post(f"http://localhost:{receiver.port}/in", BODY, signed_headers())
    assert status == 200
    assert connects == [("127.0.0.2", receiver.port), ("127.0.0.1", receiver.port)]


# --- https ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_https_to_a_receiver_with_a_trusted_certificate(tls_receiver, certificate, host):
    client = local_client(ssl_context=certificate.trusting_client_context())
    status = client.post(f"https://{host}:{tls_receiver.port}/in", BODY, signed_headers())
    assert status == 200
    [received] = tls_receiver.requests
    assert received.body == BODY
    # SNI carries host names only, never IP addresses.
    assert received.server_name == (None if host == "127.0.0.1" else host)


def test_https_with_the_default_context_rejects_a_self_signed_certificate(tls_receiver):
    with pytest.raises(WebhookTransportError, match="certificate verification failed") as failed:
        url = f"https://localhost:{tls_receiver.port}/in?token=SECRETQUERY"
        local_client().post(url, BODY, signed_headers())
    assert "SECRETQUERY" not in str(failed.value)
    assert tls_receiver.requests == []


def test_the_certificate_is_checked_against_the_url_host_not_the_dialled_address(
    dns, tls_receiver, certificate
):
    # 127.0.0.1 is in the certificate, but the URL names a host the certificate does not cover.
    dns["other.example.test"] = [["127.0.0.1"]]
    client = local_client(ssl_context=certificate.trusting_client_context())
    with pytest.raises(WebhookTransportError, match="certificate verification failed"):
        client.post(f"https://other.example.test:{tls_receiver.port}/in", BODY, signed_headers())
    assert tls_receiver.requests == []


def test_https_to_a_plain_http_receiver_is_a_transport_error(receiver, certificate):
    client = local_client(ssl_context=certificate.trusting_client_context())
    with pytest.raises(WebhookTransportError, match="TLS"):
        client.post(f"https://127.0.0.1:{receiver.port}/in", BODY, signed_headers())
