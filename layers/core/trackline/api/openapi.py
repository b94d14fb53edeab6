"""OpenAPI helpers: documented responses per route, and the document and Swagger UI routes."""

from typing import Any

from trackline import API_BASE_PATH, API_VERSION
from trackline.api.http import Request, Response, Route

_ERRORS = {
    400: "Invalid input; meta.code says which (4001-4017).",
    401: "Missing, unknown or revoked API key, or a missing, wrong or stale signature of a key that signs.",
    404: "Unknown tracking (meta.code 4004) or unknown route.",
    413: "Request body over 1 MB.",
    429: "Over the API key's rate limit (X-RateLimit-* headers; retry after Retry-After seconds).",
}


def documented(success_status: int, model: type, description: str, *errors: int, media_types: tuple[str, ...] = ("application/json",)) -> dict[int, Any]:
    from trackline.models.responses import ErrorEnvelope

    # The envelope model for JSON; any other media type (a CSV download) is a plain string.
    content = {media: {"model": model} if media == "application/json" else {"schema": {"type": "string"}} for media in media_types}
    responses: dict[int, Any] = {success_status: {"description": description, "content": content}}
    for status in (400, 401, 429, *errors):
        responses[status] = {"description": _ERRORS[status], "content": {"application/json": {"model": ErrorEnvelope}}}
    return responses


def document_routes() -> list[Route]:
    """The OpenAPI document and a Swagger UI page (public: they hold no data), both built on
    request from every API function's endpoint table."""
    return [Route("GET", f"{API_BASE_PATH}/openapi.json", _openapi_document), Route("GET", f"{API_BASE_PATH}/docs", _swagger_ui)]


def _document() -> str:
    from trackline.api.couriers_routes import ENDPOINTS as COURIERS
    from trackline.api.imports_routes import ENDPOINTS as IMPORTS
    from trackline.api.routing import documented_app
    from trackline.api.trackings_routes import ENDPOINTS as TRACKINGS

    return documented_app(TRACKINGS + COURIERS + IMPORTS).get_openapi_json_schema(
        title="Trackline Tracking API",
        version=API_VERSION,
        description="AfterShip Tracking API 2024-04 compatible. Send your key in the as-api-key header.",
    )


def _openapi_document(_: Request) -> Response:
    return Response(status_code=200, content_type="application/json", body=_document())


def _swagger_ui(_: Request) -> Response:
    from pathlib import Path

    from aws_lambda_powertools.event_handler.openapi import swagger_ui

    assets = Path(swagger_ui.__file__).parent
    html = swagger_ui.generate_swagger_html(
        _document().replace("</", "<\\/"),
        (assets / "swagger-ui-bundle.min.js").read_text(encoding="utf-8"),
        (assets / "swagger-ui.min.css").read_text(encoding="utf-8"),
        None,
        None,
        False,
    )
    return Response(status_code=200, content_type="text/html", body=html)
