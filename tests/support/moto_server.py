"""A moto endpoint with the template's table, served one request at a time (see
trackline_local.aws.SerialMotoServer for why)."""

from collections.abc import Iterator
from contextlib import contextmanager

import boto3

from tests.conftest import PROJECT_ROOT, TEMPLATE
from trackline_local.aws import SerialMotoServer
from trackline_local.template import ensure_tables


@contextmanager
def serial_moto_table(table_name: str) -> Iterator[str]:
    """A moto endpoint with the template's table created under `table_name`; yields the endpoint."""
    server = SerialMotoServer()
    server.start()
    try:
        ensure_tables(boto3.client("dynamodb", endpoint_url=server.endpoint), TEMPLATE, {"TracklineTable": table_name})
        yield server.endpoint
    finally:
        server.stop()


# moto with the local stack's speed-ups (trackline_local.moto_speedups), so that no side of a
# measurement pays for moto copying its whole table in every transaction.
_MOTO = (
    "import sys; from trackline_local.moto_speedups import install; install(); "
    "from moto.server import main; main(['-H', '127.0.0.1', '-p', sys.argv[1]])"
)


@contextmanager
def moto_process() -> Iterator[str]:
    """moto in a process of its own, answering in parallel as DynamoDB does: for throughput
    measurements, where moto sharing the measured process's interpreter would measure moto.
    Their concurrent writes touch different items (moto's races are in whole-table operations,
    which the speed-ups run one at a time). Yields the endpoint."""
    import socket
    import subprocess
    import sys
    import time

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-c", _MOTO, str(port)], cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        client = boto3.client("dynamodb", endpoint_url=endpoint)
        for _ in range(100):
            try:
                client.list_tables()
                break
            except Exception:  # noqa: BLE001 - not up yet
                time.sleep(0.1)
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def moto_process_table(table_name: str) -> Iterator[str]:
    """moto_process() with the template's table created under `table_name`."""
    with moto_process() as endpoint:
        ensure_tables(boto3.client("dynamodb", endpoint_url=endpoint), TEMPLATE, {"TracklineTable": table_name})
        yield endpoint
