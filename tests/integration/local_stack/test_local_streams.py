"""DynamoDB streams on a real LocalStack: a table's writes reach the functions with `DynamoDB`
events through the stream, as Lambda's event source mapping delivers them (order, images, filters,
partial batch failures, bisection, retries, the OnFailure destination).

Each behaviour has its own table and function in one small template, so their batches never mix.
Handlers of our own record the events in their module. Everything listens on 127.0.0.1.
"""

from __future__ import annotations

import base64
import json
import logging
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Iterator

import boto3
import pytest
from moto.server import ThreadedMotoServer

from tests.integration.local_stack.conftest import isolated_aws_environment
from trackline_local.stack import LocalStack
from trackline_local.streams import StreamPump

REGION = "eu-west-1"  # not moto's us-east-1, to see the records get the stack's region

TABLE = """\
  {name}:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{{AttributeName: pk, AttributeType: S}}]
      KeySchema: [{{AttributeName: pk, KeyType: HASH}}]
      StreamSpecification: {{StreamViewType: NEW_AND_OLD_IMAGES}}
"""

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.13
    Timeout: 10
    Environment:
      Variables:
        TABLE_NAME: !Ref OrderTable
        ORDER_STREAM_ARN: !GetAtt OrderTable.StreamArn
Resources:
{tables}
  FailureQueue:
    Type: AWS::SQS::Queue
  RecordAllFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/streams/
      Handler: {module}.record_all
      Events:
        Changes:
          Type: DynamoDB
          Properties:
            Stream: !GetAtt OrderTable.StreamArn
            StartingPosition: TRIM_HORIZON
            BatchSize: 100
  FilteredFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/streams/
      Handler: {module}.filtered
      Events:
        Changes:
          Type: DynamoDB
          Properties:
            Stream: !GetAtt FilterTable.StreamArn
            StartingPosition: TRIM_HORIZON
            FilterCriteria:
              Filters:
                - Pattern: '{{"eventName": ["INSERT"], "dynamodb": {{"Keys": {{"pk": {{"S": [{{"prefix": "f-"}}]}}}}, "NewImage": {{"color": {{"S": [{{"anything-but": ["red"]}}]}}}}}}}}'
                - Pattern: '{{"dynamodb": {{"NewImage": {{"urgent": {{"BOOL": [true]}}}}}}}}'
  PickyFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/streams/
      Handler: {module}.picky
      Events:
        Changes:
          Type: DynamoDB
          Properties:
            Stream: !GetAtt PickyTable.StreamArn
            StartingPosition: TRIM_HORIZON
            BatchSize: 10
            MaximumRetryAttempts: 5
            FunctionResponseTypes: [ReportBatchItemFailures]
  FragileFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/streams/
      Handler: {module}.fragile
      Events:
        Changes:
          Type: DynamoDB
          Properties:
            Stream: !GetAtt FragileTable.StreamArn
            StartingPosition: TRIM_HORIZON
            BatchSize: 10
            BisectBatchOnFunctionError: true
            MaximumRetryAttempts: 2
            DestinationConfig:
              OnFailure:
                Type: SQS
                Destination: !GetAtt FailureQueue.Arn
  SwitchedOffFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/streams/
      Handler: {module}.record_all
      Events:
        Changes:
          Type: DynamoDB
          Properties:
            Stream: !GetAtt OrderTable.StreamArn
            StartingPosition: TRIM_HORIZON
            Enabled: false
"""

HANDLERS = """\
EVENTS = {"all": [], "filtered": [], "picky": [], "fragile": []}
FAILURES_LEFT = {}


def record_all(event, context):
    EVENTS["all"].append(event)


def filtered(event, context):
    EVENTS["filtered"].append(event)


def picky(event, context):
    EVENTS["picky"].append(event)
    failures = []
    for record in event["Records"]:
        number = record["dynamodb"]["SequenceNumber"]
        wanted = int((record["dynamodb"].get("NewImage") or {}).get("fail_times", {}).get("N", 0))
        left = FAILURES_LEFT.setdefault(number, wanted)
        if left:
            FAILURES_LEFT[number] = left - 1
            failures.append({"itemIdentifier": number})
    return {"batchItemFailures": failures}


def fragile(event, context):
    EVENTS["fragile"].append(event)
    if any("poison" in (r["dynamodb"].get("NewImage") or {}) for r in event["Records"]):
        raise RuntimeError("a poisoned record")
"""

TABLES = ("OrderTable", "FilterTable", "PickyTable", "FragileTable")


def _wait_for(condition: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def write_project(root: Path, module: str) -> Path:
    (root / "functions" / "streams").mkdir(parents=True, exist_ok=True)
    (root / "functions" / "streams" / f"{module}.py").write_text(HANDLERS)
    tables = "".join(TABLE.format(name=name) for name in TABLES)
    path = root / "template.yaml"
    path.write_text(TEMPLATE.format(tables=tables.rstrip("\n"), module=module))
    return path


class StreamStack:
    def __init__(self, stack: LocalStack, module: str) -> None:
        self.stack = stack
        self.handlers = sys.modules[module]
        self.dynamodb = stack.dynamodb_client()

    def table(self, lid: str) -> str:
        return self.stack.table_names[lid]

    def pump(self, function_id: str) -> StreamPump:
        (pump,) = [p for p in self.stack.stream_pumps if p.runtime.logical_id == function_id]
        return pump

    def events(self, kind: str) -> list[dict[str, Any]]:
        return list(self.handlers.EVENTS[kind])


@pytest.fixture(scope="module")
def streams(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StreamStack]:
    suffix = uuid.uuid4().hex[:8]
    module = f"ls_streams_{suffix}_handler"
    template = write_project(tmp_path_factory.mktemp("streams_project"), module)
    names = {lid: f"{lid}-{suffix}" for lid in (*TABLES, "FailureQueue")}
    with isolated_aws_environment():
        stack = LocalStack(port=0, template=template, table_names=names, region=REGION,
                           access_log=False, register_api_key=False)
        with stack:
            yield StreamStack(stack, module)


def _keys(event: dict[str, Any]) -> list[str]:
    return [r["dynamodb"]["Keys"]["pk"]["S"] for r in event["Records"]]


def test_every_dynamodb_event_gets_a_pump_on_the_real_stream(streams: StreamStack) -> None:
    stack = streams.stack
    assert sorted(p.runtime.logical_id for p in stack.stream_pumps) == \
        ["FilteredFunction", "FragileFunction", "PickyFunction", "RecordAllFunction"]
    assert all(p.is_alive() for p in stack.stream_pumps)  # SwitchedOffFunction: Enabled false
    described = streams.dynamodb.describe_table(TableName=streams.table("OrderTable"))["Table"]
    assert stack.stream_arns["OrderTable"] == described["LatestStreamArn"]
    # !GetAtt Table.StreamArn is the real stream, in the environment and in the pump
    assert stack.environment["ORDER_STREAM_ARN"] == described["LatestStreamArn"]
    assert streams.pump("RecordAllFunction").stream_arn == described["LatestStreamArn"]
    # read through the dynamodbstreams API at the DynamoDB endpoint
    assert streams.pump("RecordAllFunction").client.meta.endpoint_url == stack.dynamodb_endpoint
    fragile = streams.pump("FragileFunction")
    assert (fragile.batch_size, fragile.bisect, fragile.max_retries) == (10, True, 2)
    assert fragile.on_failure is not None


def test_inserts_modifies_and_removes_arrive_in_order_with_their_images(
        streams: StreamStack) -> None:
    table, ddb = streams.table("OrderTable"), streams.dynamodb
    started = time.time()
    ddb.put_item(TableName=table, Item={"pk": {"S": "o-1"}, "v": {"N": "1"},
                                        "blob": {"B": b"\x00\x01"}})
    # DynamoDB writes no record for a put that changes nothing (moto does; the pump drops it)
    ddb.put_item(TableName=table, Item={"pk": {"S": "o-1"}, "v": {"N": "1"},
                                        "blob": {"B": b"\x00\x01"}})
    ddb.update_item(TableName=table, Key={"pk": {"S": "o-1"}}, UpdateExpression="SET v = :v",
                    ExpressionAttributeValues={":v": {"N": "2"}})
    # an UpdateItem that creates its item is one INSERT (moto writes a keys-only one first)
    ddb.update_item(TableName=table, Key={"pk": {"S": "o-2"}}, UpdateExpression="SET v = :v",
                    ExpressionAttributeValues={":v": {"N": "7"}})
    ddb.delete_item(TableName=table, Key={"pk": {"S": "o-1"}})

    def records() -> list[dict[str, Any]]:
        return [r for e in streams.events("all") for r in e["Records"]]

    assert _wait_for(lambda: len(records()) >= 4), records()
    time.sleep(0.5)  # nothing more comes
    got = records()
    assert [(r["eventName"], r["dynamodb"]["Keys"]["pk"]["S"]) for r in got] == [
        ("INSERT", "o-1"), ("MODIFY", "o-1"), ("INSERT", "o-2"), ("REMOVE", "o-1")]
    insert, modify, create, remove = got
    stream_arn = streams.stack.stream_arns["OrderTable"]
    for record in got:
        assert set(record) == {"eventID", "eventName", "eventVersion", "eventSource",
                               "awsRegion", "dynamodb", "eventSourceARN"}
        assert (record["eventVersion"], record["eventSource"], record["awsRegion"],
                record["eventSourceARN"]) == ("1.1", "aws:dynamodb", REGION, stream_arn)
        stream = record["dynamodb"]
        assert stream["StreamViewType"] == "NEW_AND_OLD_IMAGES"
        assert isinstance(stream["SizeBytes"], int) and stream["SizeBytes"] > 0
        assert isinstance(stream["ApproximateCreationDateTime"], int)
        assert started - 5 <= stream["ApproximateCreationDateTime"] <= time.time() + 5
    numbers = [int(r["dynamodb"]["SequenceNumber"]) for r in got]
    assert numbers == sorted(numbers) and len(set(numbers)) == 4
    # images in DynamoDB JSON, binaries base64-encoded as Lambda sends them
    assert insert["dynamodb"]["NewImage"] == {
        "pk": {"S": "o-1"}, "v": {"N": "1"}, "blob": {"B": base64.b64encode(b"\x00\x01").decode()}}
    assert "OldImage" not in insert["dynamodb"]
    assert modify["dynamodb"]["OldImage"]["v"] == {"N": "1"}
    assert modify["dynamodb"]["NewImage"]["v"] == {"N": "2"}
    assert create["dynamodb"]["NewImage"] == {"pk": {"S": "o-2"}, "v": {"N": "7"}}
    assert remove["dynamodb"]["OldImage"]["v"] == {"N": "2"}
    assert "NewImage" not in remove["dynamodb"]
    assert remove["dynamodb"]["Keys"] == {"pk": {"S": "o-1"}}
    json.dumps(streams.events("all"))  # the event is plain JSON, as Lambda's


def test_filter_criteria_pass_only_matching_records(streams: StreamStack) -> None:
    table, ddb = streams.table("FilterTable"), streams.dynamodb
    pump = streams.pump("FilteredFunction")
    items = [
        {"pk": {"S": "f-1"}, "color": {"S": "blue"}},  # filter 1
        {"pk": {"S": "f-2"}, "color": {"S": "red"}},  # anything-but red: no
        {"pk": {"S": "g-3"}, "color": {"S": "blue"}, "urgent": {"BOOL": True}},  # filter 2
        {"pk": {"S": "f-4"}},  # no color: anything-but needs the field
        {"pk": {"S": "g-5"}, "color": {"S": "green"}},  # not f-
    ]
    for item in items:
        ddb.put_item(TableName=table, Item=item)
    ddb.put_item(TableName=table, Item={"pk": {"S": "f-1"}, "color": {"S": "green"}})  # MODIFY
    assert _wait_for(lambda: pump.filtered_out + pump.delivered >= 6)
    time.sleep(0.3)
    delivered = [(r["eventName"], r["dynamodb"]["Keys"]["pk"]["S"])
                 for e in streams.events("filtered") for r in e["Records"]]
    assert delivered == [("INSERT", "f-1"), ("INSERT", "g-3")]
    assert (pump.delivered, pump.filtered_out) == (2, 4)  # dropped records count as processed


def test_a_partial_batch_failure_is_retried_from_the_failed_record(streams: StreamStack) -> None:
    table = streams.table("PickyTable")
    streams.dynamodb.batch_write_item(RequestItems={table: [
        {"PutRequest": {"Item": {"pk": {"S": "p-1"}}}},
        {"PutRequest": {"Item": {"pk": {"S": "p-2"}, "fail_times": {"N": "2"}}}},
        {"PutRequest": {"Item": {"pk": {"S": "p-3"}}}},
    ]})
    pump = streams.pump("PickyFunction")
    assert _wait_for(lambda: pump.delivered >= 3)
    # the records before the lowest failed sequence number are done; the rest comes again
    assert [_keys(e) for e in streams.events("picky")] == [
        ["p-1", "p-2", "p-3"], ["p-2", "p-3"], ["p-2", "p-3"]]
    assert (pump.runs, pump.failures, pump.discarded) == (3, 2, 0)


def test_bisection_then_retries_exhausted_go_to_the_on_failure_queue(
        streams: StreamStack) -> None:
    table = streams.table("FragileTable")
    streams.dynamodb.batch_write_item(RequestItems={table: [
        {"PutRequest": {"Item": {"pk": {"S": "b-1"}}}},
        {"PutRequest": {"Item": {"pk": {"S": "b-2"}, "poison": {"BOOL": True}}}},
        {"PutRequest": {"Item": {"pk": {"S": "b-3"}}}},
        {"PutRequest": {"Item": {"pk": {"S": "b-4"}}}},
    ]})
    pump = streams.pump("FragileFunction")
    assert _wait_for(lambda: pump.delivered + pump.discarded >= 4)
    # halves on every failure of a batch (not a retry); the lone poisoned record: 1 + 2 retries
    assert [_keys(e) for e in streams.events("fragile")] == [
        ["b-1", "b-2", "b-3", "b-4"], ["b-1", "b-2"], ["b-1"], ["b-2"], ["b-2"], ["b-2"],
        ["b-3", "b-4"]]
    assert (pump.delivered, pump.discarded) == (3, 1)
    sqs = streams.stack.sqs_client()
    messages = sqs.receive_message(QueueUrl=streams.stack.queue_urls["FailureQueue"],
                                   MaxNumberOfMessages=10, WaitTimeSeconds=2)["Messages"]
    (message,) = messages
    record = json.loads(message["Body"])
    poisoned = [r for r in streams.events("fragile")[3]["Records"]][0]["dynamodb"]
    assert set(record) == {"requestContext", "responseContext", "version", "timestamp",
                           "DDBStreamBatchInfo"}
    assert record["version"] == "1.0" and record["timestamp"].endswith("Z")
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["requestContext"]["functionArn"] == \
        f"arn:aws:lambda:{REGION}:123456789012:function:FragileFunction"
    assert record["requestContext"]["approximateInvokeCount"] == 5
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST",
                                         "functionError": "Unhandled"}
    info = record["DDBStreamBatchInfo"]
    assert info["batchSize"] == 1
    assert info["startSequenceNumber"] == info["endSequenceNumber"] == poisoned["SequenceNumber"]
    assert info["streamArn"] == streams.stack.stream_arns["FragileTable"]
    assert info["shardId"] in pump.shards
    assert info["approximateArrivalOfFirstRecord"].endswith("Z")
    assert info["approximateArrivalOfFirstRecord"] == info["approximateArrivalOfLastRecord"]


def test_stop_ends_the_stream_pumps(tmp_path: Path) -> None:
    suffix = uuid.uuid4().hex[:8]
    template = write_project(tmp_path, f"ls_streams_stop_{suffix}_handler")
    names = {lid: f"{lid}-stop-{suffix}" for lid in (*TABLES, "FailureQueue")}
    with isolated_aws_environment():
        stack = LocalStack(port=0, template=template, table_names=names, access_log=False,
                           register_api_key=False).start()
        pumps = list(stack.stream_pumps)
        assert pumps and all(p.is_alive() for p in pumps)
        started = time.monotonic()
        stack.stop()
        assert time.monotonic() - started < 5
        assert not any(p.is_alive() for p in pumps) and stack.stream_pumps == []


# -- LATEST and an external DynamoDB endpoint ----------------------------------------------------

LATEST_TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Environment:
      Variables:
        TABLE_NAME: !Ref LogTable
Resources:
{table}
  FromNowFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/streams/
      Handler: {module}.record_all
      Events:
        Changes:
          Type: DynamoDB
          Properties: {{Stream: !GetAtt LogTable.StreamArn, StartingPosition: LATEST}}
  EverythingFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/streams/
      Handler: {module}.filtered
      Events:
        Changes:
          Type: DynamoDB
          Properties: {{Stream: !GetAtt LogTable.StreamArn, StartingPosition: TRIM_HORIZON}}
"""


def test_latest_starts_now_and_the_stream_is_read_where_dynamodb_is(tmp_path: Path) -> None:
    """AWS_ENDPOINT_URL_DYNAMODB elsewhere: the stream is read there too. A record written
    before the start reaches the TRIM_HORIZON function only."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    suffix = uuid.uuid4().hex[:8]
    module = f"ls_streams_latest_{suffix}_handler"
    (tmp_path / "functions" / "streams").mkdir(parents=True)
    (tmp_path / "functions" / "streams" / f"{module}.py").write_text(HANDLERS)
    template = tmp_path / "template.yaml"
    template.write_text(LATEST_TEMPLATE.format(table=TABLE.format(name="LogTable").rstrip("\n"),
                                               module=module))
    table = f"log-{suffix}"
    external = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    external.start()
    try:
        host, port = external.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        with isolated_aws_environment(AWS_ENDPOINT_URL_DYNAMODB=endpoint):
            ddb = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1")
            ddb.create_table(
                TableName=table, BillingMode="PAY_PER_REQUEST",
                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                StreamSpecification={"StreamEnabled": True,
                                     "StreamViewType": "NEW_AND_OLD_IMAGES"})
            ddb.put_item(TableName=table, Item={"pk": {"S": "before"}})
            with LocalStack(port=0, template=template, table_names={"LogTable": table},
                            access_log=False, register_api_key=False) as stack:
                assert stack.aws is not None and not stack.aws.embedded
                for pump in stack.stream_pumps:
                    assert pump.client.meta.endpoint_url == endpoint
                ddb.put_item(TableName=table, Item={"pk": {"S": "after"}})
                handlers = sys.modules[module]

                def keys(kind: str) -> list[str]:
                    return [k for e in handlers.EVENTS[kind] for k in _keys(e)]

                assert _wait_for(lambda: len(keys("filtered")) >= 2 and keys("all"))
                time.sleep(0.3)
                assert keys("filtered") == ["before", "after"]  # TRIM_HORIZON
                assert keys("all") == ["after"]  # LATEST
    finally:
        external.stop()
