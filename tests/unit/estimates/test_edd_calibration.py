"""Calibration of the delivery estimates against synthetic delivery histories.

For a lane with a known distribution of transit times (in business days), 300 delivered
trackings (local pickup and delivery times, weekends included) are counted as the transit
history counts them (`transit_days_of`, `lane_of`), then 200 held-out parcels of the same
distribution are predicted: by the predict-batch service from their pickup time, and, as
trackings still on their way, from a random day of their journey. The [min, max] window must
hold at least 80% of the held-out deliveries, and the point estimate's median error must be
under one day. (That the stored histograms equal these counts is checked against the table in
tests/integration/test_edd_transit_history.py; moto is too slow for 300 transactions here.)
"""

import random
import statistics
from collections import Counter
from datetime import date, datetime, time, timedelta, timezone

import pytest

from trackline.estimates.business_days import add_business_days
from trackline.estimates.histogram import TransitHistogram
from trackline.estimates.lanes import Lane
from trackline.estimates.tracking_estimate import estimate_for, lane_of, transit_days_of
from trackline.models.estimates import EstimateRequest
from trackline.models.tracking import Checkpoint, TrackingRecord
from trackline.services.delivery_estimates import DeliveryEstimateService
from trackline.settings import Settings

TRAINING, HELD_OUT = 300, 200
PACIFIC, CENTRAL_EUROPE = timezone(timedelta(hours=-8)), timezone(timedelta(hours=1))
# name -> (slug, origin, destination, service, {business days: share})
LANES = {
    "domestic ground": ("ups", "USA", "USA", "Ground", {2: 0.12, 3: 0.58, 4: 0.20, 5: 0.07, 6: 0.03}),
    "international express": ("dhl", "USA", "DEU", "Express Worldwide", {3: 0.08, 4: 0.22, 5: 0.52, 6: 0.12, 8: 0.06}),
}


class InMemoryStats:
    """The repository's read side over histograms counted in the test."""

    def __init__(self) -> None:
        self.counts: dict[tuple[str, str], Counter] = {}

    def record(self, lane: Lane, days: int) -> None:
        for bucket in lane.buckets():
            self.counts.setdefault((lane.slug, bucket.name), Counter())[days] += 1

    def histograms(self, lanes: list[Lane]) -> dict[tuple[str, str], TransitHistogram]:
        return {key: TransitHistogram.of(dict(days)) for key, days in self.counts.items()}


def journeys(rng: random.Random, distribution: dict[int, float], count: int) -> list[tuple[datetime, datetime]]:
    """(pickup, delivery) local times; pickups on any day of 2024, weekends too."""
    days, weights = list(distribution), list(distribution.values())
    made = []
    for _ in range(count):
        pickup_day = date(2024, 1, 1) + timedelta(days=rng.randrange(366))
        transit = rng.choices(days, weights)[0]
        pickup = datetime.combine(pickup_day, time(rng.randrange(9, 20), rng.randrange(60)), PACIFIC)
        delivered = datetime.combine(add_business_days(pickup_day, transit), time(rng.randrange(8, 21)), CENTRAL_EUROPE)
        made.append((pickup, delivered))
    return made


def delivered_tracking(lane: tuple, pickup: datetime, delivered: datetime) -> TrackingRecord:
    slug, origin, destination, service, _ = lane
    return TrackingRecord(
        slug=slug, tag="Delivered", origin_country_iso3=origin, destination_country_iso3=destination,
        shipment_type=service, shipment_pickup_date=pickup.isoformat(), shipment_delivery_date=delivered.isoformat(),
    )


@pytest.fixture(params=sorted(LANES))
def trained(request):
    lane = LANES[request.param]
    rng = random.Random(f"trackline-{request.param}")
    stats = InMemoryStats()
    for pickup, delivered in journeys(rng, lane[4], TRAINING):
        record = delivered_tracking(lane, pickup, delivered)
        stats.record(lane_of(record), transit_days_of(record))
    return request.param, lane, stats, journeys(rng, lane[4], HELD_OUT)


def check_calibration(name: str, held_out: list, predictions: list[tuple[date, date, date]]) -> None:
    errors, inside = [], 0
    for (_, delivered), (earliest, estimated, latest) in zip(held_out, predictions, strict=True):
        actual = delivered.date()
        errors.append((estimated - actual).days)
        inside += earliest <= actual <= latest
    coverage = inside / len(held_out)
    median_error = statistics.median(errors)
    median_absolute_error = statistics.median(abs(error) for error in errors)
    print(f"\n{name}: window holds {coverage:.1%}; median error {median_error} d, median |error| {median_absolute_error} d")
    assert coverage >= 0.80, f"{name}: the window holds only {coverage:.0%} of the held-out deliveries"
    assert abs(median_error) < 1 and median_absolute_error < 1, name


def test_predict_batch_windows_hold_the_held_out_deliveries(trained):
    name, (slug, origin, destination, service, _), stats, held_out = trained
    predictor = DeliveryEstimateService(settings=Settings(table_name="unused"), stats=stats)
    predictions = []
    for start in range(0, len(held_out), 5):
        requests = [
            EstimateRequest.model_validate({
                "slug": slug, "service_type_name": service,
                "origin_address": {"country": origin, "postal_code": "10001"},
                "destination_address": {"country": destination, "postal_code": "20002"},
                "pickup_time": pickup.strftime("%Y-%m-%d %H:%M:%S"),
            })
            for pickup, _ in held_out[start : start + 5]
        ]
        for result in predictor.predict_batch(requests):
            assert result["confidence_code"] == 10001, "300 deliveries of the very service: high confidence"
            predictions.append(tuple(date.fromisoformat(result[key]) for key in (
                "estimated_delivery_date_min", "estimated_delivery_date", "estimated_delivery_date_max")))
    check_calibration(f"{name}, predict-batch", held_out, predictions)


def test_trackings_on_their_way_are_re_estimated_within_the_window(trained):
    name, lane, stats, held_out = trained
    rng = random.Random(f"on-the-way-{name}")
    predictions = []
    for pickup, delivered in held_out:
        record = delivered_tracking(lane, pickup, delivered)
        travelled = rng.randrange(transit_days_of(record))  # some business day before the delivery day
        as_of = datetime.combine(add_business_days(pickup.date(), travelled), time(7), PACIFIC)
        record.tag, record.shipment_delivery_date = "InTransit", None
        record.checkpoints = [Checkpoint(checkpoint_time=moment.isoformat(), tag="InTransit") for moment in (pickup, as_of)]
        histograms = {bucket: history for (_, bucket), history in stats.histograms([]).items()}
        estimate = estimate_for(record, histograms)
        predictions.append((estimate.earliest, estimate.estimated, estimate.latest))
    check_calibration(f"{name}, on the way", held_out, predictions)


def test_a_thin_history_falls_back_to_the_defaults_with_lower_confidence():
    stats = InMemoryStats()
    lane = Lane.of("ups", "USA", "USA", "Ground")
    for _ in range(19):
        stats.record(lane, 1)
    predictor = DeliveryEstimateService(settings=Settings(table_name="unused"), stats=stats)
    request = EstimateRequest.model_validate({
        "slug": "ups", "service_type_name": "Ground", "origin_address": {"country": "USA", "state": "WA"},
        "destination_address": {"country": "USA", "state": "CA"}, "pickup_time": "2024-04-01 10:00:00",
    })
    (thin,) = predictor.predict_batch([request])
    assert (thin["estimated_delivery_date"], thin["confidence_code"]) == ("2024-04-04", 30002)  # UPS domestic default: 3
    stats.record(lane, 1)
    (enough,) = predictor.predict_batch([request])
    assert (enough["estimated_delivery_date"], enough["confidence_code"]) == ("2024-04-02", 20001)
