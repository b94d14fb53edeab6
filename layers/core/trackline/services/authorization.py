"""The authorizer's decision for one request.

Every request is let through with a verdict in the authorizer context; the API functions refuse
the unauthenticated ones with the contract's 401 envelope (trackline.api.guard), which API
Gateway itself could not produce.
"""

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from trackline.services.api_keys import ApiKeyService

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


def verdict_for(headers: Mapping[str, str]) -> dict[str, Any]:
    key = presented_key(headers)
    info = _api_keys().authenticate(key) if key else None
    if info is None:
        return {"isAuthorized": True, "context": {"authenticated": False}}
    return {"isAuthorized": True, "context": {"authenticated": True, "key_id": info.key_id, "key_name": info.name}}
