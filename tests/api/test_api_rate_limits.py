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
    requests = [
        lambda: http.post(f"{BASE}/trackings", json={"tracking": {"tracking_number": new_number()}}, headers=key),  # 201
        lambda: http.get(f"{BASE}/trackings", headers=key),  # 200
        lambda: http.get(f"{BASE}/trackings/aaaaaaaaaaaaaaaaaaaaaaaa", headers=key),  # 404, 4004
        lambda: http.post(f"{BASE}/trackings", content="{not json", headers=key),  # 400, 4001
        lambda: http.get(f"{BASE}/no-such-route", headers=key),  # 404 route
        lambda: http.get(f"{BASE}/couriers/all", headers=key),  # couriers function
        lambda: http.post(f"{BASE}/couriers/detect", json={"tracking": {}}, headers=key),  # couriers, 400
        lambda: http.get(f"{BASE}/trackings"),  # 401, no key
        lambda: http.get(f"{BASE}/trackings", headers={"as-api-key": "tl_never-issued-0123456789abcdef"}),  # 401
        lambda: http.get(f"{BASE}/openapi.json"),  # public
    ]
    limit = int(stack.environment["RATE_LIMIT_PER_SECOND"])
    statuses, windows = [], []
    for send in requests:
        sent_at = int(time.time())
        reply = send()
        answered_at = int(time.time())
        statuses.append(reply.status_code)
        reply_limit, remaining, reset = window_headers(reply)
        windows.append((reply_limit, remaining, reset))
        assert reply_limit == limit and 0 <= remaining <= limit, reply.headers
        # the end of the one-second window the request was counted in, in epoch seconds
        assert sent_at + 1 <= reset <= answered_at + 1, (sent_at, reset, answered_at)
    assert statuses == [201, 200, 404, 400, 404, 200, 400, 401, 401, 200]
    assert all(remaining < limit for _, remaining, _ in windows[:7]), "the key's requests are counted"
    assert [remaining for _, remaining, _ in windows[7:]] == [limit] * 3, "nothing counted without a key"


def _burst(http, key: str, limit: int):
    """Requests until the key is refused twice (however slow this machine is), from the start of
    a second, so that the burst spans as few windows as possible."""
    time.sleep(1 - time.time() % 1 + 0.01)
    replies = []
    while len(replies) < 30 * limit and sum(reply.status_code == 429 for reply in replies) < 2:
        replies.append(http.get(f"{BASE}/trackings?limit=1", headers={"as-api-key": key}))
    return replies


def test_beyond_the_limit_a_key_gets_429_in_the_envelope_with_retry_after(http, low_limit, own_key):
    replies = _burst(http, own_key, low_limit)
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
    for _ in range(30 * low_limit):  # until this key is refused
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
        for _ in range(30 * low_limit):
            client.tracking.get_trackings(limit=1)
    error = excinfo.value
    assert (error.status_code, error.meta_code) == (429, 429)
    assert json.loads(error.response_body)["meta"]["type"] == "TooManyRequests"
