"""Latency under load on the local stack: 20 concurrent clients, each creating a tracking and
reading it back by id, over HTTP on 127.0.0.1 through the local gateway, the authorizer, the
trackings API function and the embedded DynamoDB.

The baseline is a do-nothing handler behind the same server and gateway (no authorizer: it
stands for what is not our code), driven the same way: two requests per round, 20 clients.
Figures: p50 and p99 of a round (create + get) and their ratios to the baseline's; requests
sent, answered and lost (a lost request is one that got no HTTP answer: it must be 0)."""

import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx
import pytest

from tests.conftest import reset_cached_clients

CLIENTS = 20
ROUNDS_PER_CLIENT = 15
API = "/tracking/2024-04"
NOOP_PATH = "/bench/noop"


class DoNothing:
    """A function that answers at once, served like the real ones (one event at a time)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def invoke(self, event, context=None) -> dict:
        with self._lock:
            return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": "{}"}


@dataclass
class Tally:
    sent: int = 0
    answered: int = 0
    unexpected: list = field(default_factory=list)
    rounds: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, http: httpx.Client, method: str, path: str, expected: int, **kwargs) -> httpx.Response | None:
        with self.lock:
            self.sent += 1
        try:
            response = http.request(method, path, **kwargs)
        except httpx.HTTPError:
            return None  # lost: no answer
        with self.lock:
            self.answered += 1
            if response.status_code != expected:
                self.unexpected.append((method, path, response.status_code, response.text[:200]))
        return response

    @property
    def lost(self) -> int:
        return self.sent - self.answered


@pytest.fixture(scope="module")
def stack():
    from trackline_local.gateway import Router
    from trackline_local.stack import LocalStack
    from trackline_local.template import HttpRoute

    reset_cached_clients()
    # The per-key rate limit would refuse most of this load: it is not what is measured.
    local = LocalStack(port=0, access_log=False, event_sources=False, environment={"RATE_LIMIT_PER_SECOND": "10000"}).start()
    gateway = local.gateway
    gateway.functions = {**dict(gateway.functions), "DoNothingFunction": DoNothing()}
    routes = [*gateway.router.routes, HttpRoute("DoNothingFunction", "Bench", "ANY", NOOP_PATH, None)]
    gateway.router = Router(routes)
    try:
        yield local
    finally:
        local.stop()
        reset_cached_clients()


def drive(base_url: str, one_round) -> Tally:
    tally = Tally()
    barrier = threading.Barrier(CLIENTS)

    def client(index: int) -> None:
        with httpx.Client(base_url=base_url, trust_env=False, timeout=30.0) as http:
            barrier.wait()
            for round_number in range(ROUNDS_PER_CLIENT):
                started = time.perf_counter()
                if one_round(http, tally, f"{index:02d}{round_number:04d}"):
                    with tally.lock:
                        tally.rounds.append(time.perf_counter() - started)

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        list(pool.map(client, range(CLIENTS)))
    return tally


def percentile(values: list[float], fraction: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(fraction * 100) - 1]


def test_create_and_get_latency_under_twenty_concurrent_clients(stack):
    key = {"as-api-key": stack.api_key}

    def create_and_get(http: httpx.Client, tally: Tally, token: str) -> bool:
        body = {"tracking": {"slug": "aramex", "tracking_number": f"TLBENCH{token}", "title": "bench"}}
        created = tally.send(http, "POST", f"{API}/trackings", 201, json=body, headers=key)
        if created is None or created.status_code != 201:
            return False
        tracking_id = created.json()["data"]["tracking"]["id"]
        read = tally.send(http, "GET", f"{API}/trackings/{tracking_id}", 200, headers=key)
        return read is not None and read.status_code == 200

    def do_nothing_twice(http: httpx.Client, tally: Tally, token: str) -> bool:
        first = tally.send(http, "POST", NOOP_PATH, 200, json={"tracking": {"tracking_number": token}})
        second = tally.send(http, "GET", NOOP_PATH, 200)
        return first is not None and second is not None

    baseline = drive(stack.base_url, do_nothing_twice)
    ours = drive(stack.base_url, create_and_get)

    for name, tally in (("do-nothing", baseline), ("create + get", ours)):
        print(f"\n{name}: {tally.sent} requests sent, {tally.answered} answered, {tally.lost} lost; "
              f"p50 {percentile(tally.rounds, 0.5) * 1000:.1f} ms, p99 {percentile(tally.rounds, 0.99) * 1000:.1f} ms per round")
    p50 = percentile(ours.rounds, 0.5) / percentile(baseline.rounds, 0.5)
    p99 = percentile(ours.rounds, 0.99) / percentile(baseline.rounds, 0.99)
    print(f"latency ratio (create + get vs do-nothing), {CLIENTS} clients: p50 {p50:.1f}x, p99 {p99:.1f}x")

    expected = CLIENTS * ROUNDS_PER_CLIENT * 2
    for tally in (baseline, ours):
        assert tally.lost == 0 and tally.sent == tally.answered == expected
        assert tally.unexpected == []
    assert len(ours.rounds) == CLIENTS * ROUNDS_PER_CLIENT
