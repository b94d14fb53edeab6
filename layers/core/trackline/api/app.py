"""Builds the resolver every API function uses: endpoints, error mapping, OpenAPI document."""

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger

from trackline.api.errors import response_for, route_not_found
from trackline.api.guard import guarded_api
from trackline.api.http import Resolver
from trackline.api.openapi import document_routes
from trackline.api.routing import Endpoint, routes_of
from trackline.tracking_page.links import remembering_request_base_url

logger = Logger()


def create_app(endpoints: list[Endpoint]) -> Resolver:
    # Requests are validated by the endpoints' own models (trackline.api.routing), not by
    # Powertools' OpenAPI middleware, whose import would lengthen every cold start.
    return Resolver(routes_of(endpoints) + document_routes(), on_error=response_for, not_found=route_not_found)


def api_entry_point(handler: Callable[[dict, Any], dict]) -> Callable[[dict, Any], dict]:
    """The decorator stack of every API function: request logging context, then the guard, then
    the API's own URL for tracking page links (where no TRACKING_PAGE_BASE_URL is set)."""
    return logger.inject_lambda_context(clear_state=True)(guarded_api(remembering_request_base_url(handler)))
