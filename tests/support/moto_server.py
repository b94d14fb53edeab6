"""A moto endpoint with the template's table, served one request at a time (see
trackline_local.aws.SerialMotoServer for why)."""

from collections.abc import Iterator
from contextlib import contextmanager

import boto3

from tests.conftest import TEMPLATE
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


@contextmanager
def moto_process_table(table_name: str) -> Iterator[str]:
    """moto in a process of its own, answering in parallel as DynamoDB does: for throughput
    measurements, where moto sharing the measured process's interpreter would measure moto.
    Their concurrent writes touch different items (moto's races are in whole-table operations
    such as transactions, which such a measurement does not run concurrently)."""
    import socket
    import subprocess
    import sys
    import time

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        client = boto3.client("dynamodb", endpoint_url=endpoint)
        for _ in range(100):
            try:
                client.list_tables()
                break
            except Exception:
                time.sleep(0.1)
        ensure_tables(client, TEMPLATE, {"TracklineTable": table_name})
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=10)
