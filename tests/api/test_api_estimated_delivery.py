"""POST /estimated-delivery-date/predict-batch through the official SDK: typed answers from the
defaults and from delivered history, and every bad input as the contract's 4xx naming the field."""

import pytest
from tracking.models import (
    DestinationAddressEstimatedDeliveryDateRequest,
    EstimatedDeliveryDateRequest,
    EstimatedPickupEstimatedDeliveryDateRequest,
    OrderProcessingTimeEstimatedPickupEstimatedDeliveryDateRequest,
    OriginAddressEstimatedDeliveryDateRequest,
    PredictBatchRequest,
    PredictBatchResponse,
    WeightEstimatedDeliveryDateRequest,
)

pytestmark = pytest.mark.api

UPS_ORDER = EstimatedDeliveryDateRequest(
    slug="ups",
    service_type_name="UPS Ground",
    origin_address=OriginAddressEstimatedDeliveryDateRequest(country="USA", state="WA", postal_code="98108"),
    destination_address=DestinationAddressEstimatedDeliveryDateRequest(country="USA", state="CA", postal_code="92019"),
    weight=WeightEstimatedDeliveryDateRequest(unit="kg", value=8),
    package_count=1,
    estimated_pickup=EstimatedPickupEstimatedDeliveryDateRequest(
        order_time="2024-04-05 19:04:05",  # a Friday, after the cut-off
        order_cutoff_time="18:00:00",
        business_days=[1, 2, 3, 4, 5],
        order_processing_time=OrderProcessingTimeEstimatedPickupEstimatedDeliveryDateRequest(unit="day", value=1),
    ),
)
DHL_PICKUP = {
    "slug": "dhl",
    "origin_address": {"country": "DEU", "postal_code": "53113"},
    "destination_address": {"country": "FRA", "postal_code": "75001"},
    "pickup_time": "2024-04-03 17:00:00",
}


def test_predict_batch_answers_each_item_with_its_request_and_estimate(client):
    answer = client.estimated_delivery_date.predict_batch(
        PredictBatchRequest(estimated_delivery_dates=[UPS_ORDER, EstimatedDeliveryDateRequest(**DHL_PICKUP)])
    )
    assert isinstance(answer, PredictBatchResponse)
    ups, dhl = answer.estimated_delivery_dates
    # Friday after the cut-off -> Monday, plus one processing day -> handed over Tuesday at the cut-off;
    # then UPS's domestic default of 1 / 3 / 5 business days (no history yet).
    assert ups.estimated_pickup.pickup_time == "2024-04-09 18:00:00"
    assert (ups.estimated_delivery_date_min, ups.estimated_delivery_date, ups.estimated_delivery_date_max) == (
        "2024-04-10", "2024-04-12", "2024-04-16")
    assert ups.confidence_code == 30002
    assert (ups.slug, ups.service_type_name, ups.origin_address.postal_code, ups.weight.value, ups.package_count) == (
        "ups", "UPS Ground", "98108", 8, 1)
    assert ups.estimated_pickup.business_days == [1, 2, 3, 4, 5] and ups.estimated_pickup.order_cutoff_time == "18:00:00"
    # A Wednesday pickup with DHL's international default of 2 / 4 / 7 business days.
    assert dhl.pickup_time == "2024-04-03 17:00:00" and dhl.estimated_pickup is None
    assert (dhl.estimated_delivery_date_min, dhl.estimated_delivery_date, dhl.estimated_delivery_date_max) == (
        "2024-04-05", "2024-04-09", "2024-04-12")


def test_predictions_come_from_the_deployments_delivered_history(client, stack, stack_dynamodb):
    from trackline.estimates.lanes import Lane
    from trackline.repository.transit_stats import TransitStatsRepository

    lane = Lane.of("fedex", "NZL", "AUS", "International Priority")
    history = TransitStatsRepository(stack.table_name, client=stack_dynamodb)
    for number, days in enumerate([2] * 4 + [3] * 18 + [4] * 3):  # 25 deliveries, mostly 3 days
        assert history.record_delivery(f"apiedd{number:017d}", lane, days, expire_at=4102444800)
    request = {
        "slug": "fedex", "service_type_name": "international  priority",
        "origin_address": {"country": "NZL", "postal_code": "1010"},
        "destination_address": {"country": "AUS", "state": "NSW"},
        "estimated_pickup": {"order_time": "2024-04-01 09:00:00"},  # Monday, defaults for the rest
    }
    (predicted,) = client.estimated_delivery_date.predict_batch({"estimated_delivery_dates": [request]}).estimated_delivery_dates
    assert predicted.estimated_pickup.pickup_time == "2024-04-01 18:00:00"
    assert (predicted.estimated_delivery_date_min, predicted.estimated_delivery_date, predicted.estimated_delivery_date_max) == (
        "2024-04-03", "2024-04-04", "2024-04-05")
    assert predicted.confidence_code == 20001  # 25 deliveries: enough for a range, medium for one date


VALID = {**DHL_PICKUP}
BAD_INPUTS = {
    "no items": ({"estimated_delivery_dates": []}, 4008, "estimated_delivery_dates"),
    "six items": ({"estimated_delivery_dates": [VALID] * 6}, 4008, "Send 1 to 5 items"),
    "no list": ({}, 4009, "estimated_delivery_dates is required"),
    "missing origin": (
        {"estimated_delivery_dates": [VALID, {k: v for k, v in VALID.items() if k != "origin_address"}]},
        4009, "estimated_delivery_dates[1].origin_address is required"),
    "address without state or postal code": (
        {"estimated_delivery_dates": [{**VALID, "destination_address": {"country": "FRA", "city": "Paris"}}]},
        4009, "estimated_delivery_dates[0].destination_address.state or postal_code is required"),
    "unknown country": (
        {"estimated_delivery_dates": [{**VALID, "origin_address": {"country": "XYZ", "postal_code": "1"}}]},
        4008, "estimated_delivery_dates[0].origin_address.country"),
    "unknown slug": ({"estimated_delivery_dates": [{**VALID, "slug": "no-such-courier"}]}, 4010, "estimated_delivery_dates[0].slug"),
    "missing slug": ({"estimated_delivery_dates": [{k: v for k, v in VALID.items() if k != "slug"}]}, 4009, "estimated_delivery_dates[0].slug is required"),
    "malformed pickup time": (
        {"estimated_delivery_dates": [{**VALID, "pickup_time": "2024-04-03T17:00:00Z"}]}, 4008, "estimated_delivery_dates[0].pickup_time"),
    "impossible pickup time": (
        {"estimated_delivery_dates": [{**VALID, "pickup_time": "2024-02-30 17:00:00"}]}, 4008, "estimated_delivery_dates[0].pickup_time"),
    "pickup time off the calendar": (
        {"estimated_delivery_dates": [{**VALID, "pickup_time": "9999-12-31 23:59:59"}]}, 4008, "estimated_delivery_dates[0].pickup_time"),
    "malformed order time": (
        {"estimated_delivery_dates": [{**{k: v for k, v in VALID.items() if k != "pickup_time"},
                                       "estimated_pickup": {"order_time": "yesterday"}}]},
        4008, "estimated_delivery_dates[0].estimated_pickup.order_time"),
    "bad weekday": (
        {"estimated_delivery_dates": [{**{k: v for k, v in VALID.items() if k != "pickup_time"},
                                       "estimated_pickup": {"order_time": "2024-04-01 09:00:00", "business_days": [0, 1]}}]},
        4008, "estimated_delivery_dates[0].estimated_pickup.business_days"),
    "neither pickup": (
        {"estimated_delivery_dates": [{k: v for k, v in VALID.items() if k != "pickup_time"}]},
        4009, "estimated_delivery_dates[0].pickup_time or estimated_pickup is required"),
    "both pickups": (
        {"estimated_delivery_dates": [{**VALID, "estimated_pickup": {"order_time": "2024-04-01 09:00:00"}}]},
        4008, "pickup_time or estimated_pickup, not both"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_a_bad_item_fails_the_whole_call_with_the_field_named(client, bad_request, case):
    body, meta_code, named = BAD_INPUTS[case]
    with pytest.raises(Exception) as excinfo:
        client.estimated_delivery_date.predict_batch(body)
    error = bad_request(excinfo, meta_code)
    assert named in error.message, error.message
