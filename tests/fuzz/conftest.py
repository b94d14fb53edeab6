"""The local stack's gateway (routes and authorizer from template.yaml) in front of the real
handlers, as a WSGI application, over moto in this process: schemathesis drives the whole
request path with no socket and no HTTP hop to DynamoDB, so thousands of requests fit in the
budget of `make test`."""

from collections import Counter
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.conftest import TABLE_NAME, TEMPLATE, reset_cached_clients

# The fuzzer sends far more than the default 10 requests a second of one key.
ENVIRONMENT = {"RATE_LIMIT_PER_SECOND": "10000"}


class GatewayApp:
    """WSGI in front of Gateway.handle: the path and query as the client sent them, still
    percent-encoded (the gateway and the handlers decode them), every header and the body.
    Counts the answers by status."""

    def __init__(self, gateway: Any, api_key: str) -> None:
        self._gateway = gateway
        self.api_key = api_key
        self.statuses: Counter[int] = Counter()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        target = environ.get("RAW_URI") or environ["PATH_INFO"]
        if environ.get("QUERY_STRING"):
            target += "?" + environ["QUERY_STRING"]
        headers = [(name[5:].replace("_", "-").lower(), value) for name, value in environ.items() if name.startswith("HTTP_")]
        if environ.get("CONTENT_TYPE"):
            headers.append(("content-type", environ["CONTENT_TYPE"]))
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        response = self._gateway.handle(environ["REQUEST_METHOD"], target, headers, body)
        self.statuses[response.status] += 1
        start_response(f"{response.status} -", list(response.headers))
        return [response.body]

    @property
    def answered(self) -> int:
        return sum(self.statuses.values())


@pytest.fixture(scope="module")
def gateway_app() -> Iterator[GatewayApp]:
    from trackline_local.gateway import Gateway
    from trackline_local.runtime import FunctionRegistry
    from trackline_local.template import (
        Template,
        apply_environment,
        ensure_queues,
        ensure_secrets,
        ensure_tables,
        restore_environment,
        secret_arns,
    )

    with mock_aws():
        template = Template.load(TEMPLATE)
        names = {"TracklineTable": TABLE_NAME}
        resolver = template.resolver(names)
        ensure_tables(boto3.client("dynamodb"), template, names, resolver=resolver)
        resolver.refs.update(ensure_queues(boto3.client("sqs"), template, names, resolver=resolver))
        secrets = boto3.client("secretsmanager")
        ensure_secrets(secrets, template, names, resolver=resolver)
        resolver.refs.update(secret_arns(secrets, template, names, resolver=resolver))
        previous = apply_environment({**template.environment(names, resolver), **ENVIRONMENT})
        reset_cached_clients()
        try:
            from trackline.services.api_keys import ApiKeyService

            issued = ApiKeyService().register("fuzz")
            functions = FunctionRegistry(template.functions(names, resolver), region=resolver.region, account_id=resolver.account_id)
            gateway = Gateway.from_template(template, functions, resolver, access_log=False)
            yield GatewayApp(gateway, issued.plaintext)
        finally:
            restore_environment(previous)
            reset_cached_clients()
