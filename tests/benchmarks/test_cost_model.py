"""Cost model: AWS requests per tracking from creation to delivery, and dollars per 1,000
delivered trackings at list prices (us-east-1, on-demand, arm64).

The real scheduler, worker and cadence poll 50 trackings through a typical four-day journey on
a simulated clock (the scheduler ticks every 5 minutes); every AWS request is counted through
boto3, and DynamoDB capacity is computed from the item sizes by DynamoDB's billing rules.
"""

import json
import math
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import boto3

from trackline.carriers import registry
from trackline.carriers.base import ShipmentUpdate, checkpoint
from trackline.models.polling import PollMessage
from trackline.services import poll_worker as worker_module
from trackline.services.poll_scheduler import PollScheduler
from trackline.services.poll_worker import PollWorker

TRACKINGS = 50
TICK = timedelta(minutes=5)
MEMORY_GB = 0.5
# Costs that run on a schedule whatever the volume (the scheduler every 5 minutes, Lambda's SQS
# pollers) are shared by every delivery; the model states the volume it assumes.
DELIVERIES_PER_DAY = 1_000
SCHEDULER_RUNS_PER_DAY = 288
SHARDS = 16
SQS_EMPTY_POLLS_PER_DAY = 5 * 3 * 1440  # Lambda's 5 pollers, 20 s long polls, around the clock
PRICES = {  # us-east-1 list prices
    "dynamodb_write_unit": 0.625 / 1e6,
    "dynamodb_read_unit": 0.125 / 1e6,
    "lambda_request": 0.20 / 1e6,
    "lambda_gb_second_arm64": 0.0000133334,
    "sqs_request": 0.40 / 1e6,
    "http_api_request": 1.00 / 1e6,
    "eventbridge_scheduled_event": 0.0,  # scheduled rules are free
}
# hours after the label is created -> (subtag, message)
JOURNEY = [
    (0, "InfoReceived_001", "Shipping label created"),
    (8, "InTransit_002", "Picked up"),
    (12, "InTransit_007", "Departed facility"),
    (30, "InTransit_003", "Arrived at facility"),
    (40, "InTransit_007", "Departed facility"),
    (70, "InTransit_003", "Arrived at destination hub"),
    (90, "OutForDelivery_001", "Out for delivery"),
    (96, "Delivered_001", "Delivered"),
]


class SimulatedCarrier:
    slug = "ups"
    max_batch = 1

    def __init__(self, clock) -> None:
        self.clock = clock
        self.start = clock()
        self.requests = 0

    def fetch(self, tracking_numbers, known_checkpoints=None):
        self.requests += len(tracking_numbers)
        elapsed = (self.clock() - self.start) / timedelta(hours=1)
        steps = [step for step in JOURNEY if step[0] <= elapsed]
        return {
            number: ShipmentUpdate(
                tracking_number=number,
                expected_delivery=(self.start + timedelta(hours=96)).isoformat(),
                checkpoints=[
                    checkpoint(subtag=subtag, raw_tag=subtag, message=message, country="US",
                               checkpoint_time=(self.start + timedelta(hours=hours)).isoformat())
                    for hours, subtag, message in steps
                ],
            )
            for number in tracking_numbers
        }


def attribute_size(value: dict) -> int:
    """DynamoDB's size of one attribute value (the name is counted by the caller)."""
    kind, inner = next(iter(value.items()))
    if kind == "S":
        return len(inner.encode())
    if kind == "N":
        return len(str(inner).lstrip("-").replace(".", "")) // 2 + 1
    if kind == "B":
        return len(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "L":
        return 3 + sum(1 + attribute_size(element) for element in inner)
    if kind == "M":
        return 3 + sum(len(name.encode()) + 1 + attribute_size(element) for name, element in inner.items())
    return len(json.dumps(inner))


def item_size(item: dict) -> int:
    return sum(len(name.encode()) + attribute_size(value) for name, value in item.items())


class Meter:
    """Counts requests per AWS operation and DynamoDB capacity units from item sizes."""

    def __init__(self, table: str) -> None:
        self.table = table
        self.calls: Counter[str] = Counter()
        self.write_units = 0.0
        self.read_units = 0.0
        self.index_read_units = 0.0  # the scheduler's shard queries: part of the fixed cost
        self.raw = boto3.client("dynamodb")  # unmetered, to size items an update touched
        self.paused = False  # while the test itself looks at the trackings

    def attach(self, client, service: str) -> None:
        events = client.meta.events
        events.register(f"provide-client-params.{service}.*", self._remember_params)
        events.register(f"after-call.{service}.*", lambda **kw: self._after(service, **kw))

    @staticmethod
    def _remember_params(params, context, **_):
        context["metered_params"] = dict(params)

    def _size_of_key(self, key: dict) -> int:
        item = self.raw.get_item(TableName=self.table, Key=key).get("Item")
        return item_size(item) if item else 100

    def _after(self, service, model, parsed, context, **_):
        if self.paused:
            return
        params = context.get("metered_params", {})
        self.calls[f"{service}:{model.name}"] += 1
        if service != "dynamodb":
            return
        name = model.name
        if name == "PutItem":
            self.write_units += math.ceil(item_size(params["Item"]) / 1024)
        elif name in ("UpdateItem", "DeleteItem"):
            self.write_units += math.ceil(self._size_of_key(params["Key"]) / 1024)
        elif name == "TransactWriteItems":
            for entry in params["TransactItems"]:
                (kind, body), = entry.items()
                size = item_size(body["Item"]) if kind == "Put" else self._size_of_key(body["Key"]) if "Key" in body else 100
                self.write_units += 2 * math.ceil(size / 1024)
        elif name == "GetItem":
            item = parsed.get("Item") or {}
            self.read_units += math.ceil(max(1, item_size(item)) / 4096) * (1 if params.get("ConsistentRead") else 0.5)
        elif name == "BatchGetItem":
            for items in parsed.get("Responses", {}).values():
                self.read_units += sum(math.ceil(item_size(item) / 4096) for item in items)
        elif name == "Query":
            total = sum(item_size(item) for item in parsed.get("Items", []))
            units = math.ceil(max(1, total) / 4096) * (1 if params.get("ConsistentRead") else 0.5)
            if params.get("IndexName") == "DueForPoll":
                self.index_read_units += units
            else:
                self.read_units += units


def test_cost_per_thousand_delivered_trackings(api, pipeline, monkeypatch, capsys):
    from trackline.repository.dynamodb import dynamodb_client

    clock_now = [datetime.now(UTC)]
    carrier = SimulatedCarrier(lambda: clock_now[0])
    monkeypatch.setattr(registry, "adapter_for", lambda slug, **_: carrier if slug == "ups" else None)
    monkeypatch.setattr(worker_module, "MAX_PARALLEL_REQUESTS", 1)  # in-process moto is not thread-safe
    monkeypatch.setenv("CARRIER_UPS_PER_MINUTE", "100000")
    monkeypatch.delenv("POLL_INTERVAL")
    from tests.conftest import reset_cached_clients

    reset_cached_clients()
    meter = Meter(pipeline and "TracklineTable")
    sqs = boto3.client("sqs")
    meter.attach(dynamodb_client(), "dynamodb")
    meter.attach(sqs, "sqs")

    ids = [api.create(tracking_number=_ups_number(index), slug="ups")["id"] for index in range(TRACKINGS)]
    scheduler = PollScheduler(queue=sqs)
    worker = PollWorker()
    worker_seconds = scheduler_seconds = 0.0
    scheduler_runs = worker_invocations = 0
    deadline = clock_now[0] + timedelta(days=8)
    while clock_now[0] < deadline:
        started = time.perf_counter()
        scheduler.run(clock_now[0])
        scheduler_seconds += time.perf_counter() - started
        scheduler_runs += 1
        messages = []
        meter.paused = True  # an empty receive is the pollers' fixed cost, counted per day below
        while batch := sqs.receive_message(QueueUrl=pipeline["PollQueue"], MaxNumberOfMessages=10).get("Messages", []):
            meter.paused = False
            meter.calls["sqs:ReceiveMessage"] += 1
            worker_invocations += 1
            started = time.perf_counter()
            for message in batch:
                worker.poll(PollMessage.model_validate_json(message["Body"]), clock_now[0])
                sqs.delete_message(QueueUrl=pipeline["PollQueue"], ReceiptHandle=message["ReceiptHandle"])
            worker_seconds += time.perf_counter() - started
            messages += batch
            meter.paused = True
        meter.paused = True
        states = _records(ids)
        meter.paused = False
        if all(not state.active for state in states):
            break
        next_polls = [datetime.fromisoformat(state.next_poll_at) for state in states if state.next_poll_at]
        step = max(TICK, min(next_polls) - clock_now[0]) if next_polls else TICK
        clock_now[0] += timedelta(seconds=math.ceil(step / TICK) * TICK.total_seconds())
    assert all(state.tag == "Delivered" for state in states)

    polls = carrier.requests / TRACKINGS
    per = lambda value: value / TRACKINGS  # noqa: E731
    sqs_requests = per(sum(n for op, n in meter.calls.items() if op.startswith("sqs:")))
    # Per delivered tracking: its create (authorizer + function, ~50 ms each), its share of the
    # worker invocations, and every request its polls made.
    lambda_requests = 2 + per(worker_invocations)
    gb_seconds = 2 * 0.05 * MEMORY_GB + per(worker_seconds) * MEMORY_GB
    marginal = {
        "DynamoDB writes": per(meter.write_units) * PRICES["dynamodb_write_unit"],
        "DynamoDB reads": per(meter.read_units) * PRICES["dynamodb_read_unit"],
        "Lambda requests": lambda_requests * PRICES["lambda_request"],
        "Lambda GB-seconds": gb_seconds * PRICES["lambda_gb_second_arm64"],
        "SQS requests": sqs_requests * PRICES["sqs_request"],
        "HTTP API requests": 1 * PRICES["http_api_request"],
    }
    seconds_per_run = scheduler_seconds / scheduler_runs
    fixed_per_day = {
        "scheduler Lambda": SCHEDULER_RUNS_PER_DAY * (PRICES["lambda_request"] + seconds_per_run * MEMORY_GB * PRICES["lambda_gb_second_arm64"]),
        "scheduler index reads": SCHEDULER_RUNS_PER_DAY * SHARDS * 0.5 * PRICES["dynamodb_read_unit"],
        "SQS empty polls": SQS_EMPTY_POLLS_PER_DAY * PRICES["sqs_request"],
        "EventBridge schedule": SCHEDULER_RUNS_PER_DAY * PRICES["eventbridge_scheduled_event"],
    }
    per_thousand_marginal = sum(marginal.values()) * 1000
    per_thousand_fixed = sum(fixed_per_day.values()) / DELIVERIES_PER_DAY * 1000
    per_thousand = per_thousand_marginal + per_thousand_fixed
    with capsys.disabled():
        print(f"\ncost model, {TRACKINGS} trackings through a 4-day journey ({len(JOURNEY)} carrier events), list prices us-east-1:")
        print(f"  per tracking: {polls:.1f} carrier polls; DynamoDB {per(meter.write_units):.1f} write units and "
              f"{per(meter.read_units):.1f} read units; Lambda {lambda_requests:.2f} invocations, {gb_seconds:.3f} GB-s; "
              f"SQS {sqs_requests:.2f} requests; EventBridge 0 billable events")
        for name, dollars in marginal.items():
            print(f"  {name:22s} ${dollars * 1000:.4f} per 1,000")
        print("  fixed, per day: " + ", ".join(f"{name} ${dollars:.4f}" for name, dollars in fixed_per_day.items())
              + f" -> ${per_thousand_fixed:.4f} per 1,000 at {DELIVERIES_PER_DAY:,} deliveries a day")
        print(f"  total: ${per_thousand:.4f} per 1,000 delivered trackings (target < $0.10)")
        print(f"  requests: {dict(sorted(meter.calls.items()))}")
    assert per_thousand < 0.10


def _ups_number(index: int) -> str:
    """A UPS number whose check digit is right, chosen by the courier package's own check."""
    from trackline.couriers import FormatVerdict, check_format

    body = f"1Z5R8939{index:09d}"
    return next(body + str(digit) for digit in range(10) if check_format("ups", body + str(digit)) == FormatVerdict.VALID)


def _records(ids):
    from trackline.services.trackings import TrackingService

    return TrackingService().get_many(ids)
