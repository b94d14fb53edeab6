"""Builds the resolver every API function uses: routes, error mapping, OpenAPI."""

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from trackline.api.errors import register_error_handlers
from trackline.api.openapi import register_document_routes


def create_app(*routers: APIGatewayHttpRouter) -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver(enable_validation=True)
    for router in routers:
        app.include_router(router)
    register_error_handlers(app)
    register_document_routes(app, "Trackline Tracking API")
    return app
