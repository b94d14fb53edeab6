"""A network round trip for DynamoDB requests to a local moto, for throughput benchmarks.

Against moto every request costs only moto's CPU, which one process spends one request at a time;
against DynamoDB it costs a round trip that concurrent requests wait out side by side. Each
request of a watched client waits `delay` in the calling thread, as a network call does."""

import threading
import time


class RoundTrips:
    """Counts DynamoDB requests and makes each wait the round trip (the thread sleeps, as on I/O)."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.count = 0
        self._lock = threading.Lock()

    def __call__(self, **_) -> None:
        with self._lock:
            self.count += 1
        if self.delay:
            time.sleep(self.delay)

    def watch(self, client) -> None:
        client.meta.events.register("before-send.dynamodb", self)
