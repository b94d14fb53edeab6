"""OpenAPI helpers: documented responses per route, and the document and Swagger UI routes."""

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

from trackline import API_BASE_PATH, API_VERSION
from trackline.models.responses import ErrorEnvelope

_ERRORS = {
    400: "Invalid input; meta.code says which (4001-4017).",
    401: "Missing, unknown or revoked API key.",
    404: "Unknown tracking (meta.code 4004) or unknown route.",
    413: "Request body over 1 MB.",
}


def documented(success_status: int, model: type, description: str, *errors: int) -> dict[int, Any]:
    responses: dict[int, Any] = {
        success_status: {"description": description, "content": {"application/json": {"model": model}}}
    }
    for status in (400, 401, *errors):
        responses[status] = {"description": _ERRORS[status], "content": {"application/json": {"model": ErrorEnvelope}}}
    return responses


def _documentation_app() -> APIGatewayHttpResolver:
    """A resolver holding every route of the API, so that one document describes them all."""
    from trackline.api.couriers_routes import router as couriers
    from trackline.api.trackings_routes import router as trackings

    app = APIGatewayHttpResolver(enable_validation=True)
    app.include_router(trackings)
    app.include_router(couriers)
    return app


def register_document_routes(app: APIGatewayHttpResolver, title: str) -> None:
    """Serve the OpenAPI document and a Swagger UI page (public: they hold no data).

    The OpenAPI machinery is imported only when a document is asked for: it would otherwise
    add a tenth of a second to every cold start.
    """

    def document() -> str:
        return _documentation_app().get_openapi_json_schema(
            title=title,
            version=API_VERSION,
            description="AfterShip Tracking API 2024-04 compatible. Send your key in the as-api-key header.",
        )

    @app.get(f"{API_BASE_PATH}/openapi.json", include_in_schema=False)
    def openapi_document():
        return Response(status_code=200, content_type="application/json", body=document())

    @app.get(f"{API_BASE_PATH}/docs", include_in_schema=False)
    def swagger_ui():
        from pathlib import Path

        from aws_lambda_powertools.event_handler.openapi import swagger_ui

        assets = Path(swagger_ui.__file__).parent
        html = swagger_ui.generate_swagger_html(
            document().replace("</", "<\\/"),
            (assets / "swagger-ui-bundle.min.js").read_text(encoding="utf-8"),
            (assets / "swagger-ui.min.css").read_text(encoding="utf-8"),
            None,
            None,
            False,
        )
        return Response(status_code=200, content_type="text/html", body=html)
