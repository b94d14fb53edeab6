"""HTTP API route selection (trackline_local.gateway.Router)."""

from __future__ import annotations

import pytest

from trackline_local.gateway import Router
from trackline_local.template import HttpRoute


def _routes(*keys: str) -> Router:
    routes = []
    for key in keys:
        method, _, path = key.partition(" ")
        if key == "$default":
            method, path = "ANY", "$default"
        routes.append(HttpRoute(function_id="Fn", event_name=key, method=method, path=path,
                                authorizer=None))
    return Router(routes)


# The example of the API Gateway developer guide ("Routing API requests").
AWS_EXAMPLE = _routes("GET /pets/dog/1", "GET /pets/dog/{id}", "GET /pets/{proxy+}",
                      "ANY /{proxy+}", "$default")


@pytest.mark.parametrize(("method", "path", "route_key", "params"), [
    ("GET", "/pets/dog/1", "GET /pets/dog/1", {}),
    ("GET", "/pets/dog/2", "GET /pets/dog/{id}", {"id": "2"}),
    ("GET", "/pets/cat/1", "GET /pets/{proxy+}", {"proxy": "cat/1"}),
    ("POST", "/pets/dog/1", "ANY /{proxy+}", {"proxy": "pets/dog/1"}),
    ("GET", "/", "$default", {}),
])
def test_aws_documented_precedence(method: str, path: str, route_key: str,
                                   params: dict[str, str]) -> None:
    route, got = AWS_EXAMPLE.match(method, path)
    assert (route.route_key, got) == (route_key, params)


def test_exact_beats_param_beats_greedy_and_method_beats_any() -> None:
    router = _routes("ANY /a/{proxy+}", "ANY /a/{id}", "ANY /a/b", "GET /a/b",
                     "ANY /{proxy+}", "ANY /a/b/{proxy+}")
    assert router.match("GET", "/a/b")[0].route_key == "GET /a/b"
    assert router.match("DELETE", "/a/b")[0].route_key == "ANY /a/b"
    assert router.match("GET", "/a/c")[0].route_key == "ANY /a/{id}"
    assert router.match("GET", "/a/c/d")[0].route_key == "ANY /a/{proxy+}"
    assert router.match("GET", "/a/b/d")[0].route_key == "ANY /a/b/{proxy+}"
    assert router.match("GET", "/z")[0].route_key == "ANY /{proxy+}"


def test_greedy_needs_a_non_empty_rest_and_no_match_is_none() -> None:
    router = _routes("GET /items/{proxy+}", "GET /items")
    assert router.match("GET", "/items")[0].route_key == "GET /items"
    assert router.match("GET", "/items/") is None
    assert router.match("POST", "/items/x") is None
    assert router.match("GET", "/other") is None


def test_params_are_decoded_and_literals_compare_decoded() -> None:
    router = _routes("GET /t/{slug}/{number}", "GET /t/{proxy+}", "GET /lit eral")
    route, params = router.match("GET", "/t/ups/1Z%2099")
    assert route.route_key == "GET /t/{slug}/{number}"
    assert params == {"slug": "ups", "number": "1Z 99"}
    # %2F stays inside its segment for matching, and is decoded in the value
    route, params = router.match("GET", "/t/a%2Fb/c")
    assert route.route_key == "GET /t/{slug}/{number}" and params == {"slug": "a/b",
                                                                     "number": "c"}
    assert router.match("GET", "/lit%20eral")[0].route_key == "GET /lit eral"
