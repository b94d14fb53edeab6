"""The authorizer's decision for one request.

Every request is let through with a verdict in the authorizer context; the API functions refuse
the unauthenticated ones with the contract's 401 envelope, and the ones over the key's rate limit
with 429 (trackline.api.guard), which API Gateway itself could not produce.

The verdict of a known key carries its rate-limit window (counted here, in the table, so the
limit holds across Lambda instances) and, for a key that signs its requests, the scheme and a
reference to its credential: the body, which the signature covers, reaches only the API function.
"""

from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

from trackline.clock import utc_now
from trackline.models.authorization import AuthorizerVerdict, RateLimitStatus
from trackline.services.api_keys import ApiKeyService
from trackline.services.rate_limiting import RateLimiter
from trackline.services.request_signatures import precheck

API_KEY_HEADERS = ("as-api-key", "aftership-api-key")


@lru_cache(maxsize=1)
def _api_keys() -> ApiKeyService:
    return ApiKeyService()


def presented_key(headers: Mapping[str, str]) -> str | None:
    lowered = {name.lower(): value for name, value in headers.items()}
    for name in API_KEY_HEADERS:
        if lowered.get(name, "").strip():
            return lowered[name].strip()
    return None


def verdict_for(headers: Mapping[str, str], now: datetime | None = None) -> dict[str, Any]:
    now = now or utc_now()
    limiter = RateLimiter()
    key = presented_key(headers)
    info = _api_keys().authenticate(key) if key else None
    if info is None:
        return _let_through(AuthorizerVerdict(**_window(limiter.untouched(now))))
    if info.signature is not None:
        # Unsigned or stale requests are refused before they count against the key's limit: the
        # key alone, or an old signed request replayed, spends none of its owner's requests.
        # (The signature itself covers the body, which only the API function sees.)
        refused = precheck(headers, info.signature, now)
        if refused is not None:
            return _let_through(AuthorizerVerdict(refusal=refused.message, **_window(limiter.untouched(now))))
    status = limiter.admit(info.key_id, now)
    verdict = AuthorizerVerdict(
        authenticated=True,
        key_id=info.key_id,
        key_name=info.name,
        signature=info.signature,
        credential=info.credential_arn,
        **_window(status),
    )
    return _let_through(verdict)


def _window(status: RateLimitStatus) -> dict[str, Any]:
    return {
        "rate_limit": status.limit,
        "rate_remaining": status.remaining,
        "rate_reset": status.reset,
        "rate_limited": status.limited,
    }


def _let_through(verdict: AuthorizerVerdict) -> dict[str, Any]:
    return {"isAuthorized": True, "context": verdict.context()}
