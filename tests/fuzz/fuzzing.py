"""The fuzzing itself, run by the test in its own process and, for another share of the
operations, in a second process (python -m tests.fuzz.fuzzing <part> <parts> <budget>) so that both
cores work: schemathesis against the served OpenAPI document, through the gateway (routes from
template.yaml) and the real handlers, over moto in the same process.

Every answer must not be a 5xx, must have a documented status and content type and match the
documented schema, and a request the schema forbids must be refused. Deterministic
(derandomized, no example database) and bounded by a request budget.
"""

import itertools
import json
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3

from tests.conftest import TABLE_NAME, TEMPLATE, reset_cached_clients

API = "/tracking/2024-04"
NEGATIVE_SHARE = 0.2  # of an operation's examples, the schema-violating ones (the costlier to generate)
# A courier without known number formats, so any well-formed number can be created for it.
SLUG = "aramex"
_numbers = itertools.count(1)
REPORT = "FUZZ-REPORT"  # marks the second process's lines among whatever else it prints


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


@contextmanager
def gateway_app() -> Iterator[GatewayApp]:
    """The template's routes, authorizer and functions over moto in this process, with a key."""
    from moto import mock_aws

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
            yield GatewayApp(Gateway.from_template(template, functions, resolver, access_log=False), issued.plaintext)
        finally:
            restore_environment(previous)
            reset_cached_clients()


def operations_of(app: GatewayApp, part: int, parts: int) -> list:
    """This part's share of the served document's operations (those without parameters first:
    they use less than their share of the budget)."""
    import schemathesis

    schema = schemathesis.openapi.from_wsgi(f"{API}/openapi.json", app)
    ordered = sorted(
        (result.ok() for result in schema.get_all_operations()),
        key=lambda operation: (bool(operation.path_parameters or operation.query or operation.body), operation.label),
    )
    return ordered[part::parts]


def fuzz_operation(app: GatewayApp, operation, examples: int) -> int:
    """Fuzz one operation against a freshly stored tracking; returns the requests generated.
    A failure is raised (Hypothesis's minimal example, schemathesis's report)."""
    app.empty_table()
    sent = [0]
    for strategy, share in _strategies(operation, _create_known_tracking(app), examples):
        _fuzz(strategy, share, app, sent)
    return sent[0]


def spread(budget: int, sent: int, left: int) -> int:
    """What is left of the budget, spread over the operations still to fuzz."""
    return max(1, -(-(budget - sent) // left))


def _create_known_tracking(app: GatewayApp) -> dict:
    """A stored tracking for generated requests to find (by id, and by slug + number)."""
    from werkzeug.test import Client

    number = f"TLFUZZ{next(_numbers):08d}"
    body = {"tracking": {"slug": SLUG, "tracking_number": number, "emails": ["fuzz@example.com"]}}
    response = Client(app).post(f"{API}/trackings", json=body, headers={"as-api-key": app.api_key})
    assert response.status_code == 201, response.get_data(as_text=True)
    return json.loads(response.get_data())["data"]["tracking"]


def _strategies(operation, known: dict, examples: int) -> list[tuple]:
    """(strategy, examples) pairs. Half of the schema-valid requests aim at the stored tracking,
    so that they get past the lookup into the update, retrack, completion and receiver code."""
    from hypothesis import strategies as st
    from schemathesis.generation import GenerationMode

    names = {parameter.name for parameter in operation.path_parameters}
    aimed = {}
    if names == {"tracking_id"}:
        aimed = {"tracking_id": known["id"]}
    elif names == {"slug", "tracking_number"}:
        aimed = {"slug": SLUG, "tracking_number": known["tracking_number"]}
    positive = [operation.as_strategy(GenerationMode.POSITIVE)]
    if aimed:
        positive.append(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=aimed))
    # Only a body or a query can violate the schema: a path parameter is any string.
    if not (operation.body or operation.query):
        return [(st.one_of(*positive), examples)]
    violating = max(1, round(examples * NEGATIVE_SHARE))
    negative = operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=aimed or None)
    return [(st.one_of(*positive), examples - violating), (negative, violating)]


def _fuzz(strategy, examples: int, app: GatewayApp, sent: list[int]) -> None:
    from hypothesis import HealthCheck, Phase, given, settings
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        negative_data_rejection,
        response_schema_conformance,
        status_code_conformance,
    )

    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance, negative_data_rejection]

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case) -> None:
        sent[0] += 1
        case.call_and_validate(headers={"as-api-key": app.api_key}, checks=checks)

    run()


def main(part: int, parts: int, budget: int) -> None:
    """Fuzz one part of the operations; print one line per operation, REPORT and its JSON
    {"operation", "sent" (so far), "failure" (the report, or null)}, then the answers by status."""
    with gateway_app() as app:
        operations = operations_of(app, part, parts)
        sent = 0
        for position, operation in enumerate(operations):
            failure = None
            try:
                sent += fuzz_operation(app, operation, spread(budget, sent, len(operations) - position))
            except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001 - reported to the test
                failure = f"{type(error).__name__}: {error}"[:6000]
            print(REPORT, json.dumps({"operation": operation.label, "sent": sent, "failure": failure}), flush=True)
        print(REPORT, json.dumps({"statuses": app.statuses}), flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
