"""Schemathesis against the served OpenAPI document: every operation, schema-valid and
schema-invalid requests, through the real gateway, authorizer and handlers.

Each answer must not be a 5xx, must have a documented status and content type, and must match
the documented schema; a request the schema forbids must be refused. The run is deterministic
(derandomized, no example database) and bounded: at least MIN_REQUESTS requests in total.
"""

import itertools
import json

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

API = "/tracking/2024-04"
MIN_REQUESTS = 2000
# Examples per operation: the budget spread over the operations (some have fewer possible
# inputs and use less), a quarter of them schema-violating.
BUDGET = int(MIN_REQUESTS * 1.1)
NEGATIVE_SHARE = 0.25
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance, negative_data_rejection]
# A courier without known number formats, so any well-formed number can be created for it.
SLUG = "aramex"
_numbers = itertools.count(1)


def _create_known_tracking(app) -> dict:
    """A stored tracking for the generated requests to find (by id, and by slug + number)."""
    from werkzeug.test import Client

    number = f"TLFUZZ{next(_numbers):08d}"
    body = {"tracking": {"slug": SLUG, "tracking_number": number, "emails": ["fuzz@example.com"]}}
    response = Client(app).post(f"{API}/trackings", json=body, headers={"as-api-key": app.api_key})
    assert response.status_code == 201, response.get_data(as_text=True)
    return json.loads(response.get_data())["data"]["tracking"]


def _strategies(operation, known: dict, examples: int) -> list[tuple]:
    """Generated cases, half of them aimed at the stored tracking so that requests get past the
    lookup and reach the update, retrack, completion and receiver code."""
    names = {parameter.name for parameter in operation.path_parameters}
    aimed = {}
    if names == {"tracking_id"}:
        aimed = {"tracking_id": known["id"]}
    elif names == {"slug", "tracking_number"}:
        aimed = {"slug": SLUG, "tracking_number": known["tracking_number"]}
    positive = [operation.as_strategy(GenerationMode.POSITIVE)]
    if aimed:
        positive.append(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=aimed))
    # Only a body or a query can break the schema: path parameters are any string.
    if not (operation.body or operation.query):
        return [(st.one_of(*positive), examples)]
    negative = operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=aimed or None)
    violating = max(1, round(examples * NEGATIVE_SHARE))
    return [(st.one_of(*positive), examples - violating), (negative, violating)]


def _fuzz(strategy, examples: int, app) -> None:
    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case) -> None:
        case.call_and_validate(headers={"as-api-key": app.api_key}, checks=CHECKS)

    run()


def test_generated_requests_get_documented_answers_and_never_a_server_error(gateway_app, subtests):
    schema = schemathesis.openapi.from_wsgi(f"{API}/openapi.json", gateway_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25, [operation.label for operation in operations]
    before = gateway_app.answered
    for operation in operations:
        with subtests.test(msg=operation.label):
            import time; t=time.time(); n=gateway_app.answered
            gateway_app.empty_table()
            for strategy, examples in _strategies(operation, _create_known_tracking(gateway_app), -(-BUDGET // len(operations))):
                _fuzz(strategy, examples, gateway_app)
            print("TIMING", operation.label, round(time.time()-t,2), gateway_app.answered-n)
    sent = gateway_app.answered - before
    print(f"\nfuzzing: {sent} requests over {len(operations)} operations; answers by status: {dict(sorted(gateway_app.statuses.items()))}")
    assert sent >= MIN_REQUESTS
    assert not [status for status in gateway_app.statuses if status >= 500]
