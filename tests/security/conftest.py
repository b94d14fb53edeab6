"""Security checks drive the API the way API Gateway does: the routes and the authorizer of
template.yaml in front of the real handlers (the local gateway's request pipeline, without a
socket), against in-process moto."""

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import TABLE_NAME, TEMPLATE, reset_cached_clients

BASE = "/tracking/2024-04"


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: Any

    @property
    def meta(self) -> dict:
        return self.body["meta"]


class Chain:
    """Requests through the template's routes and authorizer to the functions."""

    def __init__(self, gateway: Any) -> None:
        self.gateway = gateway

    def request(self, method: str, path: str, *, key: str | None = None, body: Any = None,
                headers: dict[str, str] | None = None) -> Answer:
        raw = body if isinstance(body, bytes) else (b"" if body is None else json.dumps(body).encode())
        sent = {"content-type": "application/json", **({"as-api-key": key} if key else {}), **(headers or {})}
        reply = self.gateway.handle(method, path, list(sent.items()), raw)
        text = reply.body.decode("utf-8", "replace")
        return Answer(reply.status, {name.lower(): value for name, value in reply.headers},
                      json.loads(text) if text.startswith("{") else text)


@pytest.fixture
def chain(table, monkeypatch) -> Chain:
    from trackline_local.gateway import Gateway
    from trackline_local.runtime import FunctionRegistry
    from trackline_local.template import Template

    # These tests send many requests per second with one key; the limit has tests of its own.
    monkeypatch.setenv("RATE_LIMIT_PER_SECOND", "10000")
    reset_cached_clients()
    template = Template.load(TEMPLATE)
    resolver = template.resolver({"TracklineTable": TABLE_NAME})
    functions = FunctionRegistry(template.functions(resolver=resolver))
    return Chain(Gateway.from_template(template, functions, resolver, access_log=False))


@pytest.fixture
def api_key(table) -> str:
    from trackline.services.api_keys import ApiKeyService

    return ApiKeyService().register("security-tests").plaintext


def _powertools_loggers() -> list[logging.Logger]:
    from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

    loggers = [logger for logger in logging.Logger.manager.loggerDict.values() if isinstance(logger, logging.Logger)]
    return [logger for logger in loggers if any(isinstance(h.formatter, LambdaPowertoolsFormatter) for h in logger.handlers)]


@contextmanager
def captured_logs(level: int = logging.DEBUG) -> Iterator[io.StringIO]:
    """Everything the functions' Powertools loggers write (what would reach CloudWatch), at
    `level` for them and their children, into one buffer."""
    buffer = io.StringIO()
    roots = _powertools_loggers()
    assert roots, "load the handlers first: their loggers must exist"
    family = [logger for logger in logging.Logger.manager.loggerDict.values() if isinstance(logger, logging.Logger)
              and any(logger.name == root.name or logger.name.startswith(root.name + ".") for root in roots)]
    levels = [(logger, logger.level) for logger in family]
    streams = [(handler, handler.setStream(buffer)) for root in roots for handler in root.handlers
               if isinstance(handler, logging.StreamHandler)]
    for logger in family:
        logger.setLevel(level)
    try:
        yield buffer
    finally:
        for handler, stream in streams:
            handler.setStream(stream)
        for logger, previous in levels:
            logger.setLevel(previous)
