"""The DHL adapter against a stub of DHL's Shipment Tracking - Unified API on 127.0.0.1."""

from datetime import UTC, datetime

import pytest

from tests.support.contract import EVENT_TAGS

from tests.support.carrier_stubs import dhl as stub_dhl
from tests.support.carrier_stubs.dhl import DhlStub
from trackline.carriers.base import CarrierError, CarrierSettings
from trackline.carriers.dhl import LABEL_CREATED, STATUS_CODES, DhlAdapter, classify, is_s10, parse_shipments
from trackline.models.enums import SUBTAG_MESSAGES, tag_of_subtag

@pytest.fixture(scope="module")
def running_stub():
    with DhlStub() as running:
        yield running


@pytest.fixture
def stub(running_stub):
    running_stub.reset()
    return running_stub


@pytest.fixture
def adapter(stub):
    return DhlAdapter(CarrierSettings(base_url=stub.base_url, api_key=stub_dhl.API_KEY), timeout=2)


def fetch_one(adapter, number):
    return adapter.fetch([number])[number]


def instants(points):
    moments = [datetime.fromisoformat(point.checkpoint_time) for point in points]
    return [moment if moment.tzinfo else moment.replace(tzinfo=UTC) for moment in moments]


# -- the protocol and the API key ------------------------------------------------------------


def test_slug_and_batch_size(adapter):
    assert adapter.slug == "dhl"
    assert adapter.max_batch == 1


def test_the_api_key_goes_in_the_dhl_api_key_header(adapter, stub):
    updates = adapter.fetch([stub_dhl.JOURNEY, stub_dhl.CUSTOMS], known_checkpoints={})
    assert set(updates) == {stub_dhl.JOURNEY, stub_dhl.CUSTOMS}
    assert [request.path for request in stub.requests] == ["/track/shipments"] * 2
    assert [request.query for request in stub.requests] == [{"trackingNumber": [stub_dhl.JOURNEY]}, {"trackingNumber": [stub_dhl.CUSTOMS]}]
    assert all(request.headers["dhl-api-key"] == stub_dhl.API_KEY for request in stub.requests)
    assert all("authorization" not in request.headers for request in stub.requests)


def test_a_wrong_api_key_is_not_retryable(stub):
    adapter = DhlAdapter(CarrierSettings(base_url=stub.base_url, api_key="wrong"), timeout=2)
    with pytest.raises(CarrierError) as caught:
        fetch_one(adapter, stub_dhl.JOURNEY)
    assert not caught.value.retryable


def test_without_an_api_key_nothing_is_sent(stub):
    adapter = DhlAdapter(CarrierSettings(base_url=stub.base_url, client_id="a", client_secret="b"), timeout=2)
    with pytest.raises(CarrierError) as caught:
        fetch_one(adapter, stub_dhl.JOURNEY)
    assert not caught.value.retryable
    assert stub.requests == []


# -- a normal journey ----------------------------------------------------------------------


def test_journey_from_label_to_delivery(adapter):
    update = fetch_one(adapter, stub_dhl.JOURNEY)
    assert update.found
    assert [c.subtag for c in update.checkpoints] == [
        "InfoReceived_001",  # pre-transit: instruction data received electronically
        "InTransit_002",  # picked up
        "InTransit_007",  # departed
        "InTransit_003",  # arrived at the delivery depot
        "OutForDelivery_001",  # loaded onto the delivery vehicle
        "Delivered_003",  # delivered, and the proof of delivery names who signed
    ]
    assert all(c.tag == tag_of_subtag(c.subtag) and c.subtag_message == SUBTAG_MESSAGES[c.subtag] for c in update.checkpoints)
    assert [c.raw_tag for c in update.checkpoints] == ["pre-transit", "transit", "transit", "transit", "transit", "delivered"]
    assert [e.code for e in update.checkpoints[1].events] == ["picked_up"]
    assert [e.code for e in update.checkpoints[-1].events] == ["signed_by_customer"]
    assert update.checkpoints[-1].message == "The shipment has been delivered to the recipient."
    assert update.signed_by == "J. Novak"
    assert update.expected_delivery == "2024-03-14T18:00:00+01:00"
    assert update.shipment_pickup_date == "2024-03-12T16:02:00+01:00"
    assert update.shipment_delivery_date == "2024-03-14T11:58:00+01:00"
    assert (update.shipment_weight, update.shipment_weight_unit, update.shipment_package_count) == (2.4, "kg", 1.0)
    assert update.shipment_type == "DHL PAKET International"
    assert update.next_courier_slug is None and update.next_courier_tracking_number is None  # no local number


def test_checkpoints_are_oldest_first(adapter):
    # DHL sends newest first.
    points = fetch_one(adapter, stub_dhl.JOURNEY).checkpoints
    assert instants(points) == sorted(instants(points))
    assert (points[0].raw_tag, points[-1].raw_tag) == ("pre-transit", "delivered")


def test_times_are_kept_as_dhl_gives_them(adapter):
    journey = fetch_one(adapter, stub_dhl.JOURNEY).checkpoints
    assert journey[1].checkpoint_time == "2024-03-12T16:02:00+01:00"
    customs = fetch_one(adapter, stub_dhl.CUSTOMS).checkpoints
    assert customs[-1].checkpoint_time == "2024-05-06T10:20:00"  # no offset given: none invented


def test_countries_are_alpha3(adapter):
    update = fetch_one(adapter, stub_dhl.JOURNEY)
    assert update.courier_destination_country_iso3 == "CZE"
    assert update.origin_country_iso3 == "DEU"
    places = {c.subtag: c for c in update.checkpoints}
    assert places["InTransit_002"].country_iso3 == "DEU" and places["InTransit_002"].country_name
    assert (places["InTransit_002"].city, places["InTransit_002"].zip) == ("Berlin", "10115")
    assert places["Delivered_003"].country_iso3 == "CZE"
    assert places["InfoReceived_001"].country_iso3 is None


# -- exception paths -------------------------------------------------------------------------


def test_a_customs_failure_is_delayed_by_customs(adapter):
    update = fetch_one(adapter, stub_dhl.CUSTOMS)
    assert [c.subtag for c in update.checkpoints] == [
        "InfoReceived_001",  # "shipment label ... not yet been handed over": never InTransit
        "InTransit_002",
        "InTransit_003",
        "InTransit_003",
        "Exception_004",
    ]
    held = update.checkpoints[-1]
    assert held.tag == "Exception" and [e.code for e in held.events] == ["held_by_customs"]
    assert held.location == "NEW YORK - USA" and held.country_iso3 == "USA"
    assert update.signed_by is None and update.shipment_delivery_date is None
    assert update.courier_destination_country_iso3 is None  # Express names places, not country codes


def test_a_shipment_delivered_back_to_its_sender_is_returned(adapter):
    update = fetch_one(adapter, stub_dhl.RETURNED)
    assert [c.subtag for c in update.checkpoints] == ["InTransit_003", "Exception_010", "Exception_011"]
    assert [e.code for e in update.checkpoints[-1].events] == ["returned_to_sender"]
    assert update.shipment_delivery_date is None


# -- the hand-over to a local postal operator -----------------------------------------------------


def test_an_s10_local_tracking_number_names_the_next_courier(adapter):
    update = fetch_one(adapter, stub_dhl.HANDOVER)
    assert (update.next_courier_slug, update.next_courier_tracking_number) == ("an-post", stub_dhl.S10_FOR_AN_POST)
    assert [c.subtag for c in update.checkpoints] == ["InfoReceived_001", "InTransit_003", "InTransit_007", "InTransit_004"]
    assert update.checkpoints[0].raw_tag == "unknown"  # DHL's "LABEL CREATED" comes as statusCode unknown
    assert (update.shipment_weight, update.shipment_weight_unit) == (0.831, "lb")
    assert update.courier_destination_country_iso3 == "IRL"


def test_a_local_number_without_the_s10_shape_is_not_handed_over(adapter):
    update = fetch_one(adapter, stub_dhl.LOCAL_REFERENCE)
    assert update.next_courier_slug is None and update.next_courier_tracking_number is None


@pytest.mark.parametrize(
    ("number", "valid"),
    [("CX123456785IE", True), ("RR123456785GB", True), ("RR123456784GB", False), ("RR12345678GB", False), ("H01PQA0010751022", False)],
)
def test_s10_shape_and_check_digit(number, valid):
    assert is_s10(number) is valid


# -- not found, and real errors ------------------------------------------------------------


def test_not_found_is_not_an_error(adapter, stub):
    update = fetch_one(adapter, stub_dhl.NOT_FOUND)
    assert not update.found and update.checkpoints == []


def test_an_empty_shipments_list_is_not_found():
    assert not parse_shipments("X", {"shipments": [], "possibleAdditionalShipmentsUrl": []}).found


def test_rate_limited_surfaces_retry_after(adapter, stub):
    stub.mode = "rate_limited"
    with pytest.raises(CarrierError) as caught:
        fetch_one(adapter, stub_dhl.JOURNEY)
    assert caught.value.retryable
    assert caught.value.retry_after == 3.0


def test_service_unavailable_is_retryable(adapter, stub):
    stub.mode = "unavailable"
    with pytest.raises(CarrierError) as caught:
        fetch_one(adapter, stub_dhl.JOURNEY)
    assert caught.value.retryable


@pytest.mark.parametrize("mode", ["malformed_html", "malformed_truncated"])
def test_a_body_that_is_not_json_is_retryable(adapter, stub, mode):
    stub.mode = mode
    with pytest.raises(CarrierError) as caught:
        fetch_one(adapter, stub_dhl.JOURNEY)
    assert caught.value.retryable


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        "text",
        {},
        {"shipments": {"id": "X"}},
        {"shipments": ["X"]},
        {"shipments": [{"id": "X", "events": "none"}]},
        {"shipments": [{"id": "X", "events": [None]}]},
        {"shipments": [{"id": "X", "events": [{"timestamp": "2024-01-01T00:00:00", "location": "Berlin"}]}]},
        {"shipments": [{"id": "X", "details": []}]},
        {"shipments": [{"id": "X", "details": {"proofOfDelivery": {"signed": "someone"}}}]},
    ],
)
def test_malformed_bodies_are_retryable_carrier_errors(body):
    with pytest.raises(CarrierError) as caught:
        parse_shipments("X", body)
    assert caught.value.retryable


def test_odd_field_types_are_ignored_not_fatal():
    event = {"timestamp": 20240101, "statusCode": 5, "status": ["x"], "description": None}
    details = {"weight": {"value": "heavy"}, "totalNumberOfPieces": "1"}
    body = {"shipments": [{"id": "X", "returnFlag": "yes", "details": details, "events": [event]}]}
    update = parse_shipments("X", body)
    (point,) = update.checkpoints
    assert point.subtag == "InTransit_001" and point.checkpoint_time == "20240101"
    assert update.shipment_weight is None and update.shipment_weight_unit is None
    assert update.shipment_package_count == 1, "a count sent as a numeric string is still read"


def test_the_shipment_with_the_asked_number_is_chosen():
    body = {"shipments": [
        {"id": "OTHER", "events": [{"timestamp": "2024-01-01T00:00:00", "statusCode": "transit", "status": "Processed"}]},
        {"id": "JD 0146", "events": [{"timestamp": "2024-01-02T00:00:00", "statusCode": "delivered", "status": "Delivered"}]},
    ]}
    assert [c.subtag for c in parse_shipments("JD0146", body).checkpoints] == ["Delivered_001"]


def test_a_shipment_with_only_a_status_gives_one_checkpoint():
    status = {"timestamp": "2024-01-02T10:00:00+02:00", "statusCode": "transit", "status": "In transit"}
    body = {"shipments": [{"id": "X", "status": status}]}
    (point,) = parse_shipments("X", body).checkpoints
    assert (point.subtag, point.checkpoint_time) == ("InTransit_001", "2024-01-02T10:00:00+02:00")


# -- the status table ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status_code", "text", "subtag"),
    [
        ("pre-transit", "The instruction data for this shipment have been provided by the sender to DHL electronically", "InfoReceived_001"),
        ("pre-transit", "Anything at all", "InfoReceived_001"),
        ("unknown", "LABEL CREATED", "InfoReceived_001"),
        ("transit", "Shipper has generated a shipment label, but the shipment has not yet been handed over to DHL", "InfoReceived_001"),
        ("transit", "DHL ECOMMERCE CURRENTLY AWAITING SHIPMENT AND TRACKING WILL BE UPDATED WHEN RECEIVED", "InfoReceived_001"),
        ("transit", "Shipment picked up", "InTransit_002"),
        ("transit", "The shipment has been posted by the sender at the retail outlet", "InTransit_002"),
        ("transit", "ARRIVED AT CUSTOMS", "InTransit_006"),
        ("transit", "Customs clearance status updated", "InTransit_005"),
        ("transit", "Clearance processing complete at LEIPZIG - GERMANY", "InTransit_005"),
        ("transit", "The shipment has arrived in the destination country", "InTransit_004"),
        ("transit", "The shipment has been forwarded to a new delivery address", "InTransit_009"),
        ("transit", "The shipment is ready for pickup at the PACKSTATION", "AvailableForPickup_001"),
        ("transit", "Delivery attempt: recipient not at home", "AttemptFail_001"),
        ("transit", "Departed Facility in LEIPZIG - GERMANY", "InTransit_007"),
        ("transit", "Arrived at DHL Sort Facility LEIPZIG - GERMANY", "InTransit_003"),
        ("transit", "Processed at LEIPZIG - GERMANY", "InTransit_003"),
        ("transit", "With delivery courier", "OutForDelivery_001"),
        ("transit", "The shipment has been loaded onto the delivery vehicle", "OutForDelivery_001"),
        ("transit", "SCANNED INTO SACK/CONTAINER", "InTransit_001"),
        ("unknown", "CLOSE BAG", "InTransit_001"),
        (None, "Something new", "InTransit_001"),
        ("delivered", "Delivered", "Delivered_001"),
        ("delivered", "The shipment has been delivered to the neighbour", "Delivered_001"),
        ("delivered", "The recipient has picked up the shipment from the PACKSTATION", "Delivered_002"),
        ("delivered", "Delivered - Signed for by : JOHN", "Delivered_003"),
        ("delivered", "Delivered, cash on delivery collected", "Delivered_004"),
        ("delivered", "The shipment has been delivered back to the sender", "Exception_011"),
        ("failure", "Shipment is on hold: customs clearance delay", "Exception_004"),
        ("failure", "Awaiting payment of duties and taxes", "Exception_006"),
        ("failure", "The recipient has refused to accept the shipment", "Exception_003"),
        ("failure", "Recipient moved", "Exception_002"),
        ("failure", "Incorrect address: the shipment could not be delivered", "Exception_007"),
        ("failure", "The shipment was damaged", "Exception_012"),
        ("failure", "The shipment has been lost", "Exception_013"),
        ("failure", "The shipment is being returned to the sender", "Exception_010"),
        ("failure", "The shipment was not collected within the storage period", "Exception_008"),
        ("failure", "Shipment misrouted", "Exception_001"),
        ("failure", "Shipment cancelled by the sender", "Exception_001"),
        ("failure", "Contains prohibited items", "Exception_009"),
        ("failure", "Business closed - delivery attempted", "AttemptFail_003"),
        ("failure", "Delivery attempted; recipient not home", "AttemptFail_002"),
        ("failure", "Unsuccessful delivery", "AttemptFail_001"),
        ("failure", "Delayed due to severe weather", "Exception_005"),
        ("failure", "Please contact DHL", "Exception_001"),
    ],
)
def test_status_table(status_code, text, subtag):
    assert classify(status_code, text).subtag == subtag


@pytest.mark.parametrize(
    ("status_code", "subtag"),
    [("pre-transit", "InfoReceived_001"), ("transit", "InTransit_001"), ("delivered", "Delivered_001"),
     ("failure", "Exception_001"), ("unknown", "InTransit_001")],
)
def test_each_status_code_has_a_default(status_code, subtag):
    assert STATUS_CODES[status_code].default.subtag == subtag
    assert classify(status_code, "").subtag == subtag


def test_a_delivery_with_the_return_flag_is_returned_to_sender():
    assert classify("delivered", "The shipment has been successfully delivered", return_flag=True).subtag == "Exception_011"
    assert classify("transit", "Processed", return_flag=True).subtag == "InTransit_003"


def test_label_created_phrases_are_never_in_transit():
    for status_code in ("pre-transit", "transit", "unknown"):
        for phrases, _ in LABEL_CREATED:
            for phrase in phrases:
                assert classify(status_code, phrase.upper()).subtag == "InfoReceived_001"


def test_every_rule_uses_a_contract_subtag_and_a_matching_event_code():
    rules = [rule.default for rule in STATUS_CODES.values()] + [rule for status in STATUS_CODES.values() for _, rule in status.phrases]
    for rule in rules:
        assert rule.subtag in SUBTAG_MESSAGES
        if rule.event:
            assert EVENT_TAGS[rule.event] == tag_of_subtag(rule.subtag)
