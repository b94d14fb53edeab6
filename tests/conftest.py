"""Fixtures shared by every test: an isolated environment, an in-process moto table created
from template.yaml, and a client that calls the real handlers with HTTP API events."""

import os
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = PROJECT_ROOT / "template.yaml"
TABLE_NAME = "TracklineTable"

# Tests never reach AWS: fake credentials and a fixed region before anything creates a client.
os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_SESSION_TOKEN="testing",
    AWS_DEFAULT_REGION="us-east-1",
    AWS_REGION="us-east-1",
    POWERTOOLS_TRACE_DISABLED="true",
    POWERTOOLS_METRICS_NAMESPACE="TracklineTests",
    POWERTOOLS_LOG_LEVEL="WARNING",
)
for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_PROFILE"):
    os.environ.pop(name, None)


def pytest_xdist_make_scheduler(config, log):
    """`make test` runs on every core (pytest-xdist). A file's tests stay on one worker, so its
    module fixtures (a local stack, a moto server) start once; the API suite shares one local
    stack for the session, so all of tests/api goes to one worker as a single unit."""
    from xdist.scheduler import LoadScopeScheduling

    class ByFileWithOneApiSuite(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return "tests/api" if path.startswith("tests/api/") else path

    return ByFileWithOneApiSuite(config, log)


def reset_cached_clients() -> None:
    """Settings and clients are read once per process (as in Lambda); tests start each afresh."""
    from trackline.repository.dynamodb import dynamodb_client
    from trackline.settings import get_settings

    from trackline.outbound.aws_clients import aws_client

    get_settings.cache_clear()
    dynamodb_client.cache_clear()
    # Handler modules cache their service (and so its clients) too; a stack started later in
    # the same process must not reach a stopped stack's endpoints through them.
    import sys

    for name, module in list(sys.modules.items()):
        if name.endswith("_handler"):
            for value in list(vars(module).values()):
                if callable(getattr(value, "cache_clear", None)) and getattr(value, "__module__", None) == name:
                    value.cache_clear()
    aws_client.cache_clear()
    for module_name in (
        "trackline.api.trackings_routes",
        "trackline.api.couriers_routes",
        "trackline.services.authorization",
        "trackline.consumers.poll_queue",
        "trackline.consumers.redelivery",
        "trackline.consumers.change_stream",
        "trackline.consumers.notification_queue",
        "trackline.consumers.webhook_queue",
        "trackline.tracking_page.endpoint",
        "trackline.api.estimates_routes",
        "trackline.consumers.transit_history",
        "trackline.api.imports_routes",
        "trackline.consumers.import_queue",
        "trackline.outbound.import_files",
        "trackline.repository.bulk_trackings",
    ):
        module = __import__(module_name, fromlist=["_"])
        for cached in ("service", "_api_keys", "_worker", "_sqs", "_s3", "_bulk_client", "_publisher", "_notifier", "_delivery", "_history"):
            if hasattr(module, cached):
                getattr(module, cached).cache_clear()


@pytest.fixture
def table(monkeypatch):
    """A fresh table, exactly as template.yaml defines it, in an in-process moto."""
    from trackline_local.moto_speedups import install
    from trackline_local.template import ensure_tables

    install()  # as the local stack does: moto's transactions and queries at DynamoDB's cost
    monkeypatch.setenv("TABLE_NAME", TABLE_NAME)
    with mock_aws():
        reset_cached_clients()
        ensure_tables(boto3.client("dynamodb"), TEMPLATE, {"TracklineTable": TABLE_NAME})
        yield TABLE_NAME
        reset_cached_clients()


@pytest.fixture
def pipeline(table, monkeypatch):
    """The table plus the template's queues and secrets, the sandbox courier on, every cadence
    capped at one second: what the poll scheduler and workers need."""
    from trackline_local.template import ensure_queues, ensure_secrets

    urls = ensure_queues(boto3.client("sqs"), TEMPLATE)
    ensure_secrets(boto3.client("secretsmanager"), TEMPLATE)
    monkeypatch.setenv("POLL_QUEUE_URL", urls["PollQueue"])
    monkeypatch.setenv("SANDBOX_ENABLED", "true")
    monkeypatch.setenv("POLL_INTERVAL", "1")
    reset_cached_clients()
    return urls


@pytest.fixture
def api(table):
    from tests.support.handlers import ApiClient

    return ApiClient()


@pytest.fixture
def couriers_api(table):
    from tests.support.handlers import ApiClient

    return ApiClient(function="couriers_api")
