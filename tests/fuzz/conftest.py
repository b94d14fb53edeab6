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

    @staticmethod
    def empty_table() -> None:
        """Everything but the API keys goes: moto copies every table for each transaction, so
        a table that grew with each operation would make every later create slower."""
        dynamodb = boto3.client("dynamodb")
        stale = [
            {"DeleteRequest": {"Key": {"pk": item["pk"], "sk": item["sk"]}}}
            for page in dynamodb.get_paginator("scan").paginate(TableName=TABLE_NAME, ProjectionExpression="pk, sk")
            for item in page["Items"]
            if item["pk"]["S"] != "APIKEYS"
        ]
        for start in range(0, len(stale), 25):
            dynamodb.batch_write_item(RequestItems={TABLE_NAME: stale[start : start + 25]})


class OneVerdictPerKey:
    """The real authorizer, asked once per API key and its verdict replayed (as API Gateway's
    authorizer cache would): the fuzzer's budget goes to the API functions, not to counting
    thousands of requests against the rate limit. The authorizer has tests of its own."""

    def __init__(self, authorizer: Any) -> None:
        self._authorizer = authorizer
        self._verdicts: dict[str | None, Any] = {}

    def invoke(self, event: dict[str, Any], context: Any = None) -> Any:
        key = (event.get("headers") or {}).get("as-api-key")
        if key not in self._verdicts:
            self._verdicts[key] = self._authorizer.invoke(event, context)
        return self._verdicts[key]


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
        # Nothing here reads the table's stream, and moto would copy its every record with the
        # table for each transaction: the fuzzer's table has none.
        template.resources["TracklineTable"]["Properties"].pop("StreamSpecification", None)
        names = {"TracklineTable": TABLE_NAME}
        resolver = template.resolver(names)
        ensure_tables(boto3.client("dynamodb"), template, names, resolver=resolver)
        resolver.refs.update(ensure_queues(boto3.client("sqs"), template, names, resolver=resolver))
        secrets = boto3.client("secretsmanager")
        ensure_secrets(secrets, template, names, resolver=resolver)
        resolver.refs.update(secret_arns(secrets, template, names, resolver=resolver))
        previous = apply_environment(template.environment(names, resolver))
        reset_cached_clients()
        try:
            from trackline.services.api_keys import ApiKeyService

            issued = ApiKeyService().register("fuzz")
            functions = dict(FunctionRegistry(template.functions(names, resolver), region=resolver.region, account_id=resolver.account_id))
            for authorizer in template.authorizers(resolver).values():
                functions[authorizer.function_id] = OneVerdictPerKey(functions[authorizer.function_id])
            gateway = Gateway.from_template(template, functions, resolver, access_log=False)
            yield GatewayApp(gateway, issued.plaintext)
        finally:
            restore_environment(previous)
            reset_cached_clients()
