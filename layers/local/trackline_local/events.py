"""The local stack's event sources: schedule timers and SQS pumps, each in a background thread.

They call the real handlers with the events AWS sends, and act on the answers as AWS does:

- ScheduleTimer: every `interval` seconds, an EventBridge "Scheduled Event" (or the event's
  `Input`) for a function with a Schedule/ScheduleV2 event. Runs of one function never overlap
  (a tick that finds the previous run still going is skipped). A failure is logged with its
  traceback and, when the function's EventInvokeConfig names an SQS OnFailure destination, an
  invocation record is sent there, as Lambda does for asynchronous invocations (locally an
  asynchronous invocation is not retried: the next tick is the retry).
- SqsPump: long-polls a queue and invokes the function with a real SQS event of up to BatchSize
  records, like Lambda's event source mapping. Then: the function returned (and does not use
  ReportBatchItemFailures) -> every record is deleted; with ReportBatchItemFailures the records
  it names in batchItemFailures stay, the others are deleted (an invalid answer fails the whole
  batch, as in Lambda); the function raised -> nothing is deleted. Records left in the queue come
  back when their visibility timeout ends (the function may have changed it) and, after the
  redrive policy's maxReceiveCount, SQS (moto) moves them to the dead-letter queue.
  MaximumBatchingWindowInSeconds is an upper bound here: the pump invokes as soon as the queue has
  nothing more to give or the batch is full.

Public interface:
    scheduled_event(rule_arn, *, region, account_id, now=None) -> dict
    sqs_record(message, *, queue_arn, region) -> dict
    failed_message_ids(response, message_ids, report_batch_item_failures) -> set[str]
    invocation_record(function_arn, event, exc, *, request_id) -> dict
    ScheduleTimer(runtime, event, interval, *, region, account_id, run_lock=None,
                  on_failure=None, log=sys.stderr)
    SqsPump(runtime, event, queue_url, queue_arn, client, *, region, wait_seconds=1, log=sys.stderr)
    Each: .start(), .stop(), .join(timeout), .request_stop(), .is_alive(), .runs, .failures,
          .name
"""

from __future__ import annotations

import base64
import json
import sys
import threading
import time
import traceback
import uuid
from datetime import UTC, datetime
from typing import Any, Callable, TextIO

from .runtime import FunctionRuntime
from .template import EventSpec

SCHEDULE_EVENT_TYPES = ("Schedule", "ScheduleV2")
SQS_EVENT_TYPE = "SQS"
DEFAULT_SQS_BATCH_SIZE = 10
MAX_RECEIVE_BATCH = 10  # SQS ReceiveMessage's limit


# ---------------------------------------------------------------------------------------------
# Events
# ---------------------------------------------------------------------------------------------


def _iso(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def scheduled_event(rule_arn: str, *, region: str, account_id: str,
                    now: datetime | None = None) -> dict[str, Any]:
    """What EventBridge sends a Lambda target of a schedule rule."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account_id,
        "time": _iso(now),
        "region": region,
        "resources": [rule_arn],
        "detail": {},
    }


def _message_attribute(value: dict[str, Any]) -> dict[str, Any]:
    """SQS API message attribute -> the camelCase form Lambda puts in the event."""
    binary = value.get("BinaryValue")
    out: dict[str, Any] = {
        "stringListValues": list(value.get("StringListValues") or []),
        "binaryListValues": [base64.b64encode(v).decode() if isinstance(v, bytes) else v
                             for v in value.get("BinaryListValues") or []],
        "dataType": value.get("DataType", "String"),
    }
    if "StringValue" in value:
        out["stringValue"] = value["StringValue"]
    if binary is not None:
        out["binaryValue"] = base64.b64encode(binary).decode() if isinstance(binary, bytes) \
            else binary
    return out


def sqs_record(message: dict[str, Any], *, queue_arn: str, region: str) -> dict[str, Any]:
    """One ReceiveMessage message -> one record of the SQS event Lambda sends."""
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message.get("Body", ""),
        "attributes": dict(message.get("Attributes") or {}),
        "messageAttributes": {name: _message_attribute(value) for name, value in
                              (message.get("MessageAttributes") or {}).items()},
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if message.get("MD5OfMessageAttributes"):
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


class InvalidBatchResponse(ValueError):
    """A ReportBatchItemFailures answer Lambda would treat as a failure of the whole batch."""


def failed_message_ids(response: Any, message_ids: list[str],
                       report_batch_item_failures: bool) -> set[str]:
    """Which records of a batch failed, from the function's answer (it returned; did not raise).

    Without ReportBatchItemFailures the answer is ignored: the batch succeeded. With it, Lambda's
    rules: no answer, no or an empty batchItemFailures -> success; each itemIdentifier names a
    failed record; an answer that is not an object, or an identifier that is empty, missing or
    not in the batch -> the whole batch failed (InvalidBatchResponse).
    """
    if not report_batch_item_failures or response is None:
        return set()
    if isinstance(response, (str, bytes)):
        try:
            response = json.loads(response) if response else None
        except ValueError:
            raise InvalidBatchResponse("the answer is not JSON") from None
        if response is None:
            return set()
    if not isinstance(response, dict):
        raise InvalidBatchResponse(f"the answer is a {type(response).__name__}, not an object")
    failures = response.get("batchItemFailures")
    if failures is None:
        return set()
    if not isinstance(failures, list):
        raise InvalidBatchResponse("batchItemFailures is not a list")
    known = set(message_ids)
    failed = set()
    for item in failures:
        identifier = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not isinstance(identifier, str) or not identifier:
            raise InvalidBatchResponse(f"invalid batch item failure {item!r}")
        if identifier not in known:
            raise InvalidBatchResponse(f"itemIdentifier {identifier!r} is not in the batch")
        failed.add(identifier)
    return failed


def invocation_record(function_arn: str, event: Any, exc: BaseException, *,
                      request_id: str) -> dict[str, Any]:
    """What Lambda sends an OnFailure destination of an asynchronous invocation."""
    return {
        "version": "1.0",
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "requestContext": {
            "requestId": request_id,
            "functionArn": f"{function_arn}:$LATEST",
            "condition": "RetriesExhausted",
            "approximateInvokeCount": 1,
        },
        "requestPayload": event,
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST",
                            "functionError": "Unhandled"},
        "responsePayload": {
            "errorMessage": str(exc),
            "errorType": type(exc).__name__,
            "requestId": request_id,
            "stackTrace": traceback.format_tb(exc.__traceback__),
        },
    }


# ---------------------------------------------------------------------------------------------
# Threads
# ---------------------------------------------------------------------------------------------


class _EventSource(threading.Thread):
    """A daemon thread that loops until request_stop(); it never dies of an exception."""

    kind = "event source"

    def __init__(self, runtime: FunctionRuntime, event: EventSpec, *,
                 log: TextIO | None = None) -> None:
        super().__init__(name=f"{self.kind} {runtime.logical_id}.{event.name}", daemon=True)
        self.runtime = runtime
        self.event = event
        self._log = log
        self._stopping = threading.Event()
        self.runs = 0  # invocations made
        self.failures = 0  # invocations that raised or whose records failed

    @property
    def log(self) -> TextIO:
        return self._log or sys.stderr  # sys.stderr at the time of writing (pytest swaps it)

    def request_stop(self) -> None:
        self._stopping.set()

    def stop(self, timeout: float = 10.0) -> None:
        self.request_stop()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout)

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def _report(self, message: str, exc: BaseException | None = None) -> None:
        text = f"[local] {self.name}: {message}\n"
        if exc is not None:
            text += "".join(traceback.format_exception(exc))
        try:
            self.log.write(text)
            self.log.flush()
        except (OSError, ValueError):  # a closed stream at interpreter exit
            pass


class ScheduleTimer(_EventSource):
    kind = "schedule"

    def __init__(
        self,
        runtime: FunctionRuntime,
        event: EventSpec,
        interval: float,
        *,
        region: str,
        account_id: str,
        run_lock: threading.Lock | None = None,
        on_failure: Callable[[dict[str, Any]], None] | None = None,
        log: TextIO | None = None,
    ) -> None:
        super().__init__(runtime, event, log=log)
        if interval <= 0:
            raise ValueError("a schedule interval must be positive")
        self.interval = float(interval)
        self.region = region
        self.account_id = account_id
        self.run_lock = run_lock or threading.Lock()
        self.on_failure = on_failure
        self.skipped = 0
        function_name = runtime.spec.name or runtime.logical_id
        self.rule_arn = (f"arn:aws:events:{region}:{account_id}:rule/"
                         f"{function_name}-{event.name}")
        self.function_arn = f"arn:aws:lambda:{region}:{account_id}:function:{function_name}"

    def make_event(self) -> Any:
        raw_input = self.event.properties.get("Input")
        if isinstance(raw_input, str) and raw_input.strip():
            return json.loads(raw_input)
        return scheduled_event(self.rule_arn, region=self.region, account_id=self.account_id)

    def run(self) -> None:
        next_at = time.monotonic() + self.interval
        while not self._stopping.wait(max(0.0, next_at - time.monotonic())):
            self.fire()
            next_at += self.interval
            now = time.monotonic()
            if next_at <= now:  # a run longer than the interval: no burst of missed ticks
                next_at = now + self.interval

    def fire(self) -> bool:
        """One scheduled invocation now; False when skipped (the previous run still going)."""
        if not self.run_lock.acquire(blocking=False):
            self.skipped += 1
            self._report("the previous run is still going; this tick is skipped")
            return False
        try:
            self._invoke()
        finally:
            self.run_lock.release()
        return True

    def _invoke(self) -> None:
        request_id = str(uuid.uuid4())
        try:
            event = self.make_event()
        except ValueError as exc:
            self.failures += 1
            self._report("the schedule's Input is not JSON", exc)
            return
        try:
            self.runtime.invoke(event, self.runtime.context(request_id))
        except Exception as exc:  # noqa: BLE001 - a failed run never ends the timer
            self.failures += 1
            self._report("scheduled invocation failed", exc)
            if self.on_failure is not None:
                try:
                    self.on_failure(invocation_record(self.function_arn, event, exc,
                                                      request_id=request_id))
                except Exception as destination_exc:  # noqa: BLE001
                    self._report("could not send to the OnFailure destination", destination_exc)
        finally:
            self.runs += 1


class SqsPump(_EventSource):
    kind = "sqs"

    def __init__(
        self,
        runtime: FunctionRuntime,
        event: EventSpec,
        queue_url: str,
        queue_arn: str,
        client: Any,
        *,
        region: str,
        wait_seconds: int = 1,
        log: TextIO | None = None,
    ) -> None:
        super().__init__(runtime, event, log=log)
        props = event.properties
        self.queue_url = queue_url
        self.queue_arn = queue_arn
        self.client = client
        self.region = region
        self.wait_seconds = int(wait_seconds)
        self.batch_size = max(1, int(props.get("BatchSize") or DEFAULT_SQS_BATCH_SIZE))
        self.batching_window = float(props.get("MaximumBatchingWindowInSeconds") or 0)
        self.report_batch_item_failures = "ReportBatchItemFailures" in (
            props.get("FunctionResponseTypes") or [])
        self.deleted = 0  # records deleted after success
        self.left = 0  # records left in the queue after a failure

    # -- the loop ------------------------------------------------------------------------------
    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                self.poll_once()
            except Exception as exc:  # noqa: BLE001 - e.g. the queue is gone; try again
                self._report("receiving from the queue failed", exc)
                self._stopping.wait(1.0)

    def poll_once(self) -> int:
        """Receive one batch (long-polling up to wait_seconds) and deliver it; returns its size."""
        messages = self.receive()
        if messages:
            self.deliver(messages)
        return len(messages)

    def _receive(self, count: int, wait: int) -> list[dict[str, Any]]:
        return self.client.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=max(1, min(MAX_RECEIVE_BATCH, count)),
            WaitTimeSeconds=wait,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])

    def receive(self) -> list[dict[str, Any]]:
        messages = self._receive(self.batch_size, self.wait_seconds)
        if not messages:
            return []
        deadline = time.monotonic() + self.batching_window
        while (len(messages) < self.batch_size and time.monotonic() < deadline
               and not self._stopping.is_set()):
            more = self._receive(self.batch_size - len(messages), 0)
            if not more:
                break
            messages += more
        return messages

    # -- one batch -----------------------------------------------------------------------------
    def deliver(self, messages: list[dict[str, Any]]) -> set[str]:
        """Invoke with these messages as one SQS event; delete what succeeded. Returns the ids
        of the records left in the queue."""
        records = [sqs_record(m, queue_arn=self.queue_arn, region=self.region) for m in messages]
        ids = [r["messageId"] for r in records]
        self.runs += 1
        try:
            response = self.runtime.invoke({"Records": records})
        except Exception as exc:  # noqa: BLE001 - the whole batch comes back
            self.failures += 1
            self.left += len(records)
            self._report(f"invocation failed; the batch of {len(records)} stays in the queue",
                         exc)
            return set(ids)
        try:
            failed = failed_message_ids(response, ids, self.report_batch_item_failures)
        except InvalidBatchResponse as exc:
            self.failures += 1
            self.left += len(records)
            self._report(f"invalid batch response ({exc}); the batch of {len(records)} stays "
                         "in the queue")
            return set(ids)
        if failed:
            self.failures += 1
            self.left += len(failed)
        self._delete_records([r for r in records if r["messageId"] not in failed])
        return failed

    def _delete_records(self, records: list[dict[str, Any]]) -> None:
        for start in range(0, len(records), MAX_RECEIVE_BATCH):
            chunk = records[start:start + MAX_RECEIVE_BATCH]
            response = self.client.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": r["receiptHandle"]}
                         for i, r in enumerate(chunk)],
            )
            self.deleted += len(response.get("Successful") or [])
            for failure in response.get("Failed") or []:
                self._report(f"could not delete a processed message: {failure}")
