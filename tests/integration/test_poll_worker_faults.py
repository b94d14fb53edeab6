"""The poll worker's handler under faults: partial batch failures, backoff, then the DLQ."""

import json

import boto3
import pytest

from tests.support.handlers import LambdaContext, load_handler
from trackline.carriers import registry
from trackline.carriers.base import CarrierError
from trackline.carriers.sandbox import SandboxAdapter
from trackline.consumers import poll_queue, redelivery


class RateLimitedCarrier(SandboxAdapter):
    """Answers 429 with Retry-After to every request."""

    def fetch(self, tracking_numbers, known_checkpoints=None):
        raise CarrierError("429 from carrier", retryable=True, retry_after=0)


@pytest.fixture
def worker_handler(pipeline):
    poll_queue._worker.cache_clear()
    redelivery._sqs.cache_clear()
    return load_handler("poll_worker", "poll_worker_handler")


def sqs_event(queue_url: str) -> dict:
    sqs = boto3.client("sqs")
    received = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, AttributeNames=["All"]).get("Messages", [])
    return {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": message["Attributes"],
                "messageAttributes": {},
                "md5OfBody": message["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:PollQueue",
                "awsRegion": "us-east-1",
            }
            for message in received
        ]
    }


def deliver(handler, queue_url: str) -> tuple[list[str], list[str]]:
    """One SQS -> Lambda delivery, deleting what succeeded, as the event source mapping does."""
    event = sqs_event(queue_url)
    if not event["Records"]:
        return [], []  # Lambda never invokes with an empty batch
    result = handler(event, LambdaContext())
    failed = [item["itemIdentifier"] for item in result["batchItemFailures"]]
    sqs = boto3.client("sqs")
    for record in event["Records"]:
        if record["messageId"] not in failed:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=record["receiptHandle"])
    return [record["messageId"] for record in event["Records"]], failed


def test_a_failing_batch_is_reported_alone_retried_with_backoff_then_dead_lettered(api, pipeline, worker_handler, monkeypatch):
    good = api.create(tracking_number="SBX20000001", slug="sandbox")
    bad = api.create(tracking_number="1Z5R89390357567127", slug="ups")
    monkeypatch.setattr(poll_queue, "BASE_DELAY", 0)
    real_adapter_for = registry.adapter_for
    monkeypatch.setattr(
        registry,
        "adapter_for",
        lambda slug, **kw: RateLimitedCarrier() if slug == "ups" else real_adapter_for(slug, **kw),
    )
    sqs = boto3.client("sqs")
    queue = pipeline["PollQueue"]
    sqs.send_message(QueueUrl=queue, MessageBody=json.dumps({"slug": "sandbox", "tracking_ids": [good["id"]]}))
    sqs.send_message(QueueUrl=queue, MessageBody=json.dumps({"slug": "ups", "tracking_ids": [bad["id"]]}))
    delays = []
    real_change = redelivery._sqs().change_message_visibility
    monkeypatch.setattr(redelivery._sqs(), "change_message_visibility", lambda **kw: delays.append(kw["VisibilityTimeout"]) or real_change(**kw))

    delivered, failed = deliver(worker_handler, queue)
    assert len(delivered) == 2 and len(failed) == 1, "only the failing message is reported"
    assert api.get(f"/trackings/{good['id']}").data["tracking"]["tag"] == "InfoReceived"
    for _ in range(10):
        delivered, failed = deliver(worker_handler, queue)
        if not delivered:
            break
    dead = sqs.receive_message(QueueUrl=pipeline["PollDeadLetterQueue"], MaxNumberOfMessages=10).get("Messages", [])
    assert [json.loads(m["Body"])["slug"] for m in dead] == ["ups"], "after maxReceiveCount it is dead-lettered"
    assert len(delays) == 6 and all(delay >= 0 for delay in delays)
    assert api.get(f"/trackings/{bad['id']}").data["tracking"]["tag"] == "Pending", "nothing half-written"


@pytest.mark.parametrize(("receive_count", "retry_after", "low", "high"), [(1, None, 15, 30), (3, None, 60, 120), (10, None, 450, 900), (1, 120, 120, 120)])
def test_backoff_grows_with_jitter_and_honours_retry_after(receive_count, retry_after, low, high):
    for _ in range(50):
        assert low <= poll_queue.backoff_seconds(receive_count, retry_after) <= high


def test_a_redelivered_batch_adds_no_checkpoint_twice(api, pipeline, worker_handler):
    created = api.create(tracking_number="SBX20000002", slug="sandbox")
    body = json.dumps({"slug": "sandbox", "tracking_ids": [created["id"]]})
    record = {
        "messageId": "m-1", "receiptHandle": "r-1", "body": body,
        "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {}, "md5OfBody": "",
        "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:PollQueue", "awsRegion": "us-east-1",
    }
    from trackline.services.poll_worker import PollWorker
    from trackline.models.polling import PollMessage
    from datetime import UTC, datetime

    fixed = datetime.now(UTC)
    worker = PollWorker()
    worker.poll(PollMessage.model_validate_json(body), fixed)
    first = api.get(f"/trackings/{created['id']}").data["tracking"]["checkpoints"]
    # The same carrier answer merged again (a retry after a crash between fetch and ack):
    from trackline.services.shipment_progress import merge_checkpoints
    from trackline.models.tracking import Checkpoint

    existing = [Checkpoint(**c) for c in first]
    assert merge_checkpoints(existing, [Checkpoint(**first[0])], slug="sandbox", stored_at="later") == []
    assert len(existing) == 1
    assert worker_handler({"Records": [record]}, LambdaContext())["batchItemFailures"] == []
