"""The carriers' HTTP: JSON over HTTPS with timeouts, classifying every failure as a CarrierError."""

import json
import urllib.error
import urllib.request
from email.utils import parsedate_to_datetime
from time import time
from typing import Any
from urllib.parse import urlencode

from trackline.carriers.base import CarrierError

DEFAULT_TIMEOUT = 10.0


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
    http_request = urllib.request.Request(url, data=data, headers=all_headers, method=method)
    try:
        with urllib.request.urlopen(http_request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
        if status not in accept_statuses:
            retryable = status == 429 or status >= 500 or status == 408
            raise CarrierError(
                f"{method} {url.split('?')[0]} answered {status}",
                retryable=retryable,
                retry_after=_retry_after(error.headers.get("retry-after")),
            ) from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
        raise CarrierError(f"{method} {url.split('?')[0]} failed: {type(error).__name__}", retryable=True) from None
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        raise CarrierError(f"{method} {url.split('?')[0]} answered {status} with a body that is not JSON", retryable=True) from None
