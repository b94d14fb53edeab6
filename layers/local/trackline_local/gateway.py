"""A small API Gateway HTTP API ($default stage) in front of the real handlers.

Public interface:
    MAX_BODY_BYTES                      10 MB, API Gateway's payload limit
    Router(routes).match(method, raw_path) -> (HttpRoute, path_parameters) | None
    GatewayResponse(status, headers, body)
    Gateway(routes, functions, authorizers, host="127.0.0.1", port=0, ...)
        .handle(method, target, headers, body, client_ip) -> GatewayResponse   (no sockets)
        .start() -> self   serve in a background thread;  .stop();  .serve_forever()
        .base_url, .host, .port
    Gateway.from_template(template, functions, ...)   routes and authorizers from template.yaml

What it does, as API Gateway HTTP API does with payload format 2.0:
- route selection: literal segments beat {param} beat {proxy+}, left to right; then a route
  with the request's method beats ANY; then the $default route; no route -> 404.
- the Lambda authorizer (REQUEST, format 2.0, simple or IAM-policy responses) before the route's
  function; isAuthorized false -> 403, authorizer failure -> 500, missing identity source -> 401.
- the 2.0 event and the 2.0 response rules; an unhandled exception -> 500 and the traceback on
  stderr; bodies over 10 MB -> 413.
Not emulated: authorizer result caching, throttling, CORS preflight, the 30 s integration timeout.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import socket
import string
import sys
import threading
import time
import traceback
import uuid
from dataclasses import dataclass, field
from email.utils import formatdate
from fnmatch import fnmatchcase
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterable, Mapping, Sequence, TextIO
from urllib.parse import parse_qsl, unquote, urlsplit

from .template import (
    DEFAULT_ACCOUNT_ID,
    DEFAULT_REGION,
    AuthorizerSpec,
    HttpRoute,
    Resolver,
    Template,
)

MAX_BODY_BYTES = 10 * 1024 * 1024
_DRAIN_LIMIT = 256 * 1024 * 1024  # read and drop oversized bodies up to this, so the 413 arrives
_READ_CHUNK = 1024 * 1024

NOT_FOUND = (404, {"message": "Not Found"})
FORBIDDEN = (403, {"message": "Forbidden"})
UNAUTHORIZED = (401, {"message": "Unauthorized"})
TOO_LARGE = (413, {"message": "Request Entity Too Large"})
INTERNAL_ERROR = (500, {"message": "Internal Server Error"})
BAD_REQUEST = (400, {"message": "Bad Request"})

_TEXT_TYPES = re.compile(
    r"^(text/.*|application/(json|xml|javascript|ecmascript|x-javascript|graphql|x-ndjson"
    r"|ld\+json|problem\+json|problem\+xml|.*\+json|.*\+xml|yaml|x-yaml))$")
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "upgrade",
               "proxy-connection", "te", "trailer"}
_NO_BODY_STATUS = {204, 304}


# ---------------------------------------------------------------------------------------------
# Routing
# ---------------------------------------------------------------------------------------------

_LITERAL, _PARAM, _GREEDY = 2, 1, 0


@dataclass(frozen=True)
class _CompiledRoute:
    route: HttpRoute
    segments: tuple[tuple[int, str], ...]  # (kind, literal text or parameter name)

    @classmethod
    def compile(cls, route: HttpRoute) -> "_CompiledRoute":
        if route.path == "$default":
            return cls(route, ())
        parts = route.path.lstrip("/").split("/")
        segments = []
        for index, part in enumerate(parts):
            if part.startswith("{") and part.endswith("+}"):
                if index != len(parts) - 1:
                    raise ValueError(f"greedy variable must be last: {route.path}")
                segments.append((_GREEDY, part[1:-2]))
            elif part.startswith("{") and part.endswith("}"):
                segments.append((_PARAM, part[1:-1]))
            else:
                segments.append((_LITERAL, part))
        return cls(route, tuple(segments))

    def match(self, raw_segments: Sequence[str]) -> dict[str, str] | None:
        params: dict[str, str] = {}
        for index, (kind, text) in enumerate(self.segments):
            if kind == _GREEDY:
                rest = "/".join(raw_segments[index:])
                if not rest:
                    return None
                params[text] = unquote(rest)
                return params
            if index >= len(raw_segments):
                return None
            segment = raw_segments[index]
            if kind == _LITERAL:
                if unquote(segment) != text:
                    return None
            else:
                if not segment:
                    return None
                params[text] = unquote(segment)
        if len(raw_segments) != len(self.segments):
            return None
        return params

    def rank(self) -> tuple[Any, ...]:
        is_default = self.route.path == "$default"
        return (0 if is_default else 1, tuple(kind for kind, _ in self.segments),
                0 if self.route.method == "ANY" else 1)


class Router:
    """HTTP API route selection: the most specific matching route wins."""

    def __init__(self, routes: Iterable[HttpRoute]) -> None:
        self._routes = [_CompiledRoute.compile(r) for r in routes]

    @property
    def routes(self) -> list[HttpRoute]:
        return [c.route for c in self._routes]

    def match(self, method: str, raw_path: str) -> tuple[HttpRoute, dict[str, str]] | None:
        method = method.upper()
        raw_segments = raw_path.lstrip("/").split("/") if raw_path.startswith("/") else None
        best: tuple[tuple[Any, ...], HttpRoute, dict[str, str]] | None = None
        for compiled in self._routes:
            route = compiled.route
            if route.method not in ("ANY", method):
                continue
            if route.path == "$default":
                params: dict[str, str] | None = {}
            elif raw_segments is None:
                continue
            else:
                params = compiled.match(raw_segments)
            if params is None:
                continue
            rank = compiled.rank()
            if best is None or rank > best[0]:
                best = (rank, route, params)
        return None if best is None else (best[1], best[2])


# ---------------------------------------------------------------------------------------------
# The gateway
# ---------------------------------------------------------------------------------------------


@dataclass
class GatewayResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    close: bool = False

    @classmethod
    def json(cls, status_and_body: tuple[int, Any], request_id: str = "") -> "GatewayResponse":
        status, payload = status_and_body
        headers = [("Content-Type", "application/json")]
        if request_id:
            headers.append(("apigw-requestid", request_id))
        return cls(status, headers, json.dumps(payload, separators=(",", ":")).encode())

    def header(self, name: str) -> str | None:
        name = name.lower()
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None


class _Rejected(Exception):
    def __init__(self, response: tuple[int, Any]) -> None:
        super().__init__(response[1]["message"])
        self.response = response


def _request_id() -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(15)) + "="


def _is_text(content_type: str | None) -> bool:
    if not content_type:
        return False
    media_type = content_type.split(";", 1)[0].strip().lower()
    return bool(_TEXT_TYPES.match(media_type))


class Gateway:
    def __init__(
        self,
        routes: Iterable[HttpRoute],
        functions: Mapping[str, Any],
        authorizers: Mapping[str, AuthorizerSpec] | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        region: str = DEFAULT_REGION,
        account_id: str = DEFAULT_ACCOUNT_ID,
        api_id: str = "local",
        access_log: bool = True,
        log_stream: TextIO | None = None,
        max_body_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        self.router = Router(routes)
        self.functions = functions  # logical id -> object with .invoke(event) (FunctionRuntime)
        self.authorizers = dict(authorizers or {})
        self.host = host
        self.port = port
        self.region = region
        self.account_id = account_id
        self.api_id = api_id
        self.access_log = access_log
        self._log_stream = log_stream
        self._log_lock = threading.Lock()
        self.max_body_bytes = max_body_bytes
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        for route in self.router.routes:
            if route.function_id not in functions:
                raise ValueError(f"route {route.route_key} targets unknown {route.function_id}")
            if route.authorizer and route.authorizer not in self.authorizers:
                raise ValueError(f"route {route.route_key} uses unknown authorizer "
                                 f"{route.authorizer}")

    @classmethod
    def from_template(
        cls,
        template: Template,
        functions: Mapping[str, Any],
        resolver: Resolver | None = None,
        **kwargs: Any,
    ) -> "Gateway":
        resolver = resolver or template.resolver()
        routes = [r for r in template.http_routes(resolver) if r.payload_format_version == "2.0"]
        kwargs.setdefault("region", resolver.region)
        kwargs.setdefault("account_id", resolver.account_id)
        return cls(routes, functions, template.authorizers(resolver), **kwargs)

    @property
    def stderr(self) -> TextIO:
        return self._log_stream or sys.stderr

    # -- the request pipeline (no sockets) -----------------------------------------------------
    def handle(
        self,
        method: str,
        target: str,
        headers: Iterable[tuple[str, str]],
        body: bytes = b"",
        client_ip: str = "127.0.0.1",
        *,
        server_port: int | None = None,
    ) -> GatewayResponse:
        request_id = _request_id()
        method = method.upper()
        if target.startswith(("http://", "https://")):
            parts = urlsplit(target)
            raw_path, raw_query = parts.path or "/", parts.query
        else:
            raw_path, _, raw_query = target.partition("?")
            raw_path = raw_path.split("#", 1)[0]
        if len(body) > self.max_body_bytes:
            return GatewayResponse.json(TOO_LARGE, request_id)
        match = self.router.match(method, raw_path)
        if match is None:
            return GatewayResponse.json(NOT_FOUND, request_id)
        route, path_params = match
        header_map, cookies = self._headers(headers, client_ip, server_port)
        query = self._query(raw_query)
        now = time.time()
        host = header_map.get("host", "")
        domain_name = host or f"{self.api_id}.execute-api.{self.region}.amazonaws.com"
        request_context: dict[str, Any] = {
            "accountId": self.account_id,
            "apiId": self.api_id,
            "domainName": domain_name,
            "domainPrefix": domain_name.split(":", 1)[0].split(".", 1)[0],
            "http": {
                "method": method,
                "path": raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": client_ip,
                "userAgent": header_map.get("user-agent", ""),
            },
            "requestId": request_id,
            "routeKey": route.route_key,
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        }
        try:
            if route.authorizer:
                authorizer_context = self._authorize(
                    route, method, raw_path, raw_query, header_map, cookies, query, path_params,
                    request_context)
                request_context["authorizer"] = {"lambda": authorizer_context}
            event: dict[str, Any] = {
                "version": "2.0",
                "routeKey": route.route_key,
                "rawPath": raw_path,
                "rawQueryString": raw_query,
            }
            if cookies:
                event["cookies"] = cookies
            event["headers"] = header_map
            if query:
                event["queryStringParameters"] = query
            event["requestContext"] = request_context
            if body:
                if _is_text(header_map.get("content-type")):
                    try:
                        event["body"] = body.decode("utf-8")
                        event["isBase64Encoded"] = False
                    except UnicodeDecodeError:
                        event["body"] = base64.b64encode(body).decode("ascii")
                        event["isBase64Encoded"] = True
                else:
                    event["body"] = base64.b64encode(body).decode("ascii")
                    event["isBase64Encoded"] = True
            else:
                event["isBase64Encoded"] = False
            if path_params:
                event["pathParameters"] = path_params
            result = self._invoke(route.function_id, event, request_id)
            response = self._response(result)
        except _Rejected as rejected:
            return GatewayResponse.json(rejected.response, request_id)
        response.headers.append(("apigw-requestid", request_id))
        return response

    def _headers(
        self, headers: Iterable[tuple[str, str]], client_ip: str, server_port: int | None
    ) -> tuple[dict[str, str], list[str]]:
        merged: dict[str, str] = {}
        cookies: list[str] = []
        for name, value in headers:
            key = name.lower()
            if key == "cookie":
                cookies += [c.strip() for c in value.split(";") if c.strip()]
                continue
            merged[key] = f"{merged[key]},{value}" if key in merged else value
        forwarded = merged.get("x-forwarded-for")
        merged["x-forwarded-for"] = f"{forwarded}, {client_ip}" if forwarded else client_ip
        merged["x-forwarded-port"] = str(server_port or self.port)
        merged["x-forwarded-proto"] = "http"
        merged.setdefault("x-amzn-trace-id",
                          f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]}")
        return merged, cookies

    @staticmethod
    def _query(raw_query: str) -> dict[str, str]:
        query: dict[str, str] = {}
        for key, value in parse_qsl(raw_query, keep_blank_values=True):
            query[key] = f"{query[key]},{value}" if key in query else value
        return query

    # -- authorizer ----------------------------------------------------------------------------
    def _authorize(
        self,
        route: HttpRoute,
        method: str,
        raw_path: str,
        raw_query: str,
        headers: dict[str, str],
        cookies: list[str],
        query: dict[str, str],
        path_params: dict[str, str],
        request_context: dict[str, Any],
    ) -> Any:
        spec = self.authorizers[route.authorizer]  # type: ignore[index]
        identity: list[str] | None = None
        if spec.identity_source:
            identity = []
            for source in spec.identity_source:
                value = self._identity_value(source, headers, query, request_context)
                if value in (None, ""):
                    raise _Rejected(UNAUTHORIZED)
                identity.append(value)
        if spec.function_id is None or spec.function_id not in self.functions:
            self._log_error(f"authorizer {spec.name} has no local function")
            raise _Rejected(INTERNAL_ERROR)
        route_arn = (f"arn:aws:execute-api:{self.region}:{self.account_id}:{self.api_id}"
                     f"/$default/{method}{raw_path}")
        event: dict[str, Any] = {
            "version": "2.0",
            "type": "REQUEST",
            "routeArn": route_arn,
            "identitySource": identity,
            "routeKey": route.route_key,
            "rawPath": raw_path,
            "rawQueryString": raw_query,
            "cookies": list(cookies),
            "headers": dict(headers),
            "queryStringParameters": dict(query),
            "requestContext": dict(request_context),
            "pathParameters": dict(path_params),
        }
        result = self._invoke(spec.function_id, event, request_context["requestId"])
        if spec.simple_responses:
            if not isinstance(result, dict) or not isinstance(result.get("isAuthorized"), bool):
                self._log_error(f"authorizer {spec.name} returned no boolean isAuthorized")
                raise _Rejected(INTERNAL_ERROR)
            if not result["isAuthorized"]:
                raise _Rejected(FORBIDDEN)
            return result.get("context")
        if not isinstance(result, dict) or not isinstance(result.get("policyDocument"), dict):
            self._log_error(f"authorizer {spec.name} returned no policyDocument")
            raise _Rejected(INTERNAL_ERROR)
        if not _policy_allows(result["policyDocument"], route_arn):
            raise _Rejected(FORBIDDEN)
        context = dict(result.get("context") or {})
        if "principalId" in result:
            context.setdefault("principalId", result["principalId"])
        return context

    @staticmethod
    def _identity_value(
        source: str, headers: dict[str, str], query: dict[str, str], context: dict[str, Any]
    ) -> str | None:
        if source.startswith("$request.header."):
            return headers.get(source.removeprefix("$request.header.").lower())
        if source.startswith("$request.querystring."):
            return query.get(source.removeprefix("$request.querystring."))
        if source.startswith("$context."):
            value: Any = context
            for part in source.removeprefix("$context.").split("."):
                value = value.get(part) if isinstance(value, dict) else None
            return None if value is None else str(value)
        return None  # stage variables: the $default stage has none locally

    # -- invoking and the response -------------------------------------------------------------
    def _invoke(self, function_id: str, event: dict[str, Any], request_id: str) -> Any:
        function = self.functions[function_id]
        try:
            return function.invoke(event)
        except Exception:  # noqa: BLE001 - an unhandled error is a 500, as in AWS
            self._log_error(f"{function_id} raised an unhandled exception "
                            f"(request {request_id}):\n{traceback.format_exc()}")
            raise _Rejected(INTERNAL_ERROR) from None

    def _response(self, result: Any) -> GatewayResponse:
        try:
            if isinstance(result, dict) and "statusCode" in result:
                return self._structured_response(result)
            if isinstance(result, str):
                body = result.encode("utf-8")
            else:
                body = json.dumps(result).encode("utf-8")
            return GatewayResponse(200, [("Content-Type", "application/json")], body)
        except Exception:  # noqa: BLE001 - a malformed Lambda response is a 500 in AWS
            self._log_error(f"malformed Lambda response:\n{traceback.format_exc()}")
            raise _Rejected(INTERNAL_ERROR) from None

    @staticmethod
    def _structured_response(result: dict[str, Any]) -> GatewayResponse:
        status = int(result["statusCode"])
        if not 100 <= status <= 599:
            raise ValueError(f"statusCode {status} out of range")
        headers: list[tuple[str, str]] = []
        seen: set[str] = set()
        for name, value in (result.get("headers") or {}).items():
            if name.lower() in _HOP_BY_HOP:
                continue
            headers.append((name, _header_value(value)))
            seen.add(name.lower())
        for name, values in (result.get("multiValueHeaders") or {}).items():
            if name.lower() in _HOP_BY_HOP or name.lower() in seen:
                continue
            for value in values if isinstance(values, list) else [values]:
                headers.append((name, _header_value(value)))
        for cookie in result.get("cookies") or []:
            headers.append(("Set-Cookie", str(cookie)))
        body = result.get("body")
        if body is None:
            data = b""
        elif result.get("isBase64Encoded"):
            data = base64.b64decode(body)
        elif isinstance(body, (bytes, bytearray)):
            data = bytes(body)
        elif isinstance(body, str):
            data = body.encode("utf-8")
        else:
            data = json.dumps(body).encode("utf-8")
        return GatewayResponse(status, headers, data)

    # -- logging -------------------------------------------------------------------------------
    def _log_error(self, message: str) -> None:
        with self._log_lock:
            self.stderr.write(f"[gateway] {message.rstrip()}\n")
            self.stderr.flush()

    def _log_access(self, method: str, path: str, status: int, started: float) -> None:
        if not self.access_log:
            return
        elapsed = (time.perf_counter() - started) * 1000
        with self._log_lock:
            self.stderr.write(f"{method} {path} {status} {elapsed:.0f}ms\n")
            self.stderr.flush()

    # -- the HTTP server -----------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "", "::") else self.host
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    def _make_server(self) -> ThreadingHTTPServer:
        gateway = self
        handler = type("BoundRequestHandler", (_RequestHandler,), {"gateway": gateway})
        server = _Server((self.host, self.port), handler)
        self.port = server.server_address[1]
        return server

    def start(self) -> "Gateway":
        if self._server is not None:
            return self
        self._server = self._make_server()
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.2},
                                        name="trackline-gateway", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        if self._server is None:
            self._server = self._make_server()
        self._server.serve_forever(poll_interval=0.2)

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        server.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> "Gateway":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _header_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _policy_allows(policy: dict[str, Any], route_arn: str) -> bool:
    """IAM-policy authorizer responses: an explicit Deny wins, else some Allow must match."""
    statements = policy.get("Statement") or []
    if isinstance(statements, dict):
        statements = [statements]
    allowed = False
    for statement in statements:
        actions = statement.get("Action") or []
        resources = statement.get("Resource") or []
        actions = [actions] if isinstance(actions, str) else actions
        resources = [resources] if isinstance(resources, str) else resources
        if not any(fnmatchcase("execute-api:Invoke", a) or a in ("*", "execute-api:*")
                   for a in actions):
            continue
        if not any(fnmatchcase(route_arn, r) for r in resources):
            continue
        if str(statement.get("Effect", "")).lower() == "deny":
            return False
        if str(statement.get("Effect", "")).lower() == "allow":
            allowed = True
    return allowed


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """End idle keep-alive connections too, so a stopped gateway serves nothing more."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            return  # a client went away
        super().handle_error(request, client_address)


class _RequestHandler(BaseHTTPRequestHandler):
    gateway: Gateway
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; without this, delayed ACKs add ~40 ms per request.
    disable_nagle_algorithm = True
    server_version = "trackline-local"
    sys_version = ""
    timeout = 75  # idle keep-alive connections are closed after this many seconds

    # Quiet: the gateway writes its own one-line access log (never headers: they carry keys).
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        return

    def handle_expect_100(self) -> bool:
        length = self._content_length()
        if length is not None and length > self.gateway.max_body_bytes:
            self._send(GatewayResponse.json(TOO_LARGE), close=True)
            return False
        return super().handle_expect_100()

    def _content_length(self) -> int | None:
        value = self.headers.get("Content-Length")
        if value is None:
            return None
        try:
            length = int(value.strip())
        except ValueError:
            return -1
        return length

    def _read_body(self) -> bytes | GatewayResponse:
        limit = self.gateway.max_body_bytes
        transfer_encoding = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in transfer_encoding:
            return self._read_chunked(limit)
        length = self._content_length()
        if length is None or length == 0:
            return b""
        if length < 0:
            self.close_connection = True
            return GatewayResponse.json(BAD_REQUEST)
        if length > limit:
            if length <= _DRAIN_LIMIT:
                remaining = length
                while remaining > 0:
                    chunk = self.rfile.read(min(_READ_CHUNK, remaining))
                    if not chunk:
                        break
                    remaining -= len(chunk)
            else:
                self.close_connection = True
            return GatewayResponse.json(TOO_LARGE)
        data = self.rfile.read(length)
        if len(data) < length:
            self.close_connection = True
            return GatewayResponse.json(BAD_REQUEST)
        return data

    def _read_chunked(self, limit: int) -> bytes | GatewayResponse:
        parts: list[bytes] = []
        total = 0
        too_large = False
        while True:
            line = self.rfile.readline(65537)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                self.close_connection = True
                return GatewayResponse.json(BAD_REQUEST)
            if size == 0:
                while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                break
            total += size
            chunk = self.rfile.read(size)
            self.rfile.readline(3)  # CRLF after the chunk
            if total > limit:
                too_large = True
                parts.clear()
                if total > _DRAIN_LIMIT:
                    self.close_connection = True
                    break
            else:
                parts.append(chunk)
        if too_large:
            return GatewayResponse.json(TOO_LARGE)
        return b"".join(parts)

    def _dispatch(self) -> None:
        started = time.perf_counter()
        body = self._read_body()
        if isinstance(body, GatewayResponse):
            response = body
        else:
            try:
                response = self.gateway.handle(
                    self.command, self.path, list(self.headers.items()), body,
                    self.client_address[0], server_port=self.server.server_address[1])
            except Exception:  # noqa: BLE001 - never let the gateway itself drop a connection
                self.gateway._log_error(f"gateway error:\n{traceback.format_exc()}")
                response = GatewayResponse.json(INTERNAL_ERROR)
        self._send(response, close=response.close)
        self.gateway._log_access(self.command, self.path.split("?", 1)[0], response.status,
                                 started)

    def _send(self, response: GatewayResponse, close: bool = False) -> None:
        if close:
            self.close_connection = True
        self.send_response_only(response.status)
        self.send_header("Date", formatdate(usegmt=True))
        for name, value in response.headers:
            self.send_header(name, value)
        no_body = response.status in _NO_BODY_STATUS or response.status < 200
        if not no_body:
            self.send_header("Content-Length", str(len(response.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        else:
            self.send_header("Connection", "keep-alive")
        self.end_headers()
        if not no_body and self.command != "HEAD" and response.body:
            self.wfile.write(response.body)
        self.wfile.flush()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _dispatch

