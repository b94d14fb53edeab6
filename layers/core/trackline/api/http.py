"""HTTP API (payload 2.0) requests and responses, and the resolver that routes them.

The API functions route with this small resolver instead of Powertools' event handler: that
package imports every resolver it has (AppSync, Bedrock, VPC Lattice, asyncio) and cost each cold
start about 50 ms, a third of the budget. What the API needs is method + path routing of an
endpoint table; Powertools still writes the OpenAPI document, on request (trackline.api.routing).
"""

import base64
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# A path parameter is one segment: unreserved and sub-delimiter characters of RFC 3986, the
# percent sign of an encoded character, and the characters clients send unencoded anyway.
PATH_PARAMETER = re.compile(r"<(\w+)>")
_SEGMENT = r"[\w\-._~()'!*:@,;=+&$%<> \[\]{}|^]+"


@dataclass
class Response:
    status_code: int
    body: str | bytes = ""
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def as_result(self) -> dict[str, Any]:
        """The payload 2.0 result: a bytes body travels base64-encoded."""
        headers = dict(self.headers)
        if self.content_type:
            headers.setdefault("Content-Type", self.content_type)
        binary = isinstance(self.body, bytes)
        body = base64.b64encode(self.body).decode() if binary else self.body
        return {"statusCode": int(self.status_code), "body": body, "isBase64Encoded": binary, "headers": headers, "cookies": []}


@dataclass(frozen=True)
class Request:
    event: dict[str, Any]

    @property
    def method(self) -> str:
        return str(((self.event.get("requestContext") or {}).get("http") or {}).get("method") or "").upper()

    @property
    def path(self) -> str:
        """The path without the stage: the API's routes start at the host root on $default."""
        path = str(self.event.get("rawPath") or "/")
        stage = (self.event.get("requestContext") or {}).get("stage") or "$default"
        return path.removeprefix(f"/{stage}") if stage != "$default" else path

    @property
    def query(self) -> dict[str, str]:
        return self.event.get("queryStringParameters") or {}

    @property
    def headers(self) -> dict[str, str]:
        return {str(name).lower(): value for name, value in (self.event.get("headers") or {}).items()}

    @property
    def body(self) -> bytes:
        raw = self.event.get("body") or ""
        return base64.b64decode(raw) if self.event.get("isBase64Encoded") else raw.encode("utf-8", errors="surrogatepass")

    @property
    def text(self) -> str:
        raw = self.event.get("body") or ""
        return base64.b64decode(raw).decode("utf-8", errors="replace") if self.event.get("isBase64Encoded") else raw


Handler = Callable[..., Response]  # called with the Request and the path parameters


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # with <name> path parameters
    handler: Handler

    @property
    def pattern(self) -> re.Pattern[str]:
        return re.compile("^" + PATH_PARAMETER.sub(lambda found: f"(?P<{found.group(1)}>{_SEGMENT})", self.path) + "$")

    @property
    def is_static(self) -> bool:
        return PATH_PARAMETER.search(self.path) is None


class Resolver:
    """Routes a request to the first route whose method and path match (fixed paths before
    parameterised ones, so /trackings/export is never read as a tracking id) and turns anything
    raised into a response through the one error mapping."""

    def __init__(self, routes: list[Route], on_error: Callable[[Exception], Response], not_found: Callable[[], Response]) -> None:
        ordered = sorted(routes, key=lambda route: not route.is_static)
        self._routes = [(route.method, route.pattern, route.handler) for route in ordered]
        self._on_error = on_error
        self._not_found = not_found

    def resolve(self, event: dict[str, Any], context: Any = None) -> dict[str, Any]:
        request = Request(event)
        method, path = request.method, request.path
        try:
            for route_method, pattern, handler in self._routes:
                if route_method == method and (found := pattern.match(path)) is not None:
                    return handler(request, **found.groupdict()).as_result()
            return self._not_found().as_result()
        except Exception as error:  # noqa: BLE001 - every failure becomes an envelope
            return self._on_error(error).as_result()
