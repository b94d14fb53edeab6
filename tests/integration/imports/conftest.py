import boto3
import pytest

from tests.conftest import TABLE_NAME, TEMPLATE, reset_cached_clients
from tests.support.handlers import ApiClient
from tests.support.imports import ImportStack


@pytest.fixture
def imports(table, monkeypatch) -> ImportStack:
    """The table, the template's queues, import bucket and drop rule, in the in-process moto."""
    from trackline_local.buckets import ensure_buckets
    from trackline_local.event_rules import ensure_event_rules
    from trackline_local.moto_speedups import install
    from trackline_local.template import Template, ensure_queues

    install()
    template = Template.load(TEMPLATE)
    names = {"TracklineTable": TABLE_NAME}
    resolver = template.resolver(names)
    queues = ensure_queues(boto3.client("sqs"), template, names, resolver=resolver)
    resolver.refs.update(queues)
    buckets = ensure_buckets(boto3.client("s3"), template, names, resolver=resolver)
    ensure_event_rules(boto3.client("events"), template, names, resolver=resolver)
    monkeypatch.setenv("IMPORT_BUCKET", buckets["ImportBucket"])
    monkeypatch.setenv("IMPORT_QUEUE_URL", queues["ImportQueue"])
    reset_cached_clients()
    return ImportStack(
        api=ApiClient(function="imports_api"),
        trackings=ApiClient(),
        couriers=ApiClient(function="couriers_api"),
        queue_url=queues["ImportQueue"],
        bucket=buckets["ImportBucket"],
    )
