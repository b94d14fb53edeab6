"""CSV import throughput: rows per second for the 10,000-row file (tests/data/imports), as a ratio
to creating the same rows one by one through the trackings API handler, in the same run.

Target: >= 5x, at a DynamoDB round trip of 10 ms (what a Lambda function sees for a transaction
in its region). moto runs in a process of its own, with the local stack's speed-ups (so neither
side pays for moto copying its table), and every DynamoDB request of both sides waits the round
trip in the calling thread, as a network call does. The figure without that wait (moto's CPU
alone) is printed too: there both sides are bound by the emulator, not by DynamoDB.
"""

import csv
import io
import time

import boto3
import pytest

from tests.conftest import TEMPLATE, reset_cached_clients
from tests.data.imports.generate_bulk import ACTIVATED
from tests.support.handlers import ApiClient
from tests.support.imports import ImportStack, data_file
from tests.support.moto_server import moto_process
from tests.support.round_trips import RoundTrips

ROUND_TRIP = 0.010
BASELINE_ROWS = 500  # the first rows of the file, with the same share of bad rows


@pytest.fixture
def stack(monkeypatch):
    from trackline_local.buckets import ensure_buckets
    from trackline_local.template import Template, ensure_queues, ensure_tables

    with moto_process() as endpoint:
        monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
        template = Template.load(TEMPLATE)
        names = {"TracklineTable": "BenchOneByOne"}
        resolver = template.resolver(names)
        for table in ("BenchOneByOne", "BenchImport"):
            ensure_tables(boto3.client("dynamodb"), template, {"TracklineTable": table})
        queues = ensure_queues(boto3.client("sqs"), template, names, resolver=resolver)
        buckets = ensure_buckets(boto3.client("s3"), template, names, resolver=resolver)
        monkeypatch.setenv("IMPORT_BUCKET", buckets["ImportBucket"])
        monkeypatch.setenv("IMPORT_QUEUE_URL", queues["ImportQueue"])
        yield ImportStack(ApiClient(function="imports_api"), ApiClient(), ApiClient(function="couriers_api"), queues["ImportQueue"], buckets["ImportBucket"])
    reset_cached_clients()


def _use_table(monkeypatch, stack: ImportStack, table: str, round_trips: RoundTrips) -> None:
    """Point the handlers at a table, with fresh clients that wait the round trip."""
    from trackline.repository.bulk_trackings import _bulk_client
    from trackline.repository.dynamodb import dynamodb_client

    monkeypatch.setenv("TABLE_NAME", table)
    reset_cached_clients()
    round_trips.watch(dynamodb_client())
    round_trips.watch(_bulk_client())
    delay, round_trips.delay = round_trips.delay, 0.0
    for slug in ACTIVATED:
        assert stack.couriers.post(f"/couriers/{slug}/activate").status == 200
    round_trips.delay = delay


def _create_bodies(content: bytes) -> list[dict]:
    """The file's rows as create requests: the import's own reading of a row."""
    from trackline.imports.csv_reader import read_csv
    from trackline.imports.rows import create_input

    bodies = []
    for row in read_csv(content, max_rows=10_000).rows[:BASELINE_ROWS]:
        fields, courier = create_input(row.cells)
        bodies.append({"tracking": {**fields, **({"slug": courier} if courier else {})}})
    return bodies


def _one_by_one(stack: ImportStack, bodies: list[dict]) -> tuple[float, int]:
    started = time.perf_counter()
    created = sum(stack.trackings.post("/trackings", body).status == 201 for body in bodies)
    return time.perf_counter() - started, created


def _imported(stack: ImportStack, content: bytes) -> tuple[float, dict]:
    started = time.perf_counter()
    reply = stack.upload(content)
    assert reply.status == 202, reply.body
    stack.run_worker()
    elapsed = time.perf_counter() - started
    return elapsed, stack.report(reply.data["import"]["id"], limit=1)


@pytest.mark.parametrize("round_trip", [ROUND_TRIP, 0.0], ids=["10ms", "moto-cpu"])
def test_import_throughput_against_one_by_one_creates(stack, monkeypatch, round_trip):
    content = data_file("bulk_10000.csv")
    rows = len(list(csv.DictReader(io.StringIO(content.decode()))))
    bodies = _create_bodies(content)
    round_trips = RoundTrips()
    round_trips.delay = round_trip

    _use_table(monkeypatch, stack, "BenchOneByOne", round_trips)
    round_trips.count = 0
    baseline_seconds, baseline_created = _one_by_one(stack, bodies)
    baseline_requests = round_trips.count

    _use_table(monkeypatch, stack, "BenchImport", round_trips)
    round_trips.count = 0
    import_seconds, report = _imported(stack, content)
    import_requests = round_trips.count

    baseline_rate = len(bodies) / baseline_seconds
    import_rate = rows / import_seconds
    ratio = import_rate / baseline_rate
    label = f"at a {round_trip * 1000:.0f} ms DynamoDB round trip" if round_trip else "without a round trip (moto's CPU only)"
    print(
        f"\nimport, {rows:,}-row file {label}: {import_rate:,.0f} rows/s ({import_seconds:.1f} s, "
        f"{import_requests / rows:.2f} DynamoDB requests per row) vs one by one through the API "
        f"{baseline_rate:,.0f} rows/s ({len(bodies):,} rows in {baseline_seconds:.1f} s, "
        f"{baseline_requests / len(bodies):.2f} requests per row) -> {ratio:.1f}x"
        + (" (target >= 5x)" if round_trip else "")
    )
    assert report["status"] == "completed" and report["counts"]["created"] >= 9_000
    assert baseline_created >= 0.85 * len(bodies)
    if round_trip:
        assert ratio >= 5
