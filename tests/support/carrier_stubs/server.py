"""A stub carrier API on 127.0.0.1: answers registered routes, records every request.

Subclass it per carrier (`tests/support/carrier_stubs/<carrier>.py`), register handlers for the
carrier's documented paths, and switch scenarios (rate limited, malformed, token expiry) by
setting attributes between requests.
"""

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class StubRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode())


@dataclass
class StubResponse:
    status: int = 200
    body: Any = None  # dict/list → JSON; str/bytes → sent as is
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


Handler = Callable[[StubRequest], StubResponse]


class _Server(ThreadingHTTPServer):
    # Workers open many connections at once; the default backlog of 5 would make the rest wait
    # for a TCP retransmit and measure that instead of the carrier.
    request_queue_size = 128


class StubCarrier:
    def __init__(self) -> None:
        self.requests: list[StubRequest] = []
        self._routes: list[tuple[str, str, Handler]] = []
        self._lock = threading.Lock()
        stub = self

        class _RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in separate writes; on a kept-alive connection Nagle's
            # algorithm would hold the body for the client's delayed ACK (40 ms), as no real
            # carrier's server does.
            disable_nagle_algorithm = True

            def log_message(self, *_: Any) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                parts = urlsplit(self.path)
                request = StubRequest(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query),
                    headers={name.lower(): value for name, value in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
                response = stub._dispatch(request)
                if response.delay:
                    time.sleep(response.delay)
                body = response.body
                raw = body if isinstance(body, bytes) else body.encode() if isinstance(body, str) else json.dumps(body).encode()
                self.send_response(response.status)
                content_type = "application/json" if not isinstance(body, (str, bytes)) else "text/html"
                self.send_header("content-type", response.headers.pop("content-type", content_type))
                for name, value in response.headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

        self._server = _Server(("127.0.0.1", 0), _RequestHandler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def route(self, method: str, path_prefix: str, handler: Handler) -> None:
        self._routes.append((method, path_prefix, handler))

    def _dispatch(self, request: StubRequest) -> StubResponse:
        with self._lock:
            self.requests.append(request)
        for method, prefix, handler in self._routes:
            if method == request.method and request.path.startswith(prefix):
                return handler(request)
        return StubResponse(404, {"error": f"no stub route for {request.method} {request.path}"})

    def start(self) -> "StubCarrier":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "StubCarrier":
        return self.start()

    def __exit__(self, *_: Any) -> None:
        self.stop()
