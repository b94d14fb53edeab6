"""The contract's SignString, built from a request exactly as it was received.

    METHOD \\n CONTENT_MD5 \\n CONTENT_TYPE \\n DATE \\n CANONICAL_HEADERS \\n CANONICAL_RESOURCE

A client signs the path and query it sent; what reaches us may differ in ways that do not change
the request: the official SDK sends the query parameters in a random order (the docs say sorted),
API Gateway hands HTTP API functions the path percent-decoded, and the Go SDK ends a URI without
a query with "?". So there are a few candidate SignStrings, and a signature over any of them
verifies. None of them is built from re-serialised parameters.
"""

import base64
import hashlib
from collections.abc import Mapping
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict

from trackline.models.authorization import SIGNATURE_HEADERS

_SIGNATURE_HEADER_NAMES = frozenset(SIGNATURE_HEADERS.values())
# The contract's content type of a signed body: the SDKs sign this literal, whatever they send.
SIGNED_CONTENT_TYPE = "application/json"
# Characters a client leaves unescaped in a path (RFC 3986 pchar and "/").
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


class ReceivedRequest(BaseModel):
    """The parts of an HTTP API (payload 2.0) request that a signature covers."""

    model_config = ConfigDict(frozen=True)

    method: str
    raw_path: str
    raw_query: str = ""
    headers: dict[str, str]  # names lower-cased, as API Gateway gives them
    body: bytes = b""

    @classmethod
    def from_event(cls, event: Mapping) -> "ReceivedRequest":
        body = event.get("body") or ""
        raw = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode()
        return cls(
            method=((event.get("requestContext") or {}).get("http") or {}).get("method", ""),
            raw_path=event.get("rawPath") or "/",
            raw_query=event.get("rawQueryString") or "",
            headers={str(name).lower(): str(value) for name, value in (event.get("headers") or {}).items()},
            body=raw,
        )


def content_md5(body: bytes) -> str:
    return hashlib.md5(body, usedforsecurity=False).hexdigest().upper() if body else ""


def canonical_headers(headers: Mapping[str, str]) -> str:
    """Every as-* header but the signature itself: lower-case name, trimmed value, sorted by name."""
    pairs = sorted(
        (name.strip().lower(), value.strip())
        for name, value in headers.items()
        if name.strip().lower().startswith("as-") and name.strip().lower() not in _SIGNATURE_HEADER_NAMES
    )
    return "\n".join(f"{name}:{value}" for name, value in pairs)


def canonical_resources(raw_path: str, raw_query: str) -> list[str]:
    """The path and query as received first, then the forms a client may have signed instead."""
    paths = _unique([raw_path, quote(raw_path, safe=_PATH_SAFE)])
    if not raw_query:
        return [*paths, *(f"{path}?" for path in paths)]
    queries = _unique([raw_query, "&".join(sorted(raw_query.split("&"), key=lambda pair: pair.partition("=")[0]))])
    return [f"{path}?{query}" for path in paths for query in queries]


def sign_strings(request: ReceivedRequest) -> list[str]:
    """Every SignString this request may have been signed over, most likely first."""
    signed_body = bool(request.body)
    head = "\n".join(
        [
            request.method.upper(),
            content_md5(request.body),
            SIGNED_CONTENT_TYPE if signed_body else "",
            request.headers.get("date", "").strip(),
            canonical_headers(request.headers),
        ]
    )
    return [f"{head}\n{resource}" for resource in canonical_resources(request.raw_path, request.raw_query)]


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))
