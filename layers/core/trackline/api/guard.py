"""What every API request passes before routing: the authorizer's verdict, the signature of a
key that signs its requests, the key's rate limit and the body size.

API Gateway HTTP APIs cannot shape an authorizer's refusal, so the authorizer lets every request
through with its verdict in the context, and this guard answers a refused one with the contract's
401 (or 429) envelope. It fails closed: no verdict at all is a refusal too. Every answer carries
the X-RateLimit-* headers.
"""

import base64
from typing import Any

from aws_lambda_powertools.middleware_factory import lambda_handler_decorator

from trackline import API_BASE_PATH
from trackline.api.envelope import failure_result
from trackline.api.key_checks import rate_limit_headers, read_verdict, refusal, with_headers
from trackline.errors import PayloadTooLarge
from trackline.settings import get_settings

PUBLIC_PATHS = frozenset({f"{API_BASE_PATH}/openapi.json", f"{API_BASE_PATH}/docs"})
UPLOAD_MEDIA_TYPES = frozenset({"text/csv", "application/csv", "application/vnd.ms-excel"})


def _body_size(event: dict[str, Any]) -> int:
    body = event.get("body") or ""
    return len(base64.b64decode(body)) if event.get("isBase64Encoded") else len(body.encode())


def _is_upload(event: dict[str, Any]) -> bool:
    """A file upload (a CSV import) is not JSON: an empty one must stay empty."""
    content_type = str((event.get("headers") or {}).get("content-type") or "")
    return content_type.split(";", 1)[0].strip().lower() in UPLOAD_MEDIA_TYPES


@lambda_handler_decorator
def guarded_api(handler, event: dict[str, Any], context: Any) -> dict[str, Any]:
    verdict = read_verdict(event)
    return with_headers(_checked(handler, event, context, verdict), rate_limit_headers(verdict))


def _checked(handler, event: dict[str, Any], context: Any, verdict) -> dict[str, Any]:
    if event.get("rawPath") not in PUBLIC_PATHS:
        refused = refusal(event, verdict)
        if refused is not None:
            return failure_result(refused)
    if _body_size(event) > get_settings().max_body_bytes:
        return failure_result(PayloadTooLarge())
    method = (event.get("requestContext") or {}).get("http", {}).get("method")
    if method in ("POST", "PUT", "PATCH") and not (event.get("body") or "").strip() and not _is_upload(event):
        # An absent body is an empty object, so the body models answer with the contract's
        # "<wrapper> object is required" instead of a generic error.
        event = {**event, "body": "{}", "isBase64Encoded": False}
    return handler(event, context)
