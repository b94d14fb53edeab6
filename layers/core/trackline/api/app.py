"""Builds the resolver every API function uses: routes, error mapping, OpenAPI."""

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from trackline.api.errors import register_error_handlers
from trackline.api.guard import guarded_api
from trackline.api.openapi import register_document_routes

logger = Logger()


def create_app(*routers: APIGatewayHttpRouter) -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver(enable_validation=True)
    for router in routers:
        app.include_router(router)
    register_error_handlers(app)
    register_document_routes(app, "Trackline Tracking API")
    return app


def api_entry_point(handler: Callable[[dict, Any], dict]) -> Callable[[dict, Any], dict]:
    """The decorator stack of every API function: request logging context, then the guard."""
    return logger.inject_lambda_context(clear_state=True)(guarded_api(handler))
