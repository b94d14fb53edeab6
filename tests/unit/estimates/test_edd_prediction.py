"""Predictions from histograms: bucket fallback, percentiles, confidence, defaults, late parcels."""

from datetime import date

from trackline.estimates.defaults import DEFAULT_TRANSIT, FALLBACK_TRANSIT
from trackline.estimates.histogram import TransitHistogram
from trackline.estimates.lanes import Lane
from trackline.estimates.prediction import ConfidenceCode, delivery_window, predict_transit

LANE = Lane.of("ups", "usa", "USA", "  UPS   Ground ")
SERVICE, ROUTE, SCOPE = (bucket.name for bucket in LANE.buckets())


def history(**days: int) -> TransitHistogram:
    return TransitHistogram.of({int(name[1:]): count for name, count in days.items()})


def test_a_lane_has_service_route_and_scope_buckets():
    assert LANE.service == "ups ground" and LANE.scope == "domestic"
    assert (SERVICE, ROUTE, SCOPE) == ("ROUTE#USA#USA#ups%20ground", "ROUTE#USA#USA#*", "SCOPE#domestic")
    assert [b.name for b in Lane.of("ups", None, "USA", None).buckets()] == ["SCOPE#unknown"]
    assert Lane.of("dhl", "DEU", "FRA", None).scope == "international"


def test_quantiles_of_a_histogram():
    h = history(d2=10, d3=60, d4=20, d5=10)
    assert h.size == 100
    assert (h.quantile(0.05), h.quantile(0.5), h.quantile(0.95)) == (2, 3, 5)
    assert h.at_least(4).size == 30 and h.at_least(4).quantile(0.5) == 4
    assert TransitHistogram.of({90: 3}).counts[-1] == 3  # a parcel lost for weeks counts as 40 days


def test_the_most_specific_bucket_with_enough_history_wins():
    big = history(d1=5, d2=300, d3=40)
    thin = history(d7=19)
    transit = predict_transit(LANE, {SERVICE: thin, ROUTE: history(d4=50), SCOPE: big})
    assert (transit.typical, transit.basis, transit.confidence_code) == (4, "route", ConfidenceCode.SERVICE_TYPE_NOT_PRECISE)
    transit = predict_transit(LANE, {SERVICE: history(d3=25), ROUTE: history(d4=50), SCOPE: big})
    assert (transit.typical, transit.basis, transit.confidence_code) == (3, "service", ConfidenceCode.HIGH_RANGE_MEDIUM_DATE)
    transit = predict_transit(Lane.of("ups", "USA", "USA", None), {SCOPE: big})
    assert (transit.fastest, transit.typical, transit.slowest) == (2, 2, 3)
    assert (transit.basis, transit.confidence_code) == ("scope", ConfidenceCode.HIGH)


def test_without_enough_history_the_courier_defaults_apply():
    transit = predict_transit(LANE, {SERVICE: history(d1=19)})
    assert (transit.fastest, transit.typical, transit.slowest) == DEFAULT_TRANSIT["ups"]["domestic"]
    assert (transit.basis, transit.confidence_code) == ("defaults", ConfidenceCode.NOT_ENOUGH_DATA)
    other = predict_transit(Lane.of("some-post", "CHN", "USA", None), {})
    assert (other.fastest, other.typical, other.slowest) == FALLBACK_TRANSIT["international"]


def test_a_parcel_on_its_way_is_predicted_from_the_deliveries_that_took_as_long():
    lane = Lane.of("ups", "USA", "USA", None)
    h = {ROUTE: history(d2=50, d3=100, d4=30, d5=20)}
    assert predict_transit(lane, h, elapsed=0).typical == 3
    later = predict_transit(lane, h, elapsed=4)
    assert (later.fastest, later.typical, later.slowest) == (4, 4, 5)
    assert later.confidence_code == ConfidenceCode.HIGH_RANGE_MEDIUM_DATE
    assert predict_transit(lane, h, elapsed=6) is None  # later than any delivery seen
    assert predict_transit(Lane.of("ups", "USA", "USA", None), {}, elapsed=9) is None  # past the defaults


def test_the_window_is_counted_in_business_days_from_pickup():
    transit = predict_transit(LANE, {ROUTE: history(d1=10, d2=80, d4=10)})
    estimate = delivery_window(date(2024, 4, 5), transit)  # a Friday
    assert estimate.as_contract() == {
        "estimated_delivery_date": "2024-04-09",
        "confidence_code": 30003,
        "estimated_delivery_date_min": "2024-04-08",
        "estimated_delivery_date_max": "2024-04-11",
    }
