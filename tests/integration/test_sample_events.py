"""Every sample event in events/ (what `sam local invoke -e` takes) runs through its handler."""

import json
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT
from tests.support.handlers import LambdaContext, load_handler

EVENTS = sorted((PROJECT_ROOT / "events").glob("*/*.json"))


def test_there_are_sample_events_for_every_function_folder():
    folders = {path.parent.name for path in EVENTS}
    assert folders == {path.name for path in (PROJECT_ROOT / "functions").iterdir() if path.is_dir()}


@pytest.fixture
def stack_resources(pipeline, monkeypatch):
    """Besides the poll pipeline: the change event bus and its rules, and a verified email sender."""
    import boto3

    from tests.conftest import TABLE_NAME, TEMPLATE, reset_cached_clients
    from trackline_local.email_identities import ensure_email_identities
    from trackline_local.event_rules import ensure_event_rules
    from trackline_local.template import Template

    template = Template.load(TEMPLATE)
    names = {"TracklineTable": TABLE_NAME}
    resolver = template.resolver(names, parameters={"EmailSender": "shipping@shop.example"})
    resolver.refs.update(pipeline)
    ensure_event_rules(boto3.client("events"), template, names, resolver=resolver)
    ensure_email_identities(boto3.client("ses"), template, names, resolver=resolver)
    from trackline_local.buckets import ensure_buckets

    monkeypatch.setenv("IMPORT_BUCKET", ensure_buckets(boto3.client("s3"), template, names, resolver=resolver)["ImportBucket"])
    monkeypatch.setenv("IMPORT_QUEUE_URL", pipeline["ImportQueue"])
    monkeypatch.setenv("EVENT_BUS_NAME", resolver.ref("TracklineEventBus"))
    monkeypatch.setenv("EMAIL_SENDER", "shipping@shop.example")
    reset_cached_clients()


@pytest.mark.parametrize("path", EVENTS, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_sample_event_runs_through_its_handler(stack_resources, path: Path):
    function_dir = path.parent.name
    handler = load_handler(function_dir, f"{function_dir}_handler")
    result = handler(json.loads(path.read_text()), LambdaContext())
    if function_dir == "authorizer":
        assert result["isAuthorized"] is True and result["context"]["authenticated"] is False
        return
    if function_dir == "poll_scheduler":
        assert result["due"] == result["items_read"] == 0
        return
    if function_dir == "tracking_page":  # no tracking has these tokens: the friendly 404 page
        assert result["statusCode"] == 404 and result["headers"]["Content-Type"] == "text/html; charset=utf-8"
        assert result["body"].startswith("<!DOCTYPE html>")
        return
    if function_dir in ("poll_worker", "change_stream", "notifier", "webhook_sender", "transit_history", "import_worker"):
        assert result == {"batchItemFailures": []}
        return
    assert 200 <= result["statusCode"] < 500
    body = json.loads(result["body"])
    assert isinstance(body["meta"]["code"], int) and "data" in body
    if function_dir.endswith("_api"):
        assert {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} <= set(result["headers"])
    if path.name == "rate_limited_request.json":
        assert (result["statusCode"], body["meta"]["type"]) == (429, "TooManyRequests") and result["headers"]["Retry-After"]
