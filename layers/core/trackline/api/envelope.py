"""The AfterShip {meta, data} envelope, for successes and errors alike."""

import json
from typing import Any

from trackline import API_VERSION
from trackline.api.http import Response
from trackline.errors import TracklineError

HEADERS = {"as-api-version": API_VERSION, "cache-control": "no-store"}


def success(data: dict[str, Any], status: int = 200) -> Response:
    # Only 200 and 201 carry meta.code: the Go SDK treats any meta.code above 300 as an error.
    return Response(
        status_code=status,
        content_type="application/json",
        body=json.dumps({"meta": {"code": status}, "data": data}, separators=(",", ":")),
        headers=HEADERS,
    )


def error_body(error: TracklineError) -> str:
    meta = {"code": error.meta_code, "message": error.message, "type": error.meta_type}
    return json.dumps({"meta": meta, "data": {}}, separators=(",", ":"))


def failure(error: TracklineError) -> Response:
    return Response(
        status_code=int(error.http_status), content_type="application/json", body=error_body(error), headers=HEADERS
    )


def failure_result(error: TracklineError) -> dict[str, Any]:
    """The same error as a raw HTTP API (payload 2.0) result, for code that runs before routing."""
    return {
        "statusCode": int(error.http_status),
        "headers": {"content-type": "application/json", **HEADERS},
        "body": error_body(error),
        "isBase64Encoded": False,
    }
