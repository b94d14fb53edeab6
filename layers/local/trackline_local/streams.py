"""The DynamoDB stream event source: what Lambda's event source mapping does for a function's
`DynamoDB` event, run in a background thread against the table's stream.

StreamPump reads every shard of the stream (a child shard only after its parent is finished),
each in order, through the `dynamodbstreams` API at the DynamoDB endpoint, and invokes the
function with Lambda's DynamoDB stream event. Like the mapping it honours:
- StartingPosition: TRIM_HORIZON, or LATEST (taken when the pump starts; shards that appear later
  are read from their beginning, as Lambda does);
- BatchSize (default 100) and MaximumBatchingWindowInSeconds, an upper bound here: a batch goes as
  soon as the stream has nothing more to give;
- FilterCriteria (see filters.py): records that match no filter are dropped, counted as processed;
- FunctionResponseTypes [ReportBatchItemFailures]: batchItemFailures name SequenceNumbers; the
  records before the lowest one are done, the batch is retried from it (an invalid answer fails
  the whole batch);
- BisectBatchOnFunctionError: a batch that fails as a whole is split in two halves, retried in
  order; splitting does not count as a retry;
- MaximumRetryAttempts (default -1, forever): then the records are discarded, the OnFailure
  destination gets Lambda's record for a stream batch, and the shard moves on.
Retries wait 0.05 s, doubling up to 5 s; an idle pump polls every 0.2 s.

What moto's stream does differently, and how it is met here: every record says region us-east-1
and eventVersion 1.0 (the event gets the stack's region and 1.1); a put that changes nothing
writes a MODIFY with equal images, and an UpdateItem that creates its item writes a keys-only
INSERT before the real one (DynamoDB writes neither; both are dropped when they arrive together);
a shard iterator is kept for ever (the pump's `after_read` hook lets the stack forget spent ones,
see forget_spent_moto_iterators). Binary attributes come back from boto3 as bytes and go to the
function base64-encoded, as Lambda sends them.

Public interface:
    DYNAMODB_EVENT_TYPE
    table_stream_arns(dynamodb_client, table_names) -> dict[logical_id, stream ARN]
    lambda_stream_record(raw, *, stream_arn, region) -> dict
    without_phantom_records(raw_records) -> list
    stream_failure_record(function_arn, records, *, shard_id, stream_arn, request_id,
                          invoke_count, function_error) -> dict
    forget_spent_moto_iterators(lock=None) -> callable(iterator)
    StreamPump(runtime, event, stream_arn, client, *, region, account_id, on_failure=None,
               idle_seconds=0.2, after_read=None, log=None)
        .start(), .stop(), .poll_once() -> int, .shards, .runs, .failures, .delivered,
        .filtered_out, .discarded
"""

from __future__ import annotations

import base64
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Callable, Mapping, TextIO

from .events import InvalidBatchResponse, _EventSource, failed_message_ids
from .filters import load_filter_criteria, passes_filters
from .runtime import FunctionRuntime
from .template import DEFAULT_ACCOUNT_ID, EventSpec

DYNAMODB_EVENT_TYPE = "DynamoDB"
DEFAULT_BATCH_SIZE = 100
MAX_BATCH_SIZE = 10_000
GET_RECORDS_LIMIT = 1000  # the API's maximum
IDLE_SECONDS = 0.2
DESCRIBE_EVERY_SECONDS = 5.0  # shards split rarely (moto's stream never does)
FIRST_RETRY_DELAY = 0.05
MAX_RETRY_DELAY = 5.0
STARTING_POSITIONS = ("TRIM_HORIZON", "LATEST")


# ---------------------------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------------------------


def table_stream_arns(dynamodb_client: Any, table_names: Mapping[str, str]) -> dict[str, str]:
    """logical id -> the table's current stream ARN, for the tables that have a stream."""
    arns = {}
    for lid, name in table_names.items():
        arn = dynamodb_client.describe_table(TableName=name)["Table"].get("LatestStreamArn")
        if arn:
            arns[lid] = arn
    return arns


def _wire_value(value: Any) -> Any:
    """An attribute value as DynamoDB JSON on the wire: binaries base64-encoded."""
    if not isinstance(value, dict):
        return value
    out = {}
    for kind, inner in value.items():
        if kind == "B" and isinstance(inner, (bytes, bytearray)):
            out[kind] = base64.b64encode(inner).decode()
        elif kind == "BS":
            out[kind] = [base64.b64encode(b).decode() if isinstance(b, (bytes, bytearray))
                         else b for b in inner]
        elif kind == "M":
            out[kind] = {k: _wire_value(v) for k, v in inner.items()}
        elif kind == "L":
            out[kind] = [_wire_value(v) for v in inner]
        else:
            out[kind] = inner
    return out


def _epoch_seconds(value: Any) -> int:
    if isinstance(value, datetime):
        return int(value.timestamp())
    return int(float(value))


def lambda_stream_record(raw: Mapping[str, Any], *, stream_arn: str,
                         region: str) -> dict[str, Any]:
    """One GetRecords record -> one record of the DynamoDB stream event Lambda sends."""
    source = raw["dynamodb"]
    dynamodb: dict[str, Any] = {}
    if source.get("ApproximateCreationDateTime") is not None:
        dynamodb["ApproximateCreationDateTime"] = _epoch_seconds(
            source["ApproximateCreationDateTime"])
    for key in ("Keys", "NewImage", "OldImage"):
        if key in source:
            dynamodb[key] = {name: _wire_value(v) for name, v in source[key].items()}
    for key in ("SequenceNumber", "SizeBytes", "StreamViewType"):
        if key in source:
            dynamodb[key] = source[key]
    record: dict[str, Any] = {
        "eventID": raw.get("eventID") or uuid.uuid4().hex,
        "eventName": raw["eventName"],
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "dynamodb": dynamodb,
        "eventSourceARN": stream_arn,
    }
    if raw.get("userIdentity"):  # deletions by TTL say who deleted
        record["userIdentity"] = raw["userIdentity"]
    return record


def without_phantom_records(raw_records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop the records moto writes and DynamoDB does not (see the module's notes)."""
    kept = []
    for index, record in enumerate(raw_records):
        stream = record.get("dynamodb") or {}
        if record.get("eventName") == "MODIFY" and "OldImage" in stream and \
                stream.get("OldImage") == stream.get("NewImage"):
            continue
        following = raw_records[index + 1] if index + 1 < len(raw_records) else None
        if record.get("eventName") == "INSERT" and following is not None and \
                following.get("eventName") == "INSERT" and \
                (following.get("dynamodb") or {}).get("Keys") == stream.get("Keys"):
            continue  # two INSERTs of one key in a row: the first never happened
        kept.append(record)
    return kept


def _iso_seconds(epoch: int | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def stream_failure_record(function_arn: str, records: list[dict[str, Any]], *, shard_id: str,
                          stream_arn: str, request_id: str, invoke_count: int,
                          function_error: bool) -> dict[str, Any]:
    """What Lambda sends a stream mapping's OnFailure destination for discarded records."""
    response_context: dict[str, Any] = {"statusCode": 200, "executedVersion": "$LATEST"}
    if function_error:
        response_context["functionError"] = "Unhandled"
    first, last = records[0]["dynamodb"], records[-1]["dynamodb"]
    return {
        "requestContext": {
            "requestId": request_id,
            "functionArn": function_arn,
            "condition": "RetryAttemptsExhausted",
            "approximateInvokeCount": invoke_count,
        },
        "responseContext": response_context,
        "version": "1.0",
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "DDBStreamBatchInfo": {
            "shardId": shard_id,
            "startSequenceNumber": first.get("SequenceNumber"),
            "endSequenceNumber": last.get("SequenceNumber"),
            "approximateArrivalOfFirstRecord": _iso_seconds(
                first.get("ApproximateCreationDateTime")),
            "approximateArrivalOfLastRecord": _iso_seconds(
                last.get("ApproximateCreationDateTime")),
            "batchSize": len(records),
            "streamArn": stream_arn,
        },
    }


def forget_spent_moto_iterators(lock: Any = None) -> Callable[[str], None]:
    """moto keeps every shard iterator it hands out; an idle pump asks for five a second. This
    forgets one the pump has used (the embedded moto runs in this process)."""
    from moto.dynamodbstreams.models import dynamodbstreams_backends

    def forget(iterator: str) -> None:
        if lock is not None:
            with lock:
                _forget(iterator)
        else:
            _forget(iterator)

    def _forget(iterator: str) -> None:
        for regions in list(dynamodbstreams_backends.values()):
            for backend in list(regions.values()):
                backend.shard_iterators.pop(iterator, None)

    return forget


# ---------------------------------------------------------------------------------------------
# The pump
# ---------------------------------------------------------------------------------------------


@dataclass
class Shard:
    shard_id: str
    parent_id: str | None
    start_at: str  # TRIM_HORIZON or LATEST: where reading begins when nothing was read yet
    iterator: str | None = None
    closed: bool = False  # the stream has nothing more for this shard
    last_sequence: str | None = None  # of the last record read
    pending: list[dict[str, Any]] = field(default_factory=list)  # read, matched, not yet done

    @property
    def finished(self) -> bool:
        return self.closed and not self.pending


@dataclass
class _Piece:
    """A contiguous part of a batch on its way through retries and bisection."""

    records: list[dict[str, Any]]
    retries: int = 0
    invocations: int = 0


@dataclass
class _Outcome:
    retry_from: int | None  # None: every record done; else the index of the first not done
    function_error: bool = False


def _error_code(exc: Exception) -> str:
    return getattr(exc, "response", {}).get("Error", {}).get("Code", "")


class StreamPump(_EventSource):
    kind = "dynamodb stream"

    def __init__(
        self,
        runtime: FunctionRuntime,
        event: EventSpec,
        stream_arn: str,
        client: Any,
        *,
        region: str,
        account_id: str = DEFAULT_ACCOUNT_ID,
        on_failure: Callable[[dict[str, Any]], None] | None = None,
        idle_seconds: float = IDLE_SECONDS,
        after_read: Callable[[str], None] | None = None,
        log: TextIO | None = None,
    ) -> None:
        super().__init__(runtime, event, log=log)
        props = event.properties
        self.stream_arn = stream_arn
        self.client = client
        self.region = region
        self.on_failure = on_failure
        self.idle_seconds = float(idle_seconds)
        self.after_read = after_read
        self.batch_size = int(props.get("BatchSize") or DEFAULT_BATCH_SIZE)
        if not 1 <= self.batch_size <= MAX_BATCH_SIZE:
            raise ValueError(f"{self.name}: BatchSize must be 1..{MAX_BATCH_SIZE}")
        self.starting_position = str(props.get("StartingPosition") or "").upper()
        if self.starting_position not in STARTING_POSITIONS:
            raise ValueError(f"{self.name}: StartingPosition must be one of "
                             f"{', '.join(STARTING_POSITIONS)}")
        self.bisect = props.get("BisectBatchOnFunctionError") in (True, "true", "True")
        self.max_retries = int(props.get("MaximumRetryAttempts", -1))
        self.report_batch_item_failures = "ReportBatchItemFailures" in (
            props.get("FunctionResponseTypes") or [])
        try:
            self.patterns = load_filter_criteria(props.get("FilterCriteria"))
        except ValueError as exc:
            raise ValueError(f"{self.name}: {exc}") from None
        function_name = runtime.spec.name or runtime.logical_id
        self.function_arn = f"arn:aws:lambda:{region}:{account_id}:function:{function_name}"
        self.shards: dict[str, Shard] = {}
        self._described_at = 0.0
        self._last_error = ""
        self.delivered = 0  # records in batches the function finished
        self.filtered_out = 0  # records that matched no filter
        self.discarded = 0  # records given up on (sent to the OnFailure destination)

    # -- the loop ------------------------------------------------------------------------------
    def start(self) -> None:
        # LATEST means "from now": the position is taken before start() returns.
        try:
            self.discover(initial=True)
        except Exception as exc:  # noqa: BLE001 - the loop tries again
            self._report("cannot read the stream yet", exc)
        super().start()

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                worked = self.poll_once()
            except Exception as exc:  # noqa: BLE001 - e.g. the endpoint is briefly away
                self._report("reading the stream failed", exc)
                self._stopping.wait(1.0)
                continue
            if not worked:
                self._stopping.wait(self.idle_seconds)

    def poll_once(self) -> int:
        """Read every ready shard once and deliver what it gave; returns the records read."""
        if not self.shards or time.monotonic() - self._described_at > DESCRIBE_EVERY_SECONDS:
            self.discover(initial=not self.shards and not self._described_at)
        read = 0
        for shard in list(self.shards.values()):
            if self.stopping:
                break
            if not self._ready(shard):
                continue
            read += self._read(shard)
            while shard.pending and not self.stopping:
                batch = shard.pending[:self.batch_size]
                done = self._process(shard, batch)
                del shard.pending[:done]
        return read

    # -- shards --------------------------------------------------------------------------------
    def discover(self, *, initial: bool = False) -> None:
        described, request = [], {"StreamArn": self.stream_arn}
        while True:
            description = self.client.describe_stream(**request)["StreamDescription"]
            described += description.get("Shards") or []
            if not description.get("LastEvaluatedShardId"):
                break
            request["ExclusiveStartShardId"] = description["LastEvaluatedShardId"]
        self._described_at = time.monotonic()
        present = {s["ShardId"] for s in described}
        for shard_id in [i for i, s in self.shards.items() if s.finished and i not in present]:
            del self.shards[shard_id]  # trimmed from the stream and done: forget it
        for description in described:
            shard_id = description["ShardId"]
            if shard_id in self.shards:
                continue
            start_at = self.starting_position if initial else "TRIM_HORIZON"
            shard = Shard(shard_id, description.get("ParentShardId"), start_at)
            if start_at == "LATEST" and \
                    "EndingSequenceNumber" in (description.get("SequenceNumberRange") or {}):
                shard.closed = True  # closed before we started: nothing of it is "new"
            else:
                shard.iterator = self._new_iterator(shard)
            self.shards[shard_id] = shard

    def _ready(self, shard: Shard) -> bool:
        if shard.finished:
            return False
        parent = self.shards.get(shard.parent_id or "")
        return parent is None or parent.finished

    def _new_iterator(self, shard: Shard) -> str:
        request = {"StreamArn": self.stream_arn, "ShardId": shard.shard_id}
        if shard.last_sequence is not None:
            request.update(ShardIteratorType="AFTER_SEQUENCE_NUMBER",
                           SequenceNumber=shard.last_sequence)
        else:
            request["ShardIteratorType"] = shard.start_at
        return self.client.get_shard_iterator(**request)["ShardIterator"]

    def _read(self, shard: Shard) -> int:
        if shard.closed:
            return 0
        if shard.iterator is None:
            shard.iterator = self._new_iterator(shard)
        try:
            response = self.client.get_records(ShardIterator=shard.iterator,
                                               Limit=GET_RECORDS_LIMIT)
        except Exception as exc:
            code = _error_code(exc)
            if code == "ExpiredIteratorException":
                shard.iterator = None  # a fresh one, after the last record read
                return 0
            if code == "TrimmedDataAccessException":
                shard.iterator, shard.last_sequence, shard.start_at = None, None, "TRIM_HORIZON"
                return 0
            raise
        spent, shard.iterator = shard.iterator, response.get("NextShardIterator")
        if self.after_read is not None:
            self.after_read(spent)
        if shard.iterator is None:
            shard.closed = True
        raw = response.get("Records") or []
        if not raw:
            return 0
        shard.last_sequence = raw[-1]["dynamodb"]["SequenceNumber"]
        records = [lambda_stream_record(r, stream_arn=self.stream_arn, region=self.region)
                   for r in without_phantom_records(raw)]
        matching = [r for r in records if passes_filters(r, self.patterns)]
        self.filtered_out += len(records) - len(matching)
        shard.pending.extend(matching)
        return len(raw)

    # -- one batch -----------------------------------------------------------------------------
    def _process(self, shard: Shard, batch: list[dict[str, Any]]) -> int:
        """Deliver one batch until every record is done or given up; returns how many leading
        records of the batch are done (fewer only when the pump is stopping)."""
        pieces, done, delay = [_Piece(list(batch))], 0, FIRST_RETRY_DELAY
        while pieces:
            if self.stopping:
                return done
            piece = pieces[0]
            piece.invocations += 1
            outcome = self._invoke(piece.records)
            if outcome.retry_from is None:
                self.delivered += len(piece.records)
                done += len(piece.records)
                pieces.pop(0)
                continue
            finished, rest = piece.records[:outcome.retry_from], piece.records[outcome.retry_from:]
            self.delivered += len(finished)
            done += len(finished)
            if self.bisect and len(rest) > 1 and (outcome.function_error or not finished):
                half = (len(rest) + 1) // 2
                pieces[0:1] = [_Piece(rest[:half], piece.retries, piece.invocations),
                               _Piece(rest[half:], piece.retries, piece.invocations)]
                continue  # a split is not a retry
            if 0 <= self.max_retries <= piece.retries:
                self._discard(shard, rest, piece, outcome)
                done += len(rest)
                pieces.pop(0)
                continue
            piece.records, piece.retries = rest, piece.retries + 1
            self._stopping.wait(delay)
            delay = min(delay * 2, MAX_RETRY_DELAY)
        return done

    def _invoke(self, records: list[dict[str, Any]]) -> _Outcome:
        request_id = str(uuid.uuid4())
        self.runs += 1
        try:
            response = self.runtime.invoke({"Records": records},
                                           self.runtime.context(request_id))
        except Exception as exc:  # noqa: BLE001 - the batch is retried, as Lambda does
            self.failures += 1
            self._report_failure(f"invocation with {len(records)} record(s) failed", exc)
            return _Outcome(0, function_error=True)
        if not self.report_batch_item_failures:
            return _Outcome(None)
        sequence_numbers = [r["dynamodb"]["SequenceNumber"] for r in records]
        try:
            failed = failed_message_ids(response, sequence_numbers, True)
        except InvalidBatchResponse as exc:
            self.failures += 1
            self._report_failure(f"invalid batch response ({exc}); the whole batch failed")
            return _Outcome(0)
        if not failed:
            return _Outcome(None)
        self.failures += 1
        retry_from = min(i for i, number in enumerate(sequence_numbers) if number in failed)
        self._report_failure(f"{len(failed)} of {len(records)} record(s) failed; retrying from "
                             f"sequence number {sequence_numbers[retry_from]}")
        return _Outcome(retry_from)

    def _report_failure(self, message: str, exc: BaseException | None = None) -> None:
        """The traceback once per distinct error; a retry of the same failure is one line."""
        signature = f"{type(exc).__name__}: {exc}" if exc is not None else message
        if signature == self._last_error:
            self._report(message + " (again)")
        else:
            self._last_error = signature
            self._report(message, exc)

    def _discard(self, shard: Shard, records: list[dict[str, Any]], piece: _Piece,
                 outcome: _Outcome) -> None:
        self.discarded += len(records)
        first, last = records[0]["dynamodb"], records[-1]["dynamodb"]
        self._report(f"{len(records)} record(s) discarded after {piece.invocations} "
                     f"invocation(s) (sequence numbers {first.get('SequenceNumber')}.."
                     f"{last.get('SequenceNumber')})")
        self._last_error = ""
        if self.on_failure is None:
            return
        try:
            self.on_failure(stream_failure_record(
                self.function_arn, records, shard_id=shard.shard_id, stream_arn=self.stream_arn,
                request_id=str(uuid.uuid4()), invoke_count=piece.invocations,
                function_error=outcome.function_error))
        except Exception as exc:  # noqa: BLE001 - the shard moves on regardless, as in Lambda
            self._report("could not send to the OnFailure destination", exc)

