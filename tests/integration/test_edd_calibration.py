"""Calibration of the delivery estimates against synthetic delivery histories.

For a lane with a known distribution of transit times (in business days), 300 deliveries are
counted through the real path (stream image -> TransitHistory -> histograms in moto), then 200
held-out parcels of the same distribution are predicted: by predict-batch from their pickup,
and, as trackings still on their way, from a random day of their journey. The [min, max]
window must hold at least 80% of the held-out deliveries, and the point estimate's median error
must be under one day.
"""

import random
import statistics
from datetime import date, datetime, time, timedelta, timezone

import pytest

from trackline.estimates.business_days import add_business_days
from trackline.estimates.tracking_estimate import estimate_for, lane_of
from trackline.models.estimates import EstimateRequest
from trackline.models.tracking import Checkpoint, TrackingRecord
from trackline.repository.dynamodb import to_item
from trackline.repository.transit_stats import TransitStatsRepository
from trackline.services.delivery_estimates import DeliveryEstimateService
from trackline.services.transit_history import TransitHistory

TRAINING, HELD_OUT = 300, 200
PACIFIC, EASTERN = timezone(timedelta(hours=-8)), timezone(timedelta(hours=-5))
# name -> (slug, origin, destination, service, {business days: share})
LANES = {
    "domestic ground": ("ups", "USA", "USA", "Ground", {2: 0.12, 3: 0.58, 4: 0.20, 5: 0.07, 6: 0.03}),
    "international express": ("dhl", "DEU", "USA", "Express Worldwide", {3: 0.08, 4: 0.25, 5: 0.52, 6: 0.10, 8: 0.05}),
}


def journeys(rng: random.Random, distribution: dict[int, float], count: int) -> list[tuple[datetime, datetime, int]]:
    """(pickup, delivery, business days): pickups on any day of 2024 (weekends too), local times."""
    days, weights = list(distribution), list(distribution.values())
    made = []
    for _ in range(count):
        pickup_day = date(2024, 1, 1) + timedelta(days=rng.randrange(366))
        transit = rng.choices(days, weights)[0]
        pickup = datetime.combine(pickup_day, time(rng.randrange(9, 20), rng.randrange(60)), PACIFIC)
        delivered = datetime.combine(add_business_days(pickup_day, transit), time(rng.randrange(8, 21)), EASTERN)
        made.append((pickup, delivered, transit))
    return made


def delivered_image(number: int, lane: tuple, pickup: datetime, delivered: datetime) -> dict:
    slug, origin, destination, service, _ = lane
    record = TrackingRecord(
        id=f"cal{number:021d}", slug=slug, tracking_number=f"CAL{number:08d}", tag="Delivered", subtag="Delivered_001",
        origin_country_iso3=origin, destination_country_iso3=destination, shipment_type=service,
        shipment_pickup_date=pickup.isoformat(), shipment_delivery_date=delivered.isoformat(),
        created_at=pickup.isoformat(), version=5, expire_at=4102444800,
    )
    return to_item({**record.model_dump(mode="json", exclude_none=True), "pk": f"TRACKING#{record.id}", "sk": "TRACKING"})


@pytest.fixture(params=sorted(LANES))
def trained_lane(request, table):
    lane = LANES[request.param]
    rng = random.Random(f"trackline-{request.param}")
    history = TransitHistory()
    for number, (pickup, delivered, _) in enumerate(journeys(rng, lane[4], TRAINING)):
        assert history.record_write(None, delivered_image(number, lane, pickup, delivered))
    return request.param, lane, journeys(rng, lane[4], HELD_OUT)


def check_calibration(name: str, held_out: list[tuple[datetime, datetime, int]], predictions: list[tuple[date, date, date]]):
    errors, inside = [], 0
    for (_, delivered, _), (earliest, estimated, latest) in zip(held_out, predictions, strict=True):
        actual = delivered.date()
        errors.append((estimated - actual).days)
        inside += earliest <= actual <= latest
    coverage = inside / len(held_out)
    median_error = statistics.median(errors)
    median_absolute_error = statistics.median(abs(error) for error in errors)
    print(f"{name}: window holds {coverage:.0%}, median error {median_error} d, median |error| {median_absolute_error} d")
    assert coverage >= 0.80, f"{name}: the window holds only {coverage:.0%} of the held-out deliveries"
    assert abs(median_error) < 1 and median_absolute_error < 1, name


def test_predict_batch_windows_hold_the_held_out_deliveries(trained_lane):
    name, (slug, origin, destination, service, _), held_out = trained_lane
    service_ = DeliveryEstimateService()
    predictions = []
    for start in range(0, len(held_out), 5):
        requests = [
            EstimateRequest.model_validate({
                "slug": slug, "service_type_name": service,
                "origin_address": {"country": origin, "postal_code": "10001"},
                "destination_address": {"country": destination, "postal_code": "20002"},
                "pickup_time": pickup.strftime("%Y-%m-%d %H:%M:%S"),
            })
            for pickup, _, _ in held_out[start : start + 5]
        ]
        for result in service_.predict_batch(requests):
            assert result["confidence_code"] == 10001, "300 deliveries of the exact service: high confidence"
            predictions.append(tuple(date.fromisoformat(result[key]) for key in (
                "estimated_delivery_date_min", "estimated_delivery_date", "estimated_delivery_date_max")))
    check_calibration(f"{name}, predict-batch", held_out, predictions)


def test_trackings_on_their_way_are_re_estimated_within_the_window(trained_lane):
    name, lane, held_out = trained_lane
    slug, origin, destination, service, _ = lane
    rng = random.Random(f"journeys-{name}")
    predictions = []
    histograms = None
    for number, (pickup, delivered, transit) in enumerate(held_out):
        travelled = rng.randrange(transit)  # some day before the delivery day
        as_of = datetime.combine(add_business_days(pickup.date(), travelled), time(7), PACIFIC)
        record = TrackingRecord(
            id=f"way{number:021d}", slug=slug, tag="InTransit", origin_country_iso3=origin,
            destination_country_iso3=destination, shipment_type=service, shipment_pickup_date=pickup.isoformat(),
            checkpoints=[Checkpoint(checkpoint_time=moment.isoformat(), tag="InTransit") for moment in (pickup, as_of)],
        )
        if histograms is None:
            found = TransitStatsRepository(TransitHistory()._settings.table_name).histograms([lane_of(record)])
            histograms = {bucket: history for (_, bucket), history in found.items()}
        estimate = estimate_for(record, histograms)
        predictions.append((estimate.earliest, estimate.estimated, estimate.latest))
    check_calibration(f"{name}, on the way", held_out, predictions)
