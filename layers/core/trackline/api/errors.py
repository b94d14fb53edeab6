"""The one place where errors become HTTP responses."""

from typing import Any

from aws_lambda_powertools import Logger
from botocore.exceptions import BotoCoreError, ClientError

from trackline.api.envelope import failure
from trackline.api.http import Response
from trackline.errors import (
    InvalidJson,
    InvalidTrackingNumber,
    InvalidValue,
    RouteNotFound,
    TracklineError,
    TrackingNumberRequired,
    ValueRequired,
    error_for_code,
)
from trackline.models.fields import META_ERROR_PREFIX

logger = Logger(child=True)

_WRAPPERS = frozenset({"tracking", "notification"})
_SOURCES = frozenset({"body", "query", "path", "header"})
# DynamoDB answers that a later try of the same request can succeed: throttling, its own
# transient faults, and transactions that lost a race with another transaction.
_RETRYABLE = frozenset({
    "ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
    "InternalServerError", "ServiceUnavailable", "TransactionConflictException", "TransactionInProgressException",
})
# A cancelled transaction is retryable when every item's reason is (None: that item was fine).
_RETRYABLE_CANCELLATIONS = frozenset({"None", "ThrottlingError", "TransactionConflict", "ProvisionedThroughputExceeded", "RequestLimitExceeded"})


class ServiceUnavailable(TracklineError):
    """The store is throttling or unreachable: a 503 the official SDKs retry on their own."""

    meta_code = 503
    http_status = 503
    meta_type = "InternalError"
    default_message = "The service is busy. Please retry in a moment."


class InternalError(TracklineError):
    meta_code = 500
    http_status = 500
    meta_type = "InternalError"
    default_message = "Something went wrong on Trackline's end."


def domain_error_from_validation(errors: list[dict[str, Any]]) -> TracklineError:
    """Turn pydantic's first complaint into the contract's code and a message naming the field."""
    ordered = sorted(errors, key=lambda error: not str(error.get("type", "")).startswith(META_ERROR_PREFIX))
    error = ordered[0] if ordered else {}
    kind = str(error.get("type", ""))
    if kind == "json_invalid":
        return InvalidJson()
    path = _field_path(error.get("loc", ()))
    # A contract code applies where it was raised: the wrapper, or a top-level field. Deeper down
    # (say next_couriers[0].tracking_number) the top-level field is what is invalid.
    if kind.startswith(META_ERROR_PREFIX) and len(path) <= 1:
        return error_for_code(int(kind.removeprefix(META_ERROR_PREFIX)), error.get("msg", ""))
    field = path[0] if path else "body"
    if kind == "missing":
        return TrackingNumberRequired() if field == "tracking_number" else ValueRequired(_readable(path) or field)
    if path == ["tracking_number"]:
        return InvalidTrackingNumber()
    detail = str(error.get("msg", "")).removeprefix("Value error, ")
    where = _readable(path)
    return InvalidValue(field, f"{where}: {detail}" if where != field else detail)


def _field_path(loc: tuple) -> list[str | int]:
    parts = list(loc)
    if parts and parts[0] in _SOURCES:
        source = parts.pop(0)
        if source == "query" and len(parts) > 1 and parts[0] == "query":
            parts.pop(0)  # a query model parameter nests its fields under its own name
    if parts and parts[0] in _WRAPPERS:
        parts.pop(0)
    return parts


def _readable(path: list[str | int]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _retry_is_right(error: ClientError) -> bool:
    code = error.response.get("Error", {}).get("Code", "")
    if code == "TransactionCanceledException":
        reasons = {reason.get("Code", "None") for reason in error.response.get("CancellationReasons", [])}
        return bool(reasons) and reasons <= _RETRYABLE_CANCELLATIONS
    return code in _RETRYABLE


def response_for(error: Exception) -> Response:
    """Every error an endpoint raises, as the contract's envelope."""
    if isinstance(error, TracklineError):
        return failure(error)
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "")
        logger.exception("DynamoDB request failed", extra={"error_code": code})
        return failure(ServiceUnavailable() if _retry_is_right(error) else InternalError())
    if isinstance(error, BotoCoreError):
        logger.exception("AWS request failed", extra={"error_type": type(error).__name__})
        return failure(ServiceUnavailable())
    logger.exception("unexpected failure", extra={"error_type": type(error).__name__})
    return failure(InternalError())


def route_not_found() -> Response:
    return failure(RouteNotFound())
