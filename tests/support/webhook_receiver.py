"""A webhook receiver on 127.0.0.1 that checks every request's signature, as a merchant's would."""

import base64
import hashlib
import hmac
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class ReceivedWebhook:
    headers: dict[str, str]
    body: bytes
    signature_valid: bool

    @property
    def payload(self) -> dict:
        return json.loads(self.body)


@dataclass
class WebhookReceiver:
    secret: str
    # Status codes to answer, in order; the last one repeats.
    statuses: list[int] = field(default_factory=lambda: [200])
    received: list[ReceivedWebhook] = field(default_factory=list)

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                expected = base64.b64encode(hmac.new(receiver.secret.encode(), body, hashlib.sha256).digest()).decode()
                signature = self.headers.get("aftership-hmac-sha256", "")
                with receiver._lock:
                    receiver.received.append(ReceivedWebhook(dict(self.headers), body, hmac.compare_digest(signature, expected)))
                    status = receiver.statuses[min(len(receiver.received), len(receiver.statuses)) - 1]
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/hooks/trackline"

    def __enter__(self) -> "WebhookReceiver":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
