"""Delivered history against the table (moto): each delivery counted once from the table stream,
through the template's filter and the real handler; estimates written on trackings by the poll
worker's versioned merge, revised as the parcel moves."""

from datetime import UTC, datetime, timedelta

import boto3

from tests.conftest import TABLE_NAME, TEMPLATE
from tests.support.handlers import LambdaContext, load_handler
from trackline.estimates.histogram import TransitHistogram
from trackline.estimates.lanes import Lane
from trackline.models.polling import PollMessage
from trackline.models.refs import TrackingById
from trackline.models.tracking import TrackingRecord
from trackline.repository.dynamodb import to_item
from trackline.repository.transit_stats import TransitStatsRepository, ledger_key
from trackline.services.poll_scheduler import PollScheduler
from trackline.services.poll_worker import PollWorker
from trackline.services.trackings import TrackingService
from trackline.services.transit_history import TransitHistory
from trackline_local.filters import load_filter_criteria, passes_filters
from trackline_local.streams import lambda_stream_record, without_phantom_records
from trackline_local.template import Template

SANDBOX_UNKNOWN = Lane.of("sandbox", None, "USA", None)


class DeliveryStream:
    """The table stream as the transit history function receives it: filtered as the template says."""

    def __init__(self) -> None:
        function = Template.load(TEMPLATE).resources["TransitHistoryFunction"]["Properties"]
        self.filters = load_filter_criteria(function["Events"]["TableStream"]["Properties"]["FilterCriteria"])
        self.arn = boto3.client("dynamodb").describe_table(TableName=TABLE_NAME)["Table"]["LatestStreamArn"]
        self.streams = boto3.client("dynamodbstreams")
        shards = self.streams.describe_stream(StreamArn=self.arn)["StreamDescription"]["Shards"]
        self.iterators = {
            shard["ShardId"]: self.streams.get_shard_iterator(StreamArn=self.arn, ShardId=shard["ShardId"], ShardIteratorType="LATEST")["ShardIterator"]
            for shard in shards
        }
        self.handler = load_handler("transit_history", "transit_history_handler")

    def records(self) -> list[dict]:
        raw = []
        for shard, iterator in self.iterators.items():
            response = self.streams.get_records(ShardIterator=iterator)
            self.iterators[shard] = response["NextShardIterator"]
            raw += without_phantom_records(response["Records"])
        events = [lambda_stream_record(record, stream_arn=self.arn, region="us-east-1") for record in raw]
        return [event for event in events if passes_filters(event, self.filters)]

    def deliver(self, records: list[dict]) -> dict:
        return self.handler({"Records": records}, LambdaContext())


def histograms(*lanes: Lane) -> dict[tuple[str, str], TransitHistogram]:
    return TransitStatsRepository(TABLE_NAME).histograms(list(lanes))


def poll_until_settled(tracking_id: str, now: datetime, steps: int = 10) -> list[TrackingRecord]:
    """Scheduler -> queue -> worker, one sandbox step per cycle; the tracking after each cycle."""
    sqs, worker, seen = boto3.client("sqs"), PollWorker(), []
    queue = PollScheduler()._settings.poll_queue_url
    for _ in range(steps):
        now += timedelta(seconds=2)
        PollScheduler().run(now)
        while messages := sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", []):
            for message in messages:
                worker.poll(PollMessage.model_validate_json(message["Body"]), now)
                sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
        seen.append(TrackingService().get(TrackingById(tracking_id)))
        if not seen[-1].active:
            break
    return seen


def test_a_sandbox_delivery_is_estimated_on_the_way_and_counted_once(api, pipeline):
    stream = DeliveryStream()
    created = api.create(tracking_number="SBX0EDD00001", slug="sandbox")
    seen = poll_until_settled(created["id"], datetime.now(UTC) + timedelta(minutes=1))
    assert [record.tag for record in seen] == [
        "InfoReceived", "InTransit", "InTransit", "InTransit", "OutForDelivery", "Delivered"]
    estimates = [record.aftership_estimated_delivery_date for record in seen]
    assert all(estimate is not None for estimate in estimates)
    # Each estimate rode on the write that brought its checkpoint: one version per poll.
    assert [record.version for record in seen] == list(range(2, 8))
    out_for_delivery = seen[4].checkpoints[-1].checkpoint_time[:10]
    assert estimates[4].model_dump() == {
        "estimated_delivery_date": out_for_delivery, "confidence_code": 10001,
        "estimated_delivery_date_min": out_for_delivery, "estimated_delivery_date_max": out_for_delivery,
    }
    assert estimates[5] == estimates[4], "a delivered tracking keeps its last estimate"
    assert estimates[0].confidence_code == 30002, "no history yet: the sandbox defaults"
    served = api.get(f"/trackings/{created['id']}").data["tracking"]["aftership_estimated_delivery_date"]
    assert served["estimated_delivery_date"] == out_for_delivery

    records = stream.records()
    assert len(records) == 1, "only the write that made it Delivered passes the filter"
    assert stream.deliver(records) == {"batchItemFailures": []}
    counted = histograms(SANDBOX_UNKNOWN)[("sandbox", "SCOPE#unknown")]
    assert counted.size == 1 and counted.counts[0] == 1  # picked up and delivered the same day

    # Redelivered by the stream, and a later write of the delivered tracking: counted once still.
    assert stream.deliver(records) == {"batchItemFailures": []}
    images = records[0]["dynamodb"]
    later = {**records[0], "dynamodb": {**images, "OldImage": images["NewImage"], "SequenceNumber": "9" * 21}}
    assert passes_filters(later, stream.filters) and stream.deliver([later]) == {"batchItemFailures": []}
    assert histograms(SANDBOX_UNKNOWN)[("sandbox", "SCOPE#unknown")].size == 1
    ledger = boto3.client("dynamodb").get_item(TableName=TABLE_NAME, Key=ledger_key(created["id"]))["Item"]
    assert ledger["business_days"] == {"N": "0"}


def delivered_image(number: int, pickup: str, delivered: str | None, **fields) -> dict:
    record = TrackingRecord(
        id=f"hist{number:020d}", slug="ups", tag="Delivered", origin_country_iso3="USA", destination_country_iso3="CAN",
        shipment_pickup_date=pickup, shipment_delivery_date=delivered, expire_at=4102444800, version=3, **fields,
    )
    return to_item({**record.model_dump(mode="json", exclude_none=True), "pk": f"TRACKING#{record.id}", "sk": "TRACKING"})


def test_deliveries_are_counted_in_business_days_into_every_bucket_of_their_lane(table):
    history = TransitHistory()
    journeys = [  # (pickup, delivered, business days)
        ("2024-04-01T17:00:00-07:00", "2024-04-03T10:00:00-04:00", 2),
        ("2024-04-05T19:00:00-07:00", "2024-04-08T12:00:00-04:00", 1),  # over a weekend
        ("2024-04-06T09:00:00-07:00", "2024-04-08T12:00:00-04:00", 0),  # a Saturday pickup
        ("2024-04-01T08:00:00-07:00", "2024-04-05T18:00:00-04:00", 4),
        ("2024-04-02T08:00:00-07:00", "2024-04-04T18:00:00-04:00", 2),
    ]
    for number, (pickup, delivered, _) in enumerate(journeys):
        assert history.record_write(None, delivered_image(number, pickup, delivered, shipment_type="UPS  Standard"))
    assert not history.record_write(None, delivered_image(9, "2024-04-01", None))  # no delivery date: nothing learnt
    in_transit = delivered_image(0, "2024-04-01", None)
    assert not history.record_write(delivered_image(0, journeys[0][0], journeys[0][1]), delivered_image(0, journeys[0][0], journeys[0][1]))
    assert not history.record_write(None, {**in_transit, "tag": {"S": "InTransit"}})

    lane = Lane.of("ups", "USA", "CAN", "ups standard")
    found = histograms(lane)
    expected = TransitHistogram.of({0: 1, 1: 1, 2: 2, 4: 1})
    for bucket in ("ROUTE#USA#CAN#ups%20standard", "ROUTE#USA#CAN#*", "SCOPE#international"):
        assert found[("ups", bucket)] == expected, bucket
    assert history.record_write(None, delivered_image(0, *journeys[0][:2])) is False  # the same tracking again
