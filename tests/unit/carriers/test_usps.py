"""The USPS adapter against a stub of USPS's OAuth and Tracking 3.0 APIs on 127.0.0.1."""

from datetime import UTC, datetime

import pytest

from tests.support.contract import EVENT_TAGS

from tests.support.carrier_stubs import usps as stub_usps
from tests.support.carrier_stubs.usps import UspsStub
from trackline.carriers.base import CarrierError, CarrierSettings
from trackline.carriers.usps import EVENT_CODES, EVENT_TYPE_PHRASES, STATUS_CATEGORIES, UspsAdapter, classify, parse_tracking
from trackline.models.enums import SUBTAG_MESSAGES, tag_of_subtag

@pytest.fixture(scope="module")
def running_stub():
    with UspsStub() as running:
        yield running


@pytest.fixture
def stub(running_stub):
    running_stub.reset()
    return running_stub


@pytest.fixture
def adapter(stub):
    settings = CarrierSettings(base_url=stub.base_url, client_id=stub_usps.CLIENT_ID, client_secret=stub_usps.CLIENT_SECRET)
    return UspsAdapter(settings, timeout=2)


def fetch_one(adapter, number):
    return adapter.fetch([number])[number]


# -- the protocol ------------------------------------------------------------------------


def test_slug_and_batch_size(adapter):
    assert adapter.slug == "usps"
    assert adapter.max_batch == 1


def test_each_number_is_one_request_to_the_documented_resource(adapter, stub):
    updates = adapter.fetch([stub_usps.JOURNEY, stub_usps.NOT_FOUND], known_checkpoints={stub_usps.JOURNEY: 3})
    assert set(updates) == {stub_usps.JOURNEY, stub_usps.NOT_FOUND}
    paths = [request.path for request in stub.tracking_requests]
    assert paths == [f"/tracking/v3/tracking/{stub_usps.JOURNEY}", f"/tracking/v3/tracking/{stub_usps.NOT_FOUND}"]
    assert all(request.query == {"expand": ["DETAIL"]} for request in stub.tracking_requests)
    assert all(request.headers["accept"] == "application/json" for request in stub.tracking_requests)


# -- a normal journey ----------------------------------------------------------------------


def test_journey_from_label_to_delivery(adapter):
    update = fetch_one(adapter, stub_usps.JOURNEY)
    assert update.found
    assert [c.subtag for c in update.checkpoints] == [
        "InfoReceived_001",  # GX label created: never InTransit
        "InTransit_002",  # 03 accepted
        "InTransit_001",  # an unlisted code, read by its text ("In Transit to Next Facility")
        "InTransit_003",  # 10 processed / arrived at the regional facility
        "InTransit_007",  # T1 departed
        "InTransit_003",  # 07 arrived at the Post Office
        "OutForDelivery_001",
        "Delivered_003",  # 01 with the signer's name
    ]
    assert [c.tag for c in update.checkpoints][-1] == "Delivered"
    assert all(c.tag == tag_of_subtag(c.subtag) and c.subtag_message == SUBTAG_MESSAGES[c.subtag] for c in update.checkpoints)
    assert [c.raw_tag for c in update.checkpoints] == ["GX", "03", "NT", "10", "T1", "07", "OF", "01"]
    delivered = update.checkpoints[-1]
    assert delivered.message == "Delivered, Left with Individual"
    assert [event.code for event in delivered.events] == ["signed_by_customer"]
    assert update.signed_by == "J DOE"
    assert update.expected_delivery == "2024-11-23T00:00:00"
    assert update.shipment_pickup_date == "2024-11-20T17:26:00-07:00"  # the first physical scan
    assert update.shipment_delivery_date == "2024-11-23T13:10:00-06:00"
    assert update.shipment_type == "USPS Ground Advantage"  # the <SUP>&#153;</SUP> mark dropped
    assert update.next_courier_slug is None and update.next_courier_tracking_number is None


def test_checkpoints_are_oldest_first(adapter):
    # USPS sends newest first; a time without an offset is read as UTC, as the merge does.
    points = fetch_one(adapter, stub_usps.JOURNEY).checkpoints
    instants = [datetime.fromisoformat(c.checkpoint_time) for c in points]
    instants = [moment if moment.tzinfo else moment.replace(tzinfo=UTC) for moment in instants]
    assert instants == sorted(instants)
    assert (points[0].raw_tag, points[-1].raw_tag) == ("GX", "01")


def test_local_times_keep_their_offsets(adapter):
    times = {c.raw_tag: c.checkpoint_time for c in fetch_one(adapter, stub_usps.JOURNEY).checkpoints}
    assert times["03"] == "2024-11-20T17:26:00-07:00"  # Denver: eventTimestamp + GMTOffset
    assert times["OF"] == "2024-11-23T08:28:00-06:00"  # Milwaukee
    assert times["GX"] == "2024-11-20T09:27:00"  # no GMTOffset given: local, as USPS gives it
    assert times["NT"] == "2024-11-21T12:00:00"


def test_countries_are_alpha3(adapter):
    update = fetch_one(adapter, stub_usps.JOURNEY)
    by_code = {c.raw_tag: c for c in update.checkpoints}
    assert by_code["OF"].country_iso3 == "USA" and by_code["OF"].country_name
    assert (by_code["OF"].city, by_code["OF"].state, by_code["OF"].zip) == ("MILWAUKEE", "WI", "53207")
    assert by_code["NT"].country_iso3 is None  # no place at all: nothing invented
    assert update.courier_destination_country_iso3 == "USA"
    assert update.origin_country_iso3 == "USA"


def test_an_event_abroad_names_its_country():
    body = {"trackingNumber": "LZ123456785US", "trackingEvents": [
        {
            "eventType": "Processed Through Facility",
            "eventCode": "10",
            "eventTimestamp": "2024-06-01T10:00:00",
            "eventCity": "LONDON",
            "eventCountry": "GB",
        },
    ]}
    (point,) = parse_tracking("LZ123456785US", body).checkpoints
    assert point.country_iso3 == "GBR"


# -- the exception paths: notice left, available for pickup ---------------------------------


def test_notice_left_then_available_for_pickup_then_picked_up(adapter):
    update = fetch_one(adapter, stub_usps.NOTICE_LEFT)
    assert [c.subtag for c in update.checkpoints] == [
        "InTransit_002", "OutForDelivery_001", "AttemptFail_002", "AvailableForPickup_001", "Delivered_002",
    ]
    attempt = update.checkpoints[2]
    assert attempt.tag == "AttemptFail" and [e.code for e in attempt.events] == ["delivery_attempt_failed"]
    assert update.signed_by is None
    assert update.shipment_delivery_date == "2024-12-04T10:02:00-05:00"
    assert update.expected_delivery == "2024-12-02"
    assert update.shipment_type == "Priority Mail"


def test_pre_shipment_only_is_info_received(adapter):
    update = fetch_one(adapter, stub_usps.PRE_SHIPMENT)
    assert update.found
    assert [c.subtag for c in update.checkpoints] == ["InfoReceived_001"]
    assert update.shipment_pickup_date is None and update.shipment_delivery_date is None


# -- not found, and real errors ------------------------------------------------------------


@pytest.mark.parametrize("number", [stub_usps.NOT_FOUND, stub_usps.UNKNOWN_404, "9400100000000000000999"])
def test_not_found_yet_is_not_an_error(adapter, number):
    update = fetch_one(adapter, number)
    assert not update.found
    assert update.checkpoints == []


def test_an_error_body_on_200_saying_no_record_is_not_found():
    body = stub_usps.error_body("400", stub_usps.NOT_YET_AVAILABLE, "150001")
    from trackline.carriers.usps import _error_outcome, _is_error_body

    assert _is_error_body(body)
    assert not _error_outcome("9400100000000000000031", 200, body).found


def test_a_refused_request_is_not_retryable(adapter):
    with pytest.raises(CarrierError) as caught:
        fetch_one(adapter, stub_usps.INVALID)
    assert not caught.value.retryable
    assert "Invalid tracking number format" in str(caught.value)


def test_rate_limited_surfaces_retry_after(adapter, stub):
    stub.mode = "rate_limited"
    with pytest.raises(CarrierError) as caught:
        fetch_one(adapter, stub_usps.JOURNEY)
    assert caught.value.retryable
    assert caught.value.retry_after == 7.0


def test_service_unavailable_is_retryable(adapter, stub):
    stub.mode = "unavailable"
    with pytest.raises(CarrierError) as caught:
        fetch_one(adapter, stub_usps.JOURNEY)
    assert caught.value.retryable


@pytest.mark.parametrize("mode", ["malformed_html", "malformed_truncated"])
def test_a_body_that_is_not_json_is_retryable(adapter, stub, mode):
    stub.mode = mode
    with pytest.raises(CarrierError) as caught:
        fetch_one(adapter, stub_usps.JOURNEY)
    assert caught.value.retryable


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        "text",
        {},
        {"trackingNumber": "X", "trackingEvents": "none"},
        {"trackingNumber": "X", "trackingEvents": [["01"]]},
        {"trackingNumber": "X", "trackingEvents": [None]},
    ],
)
def test_malformed_bodies_are_retryable_carrier_errors(body):
    with pytest.raises(CarrierError) as caught:
        parse_tracking("X", body)
    assert caught.value.retryable


def test_odd_field_types_are_ignored_not_fatal():
    body = {"trackingNumber": "X", "statusCategory": 7, "expectedDeliveryDate": {"x": 1}, "trackingEvents": [
        {"eventType": ["x"], "eventCode": 1, "eventTimestamp": "yesterday", "eventCity": 5, "GMTOffset": None, "name": False},
    ]}
    (point,) = parse_tracking("X", body).checkpoints
    assert point.checkpoint_time == "yesterday"  # kept as given
    assert point.subtag == "Delivered_001"  # a numeric 1 is code "01" that lost its leading zero
    assert (point.message, point.city) == (None, "5")


# -- OAuth: the token is cached, and refreshed once on a 401 -----------------------------------


def test_the_token_is_fetched_once_and_reused(adapter, stub):
    fetch_one(adapter, stub_usps.JOURNEY)
    fetch_one(adapter, stub_usps.NOTICE_LEFT)
    assert len(stub.token_requests) == 1
    form = stub.token_requests[0].form()
    assert form == {"grant_type": ["client_credentials"], "client_id": [stub_usps.CLIENT_ID], "client_secret": [stub_usps.CLIENT_SECRET]}
    assert [r.headers["authorization"] for r in stub.tracking_requests] == ["Bearer usps-token-1"] * 2


def test_an_expired_token_is_forgotten_and_the_call_retried_once(adapter, stub):
    fetch_one(adapter, stub_usps.JOURNEY)
    stub.expire_tokens()
    update = fetch_one(adapter, stub_usps.JOURNEY)
    assert update.found and update.checkpoints
    assert len(stub.token_requests) == 2
    assert [r.headers["authorization"] for r in stub.tracking_requests] == [
        "Bearer usps-token-1", "Bearer usps-token-1", "Bearer usps-token-2",
    ]
    fetch_one(adapter, stub_usps.JOURNEY)
    assert len(stub.token_requests) == 2  # the new token is cached in turn


def test_a_second_401_is_not_retried_again(adapter, stub):
    stub.mode = "unauthorized"
    with pytest.raises(CarrierError) as caught:
        fetch_one(adapter, stub_usps.JOURNEY)
    assert not caught.value.retryable
    assert len(stub.tracking_requests) == 2 and len(stub.token_requests) == 2


def test_wrong_client_credentials_are_not_retryable(stub):
    adapter = UspsAdapter(CarrierSettings(base_url=stub.base_url, client_id="someone", client_secret="wrong"), timeout=2)
    with pytest.raises(CarrierError) as caught:
        fetch_one(adapter, stub_usps.JOURNEY)
    assert not caught.value.retryable
    assert stub.tracking_requests == []


def test_without_client_credentials_nothing_is_sent(stub):
    adapter = UspsAdapter(CarrierSettings(base_url=stub.base_url, api_key="not-oauth"), timeout=2)
    with pytest.raises(CarrierError) as caught:
        fetch_one(adapter, stub_usps.JOURNEY)
    assert not caught.value.retryable
    assert stub.requests == []


# -- the status tables ---------------------------------------------------------------------

EXPECTED_BY_CODE = {
    "MA": "InfoReceived_001", "GX": "InfoReceived_001", "89": "InfoReceived_001", "GC": "InfoReceived_001",
    "03": "InTransit_002", "OA": "InTransit_002", "UA": "InTransit_002", "AD": "InTransit_002", "PA": "InTransit_002",
    "TM": "InTransit_002", "80": "InTransit_002", "81": "InTransit_003", "82": "InTransit_007", "42": "InTransit_001",
    "10": "InTransit_003", "A1": "InTransit_003", "07": "InTransit_003", "T1": "InTransit_007", "EF": "InTransit_007",
    "SF": "InTransit_007", "PC": "InTransit_001", "06": "InTransit_009",
    "OF": "OutForDelivery_001", "14": "AvailableForPickup_001", "16": "AvailableForPickup_001",
    "01": "Delivered_001", "17": "Delivered_002", "43": "Delivered_002",
    "02": "AttemptFail_001", "52": "AttemptFail_001", "53": "AttemptFail_001", "54": "AttemptFail_001",
    "55": "AttemptFail_001", "56": "AttemptFail_002", "51": "AttemptFail_003", "30": "AttemptFail_001", "71": "AttemptFail_001",
    "04": "Exception_003", "05": "Exception_007", "08": "Exception_001", "15": "Exception_001", "09": "Exception_010",
    "21": "Exception_007", "22": "Exception_007", "23": "Exception_002", "24": "Exception_002", "25": "Exception_007",
    "26": "Exception_002", "27": "Exception_008", "28": "Exception_010", "29": "Exception_010", "31": "Exception_008",
    "44": "Exception_010", "11": "Exception_001",
}


@pytest.mark.parametrize(("code", "subtag"), sorted(EXPECTED_BY_CODE.items()))
def test_event_code_table(code, subtag):
    assert classify(code, "whatever the text says").subtag == subtag


def test_the_table_is_covered_by_the_expectations():
    assert set(EVENT_CODES) == set(EXPECTED_BY_CODE)


@pytest.mark.parametrize("code", ["MA", "GX", "89"])
def test_pre_shipment_is_never_in_transit(code):
    assert classify(code, "Shipping Label Created, USPS Awaiting Item").subtag == "InfoReceived_001"


@pytest.mark.parametrize(
    ("event_type", "subtag"),
    [
        ("Shipping Label Created, USPS Awaiting Item", "InfoReceived_001"),
        ("Pre-Shipment Info Sent to USPS, USPS Awaiting Item", "InfoReceived_001"),
        ("Picked Up By Shipping Partner, USPS Awaiting Item", "InTransit_002"),
        ("Arrived Shipping Partner Facility, USPS Awaiting Item", "InTransit_003"),
        ("Departed Shipping Partner Facility, USPS Awaiting Item", "InTransit_007"),
        ("USPS in possession of item", "InTransit_002"),
        ("Arrived at USPS Regional Origin Facility", "InTransit_003"),
        ("Departed USPS Facility", "InTransit_007"),
        ("In Transit to Next Facility", "InTransit_001"),
        ("Processed Through Facility", "InTransit_003"),
        ("Into Foreign Customs", "InTransit_006"),
        ("Out of Foreign Customs", "InTransit_005"),
        ("Held in Customs", "Exception_004"),
        ("Forwarded", "InTransit_009"),
        ("Out for Delivery", "OutForDelivery_001"),
        ("Available for Pickup", "AvailableForPickup_001"),
        ("Held at Post Office, At Customer Request", "AvailableForPickup_001"),
        ("Notice Left (No Authorized Recipient Available)", "AttemptFail_002"),
        ("Notice Left (Business Closed)", "AttemptFail_003"),
        ("Delivery Attempted - No Access to Delivery Location", "AttemptFail_001"),
        ("Delivered, In/At Mailbox", "Delivered_001"),
        ("Picked Up at Post Office", "Delivered_002"),
        ("Delivered, To Original Sender", "Exception_011"),
        ("Return to Sender", "Exception_010"),
        ("Refused", "Exception_003"),
        ("Addressee Unknown", "Exception_007"),
        ("Moved, Left No Address", "Exception_002"),
        ("Unclaimed/Being Returned to Sender", "Exception_008"),
        ("Missent", "Exception_001"),
        ("Something new USPS says", "InTransit_001"),
    ],
)
def test_event_type_fallback(event_type, subtag):
    assert classify(None, event_type).subtag == subtag
    assert classify("ZZ", event_type).subtag == subtag  # an unlisted code falls back to the text too


@pytest.mark.parametrize(
    ("category", "subtag"),
    [
        ("Pre-Shipment", "InfoReceived_001"), ("Accepted", "InTransit_002"), ("Moving Through Network", "InTransit_001"),
        ("In Transit", "InTransit_001"), ("Out for Delivery", "OutForDelivery_001"), ("Delivered", "Delivered_001"),
        ("Delivery Attempt", "AttemptFail_001"), ("Available for Pickup", "AvailableForPickup_001"), ("Alert", "Exception_001"),
        ("Return to Sender", "Exception_010"), ("Something Else", "InTransit_001"),
    ],
)
def test_status_category_fallback_for_the_newest_event(category, subtag):
    assert classify(None, "", category).subtag == subtag


def test_status_category_applies_to_the_newest_event_only():
    body = {"trackingNumber": "X", "statusCategory": "Delivered", "trackingEvents": [
        {"eventType": "", "eventTimestamp": "2024-01-02T10:00:00"},
        {"eventType": "", "eventTimestamp": "2024-01-01T10:00:00"},
    ]}
    assert [c.subtag for c in parse_tracking("X", body).checkpoints] == ["InTransit_001", "Delivered_001"]


def test_every_rule_uses_a_contract_subtag_and_a_matching_event_code():
    rules = [*EVENT_CODES.values(), *(rule for _, rule in EVENT_TYPE_PHRASES), *STATUS_CATEGORIES.values()]
    for rule in rules:
        assert rule.subtag in SUBTAG_MESSAGES
        if rule.event:
            assert EVENT_TAGS[rule.event] == tag_of_subtag(rule.subtag)
