"""Schemathesis against the served OpenAPI document (tests/fuzz/fuzzing.py says what is sent
and checked): at least MIN_REQUESTS generated requests over every operation, no 5xx, every
answer as documented. Half of the operations are fuzzed here, the other half in a second
process at the same time, so that the run uses both cores of the machine."""

import json
import subprocess
import sys
from collections import Counter

from tests.conftest import PROJECT_ROOT
from tests.fuzz.fuzzing import REPORT, fuzz_operation, operations_of, spread

MIN_REQUESTS = 2000
PARTS = 2
BUDGET = int(MIN_REQUESTS * 1.05) // PARTS  # per part


def test_generated_requests_get_documented_answers_and_never_a_server_error(gateway_app, subtests):
    other = subprocess.Popen(
        [sys.executable, "-m", "tests.fuzz.fuzzing", "1", str(PARTS), str(BUDGET)],
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        operations = operations_of(gateway_app, 0, PARTS)
        sent = 0
        for position, operation in enumerate(operations):
            with subtests.test(msg=operation.label):
                sent += fuzz_operation(gateway_app, operation, spread(BUDGET, sent, len(operations) - position))
        output, errors = other.communicate(timeout=240)
    finally:
        other.kill()
    assert other.returncode == 0, errors[-3000:]
    *reports, statuses = [json.loads(line.removeprefix(REPORT)) for line in output.splitlines() if line.startswith(REPORT)]
    for report in reports:
        with subtests.test(msg=f"{report['operation']} (second process)"):
            assert report["failure"] is None, report["failure"]
    sent += reports[-1]["sent"]
    answered = Counter({int(status): count for status, count in statuses["statuses"].items()}) + gateway_app.statuses
    print(f"\nfuzzing: {sent} generated requests over {len(operations) + len(reports)} operations; answers by status: {dict(sorted(answered.items()))}")
    assert len(operations) + len(reports) >= 25
    assert sent >= MIN_REQUESTS
    assert not [status for status in answered if status >= 500]
