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
