"""The FedEx adapter against a stub of FedEx's Track API on 127.0.0.1."""


import pytest

from tests.support.contract import EVENT_TAGS

from tests.support.carrier_stubs import fedex as stubs
from tests.support.carrier_stubs.fedex import CLIENT_ID, CLIENT_SECRET, IN_TRANSIT_NUMBER, JOURNEY_NUMBER, FedexStub
from trackline.carriers.base import CarrierError, CarrierSettings
from trackline.carriers.fedex import (
    EVENT_TYPE_EVENTS,
    FEDEX_DERIVED_SUBTAGS,
    FEDEX_DESCRIPTION_SUBTAGS,
    FEDEX_EVENT_SUBTAGS,
    SUBTAG_EVENTS,
    FedexAdapter,
    classify,
)
from trackline.models.enums import SUBTAG_MESSAGES

@pytest.fixture(scope="module")
def server():
    with FedexStub() as stub:
        yield stub


@pytest.fixture
def fedex(server):
    server.reset()
    return server


@pytest.fixture
def adapter(fedex):
    return FedexAdapter(CarrierSettings(base_url=fedex.base_url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET), timeout=5)


def subtags(update):
    return [point.subtag for point in update.checkpoints]


def event_codes(point):
    return [event.code for event in point.events or []]


def numbers_asked(request):
    return [entry["trackingNumberInfo"]["trackingNumber"] for entry in request.json()["trackingInfo"]]


# --- a normal journey ---------------------------------------------------------------------------


def test_a_journey_is_normalised_oldest_first(fedex, adapter):
    fedex.results[JOURNEY_NUMBER] = stubs.journey_result()

    update = adapter.fetch([JOURNEY_NUMBER])[JOURNEY_NUMBER]

    assert update.found
    assert subtags(update) == [
        "InfoReceived_001",  # label created: not in transit
        "InTransit_002",  # picked up
        "InTransit_007",  # left the origin facility
        "InTransit_003",  # arrived at the hub
        "InTransit_005",  # released by customs
        "InTransit_007",  # departed the hub
        "InTransit_003",  # at the local facility
        "OutForDelivery_001",
        "Delivered_003",  # signed for
    ]
    assert [point.raw_tag for point in update.checkpoints] == ["OC", "PU", "DP", "AR", "CC", "DP", "AR", "OD", "DL"]
    assert [point.tag for point in update.checkpoints][-2:] == ["OutForDelivery", "Delivered"]
    assert all(point.slug == "fedex" for point in update.checkpoints)
    assert update.checkpoints[3].message == "Arrived at FedEx hub"


def test_checkpoint_times_are_fedex_local_times_as_given(fedex, adapter):
    fedex.results[JOURNEY_NUMBER] = stubs.journey_result()

    update = adapter.fetch([JOURNEY_NUMBER])[JOURNEY_NUMBER]

    assert [point.checkpoint_time for point in update.checkpoints] == [
        "2024-04-23T10:12:00-04:00",
        "2024-04-23T16:05:00-04:00",
        "2024-04-24T13:05:00-04:00",
        "2024-04-24T19:39:00-05:00",
        "2024-04-24T22:10:00-05:00",
        "2024-04-25T02:15:00-05:00",
        "2024-04-26T07:50:00-07:00",
        "2024-04-26T08:52:00-07:00",
        "2024-04-26T09:26:00-07:00",
    ]


def test_checkpoints_are_ordered_by_instant_not_by_local_clock(fedex, adapter):
    """09:00 in Memphis (-05:00) is after 08:30 in Fresno (-07:00) by the clock, but before it in time."""
    result = stubs.journey_result()
    result["scanEvents"] = [
        {**result["scanEvents"][6], "date": "2024-04-26T08:30:00-07:00"},  # 15:30Z
        {**result["scanEvents"][5], "date": "2024-04-26T09:00:00-05:00"},  # 14:00Z
    ]
    fedex.results[JOURNEY_NUMBER] = result

    update = adapter.fetch([JOURNEY_NUMBER])[JOURNEY_NUMBER]

    assert [point.checkpoint_time for point in update.checkpoints] == ["2024-04-26T09:00:00-05:00", "2024-04-26T08:30:00-07:00"]


def test_countries_are_alpha_3(fedex, adapter):
    fedex.results[JOURNEY_NUMBER] = stubs.journey_result()

    update = adapter.fetch([JOURNEY_NUMBER])[JOURNEY_NUMBER]

    assert [point.country_iso3 for point in update.checkpoints] == ["CAN"] * 3 + ["USA"] * 6
    assert update.checkpoints[0].country_name == "Canada"
    assert update.checkpoints[1].location == "MISSISSAUGA, ON, L5T2N7, CAN"
    assert update.courier_destination_country_iso3 == "USA"
    assert update.destination_country_iso3 == "USA"
    assert update.origin_country_iso3 == "CAN"


def test_the_fields_fedex_knows_are_filled(fedex, adapter):
    fedex.results[JOURNEY_NUMBER] = stubs.journey_result()

    update = adapter.fetch([JOURNEY_NUMBER])[JOURNEY_NUMBER]

    assert update.signed_by == "J.SMITH"
    assert update.shipment_delivery_date == "2024-04-26T09:26:00-07:00"
    assert update.shipment_pickup_date == "2024-04-23T16:05:00-04:00"
    assert (update.shipment_weight, update.shipment_weight_unit) == (4.4, "lb")
    assert update.shipment_package_count == 1.0
    assert update.shipment_type == "FedEx International Priority"
    assert update.signature_requirement == "signature_required"
    assert update.expected_delivery is None
    assert event_codes(update.checkpoints[-1]) == ["signed_by_customer"]
    assert event_codes(update.checkpoints[1]) == ["picked_up"]


def test_an_attempt_and_the_estimated_delivery(fedex, adapter):
    fedex.results[IN_TRANSIT_NUMBER] = stubs.in_transit_result()

    update = adapter.fetch([IN_TRANSIT_NUMBER])[IN_TRANSIT_NUMBER]

    assert subtags(update) == ["InfoReceived_001", "InTransit_002", "OutForDelivery_001", "AttemptFail_001"]
    attempt = update.checkpoints[-1]
    assert attempt.message == "Delivery exception: Customer not available or business closed"
    assert event_codes(attempt) == ["delivery_attempt_failed"]
    assert update.expected_delivery == "2024-05-03T00:00:00-07:00"
    assert update.shipment_pickup_date == "2024-05-01T14:25:00-07:00"
    assert update.shipment_delivery_date is None
    assert update.signed_by is None  # FedEx's empty receivedByName
    assert update.signature_requirement is None


def test_without_dates_the_scans_give_pickup_and_delivery(fedex, adapter):
    result = stubs.journey_result()
    result.pop("dateAndTimes")
    result["estimatedDeliveryTimeWindow"] = {"window": {"begins": "2024-04-26T08:00:00-07:00", "ends": "2024-04-26T20:00:00-07:00"}}
    fedex.results[JOURNEY_NUMBER] = result

    update = adapter.fetch([JOURNEY_NUMBER])[JOURNEY_NUMBER]

    assert update.shipment_pickup_date == "2024-04-23T16:05:00-04:00"
    assert update.shipment_delivery_date == "2024-04-26T09:26:00-07:00"
    assert update.expected_delivery == "2024-04-26T20:00:00-07:00"


def test_the_request_is_the_documented_one(fedex, adapter):
    adapter.fetch([JOURNEY_NUMBER])

    token, track = fedex.requests
    assert token.method == "POST" and token.path == "/oauth/token"
    assert token.form() == {"grant_type": ["client_credentials"], "client_id": [CLIENT_ID], "client_secret": [CLIENT_SECRET]}
    assert "authorization" not in token.headers
    assert track.method == "POST" and track.path == "/track/v1/trackingnumbers"
    assert track.headers["authorization"] == "Bearer fedex-access-token-1"
    assert track.headers["content-type"] == "application/json"
    assert track.json() == {"includeDetailedScans": True, "trackingInfo": [{"trackingNumberInfo": {"trackingNumber": JOURNEY_NUMBER}}]}


# --- not found, failures ------------------------------------------------------------------------


def test_an_unknown_number_is_not_found_not_an_error(fedex, adapter):
    fedex.results[JOURNEY_NUMBER] = stubs.journey_result()

    updates = adapter.fetch(["123456789012", JOURNEY_NUMBER])

    assert updates["123456789012"].found is False
    assert updates["123456789012"].checkpoints == []
    assert updates[JOURNEY_NUMBER].found is True


def test_a_number_left_out_of_the_answer_is_not_found(adapter, monkeypatch):
    body = {"transactionId": "t", "output": {"completeTrackResults": []}}
    monkeypatch.setattr(adapter, "_post", lambda batch: (200, body))

    assert adapter.fetch(["111111111111"])["111111111111"].found is False


def test_a_request_level_not_found_is_not_found(adapter, monkeypatch):
    body = {"transactionId": "t", "errors": [{"code": "TRACKING.TRACKINGNUMBER.NOTFOUND", "message": "Tracking number cannot be found."}]}
    monkeypatch.setattr(adapter, "_post", lambda batch: (404, body))

    assert adapter.fetch(["111111111111"])["111111111111"].found is False


def test_a_404_that_is_not_fedex_speaking_is_not_retryable(adapter, monkeypatch):
    monkeypatch.setattr(adapter, "_post", lambda batch: (404, {"message": "no route"}))

    with pytest.raises(CarrierError) as caught:
        adapter.fetch(["111111111111"])

    assert caught.value.retryable is False


def test_a_request_level_error_is_an_error(adapter, monkeypatch):
    body = {"transactionId": "t", "errors": [{"code": "SYSTEM.UNAVAILABLE.EXCEPTION", "message": "The service is unavailable."}]}
    monkeypatch.setattr(adapter, "_post", lambda batch: (200, body))

    with pytest.raises(CarrierError) as caught:
        adapter.fetch(["111111111111"])

    assert caught.value.retryable is True


def test_another_per_number_error_is_a_retryable_error(fedex, adapter):
    fedex.results["111111111111"] = {
        "trackingNumberInfo": {"trackingNumber": "111111111111"},
        "error": {"code": "SYSTEM.UNAVAILABLE.EXCEPTION", "message": "The service is currently unavailable."},
    }

    with pytest.raises(CarrierError) as caught:
        adapter.fetch(["111111111111"])

    assert caught.value.retryable is True


def test_rate_limited_is_retryable_with_retry_after(fedex, adapter):
    fedex.mode = "rate_limited"
    fedex.retry_after = "11"

    with pytest.raises(CarrierError) as caught:
        adapter.fetch([JOURNEY_NUMBER])

    assert caught.value.retryable is True
    assert caught.value.retry_after == 11.0


def test_a_server_error_is_retryable(fedex, adapter):
    fedex.mode = "server_error"

    with pytest.raises(CarrierError) as caught:
        adapter.fetch([JOURNEY_NUMBER])

    assert caught.value.retryable is True


@pytest.mark.parametrize("mode", ["html", "truncated", "wrong_shape"])
def test_a_malformed_body_is_retryable(fedex, adapter, mode):
    fedex.mode = mode

    with pytest.raises(CarrierError) as caught:
        adapter.fetch([JOURNEY_NUMBER])

    assert caught.value.retryable is True


@pytest.mark.parametrize(
    "damage",
    [
        lambda r: r["scanEvents"][0].pop("date"),
        lambda r: r["scanEvents"][0].update(date="26/04/2024 09:26"),
        lambda r: r["scanEvents"][0].update(date=20240426),
        lambda r: r.update(scanEvents={"0": {}}),
        lambda r: r["scanEvents"].append("DL"),
    ],
    ids=["no date", "not ISO", "a number", "scanEvents an object", "a string event"],
)
def test_malformed_results_are_retryable_errors_not_crashes(fedex, adapter, damage):
    result = stubs.journey_result()
    damage(result)
    fedex.results[JOURNEY_NUMBER] = result

    with pytest.raises(CarrierError) as caught:
        adapter.fetch([JOURNEY_NUMBER])

    assert caught.value.retryable is True


def test_optional_fields_of_the_wrong_type_are_ignored(fedex, adapter):
    result = stubs.journey_result()
    result.update(packageDetails="x", dateAndTimes={"a": 1}, recipientInformation=None, serviceDetail=[], deliveryDetails=7)
    fedex.results[JOURNEY_NUMBER] = result

    update = adapter.fetch([JOURNEY_NUMBER])[JOURNEY_NUMBER]

    assert update.found and len(update.checkpoints) == 9
    assert update.shipment_package_count is None and update.signed_by is None
    assert update.courier_destination_country_iso3 == "USA"  # from lastUpdatedDestinationAddress


def test_without_client_credentials_nothing_is_sent(fedex):
    adapter = FedexAdapter(CarrierSettings(base_url=fedex.base_url, api_key="only-a-key"))

    with pytest.raises(CarrierError) as caught:
        adapter.fetch([JOURNEY_NUMBER])

    assert caught.value.retryable is False
    assert fedex.requests == []


def test_wrong_credentials_are_not_retryable(fedex):
    adapter = FedexAdapter(CarrierSettings(base_url=fedex.base_url, client_id=CLIENT_ID, client_secret="wrong"))

    with pytest.raises(CarrierError) as caught:
        adapter.fetch([JOURNEY_NUMBER])

    assert caught.value.retryable is False


# --- batching and tokens ------------------------------------------------------------------------


def test_65_numbers_go_in_3_requests_of_at_most_30(fedex, adapter):
    numbers = [f"7940000{n:05d}" for n in range(65)]
    fedex.results[numbers[40]] = stubs.journey_result(numbers[40])

    updates = adapter.fetch(numbers)

    assert adapter.max_batch == 30
    assert [len(numbers_asked(request)) for request in fedex.track_requests] == [30, 30, 5]
    assert sum((numbers_asked(request) for request in fedex.track_requests), []) == numbers
    assert list(updates) == numbers
    assert [number for number, update in updates.items() if update.found] == [numbers[40]]
    assert len(fedex.token_requests) == 1


def test_a_repeated_number_is_asked_once(fedex, adapter):
    adapter.fetch([JOURNEY_NUMBER, IN_TRANSIT_NUMBER, JOURNEY_NUMBER])

    assert numbers_asked(fedex.track_requests[0]) == [JOURNEY_NUMBER, IN_TRANSIT_NUMBER]


def test_the_token_is_fetched_once_for_many_fetches(fedex, adapter):
    for _ in range(4):
        adapter.fetch([JOURNEY_NUMBER, IN_TRANSIT_NUMBER])

    assert len(fedex.token_requests) == 1
    assert len(fedex.track_requests) == 4
    assert {request.headers["authorization"] for request in fedex.track_requests} == {"Bearer fedex-access-token-1"}


def test_a_token_expiring_early_is_replaced_once(fedex, adapter):
    fedex.results[JOURNEY_NUMBER] = stubs.journey_result()
    adapter.fetch([JOURNEY_NUMBER])
    fedex.expire_tokens()

    update = adapter.fetch([JOURNEY_NUMBER])[JOURNEY_NUMBER]

    assert update.found and len(update.checkpoints) == 9
    assert len(fedex.token_requests) == 2
    assert [request.headers["authorization"] for request in fedex.track_requests] == [
        "Bearer fedex-access-token-1", "Bearer fedex-access-token-1", "Bearer fedex-access-token-2",
    ]


def test_a_fresh_token_refused_too_is_a_retryable_error_after_one_retry(fedex, adapter):
    fedex.refuse_all_tokens = True

    with pytest.raises(CarrierError) as caught:
        adapter.fetch([JOURNEY_NUMBER])

    assert caught.value.retryable is True
    assert len(fedex.track_requests) == 2
    assert len(fedex.token_requests) == 2


def test_a_token_is_cached_for_its_lifetime_only(fedex, adapter):
    fedex.expires_in = 30  # shorter than the cache's safety margin: every call needs a new one

    adapter.fetch([JOURNEY_NUMBER])
    adapter.fetch([JOURNEY_NUMBER])

    assert len(fedex.token_requests) == 2


# --- the status table ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event_type", "derived", "description", "subtag"),
    [
        ("OC", "IN", "Shipment information sent to FedEx", "InfoReceived_001"),
        ("EP", "IN", "Enroute to pickup", "InfoReceived_001"),
        ("AP", "IN", "At pickup", "InfoReceived_001"),
        ("RP", "IN", "Return label link emailed to return sender", "InfoReceived_001"),
        ("PU", "PU", "Picked up", "InTransit_002"),
        ("PX", "PU", "Picked up (see details)", "InTransit_002"),
        ("AR", "IT", "Arrived at FedEx location", "InTransit_003"),
        ("AF", "IT", "At local FedEx facility", "InTransit_003"),
        ("OF", "IT", "At FedEx origin facility", "InTransit_003"),
        ("FD", "IT", "At FedEx destination facility", "InTransit_003"),
        ("SF", "IT", "At sort facility", "InTransit_003"),
        ("AA", "IT", "At airport", "InTransit_003"),
        ("DP", "IT", "Departed FedEx hub", "InTransit_007"),
        ("LO", "IT", "Left FedEx origin facility", "InTransit_007"),
        ("IT", "IT", "In transit", "InTransit_001"),
        ("PL", "IT", "Plane landed", "InTransit_001"),
        ("AO", "IT", "Shipment arriving On-Time", "InTransit_001"),
        ("CP", "IT", "Clearance in progress", "InTransit_006"),
        ("CC", "IT", "International shipment release - Import", "InTransit_005"),
        ("OD", "IT", "On FedEx vehicle for delivery", "OutForDelivery_001"),
        ("ED", "IT", "Enroute to delivery", "OutForDelivery_001"),
        ("DL", "DL", "Delivered", "Delivered_001"),
        ("HL", "HL", "Hold at location", "AvailableForPickup_001"),
        ("HP", "IT", "Ready for recipient pickup", "AvailableForPickup_001"),
        ("DE", "DE", "Delivery exception", "AttemptFail_001"),
        ("DE", "DE", "Delivery exception Customer not available or business closed", "AttemptFail_001"),
        ("DE", "DE", "Delivery exception Business closed - No delivery attempt", "AttemptFail_003"),
        ("DE", "DE", "Delivery exception Recipient not available", "AttemptFail_002"),
        ("DE", "DE", "Delivery exception Refused by recipient", "Exception_003"),
        ("DE", "DE", "Delivery exception Incorrect address", "Exception_007"),
        ("DE", "DE", "Delivery exception Package damaged", "Exception_012"),
        ("DE", "DE", "FedEx redirected your package to a nearby FedEx location", "InTransit_009"),
        ("SE", "SE", "Shipment exception", "Exception_001"),
        ("SE", "SE", "Shipment exception Returning package to shipper", "Exception_010"),
        ("SE", "SE", "Shipment exception Package returned to shipper", "Exception_011"),
        ("CD", "CD", "Clearance delay", "Exception_004"),
        ("DY", "DY", "Delay", "Exception_005"),
        ("DY", "DY", "Delay Local weather delay", "Exception_005"),
        ("DY", "DY", "Delay Package held by customs", "Exception_004"),
        ("CA", "CA", "Shipment cancelled by sender", "Exception_001"),
        ("RS", "RS", "Return to shipper", "Exception_010"),
        # an eventType FedEx may add later: its derivedStatusCode decides
        ("ZZ", "IN", "Label created", "InfoReceived_001"),
        ("ZZ", "PU", "Picked up", "InTransit_002"),
        ("ZZ", "IT", "On the way", "InTransit_001"),
        ("ZZ", "DL", "Delivered", "Delivered_001"),
        ("ZZ", "DE", "Delivery exception", "AttemptFail_001"),
        ("ZZ", "ZZ", "Something new", "InTransit_001"),
    ],
)
def test_status_table(event_type, derived, description, subtag):
    result, events = classify(event_type, derived, description)

    assert result == subtag
    assert subtag in SUBTAG_MESSAGES
    for event in events:
        assert EVENT_TAGS[event["code"]] == subtag.split("_")[0]


def test_label_created_is_never_in_transit():
    assert classify("OC", "IN", "Shipment information sent to FedEx")[0] == "InfoReceived_001"
    assert classify("OC", "", None)[0] == "InfoReceived_001"
    assert classify("oc", "in", None)[0] == "InfoReceived_001"
    assert classify("", "IN", None)[0] == "InfoReceived_001"


def test_a_signature_upgrades_delivered_only():
    assert classify("DL", "DL", "Delivered", signed=True) == ("Delivered_003", [{"code": "signed_by_customer"}])
    assert classify("OD", "IT", "On FedEx vehicle for delivery", signed=True)[0] == "OutForDelivery_001"


def test_event_codes_follow_the_contract():
    assert classify("PU", "PU", "Picked up")[1] == [{"code": "picked_up"}]
    assert classify("CA", "CA", "Shipment cancelled")[1] == [{"code": "canceled"}]
    assert classify("CD", "CD", "Clearance delay")[1] == [{"code": "held_by_customs"}]
    assert classify("HP", "IT", "Ready for recipient pickup")[1] == [{"code": "dropped_off_at_collection_point"}]
    assert classify("DE", "DE", "Redirected to a nearby FedEx location")[1] == [{"code": "rerouted"}]


def test_every_table_entry_is_a_contract_subtag_with_matching_events():
    tables = [
        *FEDEX_EVENT_SUBTAGS.values(), *FEDEX_DERIVED_SUBTAGS.values(), *(tag for _, _, tag in FEDEX_DESCRIPTION_SUBTAGS),
    ]
    assert set(tables) <= set(SUBTAG_MESSAGES)
    for subtag, event in SUBTAG_EVENTS.items():
        assert subtag in SUBTAG_MESSAGES and EVENT_TAGS[event] == subtag.split("_")[0]
    for event_type, event in EVENT_TYPE_EVENTS.items():
        assert EVENT_TAGS[event] == FEDEX_EVENT_SUBTAGS[event_type].split("_")[0]


# --- wiring -------------------------------------------------------------------------------------


def test_the_registry_builds_this_adapter_and_the_worker_call_works(monkeypatch, fedex):
    from trackline.carriers import registry

    monkeypatch.setenv("CARRIER_FEDEX_BASE_URL", fedex.base_url)
    monkeypatch.setenv("CARRIER_FEDEX_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("CARRIER_FEDEX_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.delenv("CARRIER_FEDEX_SECRET_ARN", raising=False)
    fedex.results[JOURNEY_NUMBER] = stubs.journey_result()

    adapter = registry.adapter_for("fedex", sandbox_enabled=False)
    updates = adapter.fetch([JOURNEY_NUMBER], known_checkpoints={JOURNEY_NUMBER: 3})

    assert isinstance(adapter, FedexAdapter) and adapter.slug == "fedex"
    assert len(updates[JOURNEY_NUMBER].checkpoints) == 9


def test_an_update_merges_into_a_tracking(adapter, fedex):
    from datetime import UTC, datetime

    from trackline.models.tracking import TrackingRecord
    from trackline.services.shipment_progress import apply_update

    fedex.results[JOURNEY_NUMBER] = stubs.journey_result()
    update = adapter.fetch([JOURNEY_NUMBER])[JOURNEY_NUMBER]
    record = TrackingRecord(tracking_number=JOURNEY_NUMBER, slug="fedex", checkpoints=[])

    added = apply_update(record, update, slug="fedex", now=datetime(2024, 6, 1, tzinfo=UTC))
    again = apply_update(record, adapter.fetch([JOURNEY_NUMBER])[JOURNEY_NUMBER], slug="fedex", now=datetime(2024, 6, 2, tzinfo=UTC))

    assert len(added) == 9 and again == []  # the same events are not stored twice
    assert (record.tag, record.subtag) == ("Delivered", "Delivered_003")
    assert record.signed_by == update.signed_by
    assert [point.checkpoint_time for point in record.checkpoints] == [point.checkpoint_time for point in update.checkpoints]
