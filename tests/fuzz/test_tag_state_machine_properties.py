"""Property tests of the tag state machine: what merging carrier updates does to a tracking
(trackline/services/shipment_progress.py) and what the poll worker then decides (poll_worker).

Carrier updates are generated as checkpoints of every sub-status of the contract, at distinct
times in several time zones, in any order, split over any number of polls."""

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trackline.carriers.base import ShipmentUpdate, checkpoint, timeline_instant
from trackline.models.enums import SUBTAG_MESSAGES, Tag, tag_of_subtag
from trackline.models.tracking import TrackingRecord
from trackline.services.poll_worker import PollWorker
from trackline.services.shipment_progress import FINAL_TAGS, apply_update
from trackline.settings import Settings

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SUBTAGS = sorted(SUBTAG_MESSAGES)
PROPERTIES = settings(
    max_examples=80,
    deadline=None,
    database=None,
    derandomize=True,
    # The worker's merge reads delivery statistics: the (function-scoped) table serves every example.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
ZONES = [timezone.utc, timezone(timedelta(hours=-5)), timezone(timedelta(hours=9)), timezone(timedelta(hours=5, minutes=30))]


@st.composite
def timelines(draw, min_size: int = 1, max_size: int = 12) -> list:
    """Checkpoints at distinct instants (a carrier never reports two events at one instant with
    a different meaning), each written in some time zone."""
    minutes = draw(st.lists(st.integers(0, 20 * 24 * 60), min_size=min_size, max_size=max_size, unique=True))
    points = []
    for minute in minutes:
        moment = (NOW - timedelta(days=20) + timedelta(minutes=minute)).astimezone(draw(st.sampled_from(ZONES)))
        subtag = draw(st.sampled_from(SUBTAGS))
        points.append(checkpoint(subtag=subtag, raw_tag=f"E{minute}", checkpoint_time=moment.isoformat(), message=f"event {minute}", city="Leipzig"))
    return points


def split_into_polls(draw, points: list) -> list[ShipmentUpdate]:
    """The same events arriving over several polls, each poll in any order."""
    shuffled = draw(st.permutations(points))
    cuts = sorted(draw(st.lists(st.integers(0, len(shuffled)), max_size=4)))
    bounds = [0, *cuts, len(shuffled)]
    return [ShipmentUpdate(tracking_number="TLPROP0001", checkpoints=list(shuffled[a:b])) for a, b in zip(bounds, bounds[1:])]


def new_tracking() -> TrackingRecord:
    stamp = NOW.isoformat()
    return TrackingRecord(
        id="propertytracking00000001", slug="ups", tracking_number="TLPROP0001", created_at=stamp, updated_at=stamp,
        active=True, tag=Tag.PENDING, subtag="Pending_001", subtag_message=SUBTAG_MESSAGES["Pending_001"],
        tracked_count=0, version=1, next_poll_at=stamp,
    )


def merged(updates: list[ShipmentUpdate]) -> TrackingRecord:
    record = new_tracking()
    for update in updates:
        apply_update(record, update, slug="ups", now=NOW)
    return record


def status_of(record: TrackingRecord) -> tuple:
    return (
        [(point.checkpoint_time, point.subtag, point.message) for point in record.checkpoints],
        record.tag, record.subtag, record.subtag_message, record.return_to_sender, record.failed_delivery_attempts,
        record.first_attempted_at, record.shipment_pickup_date, record.shipment_delivery_date, record.transit_time,
    )


@PROPERTIES
@given(points=timelines())
def test_the_tag_follows_the_latest_checkpoint(points):
    record = merged([ShipmentUpdate(tracking_number="TLPROP0001", checkpoints=points)])
    latest = max(points, key=lambda point: timeline_instant(point.checkpoint_time))
    assert (record.tag, record.subtag, record.subtag_message) == (tag_of_subtag(latest.subtag), latest.subtag, SUBTAG_MESSAGES[latest.subtag])
    instants = [timeline_instant(point.checkpoint_time) for point in record.checkpoints]
    assert instants == sorted(instants), "the timeline is oldest first"


@PROPERTIES
@given(points=timelines())
def test_merging_the_same_answer_again_changes_nothing(points):
    update = ShipmentUpdate(tracking_number="TLPROP0001", checkpoints=points)
    once = merged([update])
    twice = merged([update, update])
    assert twice.model_dump() == once.model_dump()
    assert len(twice.checkpoints) == len(points)


@PROPERTIES
@given(data=st.data(), points=timelines())
def test_the_result_does_not_depend_on_how_events_are_split_over_polls_or_ordered(data, points):
    reference = merged([ShipmentUpdate(tracking_number="TLPROP0001", checkpoints=sorted(points, key=lambda p: timeline_instant(p.checkpoint_time)))])
    polls = split_into_polls(data.draw, points)
    assert status_of(merged(polls)) == status_of(reference)
    assert status_of(merged(list(reversed(polls)))) == status_of(reference)


def worker(table: str) -> PollWorker:
    # Only the merge is exercised; it reads the table (estimates) but writes nothing.
    return PollWorker(settings=Settings(table_name=table), trackings=object())


@PROPERTIES
@given(data=st.data(), points=timelines())
def test_a_final_tag_stops_polling_and_every_other_tag_is_polled_again(table, data, points):
    record = new_tracking()
    poller = worker(table)
    for update in split_into_polls(data.draw, points):
        poller._merge(record, update, {}, NOW)
        if record.tag in FINAL_TAGS:
            assert not record.active and record.next_poll_at is None
        else:
            assert record.active and datetime.fromisoformat(record.next_poll_at) > NOW


@PROPERTIES
@given(points=timelines(), later=timelines())
def test_delivered_is_terminal_for_polling(table, points, later):
    delivered_at = NOW + timedelta(days=1)
    delivered = checkpoint(subtag="Delivered_001", raw_tag="D", checkpoint_time=delivered_at.isoformat(), message="Delivered")
    record = new_tracking()
    worker(table)._merge(record, ShipmentUpdate(tracking_number="TLPROP0001", checkpoints=[*points, delivered]), {}, NOW)
    assert record.tag == Tag.DELIVERED and not record.active and record.next_poll_at is None
    # Events the carrier reports later about earlier moments do not bring the parcel back.
    apply_update(record, ShipmentUpdate(tracking_number="TLPROP0001", checkpoints=later), slug="ups", now=NOW)
    assert record.tag == Tag.DELIVERED
