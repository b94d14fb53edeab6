"""Concurrency against the real handlers, each request in its own Lambda instance (process),
all released at once, over a moto endpoint that applies one request at a time (as DynamoDB
applies the conditional writes on one item one after the other)."""

import json
from collections import Counter

import boto3
import pytest

from tests.concurrency.lambda_instances import invoke_in_parallel
from tests.conftest import reset_cached_clients
from tests.integration.test_repository import ONE_FIELD_EACH
from tests.support.handlers import ApiClient, http_event
from tests.support.moto_server import serial_moto_table

TABLE = "ConcurrencyTable"
API = "/tracking/2024-04"
AUTHORIZED = ApiClient.AUTHENTICATED


@pytest.fixture
def instances(monkeypatch):
    """The serial moto endpoint with the template's table; the environment every instance gets
    (every AWS service at that endpoint); this process's own clients pointed there too."""
    with serial_moto_table(TABLE) as endpoint:
        environment = {
            "TABLE_NAME": TABLE,
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_ENDPOINT_URL_DYNAMODB": endpoint,
            "SANDBOX_ENABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "ERROR",
        }
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        reset_cached_clients()
        yield environment
    reset_cached_clients()


def api_call(method: str, path: str, body=None) -> tuple[str, dict]:
    return "trackings_api", http_event(method, f"{API}{path}", body, authorizer=AUTHORIZED)


def stored_items(prefix: str) -> list[dict]:
    pages = boto3.client("dynamodb").get_paginator("scan").paginate(TableName=TABLE, ConsistentRead=True)
    return [item for page in pages for item in page["Items"] if item["pk"]["S"].startswith(prefix)]


def test_fifty_parallel_creates_of_one_number_make_one_tracking_and_forty_nine_duplicates(instances):
    body = {"tracking": {"slug": "aramex", "tracking_number": "TLRACE000001"}}
    results = invoke_in_parallel([api_call("POST", "/trackings", body)] * 50, instances)

    outcomes = Counter((result.get("statusCode"), result.get("body", {}).get("meta", {}).get("code")) for result in results)
    assert outcomes == {(201, 201): 1, (400, 4003): 49}, results
    [created] = [result["body"]["data"]["tracking"] for result in results if result["statusCode"] == 201]
    assert ApiClient().get("/trackings/aramex/TLRACE000001").data["tracking"]["id"] == created["id"]
    assert len(stored_items("NUMBER#aramex#TLRACE000001")) == 1
    assert [item["pk"]["S"] for item in stored_items("TRACKING#") if item["sk"]["S"] == "TRACKING"] == [f"TRACKING#{created['id']}"]


def test_twenty_parallel_updates_and_a_poll_of_one_tracking_lose_nothing(instances):
    created = ApiClient().create(tracking_number="SBX77000001", slug="sandbox")
    updates = [api_call("PUT", f"/trackings/{created['id']}", {"tracking": {name: value}}) for name, value in ONE_FIELD_EACH]
    poll = ("poll_worker", {"Records": [sqs_record({"slug": "sandbox", "tracking_ids": [created["id"]]})]})

    *answers, polled = invoke_in_parallel([*updates, poll], instances)

    assert [answer["statusCode"] for answer in answers] == [200] * len(ONE_FIELD_EACH), answers
    assert polled == {"batchItemFailures": []}
    stored = ApiClient().get(f"/trackings/{created['id']}").data["tracking"]
    assert {name: stored[name] for name, _ in ONE_FIELD_EACH} == dict(ONE_FIELD_EACH), "an update was lost"
    assert stored["tag"] == "InfoReceived" and len(stored["checkpoints"]) == 1, "the poll was lost"
    [item] = [item for item in stored_items(f"TRACKING#{created['id']}") if item["sk"]["S"] == "TRACKING"]
    assert item["version"]["N"] == str(1 + len(ONE_FIELD_EACH) + 1), "every write is one version"


def test_two_parallel_retracks_let_exactly_one_through(instances):
    client = ApiClient()
    created = client.create(tracking_number="TLRETRACK001", slug="aramex")
    assert client.post(f"/trackings/{created['id']}/mark-as-completed", {"reason": "LOST"}).status == 200

    results = invoke_in_parallel([api_call("POST", f"/trackings/{created['id']}/retrack")] * 2, instances)

    outcomes = sorted((result["statusCode"], result["body"]["meta"]["code"]) for result in results)
    assert outcomes[0] == (200, 200) and outcomes[1][0] == 400 and outcomes[1][1] in (4013, 4016), results
    items = {item["sk"]["S"]: item for item in stored_items(f"TRACKING#{created['id']}")}
    assert items["TRACKING"]["retrack_count"]["N"] == "1" and items["TRACKING"]["active"]["BOOL"] is True
    assert "POLL" in items, "the retracked tracking is polled again"
    assert client.post(f"/trackings/{created['id']}/mark-as-completed", {"reason": "LOST"}).status == 200
    assert client.post(f"/trackings/{created['id']}/retrack").code == 4016, "and never a second time"


def sqs_record(body: dict) -> dict:
    return {
        "messageId": "concurrent-poll", "receiptHandle": "concurrent-poll", "body": json.dumps(body),
        "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {}, "md5OfBody": "",
        "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:PollQueue", "awsRegion": "us-east-1",
    }
