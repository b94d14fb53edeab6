"""The local stack's gateway as a WSGI application, so that schemathesis drives the real
authorizer and handlers in-process (no sockets), with the stack's API key."""

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import reset_cached_clients


class GatewayApp:
    """WSGI in front of Gateway.handle: the path and query as the client sent them, still
    percent-encoded (the gateway and the handlers decode them), every header and the body.
    Counts the answers by status."""

    def __init__(self, gateway: Any) -> None:
        self._gateway = gateway
        self.statuses: Counter[int] = Counter()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        target = environ.get("RAW_URI") or environ["PATH_INFO"]
        if environ.get("QUERY_STRING"):
            target += "?" + environ["QUERY_STRING"]
        headers = [(name[5:].replace("_", "-").lower(), value) for name, value in environ.items() if name.startswith("HTTP_")]
        if environ.get("CONTENT_TYPE"):
            headers.append(("content-type", environ["CONTENT_TYPE"]))
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        response = self._gateway.handle(environ["REQUEST_METHOD"], target, headers, body)
        self.statuses[response.status] += 1
        start_response(f"{response.status} -", list(response.headers))
        return [response.body]

    @property
    def answered(self) -> int:
        return sum(self.statuses.values())


@pytest.fixture(scope="module")
def fuzz_stack() -> Iterator[Any]:
    """A local stack of its own (no timers or pumps: nothing changes a tracking meanwhile),
    with a rate limit the fuzzer never reaches: it sends far more than 10 requests a second."""
    from trackline_local.stack import LocalStack

    reset_cached_clients()
    stack = LocalStack(port=0, access_log=False, event_sources=False, environment={"RATE_LIMIT_PER_SECOND": "10000"}).start()
    try:
        yield stack
    finally:
        stack.stop()
        reset_cached_clients()


@pytest.fixture(scope="module")
def gateway_app(fuzz_stack: Any) -> GatewayApp:
    return GatewayApp(fuzz_stack.gateway)
