"""Cold start: a fresh process that imports a handler and serves its first request, as a ratio
to a fresh process that only imports boto3 and creates a DynamoDB client (same run, same machine).

Target: <= 1.5 for each API function.
"""

import json
import os
import subprocess
import sys
import time

import boto3
import pytest
from moto.server import ThreadedMotoServer

from tests.conftest import PROJECT_ROOT, TEMPLATE
from trackline_local.template import Template, ensure_tables

# Interleaved rounds, best of each side: noise on a shared machine only ever adds time, so the
# fastest run of each is the closest to its intrinsic cost.
ROUNDS = 15
BASELINE = "import boto3\nboto3.client('dynamodb')\n"
FIRST_REQUEST = """
import json, sys
sys.path.insert(0, {function_dir!r})
from {module} import handler
class Context:
    function_name = "bench"; memory_limit_in_mb = 512; aws_request_id = "bench"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
    def get_remaining_time_in_millis(self): return 10000
result = handler(json.loads({event!r}), Context())
assert result["statusCode"] == {status}, result
"""


@pytest.fixture(scope="module")
def moto_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1")
    ensure_tables(client, TEMPLATE, {"TracklineTable": "BenchTable"})
    yield endpoint
    server.stop()


def _environment(endpoint: str, function_id: str) -> dict[str, str]:
    """Both sides run with the function's environment as the template configures it, so the
    handler starts as it would in Lambda; only the table's endpoint points at the local server."""
    function = Template.load(TEMPLATE).functions({"TracklineTable": "BenchTable"})[function_id]
    return {
        **os.environ,
        **function.environment,
        "AWS_ENDPOINT_URL_DYNAMODB": endpoint,
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "PYTHONDONTWRITEBYTECODE": "",
    }


def _timed(script: str, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", script], env=env, check=True, cwd=PROJECT_ROOT)
    return time.perf_counter() - started


def cold_start_ratio(function_id: str, function_dir: str, event: dict, status: int, endpoint: str) -> tuple[float, float, float]:
    env = _environment(endpoint, function_id)
    script = FIRST_REQUEST.format(
        function_dir=str(PROJECT_ROOT / "functions" / function_dir),
        module=f"{function_dir}_handler",
        event=json.dumps(event),
        status=status,
    )
    _timed(script, env)  # warm the bytecode caches of both sides once
    _timed(BASELINE, env)
    handler_times, baseline_times = [], []
    for _ in range(ROUNDS):  # interleaved, so machine noise hits both sides alike
        baseline_times.append(_timed(BASELINE, env))
        handler_times.append(_timed(script, env))
    handler, baseline = min(handler_times), min(baseline_times)
    return handler / baseline, handler, baseline


def _stored_tracking_id(endpoint: str) -> str:
    from tests.integration.test_repository import record
    from trackline.repository.trackings import TrackingRepository

    stored = record("1Z5R89390357567127", checkpoints=[{"message": "Departed", "tag": "InTransit", "subtag": "InTransit_007"}])
    client = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1")
    TrackingRepository("BenchTable", 16, client=client).create(stored)
    return stored.id


def test_trackings_api_cold_start(moto_endpoint):
    from tests.support.handlers import ApiClient, http_event

    tracking_id = _stored_tracking_id(moto_endpoint)
    event = http_event("GET", f"/tracking/2024-04/trackings/{tracking_id}", authorizer=ApiClient.AUTHENTICATED)
    ratio, handler, baseline = cold_start_ratio("TrackingsApiFunction", "trackings_api", event, 200, moto_endpoint)
    print(f"\ncold start, trackings API (import + first GET of a stored tracking): {handler * 1000:.0f} ms vs "
          f"boto3 + DynamoDB client {baseline * 1000:.0f} ms -> ratio {ratio:.2f} (target <= 1.5)")
    assert ratio <= 1.5


def test_couriers_api_cold_start(moto_endpoint):
    from tests.support.handlers import ApiClient, http_event

    event = http_event(
        "POST", "/tracking/2024-04/couriers/detect", {"tracking": {"tracking_number": "1Z5R89390357567127"}},
        authorizer=ApiClient.AUTHENTICATED,
    )
    ratio, handler, baseline = cold_start_ratio("CouriersApiFunction", "couriers_api", event, 200, moto_endpoint)
    print(f"\ncold start, couriers API (import + first detect): {handler * 1000:.0f} ms vs "
          f"boto3 + DynamoDB client {baseline * 1000:.0f} ms -> ratio {ratio:.2f} (target <= 1.5)")
    assert ratio <= 1.5
