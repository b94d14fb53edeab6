"""Endpoints as data: one table per API function, served directly and documented lazily.

The serving path parses bodies and queries with the endpoint's own pydantic models and maps
their complaints through the one error mapping; it never imports the OpenAPI machinery, which
would cost every cold start about a tenth of a second. The OpenAPI document is built from the
same table (and so from the same models) only when someone asks for it.
"""

import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import BaseModel, ValidationError

from trackline.api.http import PATH_PARAMETER, Request, Response, Route
from trackline.errors import InvalidJson



@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # with <name> path parameters
    handler: Callable[..., Any]  # called with the path parameters, and `body` / `query` when declared
    summary: str
    response: str  # name of the envelope model in trackline.models.responses, for the document
    status: int = 200
    # A body model may also be given as a function that imports it: an endpoint used rarely then
    # costs its function's cold start nothing.
    body: type[BaseModel] | Callable[[], type[BaseModel]] | None = None
    query: type[BaseModel] | None = None
    errors: tuple[int, ...] = field(default=(404,))
    # The body as sent (a CSV upload), given to the handler as a RawBody instead of parsed JSON.
    raw_body: bool = False
    # What a success may be sent as, for the document (the envelope is application/json).
    media_types: tuple[str, ...] = ("application/json",)

    @property
    def path_parameters(self) -> list[str]:
        return PATH_PARAMETER.findall(self.path)

    @property
    def body_model(self) -> type[BaseModel] | None:
        return self.body if self.body is None or isinstance(self.body, type) else self.body()


def routes_of(endpoints: list[Endpoint]) -> list[Route]:
    return [Route(endpoint.method, endpoint.path, _served(endpoint)) for endpoint in endpoints]


def _served(endpoint: Endpoint) -> Callable[..., Response]:
    def route(request: Request, **path_parameters: str) -> Response:
        arguments: dict[str, Any] = dict(path_parameters)
        if endpoint.query is not None:
            arguments["query"] = parse(endpoint.query, request.query, "query")
        if endpoint.body is not None:
            arguments["body"] = parse(endpoint.body_model, _json_body(request), "body")
        if endpoint.raw_body:
            arguments["body"] = RawBody(request.body, request.headers.get("content-type"))
        return endpoint.handler(**arguments)

    route.__name__ = endpoint.handler.__name__
    return route


@dataclass(frozen=True)
class RawBody:
    content: bytes
    content_type: str | None


def _json_body(request: Request) -> Any:
    try:
        return json.loads(request.text)
    except ValueError as error:
        raise InvalidJson() from error


def parse(model: type[BaseModel], data: Any, source: str) -> BaseModel:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        from trackline.api.errors import domain_error_from_validation

        located = [{**complaint, "loc": (source, *complaint["loc"])} for complaint in error.errors()]
        raise domain_error_from_validation(located) from None


def documented_app(endpoints: list[Endpoint]) -> Any:
    """A Powertools resolver that only describes the endpoints: each route gets a signature with
    the endpoint's models as Body and Query, from which Powertools writes the OpenAPI document."""
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
    from aws_lambda_powertools.event_handler.openapi.params import Body, Query

    from trackline.api.openapi import documented
    from trackline.models import responses

    app = APIGatewayHttpResolver(enable_validation=True)
    for endpoint in endpoints:
        parameters = [
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=str) for name in endpoint.path_parameters
        ]
        if endpoint.query is not None:
            parameters.append(inspect.Parameter("query", inspect.Parameter.KEYWORD_ONLY, annotation=Annotated[endpoint.query, Query()]))
        if endpoint.body is not None:
            parameters.append(inspect.Parameter("body", inspect.Parameter.KEYWORD_ONLY, annotation=Annotated[endpoint.body_model, Body()]))

        def description(**_: Any) -> None:  # described, never called
            raise NotImplementedError

        description.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
        description.__name__ = endpoint.handler.__name__
        app.route(
            endpoint.path,
            method=endpoint.method,
            summary=endpoint.summary,
            responses=documented(
                endpoint.status, getattr(responses, endpoint.response), endpoint.summary, *endpoint.errors, media_types=endpoint.media_types
            ),
        )(description)
    return app
