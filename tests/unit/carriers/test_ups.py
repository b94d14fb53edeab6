"""The UPS adapter against a stub of UPS's Track API on 127.0.0.1."""


import pytest

from tests.support.contract import EVENT_TAGS

from tests.support.carrier_stubs import ups as stubs
from tests.support.carrier_stubs.ups import CLIENT_ID, CLIENT_SECRET, IN_TRANSIT_NUMBER, JOURNEY_NUMBER, UpsStub
from trackline.carriers.base import CarrierError, CarrierSettings
from trackline.carriers.ups import (
    SUBTAG_EVENTS,
    TYPE_EVENTS,
    UPS_ACTIVITY_SUBTAGS,
    UPS_DESCRIPTION_SUBTAGS,
    UPS_STATUS_SUBTAGS,
    UpsAdapter,
    classify,
)
from trackline.models.enums import SUBTAG_MESSAGES

@pytest.fixture(scope="module")
def server():
    with UpsStub() as stub:
        yield stub


@pytest.fixture
def ups(server):
    server.reset()
    return server


@pytest.fixture
def adapter(ups):
    return UpsAdapter(CarrierSettings(base_url=ups.base_url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET), timeout=5)


def subtags(update):
    return [point.subtag for point in update.checkpoints]


def event_codes(point):
    return [event.code for event in point.events or []]


# --- a normal journey ---------------------------------------------------------------------------


def test_a_journey_is_normalised_oldest_first(ups, adapter):
    ups.packages[JOURNEY_NUMBER] = stubs.journey_package()

    update = adapter.fetch([JOURNEY_NUMBER])[JOURNEY_NUMBER]

    assert update.found
    assert subtags(update) == [
        "InfoReceived_001",  # label created: not in transit
        "InTransit_002",  # UPS has the parcel
        "InTransit_007",  # departed Cologne
        "InTransit_004",  # import scan in Louisville
        "InTransit_003",  # arrived in Fremont
        "OutForDelivery_001",
        "Delivered_003",  # signed for
    ]
    assert [point.tag for point in update.checkpoints] == [
        "InfoReceived", "InTransit", "InTransit", "InTransit", "InTransit", "OutForDelivery", "Delivered",
    ]
    assert [point.raw_tag for point in update.checkpoints] == ["MP", "OC", "DP", "IP", "AR", "OT", "FS"]
    assert all(point.slug == "ups" for point in update.checkpoints)
    assert all(point.subtag_message == SUBTAG_MESSAGES[point.subtag] for point in update.checkpoints)


def test_checkpoint_times_keep_ups_local_time_and_offset(ups, adapter):
    ups.packages[JOURNEY_NUMBER] = stubs.journey_package()

    update = adapter.fetch([JOURNEY_NUMBER])[JOURNEY_NUMBER]

    assert [point.checkpoint_time for point in update.checkpoints] == [
        "2024-01-30T09:34:05+01:00",
        "2024-01-30T17:31:57+01:00",
        "2024-01-30T23:15:00+01:00",
        "2024-01-31T06:45:00-05:00",
        "2024-02-01T21:15:00-08:00",
        "2024-02-02T08:47:14-08:00",
        "2024-02-02T12:04:35-08:00",
    ]


def test_a_time_without_gmt_offset_stays_local_without_one(ups, adapter):
    package = stubs.label_only_package("1ZNOOFFSET0000001")
    del package["activity"][0]["gmtOffset"]
    ups.packages["1ZNOOFFSET0000001"] = package

    update = adapter.fetch(["1ZNOOFFSET0000001"])["1ZNOOFFSET0000001"]

    assert update.checkpoints[0].checkpoint_time == "2024-04-01T10:10:10"
    assert update.checkpoints[0].subtag == "InfoReceived_001"


def test_countries_are_alpha_3(ups, adapter):
    ups.packages[JOURNEY_NUMBER] = stubs.journey_package()

    update = adapter.fetch([JOURNEY_NUMBER])[JOURNEY_NUMBER]

    assert [point.country_iso3 for point in update.checkpoints] == ["DEU", "DEU", "DEU", "USA", "USA", "USA", "USA"]
    assert update.checkpoints[0].country_name == "Germany"
    assert update.checkpoints[-1].location == "NEWARK, CA, 94560, USA"
    assert update.courier_destination_country_iso3 == "USA"
    assert update.destination_country_iso3 == "USA"
    assert update.origin_country_iso3 == "DEU"


def test_the_fields_ups_knows_are_filled(ups, adapter):
    ups.packages[JOURNEY_NUMBER] = stubs.journey_package()

    update = adapter.fetch([JOURNEY_NUMBER])[JOURNEY_NUMBER]

    assert update.signed_by == "MILLER"
    assert update.shipment_delivery_date == "2024-02-02T12:04:35-08:00"
    assert update.shipment_pickup_date == "2024-01-30T17:31:57+01:00"
    assert update.shipment_weight == 2.3
    assert update.shipment_weight_unit == "kg"
    assert update.shipment_package_count == 1.0
    assert update.shipment_type == "UPS Worldwide Express"
    assert update.signature_requirement == "signature_required"
    assert update.expected_delivery is None
    assert event_codes(update.checkpoints[-1]) == ["signed_by_customer"]
    assert event_codes(update.checkpoints[1]) == ["picked_up"]
    assert update.checkpoints[-1].message == "DELIVERED"  # UPS's trailing blank dropped


def test_delivered_without_a_signature_is_plain_delivered(ups, adapter):
    package = stubs.journey_package()
    package["deliveryInformation"] = {"location": "Front Door", "receivedBy": ""}
    package.pop("additionalServices")
    ups.packages[JOURNEY_NUMBER] = package

    update = adapter.fetch([JOURNEY_NUMBER])[JOURNEY_NUMBER]

    assert update.checkpoints[-1].subtag == "Delivered_001"
    assert update.checkpoints[-1].events is None
    assert update.signed_by is None
    assert update.signature_requirement is None


def test_in_transit_gives_the_rescheduled_delivery_date(ups, adapter):
    ups.packages[IN_TRANSIT_NUMBER] = stubs.in_transit_package()

    update = adapter.fetch([IN_TRANSIT_NUMBER])[IN_TRANSIT_NUMBER]

    assert subtags(update) == ["InfoReceived_001", "InTransit_002", "InTransit_003"]
    assert update.expected_delivery == "2024-03-15T10:30:00"  # RDD wins over SDD, with the commit time
    assert update.shipment_delivery_date is None
    assert update.shipment_pickup_date == "2024-03-11T17:15:00-04:00"
    assert update.courier_destination_country_iso3 == "CAN"
    assert (update.shipment_weight, update.shipment_weight_unit) == (13.0, "lb")
    assert update.shipment_package_count == 2.0


def test_the_request_is_the_documented_one(ups, adapter):
    ups.packages[JOURNEY_NUMBER] = stubs.journey_package()

    adapter.fetch([JOURNEY_NUMBER])

    token, track = ups.requests
    assert token.method == "POST" and token.path == "/security/v1/oauth/token"
    assert token.headers["authorization"].startswith("Basic ")
    assert token.form() == {"grant_type": ["client_credentials"]}
    assert track.method == "GET" and track.path == f"/api/track/v1/details/{JOURNEY_NUMBER}"
    assert track.headers["authorization"] == "Bearer ups-access-token-1"
    assert len(track.headers["transid"]) <= 32 and track.headers["transactionsrc"] == "trackline"
    assert track.query == {"locale": ["en_US"], "returnSignature": ["false"]}


# --- not found, failures ------------------------------------------------------------------------


@pytest.mark.parametrize("style", ["404", "warning"])
def test_an_unknown_number_is_not_found_not_an_error(ups, adapter, style):
    ups.not_found_style = style

    update = adapter.fetch(["1Z00000000000000X1"])["1Z00000000000000X1"]

    assert update.found is False
    assert update.checkpoints == []


def test_warnings_beside_a_package_do_not_hide_it(ups, adapter, monkeypatch):
    body = {"trackResponse": {"shipment": [{
        "inquiryNumber": JOURNEY_NUMBER,
        "package": [stubs.journey_package()],
        "warnings": [{"code": "TW0002", "message": "Some data may be unavailable"}],
    }]}}
    monkeypatch.setattr(adapter, "_get", lambda number: (200, body))

    assert len(adapter.fetch([JOURNEY_NUMBER])[JOURNEY_NUMBER].checkpoints) == 7


def test_the_package_asked_for_is_picked_from_a_multi_package_shipment(ups, adapter, monkeypatch):
    other = stubs.label_only_package("1Z999AA10123456791")
    body = {"trackResponse": {"shipment": [{"inquiryNumber": JOURNEY_NUMBER, "package": [other, stubs.journey_package()]}]}}
    monkeypatch.setattr(adapter, "_get", lambda number: (200, body))

    assert len(adapter.fetch([JOURNEY_NUMBER])[JOURNEY_NUMBER].checkpoints) == 7


def test_a_404_that_is_not_ups_speaking_is_not_retryable(adapter, monkeypatch):
    monkeypatch.setattr(adapter, "_get", lambda number: (404, {"message": "no route"}))

    with pytest.raises(CarrierError) as caught:
        adapter.fetch([JOURNEY_NUMBER])

    assert caught.value.retryable is False


def test_rate_limited_is_retryable_with_retry_after(ups, adapter):
    ups.mode = "rate_limited"
    ups.retry_after = "7"

    with pytest.raises(CarrierError) as caught:
        adapter.fetch([JOURNEY_NUMBER])

    assert caught.value.retryable is True
    assert caught.value.retry_after == 7.0


def test_a_server_error_is_retryable(ups, adapter):
    ups.mode = "server_error"

    with pytest.raises(CarrierError) as caught:
        adapter.fetch([JOURNEY_NUMBER])

    assert caught.value.retryable is True


@pytest.mark.parametrize("mode", ["html", "truncated", "wrong_shape"])
def test_a_malformed_body_is_retryable(ups, adapter, mode):
    ups.mode = mode

    with pytest.raises(CarrierError) as caught:
        adapter.fetch([JOURNEY_NUMBER])

    assert caught.value.retryable is True


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: p["activity"][0].pop("status"),
        lambda p: p["activity"][0].update(status="DELIVERED"),
        lambda p: p["activity"][0].update(date="2024-02-02"),
        lambda p: p["activity"][0].update(date="20241302"),
        lambda p: p["activity"][0].update(time="12:04"),
        lambda p: p["activity"][0].update(date=20240202),
        lambda p: p.update(activity={"0": "x"}),
        lambda p: p["activity"].append(None),
    ],
    ids=["no status", "status a string", "date with dashes", "month 13", "time with colon", "date a number", "activity an object", "null activity"],
)
def test_malformed_packages_are_retryable_errors_not_crashes(ups, adapter, damage):
    package = stubs.journey_package()
    damage(package)
    ups.packages[JOURNEY_NUMBER] = package

    with pytest.raises(CarrierError) as caught:
        adapter.fetch([JOURNEY_NUMBER])

    assert caught.value.retryable is True


def test_optional_fields_of_the_wrong_type_are_ignored(ups, adapter):
    package = stubs.journey_package()
    package.update(weight="heavy", packageCount="two", packageAddress={"x": 1}, deliveryDate=None, service=[])
    ups.packages[JOURNEY_NUMBER] = package

    update = adapter.fetch([JOURNEY_NUMBER])[JOURNEY_NUMBER]

    assert update.found and len(update.checkpoints) == 7
    assert (update.shipment_weight, update.shipment_package_count, update.courier_destination_country_iso3) == (None, None, None)


def test_without_client_credentials_nothing_is_sent(ups):
    adapter = UpsAdapter(CarrierSettings(base_url=ups.base_url, api_key="only-a-key"))

    with pytest.raises(CarrierError) as caught:
        adapter.fetch([JOURNEY_NUMBER])

    assert caught.value.retryable is False
    assert ups.requests == []


def test_wrong_credentials_are_not_retryable(ups):
    adapter = UpsAdapter(CarrierSettings(base_url=ups.base_url, client_id=CLIENT_ID, client_secret="wrong"))

    with pytest.raises(CarrierError) as caught:
        adapter.fetch([JOURNEY_NUMBER])

    assert caught.value.retryable is False


# --- batching and tokens ------------------------------------------------------------------------


def test_one_request_per_number(ups, adapter):
    numbers = [f"1Z999AA1012345{n:04d}" for n in range(4)]
    ups.packages[numbers[0]] = stubs.journey_package(numbers[0])

    updates = adapter.fetch(numbers + [numbers[0]])  # a repeated number is asked once

    assert adapter.max_batch == 1
    assert list(updates) == numbers
    assert [request.path.rsplit("/", 1)[1] for request in ups.track_requests] == numbers
    assert [update.found for update in updates.values()] == [True, False, False, False]


def test_the_token_is_fetched_once_for_many_fetches(ups, adapter):
    for round_ in range(3):
        adapter.fetch([f"1Z999AA10123450{round_}{n}" for n in range(3)])

    assert len(ups.token_requests) == 1
    assert len(ups.track_requests) == 9
    assert {request.headers["authorization"] for request in ups.track_requests} == {"Bearer ups-access-token-1"}


def test_a_token_expiring_early_is_replaced_once(ups, adapter):
    ups.packages[JOURNEY_NUMBER] = stubs.journey_package()
    adapter.fetch([JOURNEY_NUMBER])
    ups.expire_tokens()

    update = adapter.fetch([JOURNEY_NUMBER])[JOURNEY_NUMBER]

    assert update.found and len(update.checkpoints) == 7
    assert len(ups.token_requests) == 2
    assert [request.headers["authorization"] for request in ups.track_requests] == [
        "Bearer ups-access-token-1", "Bearer ups-access-token-1", "Bearer ups-access-token-2",
    ]


def test_a_fresh_token_refused_too_is_a_retryable_error_after_one_retry(ups, adapter):
    ups.refuse_all_tokens = True

    with pytest.raises(CarrierError) as caught:
        adapter.fetch([JOURNEY_NUMBER])

    assert caught.value.retryable is True
    assert len(ups.track_requests) == 2
    assert len(ups.token_requests) == 2


def test_each_adapter_has_its_own_token_cache(ups, adapter):
    other = UpsAdapter(CarrierSettings(base_url=ups.base_url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET))

    adapter.fetch(["1Z0000000000000001"])
    other.fetch(["1Z0000000000000001"])
    adapter.fetch(["1Z0000000000000001"])

    assert len(ups.token_requests) == 2


# --- the status table ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status_type", "code", "description", "subtag"),
    [
        # by activity code
        ("M", "MP", "Shipper created a label, UPS has not received the package yet.", "InfoReceived_001"),
        ("I", "OC", "We have your package", "InTransit_002"),
        ("I", "OR", "Origin Scan", "InTransit_002"),
        ("P", "PU", "Pickup Scan", "InTransit_002"),
        ("I", "AR", "Arrived at Facility", "InTransit_003"),
        ("I", "DP", "Departed from Facility", "InTransit_007"),
        ("I", "YP", "Processing at UPS Facility", "InTransit_001"),
        ("X", "SR", "Your package was released by the customs agency.", "InTransit_005"),
        ("I", "OF", "Loaded on Delivery Vehicle", "OutForDelivery_001"),
        ("I", "OT", "Out For Delivery Today", "OutForDelivery_001"),
        ("D", "FS", "DELIVERED", "Delivered_001"),
        ("D", "F4", "DELIVERED", "Delivered_001"),
        ("D", "KB", "DELIVERED", "Delivered_001"),
        # by status type, for a code UPS has not published
        ("M", "ZZ", "Shipper created a label", "InfoReceived_001"),
        ("MV", "ZZ", "Shipment information voided", "Exception_001"),
        ("P", "ZZ", "Pickup", "InTransit_002"),
        ("I", "ZZ", "On the Way", "InTransit_001"),
        ("O", "ZZ", "Out for Delivery", "OutForDelivery_001"),
        ("D", "ZZ", "Delivered", "Delivered_001"),
        ("X", "ZZ", "A delivery change for this package is in progress.", "Exception_001"),
        ("RS", "ZZ", "Returned to shipper", "Exception_011"),
        ("DO", "ZZ", "Delivered origin CFS", "InTransit_001"),
        ("DD", "ZZ", "Delivered destination CFS", "InTransit_001"),
        ("W", "ZZ", "Warehousing", "InTransit_001"),
        ("NA", "ZZ", "Not available", "Pending_001"),
        ("", "", None, "InTransit_001"),
        # by description, for exceptions and deliveries UPS describes only in words
        ("D", "ZZ", "Delivered to UPS Access Point™ and awaiting customer pickup", "AvailableForPickup_001"),
        ("D", "ZZ", "The package was picked up from the UPS Access Point™ location", "Delivered_002"),
        ("I", "ZZ", "Import Scan", "InTransit_004"),
        ("X", "ZZ", "The receiver was not available for delivery. We'll make a second attempt.", "AttemptFail_002"),
        ("X", "ZZ", "The business was closed at the time of the delivery attempt.", "AttemptFail_003"),
        ("X", "ZZ", "A delivery attempt was made.", "AttemptFail_001"),
        ("X", "ZZ", "The receiver refused the delivery.", "Exception_003"),
        ("X", "ZZ", "The receiver has moved.", "Exception_002"),
        ("X", "ZZ", "The address is incorrect.", "Exception_007"),
        ("X", "ZZ", "The package was damaged and the sender was notified.", "Exception_012"),
        ("X", "ZZ", "The package is being returned to the sender.", "Exception_010"),
        ("X", "ZZ", "The package was returned to the shipper.", "Exception_011"),
        ("X", "ZZ", "Your package is pending release from the customs agency.", "Exception_004"),
        ("X", "ZZ", "Severe weather conditions have delayed delivery.", "Exception_005"),
    ],
)
def test_status_table(status_type, code, description, subtag):
    result, events = classify(status_type, code, description)

    assert result == subtag
    assert subtag in SUBTAG_MESSAGES
    for event in events:
        assert EVENT_TAGS[event["code"]] == subtag.split("_")[0]


def test_label_created_is_never_in_transit():
    assert classify("M", "MP", "Shipper created a label")[0] == "InfoReceived_001"
    assert classify("M", "", None)[0] == "InfoReceived_001"
    assert classify("m", "mp", None)[0] == "InfoReceived_001"
    assert classify("I", "OC", "We have your package")[0] != "InfoReceived_001"


def test_a_signature_upgrades_delivered_only():
    assert classify("D", "FS", "DELIVERED", signed=True) == ("Delivered_003", [{"code": "signed_by_customer"}])
    assert classify("I", "OT", "Out For Delivery Today", signed=True)[0] == "OutForDelivery_001"
    assert classify("D", "ZZ", "Delivered to UPS Access Point", signed=True)[0] == "AvailableForPickup_001"


def test_event_codes_follow_the_contract():
    assert classify("P", "PU", "Pickup Scan")[1] == [{"code": "picked_up"}]
    assert classify("MV", "", "Voided")[1] == [{"code": "canceled"}]
    assert classify("RS", "", "Returned")[1] == [{"code": "returned_to_sender"}]
    assert classify("X", "", "A delivery attempt was made.")[1] == [{"code": "delivery_attempt_failed"}]


def test_every_table_entry_is_a_contract_subtag_with_matching_events():
    tables = [*UPS_STATUS_SUBTAGS.values(), *UPS_ACTIVITY_SUBTAGS.values(), *(tag for _, _, tag in UPS_DESCRIPTION_SUBTAGS)]
    assert set(tables) <= set(SUBTAG_MESSAGES)
    for subtag, event in SUBTAG_EVENTS.items():
        assert subtag in SUBTAG_MESSAGES and EVENT_TAGS[event] == subtag.split("_")[0]
    for status_type, event in TYPE_EVENTS.items():
        assert EVENT_TAGS[event] == UPS_STATUS_SUBTAGS[status_type].split("_")[0]


# --- wiring -------------------------------------------------------------------------------------


def test_the_registry_builds_this_adapter_and_the_worker_call_works(monkeypatch, ups):
    from trackline.carriers import registry

    monkeypatch.setenv("CARRIER_UPS_BASE_URL", ups.base_url)
    monkeypatch.setenv("CARRIER_UPS_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("CARRIER_UPS_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.delenv("CARRIER_UPS_SECRET_ARN", raising=False)
    ups.packages[JOURNEY_NUMBER] = stubs.journey_package()

    adapter = registry.adapter_for("ups", sandbox_enabled=False)
    updates = adapter.fetch([JOURNEY_NUMBER], known_checkpoints={JOURNEY_NUMBER: 3})

    assert isinstance(adapter, UpsAdapter) and adapter.slug == "ups"
    assert len(updates[JOURNEY_NUMBER].checkpoints) == 7


def test_an_update_merges_into_a_tracking(adapter, ups):
    from datetime import UTC, datetime

    from trackline.models.tracking import TrackingRecord
    from trackline.services.shipment_progress import apply_update

    ups.packages[JOURNEY_NUMBER] = stubs.journey_package()
    update = adapter.fetch([JOURNEY_NUMBER])[JOURNEY_NUMBER]
    record = TrackingRecord(tracking_number=JOURNEY_NUMBER, slug="ups", checkpoints=[])

    added = apply_update(record, update, slug="ups", now=datetime(2024, 6, 1, tzinfo=UTC))
    again = apply_update(record, adapter.fetch([JOURNEY_NUMBER])[JOURNEY_NUMBER], slug="ups", now=datetime(2024, 6, 2, tzinfo=UTC))

    assert len(added) == 7 and again == []  # the same events are not stored twice
    assert (record.tag, record.subtag) == ("Delivered", "Delivered_003")
    assert record.signed_by == update.signed_by
    assert [point.checkpoint_time for point in record.checkpoints] == [point.checkpoint_time for point in update.checkpoints]
