"""The API Gateway HTTP API emulation over real HTTP (trackline_local.gateway)."""

from __future__ import annotations

import base64
import http.client
import json
import socket
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from trackline_local.gateway import MAX_BODY_BYTES

ALLOW = {"x-api-key": "good-key"}


@pytest.fixture(scope="module")
def client(gateway: Any) -> Any:
    with httpx.Client(base_url=gateway.base_url, timeout=10) as c:
        yield c


def _echo(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return response.json()


def test_event_shape_is_payload_format_2(client: httpx.Client, gateway: Any) -> None:
    response = client.get(
        "/items/a%2Fb%20c/more?x=1&x=2&y=hello%20world&z=a+b&empty=",
        headers=[("x-api-key", "good-key"), ("X-Custom", "one"), ("x-custom", "two"),
                 ("Cookie", "a=1; b=2"), ("User-Agent", "tests/1.0")])
    payload = _echo(response)
    event = payload["event"]
    assert response.headers["x-route"] == "ANY /items/{proxy+}"
    assert event["version"] == "2.0"
    assert event["routeKey"] == "ANY /items/{proxy+}"
    assert event["rawPath"] == "/items/a%2Fb%20c/more"
    assert event["rawQueryString"] == "x=1&x=2&y=hello%20world&z=a+b&empty="
    assert event["queryStringParameters"] == {"x": "1,2", "y": "hello world", "z": "a b",
                                              "empty": ""}
    assert event["pathParameters"] == {"proxy": "a/b c/more"}
    assert event["cookies"] == ["a=1", "b=2"]
    headers = event["headers"]
    assert all(name == name.lower() for name in headers)
    assert headers["x-custom"] == "one,two"
    assert "cookie" not in headers
    assert headers["user-agent"] == "tests/1.0"
    assert headers["x-forwarded-for"] == "127.0.0.1"
    assert headers["x-forwarded-proto"] == "http"
    assert headers["host"] == urlsplit(gateway.base_url).netloc
    assert event["isBase64Encoded"] is False
    assert "body" not in event
    ctx = event["requestContext"]
    assert set(ctx) >= {"accountId", "apiId", "domainName", "domainPrefix", "http", "requestId",
                        "routeKey", "stage", "time", "timeEpoch", "authorizer"}
    assert ctx["stage"] == "$default"
    assert ctx["routeKey"] == "ANY /items/{proxy+}"
    assert ctx["http"] == {"method": "GET", "path": "/items/a%2Fb%20c/more",
                           "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1",
                           "userAgent": "tests/1.0"}
    assert ctx["domainName"] == urlsplit(gateway.base_url).netloc
    assert isinstance(ctx["timeEpoch"], int) and ctx["time"].endswith("+0000")
    assert response.headers["apigw-requestid"] == ctx["requestId"]
    # the LambdaContext
    context = payload["context"]
    assert context["function_name"] == "EchoFunction"
    assert context["function_version"] == "$LATEST"
    assert context["memory_limit_in_mb"] == 256
    assert context["invoked_function_arn"] == \
        "arn:aws:lambda:us-east-1:123456789012:function:EchoFunction"
    assert len(context["aws_request_id"]) == 36
    assert context["log_group_name"] == "/aws/lambda/EchoFunction"
    assert 0 < context["remaining_ms"] <= 7000


def test_no_query_and_no_path_parameters_are_omitted(client: httpx.Client) -> None:
    event = _echo(client.get("/items/special", headers=ALLOW))["event"]
    assert event["rawQueryString"] == ""
    assert "queryStringParameters" not in event
    assert "pathParameters" not in event
    assert "cookies" not in event


@pytest.mark.parametrize(("method", "path", "route_key", "params"), [
    ("GET", "/items/special", "GET /items/special", None),
    ("POST", "/items/special", "ANY /items/special", None),
    ("GET", "/items/abc", "ANY /items/{id}", {"id": "abc"}),
    ("DELETE", "/items/abc", "ANY /items/{id}", {"id": "abc"}),
    ("GET", "/items/a/b", "ANY /items/{proxy+}", {"proxy": "a/b"}),
    ("GET", "/things/1/x/2", "ANY /things/{a}/x/{b}", {"a": "1", "b": "2"}),
    ("GET", "/things/1/y/2", "GET /{proxy+}", {"proxy": "things/1/y/2"}),
    ("GET", "/items/", "GET /{proxy+}", {"proxy": "items/"}),
])
def test_routing_precedence(client: httpx.Client, method: str, path: str, route_key: str,
                            params: dict[str, str] | None) -> None:
    event = _echo(client.request(method, path, headers=ALLOW))["event"]
    assert event["routeKey"] == route_key
    assert event.get("pathParameters") == params


@pytest.mark.parametrize(("method", "path"), [("POST", "/nowhere"), ("GET", "/"),
                                              ("PUT", "/open")])
def test_unknown_route_is_404(client: httpx.Client, method: str, path: str) -> None:
    response = client.request(method, path, headers=ALLOW)
    assert response.status_code == 404
    assert response.json() == {"message": "Not Found"}
    assert response.headers["content-type"] == "application/json"


def test_authorizer_allows_and_its_context_reaches_the_function(client: httpx.Client) -> None:
    event = _echo(client.get("/items/abc?q=1", headers={**ALLOW, "Cookie": "c=3"}))["event"]
    lambda_context = event["requestContext"]["authorizer"]["lambda"]
    assert lambda_context["key"] == "good-key"
    seen = lambda_context["seen"]
    assert seen == {
        "version": "2.0",
        "type": "REQUEST",
        "routeArn": "arn:aws:execute-api:us-east-1:123456789012:local/$default/GET/items/abc",
        "routeKey": "ANY /items/{id}",
        "rawPath": "/items/abc",
        "rawQueryString": "q=1",
        "cookies": ["c=3"],
        "identitySource": None,
        "pathParameters": {"id": "abc"},
        "queryStringParameters": {"q": "1"},
        "stage": "$default",
        "function": "AuthFunction",
    }


def test_authorizer_deny_is_403(client: httpx.Client) -> None:
    response = client.get("/items/abc", headers={"x-api-key": "deny"})
    assert response.status_code == 403
    assert response.json() == {"message": "Forbidden"}


def test_request_without_key_still_reaches_the_authorizer(client: httpx.Client) -> None:
    # no identity source: the authorizer sees keyless requests too (and here allows them)
    event = _echo(client.get("/items/abc"))["event"]
    assert event["requestContext"]["authorizer"]["lambda"]["key"] == ""


@pytest.mark.parametrize("key", ["boom", "garbage"])
def test_authorizer_failure_is_500(client: httpx.Client, gateway: Any, key: str) -> None:
    response = client.get("/items/abc", headers={"x-api-key": key})
    assert response.status_code == 500
    assert response.json() == {"message": "Internal Server Error"}


def test_route_without_authorizer_skips_it(client: httpx.Client) -> None:
    event = _echo(client.get("/open", headers={"x-api-key": "deny"}))["event"]
    assert "authorizer" not in event["requestContext"]
    assert event["routeKey"] == "GET /open"


def test_unhandled_exception_is_500_with_traceback_on_stderr(client: httpx.Client,
                                                             gateway: Any) -> None:
    response = client.get("/items/boom", headers=ALLOW)
    assert response.status_code == 500
    assert response.json() == {"message": "Internal Server Error"}
    log = gateway.log.getvalue()
    assert "RuntimeError: handler exploded" in log and "Traceback" in log
    assert "good-key" not in log  # the access log never has headers


def test_access_log_is_one_line_without_headers(client: httpx.Client, gateway: Any) -> None:
    client.get("/open?secret-query=1", headers={"x-api-key": "very-secret"})
    lines = [line for line in gateway.log.getvalue().splitlines() if line.startswith("GET /open")]
    assert lines and lines[-1].startswith("GET /open 200 ")
    assert "very-secret" not in gateway.log.getvalue()
    assert "secret-query" not in gateway.log.getvalue()


def test_response_conversion(client: httpx.Client) -> None:
    plain = client.get("/items/plain", headers=ALLOW)
    assert plain.status_code == 200 and plain.text == "plain text"
    assert plain.headers["content-type"] == "application/json"
    as_dict = client.get("/items/dict", headers=ALLOW)
    assert as_dict.status_code == 200 and as_dict.json() == {"hello": "world"}
    binary = client.get("/items/binary", headers=ALLOW)
    assert binary.status_code == 201 and binary.content == bytes(range(256))
    assert binary.headers["content-length"] == "256"
    cookies = client.get("/items/cookies", headers=ALLOW)
    assert cookies.headers.get_list("set-cookie") == ["a=1; Path=/", "b=2; Path=/"]
    assert cookies.headers.get_list("x-multi") == ["one", "two"]
    assert cookies.headers["x-single"] == "yes"
    no_content = client.get("/items/nocontent", headers=ALLOW)
    assert no_content.status_code == 204 and no_content.content == b""
    # the connection is still good after a 204
    assert client.get("/items/dict", headers=ALLOW).status_code == 200


def test_request_bodies_text_binary_and_empty(client: httpx.Client) -> None:
    event = _echo(client.post("/items/abc", headers=ALLOW, json={"a": "é"}))["event"]
    assert event["isBase64Encoded"] is False and json.loads(event["body"]) == {"a": "é"}
    event = _echo(client.post("/items/abc", headers={**ALLOW, "content-type": "text/csv"},
                              content=b"a,b\n1,2\n"))["event"]
    assert event["body"] == "a,b\n1,2\n" and event["isBase64Encoded"] is False
    raw = bytes([0, 255, 1, 254])
    event = _echo(client.post("/items/abc", headers={
        **ALLOW, "content-type": "application/octet-stream"}, content=raw))["event"]
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == raw
    # a body-less POST: Content-Length 0, no body in the event
    response = client.post("/items/abc", headers=ALLOW)
    assert response.request.headers["content-length"] == "0"
    event = _echo(response)["event"]
    assert "body" not in event and event["isBase64Encoded"] is False


def test_chunked_request_body(gateway: Any) -> None:
    def chunks() -> Any:
        yield b'{"part": '
        yield b'"one"}'

    with httpx.Client(base_url=gateway.base_url) as c:
        response = c.post("/items/abc", content=chunks(),
                          headers={**ALLOW, "content-type": "application/json"})
    assert response.request.headers.get("transfer-encoding") == "chunked"
    assert json.loads(_echo(response)["event"]["body"]) == {"part": "one"}


def test_body_over_10_mb_is_413_and_the_connection_survives(client: httpx.Client) -> None:
    response = client.post("/items/abc", headers={**ALLOW, "content-type": "text/plain"},
                           content=b"x" * (MAX_BODY_BYTES + 1))
    assert response.status_code == 413
    assert response.json() == {"message": "Request Entity Too Large"}
    assert client.get("/items/dict", headers=ALLOW).status_code == 200
    # exactly at the limit is accepted
    response = client.post("/items/abc", headers={**ALLOW, "content-type": "text/plain"},
                           content=b"y" * MAX_BODY_BYTES)
    assert _echo(response)["event"]["body"] == f"<{MAX_BODY_BYTES} chars>"


def test_keep_alive_two_requests_one_connection(gateway: Any) -> None:
    with httpx.Client(base_url=gateway.base_url) as c:
        first = c.get("/items/dict", headers=ALLOW)
        second = c.post("/items/abc", headers=ALLOW, json={"n": 2})
        addresses = {r.extensions["network_stream"].get_extra_info("client_addr")
                     for r in (first, second)}
    assert first.status_code == second.status_code == 200
    assert first.headers["connection"] == "keep-alive"
    assert len(addresses) == 1


def test_keep_alive_with_http_client_and_connection_close(gateway: Any) -> None:
    url = urlsplit(gateway.base_url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=5)
    conn.request("GET", "/items/dict", headers=ALLOW)
    first = conn.getresponse()
    assert first.status == 200 and json.loads(first.read()) == {"hello": "world"}
    sock = conn.sock
    conn.request("POST", "/items/plain", body=b"", headers={**ALLOW, "Connection": "close"})
    second = conn.getresponse()
    assert conn.sock is sock or conn.sock is None
    assert second.status == 200 and second.read() == b"plain text"
    assert second.getheader("connection") == "close"
    conn.close()


def test_malformed_content_length_is_400(gateway: Any) -> None:
    url = urlsplit(gateway.base_url)
    with socket.create_connection((url.hostname, url.port), timeout=5) as sock:
        sock.sendall(b"POST /open HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n")
        data = sock.recv(65536)
    assert data.startswith(b"HTTP/1.1 400")


def test_stop_ends_keep_alive_connections(project: Any) -> None:
    from trackline_local.gateway import Gateway
    from trackline_local.runtime import FunctionRegistry
    from trackline_local.template import Template

    template = Template.load(project)
    gw = Gateway.from_template(template, FunctionRegistry(template.functions()), port=0,
                               access_log=False).start()
    with httpx.Client(base_url=gw.base_url) as c:
        assert c.get("/items/dict", headers=ALLOW).status_code == 200
        gw.stop()
        with pytest.raises(httpx.TransportError):
            c.get("/items/dict", headers=ALLOW)
