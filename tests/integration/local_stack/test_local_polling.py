"""The poll pipeline on a real LocalStack: the schedule timer runs the real poll scheduler, the SQS
pump feeds the real poll worker from the template's PollQueue (in the embedded moto), failures go
back to the queue and, after maxReceiveCount, to the PollDeadLetterQueue; stop() ends it all.

One stack for the module (poll interval 1 s, the sandbox courier on, UPS pointed at a port that
refuses connections); everything listens on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import random
import socket
import threading
import time
import types
from typing import Any, Callable, Iterator

import httpx
import pytest

from tests.conftest import reset_cached_clients
from trackline.consumers import poll_queue
from trackline_local.events import (
    InvalidBatchResponse,
    ScheduleTimer,
    SqsPump,
    failed_message_ids,
)
from trackline_local.stack import LocalStack
from trackline_local.template import EventSpec

POLL_INTERVAL = 1
API = "/tracking/2024-04"


def _refused_port() -> int:
    """A 127.0.0.1 port nobody listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(condition: Callable[[], Any], timeout: float, interval: float = 0.25) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    no_proxy = ",".join(filter(None, (os.environ.get("NO_PROXY"), "127.0.0.1", "localhost")))
    environment = {
        "SANDBOX_ENABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "ERROR",
        # A UPS that never answers: every poll of a UPS tracking fails (retryably).
        "CARRIER_UPS_BASE_URL": f"http://127.0.0.1:{_refused_port()}",
        "CARRIER_UPS_CLIENT_ID": "fake-client-id",
        "CARRIER_UPS_CLIENT_SECRET": "fake-client-secret",
        "NO_PROXY": no_proxy,
        "no_proxy": no_proxy,
    }
    with pytest.MonkeyPatch.context() as patch:
        for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SQS",
                     "AWS_ENDPOINT_URL_SECRETS_MANAGER", "AWS_PROFILE", "TABLE_NAME"):
            patch.delenv(name, raising=False)
        patch.setattr(poll_queue, "BASE_DELAY", 0)  # retries at once instead of after 30 s+
        reset_cached_clients()  # settings and clients must come from the stack's environment
        local = LocalStack(port=0, poll_interval=POLL_INTERVAL, access_log=False,
                           environment=environment)
        local.start()
        try:
            yield local
        finally:
            local.stop()
            reset_cached_clients()


@pytest.fixture(scope="module")
def http(stack: LocalStack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.base_url + API, headers={"as-api-key": stack.api_key},
                      trust_env=False, timeout=10.0) as client:
        yield client


def _create(http: httpx.Client, number: str, slug: str) -> dict[str, Any]:
    response = http.post("/trackings", json={"tracking": {"tracking_number": number,
                                                          "slug": slug}})
    assert response.status_code == 201, response.text
    return response.json()["data"]["tracking"]


def _get(http: httpx.Client, tracking_id: str) -> dict[str, Any]:
    response = http.get(f"/trackings/{tracking_id}")
    assert response.status_code == 200, response.text
    return response.json()["data"]["tracking"]


def _scheduler_timer(stack: LocalStack) -> ScheduleTimer:
    (timer,) = [t for t in stack.timers if t.runtime.logical_id == "PollSchedulerFunction"]
    return timer


def _worker_pump(stack: LocalStack) -> SqsPump:
    (pump,) = [p for p in stack.pumps if p.runtime.logical_id == "PollWorkerFunction"]
    return pump


def test_the_stack_wires_the_template_queues_secrets_timer_and_pump(stack: LocalStack) -> None:
    assert set(stack.queue_urls) == set(stack.template.resources_of_type("AWS::SQS::Queue"))
    assert {"PollQueue", "PollDeadLetterQueue", "SchedulerFailureQueue"} <= set(stack.queue_urls)
    assert all(url.startswith(stack.endpoint_url) for url in stack.queue_urls.values())
    # !Ref PollQueue is the real local queue; !Ref of a secret its ARN (whose value is "{}")
    assert os.environ["POLL_QUEUE_URL"] == stack.queue_urls["PollQueue"]
    assert stack.functions["PollWorkerFunction"].spec.environment["POLL_QUEUE_URL"] == \
        stack.queue_urls["PollQueue"]
    secret_arn = os.environ["CARRIER_UPS_SECRET_ARN"]
    assert secret_arn == stack.secret_arns["UpsCarrierSecret"] and secret_arn.startswith("arn:")
    assert stack.secrets_client().get_secret_value(SecretId=secret_arn)["SecretString"] == "{}"
    # the carrier variables and the cadence cap reach the functions
    assert os.environ["CARRIER_UPS_CLIENT_ID"] == "fake-client-id"
    assert os.environ["POLL_INTERVAL"] == "1" and os.environ["SANDBOX_ENABLED"] == "true"
    redrive = json.loads(stack.sqs_client().get_queue_attributes(
        QueueUrl=stack.queue_urls["PollQueue"], AttributeNames=["RedrivePolicy"])
        ["Attributes"]["RedrivePolicy"])
    assert redrive["maxReceiveCount"] == 6
    assert redrive["deadLetterTargetArn"].endswith(":PollDeadLetterQueue")
    timer = _scheduler_timer(stack)
    assert timer.interval == POLL_INTERVAL and timer.is_alive()
    assert timer.on_failure is not None  # EventInvokeConfig OnFailure -> SchedulerFailureQueue
    pump = _worker_pump(stack)
    assert pump.is_alive()
    assert (pump.batch_size, pump.report_batch_item_failures) == (10, True)


def test_a_sandbox_tracking_is_polled_to_delivered_then_polled_no_more(
        stack: LocalStack, http: httpx.Client) -> None:
    created = _create(http, f"SBX{random.randrange(10**8):08d}", "sandbox")
    assert created["tag"] == "Pending"
    tags_seen: list[str] = []

    def delivered() -> dict[str, Any] | None:
        tracking = _get(http, created["id"])
        if not tags_seen or tags_seen[-1] != tracking["tag"]:
            tags_seen.append(tracking["tag"])
        return tracking if tracking["tag"] == "Delivered" else None

    tracking = _wait_for(delivered, timeout=30)
    assert tracking, f"not delivered within 30 s; tags seen: {tags_seen}"
    assert (tracking["subtag"], tracking["active"]) == ("Delivered_003", False)
    assert len(tracking["checkpoints"]) == 6 and tracking["tracked_count"] == 6
    assert "InfoReceived" in tags_seen and "InTransit" in tags_seen

    timer = _scheduler_timer(stack)
    runs_before = timer.runs
    time.sleep(3.5 * POLL_INTERVAL)
    assert timer.runs >= runs_before + 2, "the scheduler keeps running"
    again = _get(http, created["id"])
    assert (again["tracked_count"], len(again["checkpoints"])) == (6, 6)
    assert again["updated_at"] == tracking["updated_at"]


def test_a_batch_that_always_fails_ends_in_the_dead_letter_queue(
        stack: LocalStack, http: httpx.Client) -> None:
    created = _create(http, "1Z5R89390357567127", "ups")
    sqs = stack.sqs_client()
    dlq = stack.queue_urls["PollDeadLetterQueue"]

    def dead_lettered() -> dict[str, Any] | None:
        for message in sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10,
                                           MessageSystemAttributeNames=["All"],
                                           VisibilityTimeout=60).get("Messages", []):
            if created["id"] in json.loads(message["Body"])["tracking_ids"]:
                return message
        return None

    message = _wait_for(dead_lettered, timeout=25, interval=0.5)
    assert message, "the failing batch did not reach the dead-letter queue"
    assert json.loads(message["Body"]) == {"slug": "ups", "tracking_ids": [created["id"]]}
    # it was delivered maxReceiveCount (6) times before SQS moved it
    assert int(message["Attributes"]["ApproximateReceiveCount"]) >= 6
    pump = _worker_pump(stack)
    assert pump.failures >= 6 and pump.left >= 6
    attributes = sqs.get_queue_attributes(QueueUrl=stack.queue_urls["PollQueue"],
                                          AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "0"
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "0"
    assert _get(http, created["id"])["tag"] == "Pending"


def test_the_pump_sends_real_sqs_events_and_deletes_only_what_succeeded(
        stack: LocalStack) -> None:
    """A pump of our own on a scratch queue in the stack's moto, driven one batch at a time."""
    sqs = stack.sqs_client()
    url = sqs.create_queue(QueueName="scratch-pump-queue",
                           Attributes={"VisibilityTimeout": "60"})["QueueUrl"]
    arn = f"arn:aws:sqs:{stack.region}:123456789012:scratch-pump-queue"
    for index in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=f"body-{index}", MessageAttributes={
            "kind": {"DataType": "String", "StringValue": f"k{index}"},
            "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}})
    events: list[dict[str, Any]] = []

    def handler(event: dict[str, Any], context: Any) -> Any:
        events.append(event)
        return {"batchItemFailures": [{"itemIdentifier": r["messageId"]}
                                      for r in event["Records"] if r["body"] == "body-1"]}

    runtime = _FakeRuntime(handler)
    event = EventSpec("Work", "SQS", {"BatchSize": 2, "FunctionResponseTypes":
                                      ["ReportBatchItemFailures"]})
    pump = SqsPump(runtime, event, url, arn, sqs, region=stack.region, wait_seconds=1)
    seen = 0
    while seen < 3:
        size = pump.poll_once()
        assert 0 < size <= 2, "BatchSize is honoured"
        seen += size
    record = events[0]["Records"][0]
    assert set(record) >= {"messageId", "receiptHandle", "body", "attributes",
                           "messageAttributes", "md5OfBody", "eventSource", "eventSourceARN",
                           "awsRegion"}
    assert (record["eventSource"], record["eventSourceARN"], record["awsRegion"]) == \
        ("aws:sqs", arn, stack.region)
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert {"SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp"} <= \
        set(record["attributes"])
    assert record["messageAttributes"]["kind"]["stringValue"].startswith("k")
    assert record["messageAttributes"]["kind"]["dataType"] == "String"
    assert record["messageAttributes"]["blob"]["binaryValue"] == "AAE="
    # body-1 failed: it stays (invisible until its visibility timeout), the others are gone
    assert pump.deleted == 2 and pump.left == 1
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (attributes["ApproximateNumberOfMessages"],
            attributes["ApproximateNumberOfMessagesNotVisible"]) == ("0", "1")

    # a function that raises: nothing of its batch is deleted
    sqs.send_message(QueueUrl=url, MessageBody="boom")
    runtime.handler = lambda event, context: 1 / 0
    assert pump.poll_once() == 1 and pump.deleted == 2
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "2"
    sqs.delete_queue(QueueUrl=url)


def test_batch_item_failures_follow_lambdas_rules() -> None:
    ids = ["a", "b"]
    assert failed_message_ids(None, ids, True) == set()
    assert failed_message_ids({}, ids, True) == set()
    assert failed_message_ids({"batchItemFailures": []}, ids, True) == set()
    assert failed_message_ids({"batchItemFailures": [{"itemIdentifier": "b"}]}, ids, True) == {"b"}
    assert failed_message_ids({"batchItemFailures": [{"itemIdentifier": "b"}]}, ids, False) == set()
    for invalid in ({"batchItemFailures": [{"itemIdentifier": ""}]},
                    {"batchItemFailures": [{"itemIdentifier": None}]},
                    {"batchItemFailures": [{"id": "a"}]},
                    {"batchItemFailures": [{"itemIdentifier": "zzz"}]},
                    "not json", 42):
        with pytest.raises(InvalidBatchResponse):
            failed_message_ids(invalid, ids, True)


class _FakeRuntime:
    """Stands in for a FunctionRuntime: a handler, a name, a context."""

    def __init__(self, handler: Callable[[Any, Any], Any],
                 logical_id: str = "FakeFunction") -> None:
        self.handler = handler
        self.logical_id = logical_id
        self.spec = types.SimpleNamespace(name=logical_id)

    def context(self, request_id: str | None = None) -> Any:
        return types.SimpleNamespace(aws_request_id=request_id)

    def invoke(self, event: Any, context: Any = None) -> Any:
        return self.handler(event, context or self.context())


def test_a_timer_never_overlaps_runs_and_survives_failures(
        capsys: pytest.CaptureFixture[str]) -> None:
    running, overlaps, events = [0], [0], []
    lock = threading.Lock()

    def slow_and_failing(event: Any, context: Any) -> None:
        with lock:
            running[0] += 1
            overlaps[0] = max(overlaps[0], running[0])
        events.append(event)
        time.sleep(0.12)
        with lock:
            running[0] -= 1
        raise RuntimeError("scheduled run exploded")

    runtime = _FakeRuntime(slow_and_failing)
    shared = threading.Lock()
    records: list[dict[str, Any]] = []
    timers = [ScheduleTimer(runtime, EventSpec(name, "Schedule", {}), 0.05, region="us-east-1",
                            account_id="123456789012", run_lock=shared,
                            on_failure=records.append) for name in ("One", "Two")]
    for timer in timers:
        timer.start()
    time.sleep(0.8)
    started = time.monotonic()
    for timer in timers:
        timer.stop()
    assert time.monotonic() - started < 1.0
    assert not any(timer.is_alive() for timer in timers)
    assert overlaps[0] == 1, "two runs of one function at once"
    assert sum(t.runs for t in timers) >= 3 and sum(t.skipped for t in timers) >= 1
    assert sum(t.failures for t in timers) == sum(t.runs for t in timers)
    assert "scheduled run exploded" in capsys.readouterr().err  # the traceback, on stderr
    event = events[0]
    assert (event["source"], event["detail-type"], event["detail"]) == \
        ("aws.events", "Scheduled Event", {})
    assert event["resources"][0].startswith("arn:aws:events:us-east-1:123456789012:rule/")
    assert records[0]["requestContext"]["condition"] == "RetriesExhausted"
    assert records[0]["responsePayload"]["errorType"] == "RuntimeError"
    assert records[0]["requestPayload"] == event


def test_stop_ends_the_timers_and_pumps_within_seconds(stack: LocalStack) -> None:
    sources = [*stack.timers, *stack.pumps, *stack.stream_pumps]
    assert sources and all(source.is_alive() for source in sources)
    started = time.monotonic()
    stack.stop()
    assert time.monotonic() - started < 5
    assert not any(source.is_alive() for source in sources)
    assert stack.timers == [] and stack.pumps == [] and stack.stream_pumps == []
    assert "POLL_QUEUE_URL" not in os.environ or \
        os.environ["POLL_QUEUE_URL"] != stack.queue_urls["PollQueue"]
