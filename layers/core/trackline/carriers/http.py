"""The carriers' HTTP: JSON over HTTPS with timeouts, classifying every failure as a CarrierError.

Connections are pooled per carrier host and kept alive between requests and polls of a warm
container: a worker asks a carrier up to 32 times at once, and a TLS handshake per request would
cost each one a round trip or two and CPU. Nothing is retried or redirected here: a retryable
failure goes back to the poll queue, whose redelivery is the retry.
"""

import json
from email.utils import parsedate_to_datetime
from functools import lru_cache
from time import time
from typing import Any
from urllib.parse import urlencode

import urllib3

from trackline.carriers.base import CarrierError

DEFAULT_TIMEOUT = 10.0
# As many kept-alive connections per host as the worker's parallel requests to one carrier.
CONNECTIONS_PER_HOST = 32


@lru_cache(maxsize=1)
def _pool() -> urllib3.PoolManager:
    return urllib3.PoolManager(num_pools=16, maxsize=CONNECTIONS_PER_HOST, retries=False)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time())
        except (TypeError, ValueError):
            return None


def request(
    method: str,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    json_body: Any = None,
    form: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    accept_statuses: frozenset[int] = frozenset(),
) -> tuple[int, Any]:
    """Send one request; return (status, parsed JSON) for 2xx and for `accept_statuses`.

    429, 5xx, timeouts and connection errors are retryable; a 2xx that is not JSON is retryable
    too (carriers' gateways answer HTML pages when they are in trouble); other 4xx are not.
    """
    if query:
        url = f"{url}?{urlencode(query)}"
    data = None
    all_headers = {"accept": "application/json", **(headers or {})}
    if json_body is not None:
        data = json.dumps(json_body).encode()
        all_headers["content-type"] = "application/json"
    elif form is not None:
        data = urlencode(form).encode()
        all_headers["content-type"] = "application/x-www-form-urlencoded"
    try:
        response = _pool().request(method, url, body=data, headers=all_headers, timeout=urllib3.Timeout(total=timeout),
                                   redirect=False, preload_content=True)
    except urllib3.exceptions.HTTPError as error:  # connection, timeout and protocol failures alike
        raise CarrierError(f"{method} {url.split('?')[0]} failed: {type(error).__name__}", retryable=True) from None
    status, raw = response.status, response.data
    if not 200 <= status < 300 and status not in accept_statuses:
        retryable = status == 429 or status >= 500 or status == 408
        raise CarrierError(
            f"{method} {url.split('?')[0]} answered {status}",
            retryable=retryable,
            retry_after=_retry_after(response.headers.get("retry-after")),
        )
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        raise CarrierError(f"{method} {url.split('?')[0]} answered {status} with a body that is not JSON", retryable=True) from None
