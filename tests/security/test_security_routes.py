"""Every route of the API, as the template and the endpoint tables declare it, refuses a request
without a key, with an unknown or revoked key, or unsigned with a key that signs: 401 in the
AfterShip envelope, before any routing or validation, and nothing is changed."""

import importlib
import pkgutil
import re

import pytest

import trackline.api
from tests.conftest import TEMPLATE
from trackline_local.template import Template

SAMPLE_PATH_VALUES = {"tracking_id": "abcdefghijklmnopqrstuvwx", "slug": "ups", "tracking_number": "1Z5R89390357567127"}
ANY_METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH")


def endpoint_requests() -> set[tuple[str, str]]:
    """(method, path) of every endpoint in every API function's table (trackline/api/*_routes.py)."""
    found = set()
    for module_info in pkgutil.iter_modules(trackline.api.__path__):
        if not module_info.name.endswith("_routes"):
            continue
        module = importlib.import_module(f"trackline.api.{module_info.name}")
        for endpoint in getattr(module, "ENDPOINTS", []):
            path = re.sub(r"<(\w+)>", lambda match: SAMPLE_PATH_VALUES.get(match.group(1), "x"), endpoint.path)
            found.add((endpoint.method, path))
    return found


def template_requests() -> set[tuple[str, str]]:
    """(method, path) for every route of the template that is behind the authorizer."""
    found = set()
    for route in Template.load(TEMPLATE).http_routes():
        if route.authorizer is None:
            continue
        path = route.path.replace("{proxy+}", "anything/below").replace("$default", "/")
        path = re.sub(r"\{\w+\}", "x", path)
        for method in ANY_METHODS if route.method == "ANY" else (route.method,):
            found.add((method, path))
    return found


ROUTES = sorted(endpoint_requests() | template_requests())


def test_the_sweep_covers_every_endpoint_and_every_template_route():
    assert len(endpoint_requests()) >= 30 and len(template_requests()) >= 20
    assert ("POST", "/tracking/2024-04/trackings") in ROUTES and ("POST", "/tracking/2024-04/couriers/detect") in ROUTES


def test_every_endpoint_is_served_behind_the_authorizer(chain):
    for method, path in endpoint_requests():
        matched = chain.gateway.router.match(method, path)
        assert matched is not None, (method, path)
        assert matched[0].authorizer == "ApiKeyAuthorizer", (method, path, matched[0].route_key)


@pytest.fixture
def keys(table):
    from trackline.services.api_keys import ApiKeyService

    service = ApiKeyService()
    revoked = service.register("revoked-integration")
    service.revoke(revoked.key_id)
    signer = service.register("signing-integration", aes_secret=True)
    return {"revoked": revoked.plaintext, "unsigned": signer.plaintext, "unknown": "tl_never-issued-0123456789abcdef"}


def test_every_route_refuses_a_missing_unknown_revoked_or_unsigned_key_with_401(chain, keys):
    body = {"tracking": {"tracking_number": "1Z5R89390357567127"}}
    for method, path in ROUTES:
        for presented in (None, "", keys["unknown"], keys["revoked"], keys["unsigned"]):
            reply = chain.request(method, path, key=presented, body=body if method in ("POST", "PUT", "PATCH") else None)
            assert reply.status == 401, (method, path, presented, reply.body)
            assert reply.body == {"meta": {"code": 401, "message": reply.meta["message"], "type": "Unauthorized"}, "data": {}}
            assert reply.meta["message"], (method, path)
            assert reply.headers["content-type"] == "application/json"


def test_a_refused_request_changes_nothing(chain, keys, api_key):
    created = chain.request("POST", "/tracking/2024-04/trackings", key=api_key, body={"tracking": {"tracking_number": "TLSECURITY0001"}})
    assert created.status == 201
    tracking_id = created.body["data"]["tracking"]["id"]
    for presented in (None, keys["revoked"], keys["unsigned"]):
        assert chain.request("DELETE", f"/tracking/2024-04/trackings/{tracking_id}", key=presented).status == 401
        assert chain.request("PUT", f"/tracking/2024-04/trackings/{tracking_id}", key=presented,
                             body={"tracking": {"title": "hijacked"}}).status == 401
        assert chain.request("POST", "/tracking/2024-04/couriers/ups/activate", key=presented).status == 401
    after = chain.request("GET", f"/tracking/2024-04/trackings/{tracking_id}", key=api_key)
    assert after.status == 200 and after.body["data"]["tracking"]["title"] == created.body["data"]["tracking"]["title"]
    assert chain.request("GET", "/tracking/2024-04/couriers", key=api_key).body["data"]["couriers"] == []
