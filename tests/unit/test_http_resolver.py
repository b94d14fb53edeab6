"""The API functions' resolver: routing, the payload 2.0 result, and every failure as an envelope."""

import base64
import json

from trackline.api.errors import response_for, route_not_found
from trackline.api.http import Request, Resolver, Response, Route


def _event(method: str, path: str, *, stage: str = "$default", body: str | None = None, encoded: bool = False) -> dict:
    return {
        "rawPath": path,
        "requestContext": {"http": {"method": method}, "stage": stage},
        "headers": {"Content-Type": "text/csv"},
        "body": body,
        "isBase64Encoded": encoded,
    }


def _resolver(*routes: Route) -> Resolver:
    return Resolver(list(routes), on_error=response_for, not_found=route_not_found)


def _echo(request: Request, **parameters: str) -> Response:
    return Response(200, json.dumps({"path": request.path, **parameters}), "application/json")


def test_fixed_paths_win_over_parameters_whatever_the_order():
    resolver = _resolver(Route("GET", "/t/<tracking_id>", _echo), Route("GET", "/t/export", lambda request: Response(200, "export")))
    assert resolver.resolve(_event("GET", "/t/export"))["body"] == "export"
    assert json.loads(resolver.resolve(_event("GET", "/t/abc%2Fdef"))["body"])["tracking_id"] == "abc%2Fdef"


def test_a_parameter_is_one_segment_and_the_stage_is_not_part_of_the_path():
    resolver = _resolver(Route("GET", "/t/<slug>/<number>", _echo))
    assert json.loads(resolver.resolve(_event("GET", "/prod/t/ups/1Z", stage="prod"))["body"]) == {"path": "/t/ups/1Z", "slug": "ups", "number": "1Z"}
    assert resolver.resolve(_event("GET", "/t/ups/1Z/extra"))["statusCode"] == 404


def test_an_unknown_route_or_method_is_the_contract_s_404_envelope():
    resolver = _resolver(Route("GET", "/t/<tracking_id>", _echo))
    for event in (_event("GET", "/nowhere"), _event("DELETE", "/t/abc")):
        result = resolver.resolve(event)
        assert result["statusCode"] == 404 and json.loads(result["body"])["meta"] == {
            "code": 404, "message": "The URI requested is invalid or the resource requested does not exist.", "type": "NotFound"}


def test_an_unexpected_failure_is_a_500_envelope_not_a_crash():
    def broken(request: Request) -> Response:
        raise KeyError("nothing personal")

    result = _resolver(Route("GET", "/broken", broken)).resolve(_event("GET", "/broken"))
    assert result["statusCode"] == 500 and json.loads(result["body"])["meta"]["type"] == "InternalError"
    assert "nothing personal" not in result["body"]


def test_the_result_is_payload_2_0_with_bytes_in_base64_and_the_request_as_sent():
    seen = {}

    def upload(request: Request) -> Response:
        seen.update(body=request.body, text=request.text, type=request.headers["content-type"])
        return Response(201, b"\x00\xff", "application/octet-stream", {"x-extra": "1"})

    encoded = base64.b64encode("a,b\né".encode()).decode()
    result = _resolver(Route("POST", "/up", upload)).resolve(_event("POST", "/up", body=encoded, encoded=True))
    assert seen == {"body": "a,b\né".encode(), "text": "a,b\né", "type": "text/csv"}
    assert result == {"statusCode": 201, "body": "AP8=", "isBase64Encoded": True, "cookies": [],
                      "headers": {"x-extra": "1", "Content-Type": "application/octet-stream"}}
