"""Rate limiting per API key through the local stack: the X-RateLimit-* headers on every answer
of both API functions, and 429 TooManyRequests in the envelope (with Retry-After) beyond the
limit, as the official SDK sees it."""

import json
import time
from collections import defaultdict

import pytest
from tracking.exceptions import TooManyRequestsError

pytestmark = pytest.mark.api

BASE = "/tracking/2024-04"
LIMIT = 4


def window_headers(reply) -> tuple[int, int, int]:
    return tuple(int(reply.headers[name]) for name in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"))


@pytest.fixture
def low_limit(stack, monkeypatch):
    """The stack's functions run in this process: a limit of LIMIT per second for one test."""
    from trackline.settings import get_settings

    monkeypatch.setenv("RATE_LIMIT_PER_SECOND", str(LIMIT))
    get_settings.cache_clear()
    yield LIMIT
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.fixture
def own_key(stack):
    """A key of the test's own, so that its windows hold only the test's requests."""
    from trackline.services.api_keys import ApiKeyService

    return ApiKeyService().register(f"rate-{time.monotonic_ns()}").plaintext


def test_every_answer_of_both_functions_carries_the_rate_limit_headers(http, stack, own_key, new_number):
    key = {"as-api-key": own_key}
    replies = [
        http.post(f"{BASE}/trackings", json={"tracking": {"tracking_number": new_number()}}, headers=key),  # 201
        http.get(f"{BASE}/trackings", headers=key),  # 200
        http.get(f"{BASE}/trackings/aaaaaaaaaaaaaaaaaaaaaaaa", headers=key),  # 404, 4004
        http.post(f"{BASE}/trackings", content="{not json", headers=key),  # 400, 4001
        http.get(f"{BASE}/no-such-route", headers=key),  # 404 route
        http.get(f"{BASE}/couriers/all", headers=key),  # couriers function
        http.post(f"{BASE}/couriers/detect", json={"tracking": {}}, headers=key),  # couriers, 400
        http.get(f"{BASE}/trackings"),  # 401, no key
        http.get(f"{BASE}/trackings", headers={"as-api-key": "tl_never-issued-0123456789abcdef"}),  # 401
        http.get(f"{BASE}/openapi.json"),  # public
    ]
    statuses = [reply.status_code for reply in replies]
    assert statuses == [201, 200, 404, 400, 404, 200, 400, 401, 401, 200]
    limit = int(stack.environment["RATE_LIMIT_PER_SECOND"])
    for reply in replies:
        reply_limit, remaining, reset = window_headers(reply)
        assert reply_limit == limit and 0 <= remaining <= limit, reply.headers
        # the end of the current one-second window, in epoch seconds (never milliseconds)
        assert time.time() - 2 <= reset <= time.time() + 2, reset
    counted = [window_headers(reply) for reply in replies[:7]]
    assert all(remaining < limit for _, remaining, _ in counted), "the key's requests are counted"
    assert [window_headers(reply)[1] for reply in replies[7:]] == [limit] * 3, "nothing counted without a key"


def _burst(http, key: str, count: int):
    # Start just after a second begins, so that the burst spans as few windows as possible.
    time.sleep(1 - time.time() % 1 + 0.01)
    return [http.get(f"{BASE}/trackings?limit=1", headers={"as-api-key": key}) for _ in range(count)]


def test_beyond_the_limit_a_key_gets_429_in_the_envelope_with_retry_after(http, low_limit, own_key):
    replies = _burst(http, own_key, 3 * low_limit)
    by_window = defaultdict(list)
    for reply in replies:
        by_window[window_headers(reply)[2]].append(reply)
    assert any(reply.status_code == 429 for reply in replies)
    for window in by_window.values():
        statuses = [reply.status_code for reply in window]
        # per window: the first `limit` requests pass, every later one is refused
        assert statuses == [200] * min(len(window), low_limit) + [429] * max(0, len(window) - low_limit), statuses
        assert [window_headers(reply)[1] for reply in window[:low_limit]] == list(range(low_limit - 1, -1, -1))[: len(window)]
    refused = next(reply for reply in replies if reply.status_code == 429)
    assert refused.json() == {
        "meta": {"code": 429, "type": "TooManyRequests", "message": refused.json()["meta"]["message"]},
        "data": {},
    }
    assert "rate limit" in refused.json()["meta"]["message"]
    assert window_headers(refused)[:2] == (low_limit, 0)
    assert 1 <= int(refused.headers["Retry-After"]) <= 2


def test_the_limit_is_per_key(http, low_limit, own_key, stack):
    from trackline.services.api_keys import ApiKeyService

    other = ApiKeyService().register(f"rate-other-{time.monotonic_ns()}").plaintext
    for _ in range(5 * low_limit):  # until this key is refused
        if http.get(f"{BASE}/trackings?limit=1", headers={"as-api-key": own_key}).status_code == 429:
            break
    else:
        pytest.fail("the key was never limited")
    reply = http.get(f"{BASE}/trackings?limit=1", headers={"as-api-key": other})
    assert reply.status_code == 200 and window_headers(reply)[1] == low_limit - 1


def test_the_sdk_raises_too_many_requests(make_client, low_limit, own_key):
    client = make_client(own_key)
    time.sleep(1 - time.time() % 1 + 0.01)
    with pytest.raises(TooManyRequestsError) as excinfo:
        for _ in range(4 * low_limit):
            client.tracking.get_trackings(limit=1)
    error = excinfo.value
    assert (error.status_code, error.meta_code) == (429, 429)
    assert json.loads(error.response_body)["meta"]["type"] == "TooManyRequests"
