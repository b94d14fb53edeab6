"""A moto server that answers one request at a time.

moto's backends are not thread-safe, while DynamoDB applies the conditional writes on one item
one after the other. Serving requests serially gives concurrent clients that same guarantee, so
a race test exercises Trackline's conditions rather than moto's lack of locking.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import boto3
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server

from tests.conftest import TEMPLATE
from trackline_local.template import ensure_tables


@contextmanager
def serial_moto_table(table_name: str) -> Iterator[str]:
    """A moto endpoint with the template's table created under `table_name`; yields the endpoint."""
    server = make_server("127.0.0.1", 0, DomainDispatcherApplication(create_backend_app), threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    endpoint = f"http://127.0.0.1:{server.server_port}"
    try:
        ensure_tables(boto3.client("dynamodb", endpoint_url=endpoint), TEMPLATE, {"TracklineTable": table_name})
        yield endpoint
    finally:
        server.shutdown()
        thread.join(timeout=5)
