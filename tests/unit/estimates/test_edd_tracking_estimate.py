"""A tracking's estimate as it moves, and the transit a delivered tracking adds to history."""

from trackline.estimates.histogram import TransitHistogram
from trackline.estimates.tracking_estimate import estimate_for, lane_of, transit_days_of
from trackline.models.tracking import Checkpoint, TrackingRecord

ROUTE = "ROUTE#USA#USA#*"
HISTORY = {ROUTE: TransitHistogram.of({1: 10, 2: 60, 3: 20, 4: 10})}


def tracking(tag: str, *times: str, pickup: str | None = None, delivered: str | None = None) -> TrackingRecord:
    return TrackingRecord(
        id="a" * 24, slug="ups", tag=tag, created_at="2024-04-01T08:00:00+00:00",
        origin_country_iso3="USA", courier_destination_country_iso3="USA",
        shipment_pickup_date=pickup, shipment_delivery_date=delivered,
        checkpoints=[Checkpoint(checkpoint_time=moment, tag=tag) for moment in times],
    )


def dates(estimate) -> tuple[str, str, str, int]:
    contract = estimate.as_contract()
    return (contract["estimated_delivery_date_min"], contract["estimated_delivery_date"],
            contract["estimated_delivery_date_max"], contract["confidence_code"])


def test_nothing_to_estimate_before_the_first_checkpoint_or_once_settled():
    assert estimate_for(tracking("Pending"), HISTORY) is None
    for tag in ("Delivered", "Expired", "Exception", "AvailableForPickup"):
        assert estimate_for(tracking(tag, "2024-04-02T10:00:00-07:00"), HISTORY) is None


def test_label_created_counts_from_the_label_day():
    # Wednesday label: typical 2 business days -> Friday, window 1..4 -> Thursday..Tuesday
    estimate = estimate_for(tracking("InfoReceived", "2024-04-03T09:00:00-07:00"), HISTORY)
    assert dates(estimate) == ("2024-04-04", "2024-04-05", "2024-04-09", 20001)


def test_in_transit_counts_from_the_pickup_and_what_is_left():
    picked = "2024-04-01T17:00:00-07:00"  # Monday
    fresh = estimate_for(tracking("InTransit", picked, pickup=picked), HISTORY)
    assert dates(fresh) == ("2024-04-02", "2024-04-03", "2024-04-05", 20001)
    # Still travelling on Thursday (3 business days after pickup): only the slow deliveries are left.
    late = estimate_for(tracking("InTransit", picked, "2024-04-04T23:30:00-07:00", pickup=picked), HISTORY)
    assert dates(late) == ("2024-04-04", "2024-04-04", "2024-04-05", 20001)
    # Later than every delivery seen: the next business day, with room for two more.
    lost = estimate_for(tracking("InTransit", picked, "2024-04-09T08:00:00-07:00", pickup=picked), HISTORY)
    assert dates(lost) == ("2024-04-10", "2024-04-10", "2024-04-12", 30002)


def test_out_for_delivery_is_today_and_a_failed_attempt_the_next_business_day():
    assert dates(estimate_for(tracking("OutForDelivery", "2024-04-05T08:00:00-07:00"), HISTORY)) == (
        "2024-04-05", "2024-04-05", "2024-04-05", 10001)
    assert dates(estimate_for(tracking("AttemptFail", "2024-04-05T18:00:00-07:00"), HISTORY)) == (
        "2024-04-08", "2024-04-08", "2024-04-10", 20001)


def test_transit_of_a_delivered_tracking_in_business_days_of_its_local_dates():
    record = tracking("Delivered", pickup="2024-04-05T23:00:00-07:00", delivered="2024-04-09T08:00:00+02:00")
    assert transit_days_of(record) == 2  # Friday -> Tuesday
    assert transit_days_of(tracking("Delivered", delivered="2024-04-09")) is None
    assert transit_days_of(tracking("Delivered", pickup="2024-04-09", delivered="2024-04-05")) is None
    # Same day, over the date line (Shenzhen to Los Angeles): an earlier local date, no days.
    assert transit_days_of(tracking("Delivered", pickup="2024-04-09T08:00:00+08:00", delivered="2024-04-08T20:00:00-08:00")) == 0
    assert transit_days_of(tracking("Delivered", pickup="2024-04-09T08:00:00+08:00", delivered="2024-04-08T10:00:00-08:00")) is None
    assert lane_of(record).buckets()[0].name == ROUTE
