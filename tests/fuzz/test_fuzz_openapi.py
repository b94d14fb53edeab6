"""Schemathesis against the served OpenAPI document: every operation, with schema-valid and
schema-violating requests, through the gateway (routes from template.yaml) and the real
handlers.

Every answer must not be a 5xx, must have a documented status and content type and match the
documented schema, and a request the schema forbids must be refused. The run is deterministic
(derandomized, no example database) and bounded: MIN_REQUESTS generated requests or a few more.
"""

import itertools
import json

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
# What is left of the budget is spread over the operations still to fuzz, so one with few
# possible inputs (no parameters at all, say) leaves its share to the others.
BUDGET = int(MIN_REQUESTS * 1.05)
NEGATIVE_SHARE = 0.2  # of an operation's examples, the schema-violating ones (the costlier to generate)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance, negative_data_rejection]
# A courier without known number formats, so any well-formed number can be created for it.
SLUG = "aramex"
_numbers = itertools.count(1)


def _create_known_tracking(app) -> dict:
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


def _fuzz(strategy, examples: int, app, sent: list[int]) -> None:
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
        case.call_and_validate(headers={"as-api-key": app.api_key}, checks=CHECKS)

    run()


def test_generated_requests_get_documented_answers_and_never_a_server_error(gateway_app, subtests):
    schema = schemathesis.openapi.from_wsgi(f"{API}/openapi.json", gateway_app)
    # Operations without parameters first: they use less than their share.
    operations = sorted(
        (result.ok() for result in schema.get_all_operations()),
        key=lambda operation: bool(operation.path_parameters or operation.query or operation.body),
    )
    assert len(operations) >= 25, [operation.label for operation in operations]
    sent = [0]
    for position, operation in enumerate(operations):
        share = max(1, -(-(BUDGET - sent[0]) // (len(operations) - position)))
        with subtests.test(msg=operation.label):
            gateway_app.empty_table()
            for strategy, examples in _strategies(operation, _create_known_tracking(gateway_app), share):
                _fuzz(strategy, examples, gateway_app, sent)
    statuses = dict(sorted(gateway_app.statuses.items()))
    print(f"\nfuzzing: {sent[0]} generated requests over {len(operations)} operations; answers by status: {statuses}")
    assert sent[0] >= MIN_REQUESTS
    assert not [status for status in statuses if status >= 500]
