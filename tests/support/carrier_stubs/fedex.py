"""A stub of FedEx's Track API v1 and OAuth token endpoint, answering in FedEx's documented shapes.

Track results are registered per tracking number (`stub.results[number] = journey_result(number)`);
an unregistered number gets FedEx's per-number TRACKING.TRACKINGNUMBER.NOTFOUND error inside a
200. `mode` switches every tracking call to a failure: "rate_limited" (429 with Retry-After),
"server_error" (500), "html" (a 200 gateway page), "truncated" (a 200 cut-off JSON),
"wrong_shape" (a 200 JSON whose completeTrackResults is not a list). `expire_tokens()` makes the
tracking call answer 401 for every token issued so far, as FedEx does once a token has expired;
`refuse_all_tokens` refuses even fresh ones.
A request with more than 30 numbers is refused with a 400, as FedEx does.
"""

import copy
import itertools
import uuid
from typing import Any

from tests.support.carrier_stubs.server import StubCarrier, StubRequest, StubResponse

CLIENT_ID = "fedex-test-api-key"
CLIENT_SECRET = "fedex-test-secret-key"
TOKEN_PATH = "/oauth/token"
TRACK_PATH = "/track/v1/trackingnumbers"
MAX_NUMBERS = 30
JOURNEY_NUMBER = "794644790138"
IN_TRANSIT_NUMBER = "776094337676"


def _errors(code: str, message: str) -> dict:
    return {"transactionId": str(uuid.uuid4()), "errors": [{"code": code, "message": message}]}


def _location(city: str | None, state: str | None, postal: str | None, country: str) -> dict:
    names = {"US": "United States", "CA": "Canada"}
    location = {"streetLines": [""], "postalCode": postal, "countryCode": country, "residential": False, "countryName": names[country]}
    if city:
        location["city"] = city
    if state:
        location["stateOrProvinceCode"] = state
    return {key: value for key, value in location.items() if value is not None}


def _scan(date: str, event_type: str, description: str, derived: str, derived_text: str, location: dict,
          location_type: str, exception_code: str = "", exception: str = "") -> dict:
    return {
        "date": date,
        "eventType": event_type,
        "eventDescription": description,
        "exceptionCode": exception_code,
        "exceptionDescription": exception,
        "scanLocation": location,
        "locationType": location_type,
        "derivedStatusCode": derived,
        "derivedStatus": derived_text,
    }


def journey_result(number: str = JOURNEY_NUMBER) -> dict:
    """Mississauga, ON to Fresno, CA: label created, picked up, in transit (departure, customs,
    arrivals), out for delivery, delivered and signed for. Newest scan first, as FedEx lists them;
    each time in its place's local offset."""
    scans = [
        _scan("2024-04-26T09:26:00-07:00", "DL", "Delivered", "DL", "Delivered",
              _location("FRESNO", "CA", "93703", "US"), "DELIVERY_LOCATION"),
        _scan("2024-04-26T08:52:00-07:00", "OD", "On FedEx vehicle for delivery", "IT", "In transit",
              _location("FRESNO", "CA", "93703", "US"), "VEHICLE"),
        _scan("2024-04-26T07:50:00-07:00", "AR", "At local FedEx facility", "IT", "In transit",
              _location("FRESNO", "CA", "93727", "US"), "DESTINATION_FEDEX_FACILITY"),
        _scan("2024-04-25T02:15:00-05:00", "DP", "Departed FedEx hub", "IT", "In transit",
              _location("MEMPHIS", "TN", "38118", "US"), "FEDEX_FACILITY"),
        _scan("2024-04-24T22:10:00-05:00", "CC", "International shipment release - Import", "IT", "In transit",
              _location("MEMPHIS", "TN", "38118", "US"), "FEDEX_FACILITY"),
        _scan("2024-04-24T19:39:00-05:00", "AR", "Arrived at FedEx hub", "IT", "In transit",
              _location("MEMPHIS", "TN", "38118", "US"), "FEDEX_FACILITY"),
        _scan("2024-04-24T13:05:00-04:00", "DP", "Left FedEx origin facility", "IT", "In transit",
              _location("MISSISSAUGA", "ON", "L5T2N7", "CA"), "ORIGIN_FEDEX_FACILITY"),
        _scan("2024-04-23T16:05:00-04:00", "PU", "Picked up", "PU", "Picked up",
              _location("MISSISSAUGA", "ON", "L5T2N7", "CA"), "PICKUP_LOCATION"),
        _scan("2024-04-23T10:12:00-04:00", "OC", "Shipment information sent to FedEx", "IN", "Initiated",
              _location(None, None, "L5T2N7", "CA"), "CUSTOMER"),
    ]
    address_us = {"city": "FRESNO", "stateOrProvinceCode": "CA", "countryCode": "US", "residential": False, "countryName": "United States"}
    address_ca = {"city": "MISSISSAUGA", "stateOrProvinceCode": "ON", "countryCode": "CA", "residential": False, "countryName": "Canada"}
    return {
        "trackingNumberInfo": {"trackingNumber": number, "trackingNumberUniqueId": f"12025~{number}~FX", "carrierCode": "FDXE"},
        "additionalTrackingInfo": {"nickname": "", "packageIdentifiers": [], "hasAssociatedShipments": False},
        "shipperInformation": {"contact": {}, "address": address_ca},
        "recipientInformation": {"contact": {}, "address": address_us},
        "latestStatusDetail": {
            "code": "DL", "derivedCode": "DL", "statusByLocale": "Delivered", "description": "Delivered",
            "scanLocation": _location("FRESNO", "CA", "93703", "US"),
        },
        "dateAndTimes": [
            {"type": "ACTUAL_DELIVERY", "dateTime": "2024-04-26T09:26:00-07:00"},
            {"type": "ACTUAL_PICKUP", "dateTime": "2024-04-23T16:05:00-04:00"},
            {"type": "SHIP", "dateTime": "2024-04-23T00:00:00-06:00"},
            {"type": "ACTUAL_TENDER", "dateTime": "2024-04-23T16:05:00-04:00"},
        ],
        "availableImages": [{"type": "SIGNATURE_PROOF_OF_DELIVERY"}],
        "specialHandlings": [
            {"type": "DIRECT_SIGNATURE_REQUIRED", "description": "Direct Signature Required", "paymentType": "OTHER"},
            {"type": "INTERNATIONAL_CONTROLLED_EXPORT_SERVICE", "description": "International Controlled Export", "paymentType": "OTHER"},
        ],
        "packageDetails": {
            "packagingDescription": {"type": "YOUR_PACKAGING", "description": "Your Packaging"},
            "sequenceNumber": "1",
            "count": "1",
            "weightAndDimensions": {
                "weight": [{"value": "4.4", "unit": "LB"}, {"value": "2.0", "unit": "KG"}],
                "dimensions": [{"length": 12, "width": 10, "height": 8, "units": "IN"}],
            },
            "packageContent": [],
        },
        "shipmentDetails": {"possessionStatus": True, "weight": [{"value": "4.4", "unit": "LB"}, {"value": "2.0", "unit": "KG"}]},
        "scanEvents": scans,
        "availableNotifications": ["ON_DELIVERY"],
        "deliveryDetails": {
            "actualDeliveryAddress": address_us,
            "locationType": "RECEPTIONIST_OR_FRONT_DESK",
            "locationDescription": "Receptionist/Front Desk",
            "deliveryAttempts": "0",
            "receivedByName": "J.SMITH",
            "deliveryOptionEligibilityDetails": [{"option": "INDIRECT_SIGNATURE_RELEASE", "eligibility": "INELIGIBLE"}],
        },
        "originLocation": {"locationContactAndAddress": {"address": address_ca}, "locationId": "YYZA"},
        "lastUpdatedDestinationAddress": {"city": "FRESNO", "stateOrProvinceCode": "CA", "countryCode": "US", "residential": False, "countryName": "United States"},
        "serviceDetail": {"type": "INTERNATIONAL_PRIORITY", "description": "FedEx International Priority", "shortDescription": "IP"},
        "standardTransitTimeWindow": {"window": {"ends": "2024-04-26T00:00:00-06:00"}},
        "estimatedDeliveryTimeWindow": {"window": {}},
        "goodsClassificationCode": "",
        "returnDetail": {},
    }


def in_transit_result(number: str = IN_TRANSIT_NUMBER) -> dict:
    """Still moving within the US: label created, picked up, a failed delivery attempt, with an
    estimated delivery date."""
    scans = [
        _scan("2024-05-02T11:26:00-07:00", "DE", "Delivery exception", "DE", "Delivery exception",
              _location("CLOVIS", "CA", "93612", "US"), "DESTINATION_FEDEX_FACILITY",
              "08", "Customer not available or business closed"),
        _scan("2024-05-02T08:55:00-07:00", "OD", "On FedEx vehicle for delivery", "IT", "In transit",
              _location("CLOVIS", "CA", "93612", "US"), "VEHICLE"),
        _scan("2024-05-01T14:25:00-07:00", "PU", "Picked up", "PU", "Picked up",
              _location("ORANGE", "CA", "92868", "US"), "PICKUP_LOCATION"),
        _scan("2024-05-01T09:00:00-07:00", "OC", "Shipment information sent to FedEx", "IN", "Initiated",
              _location(None, None, "92868", "US"), "CUSTOMER"),
    ]
    return {
        "trackingNumberInfo": {"trackingNumber": number, "trackingNumberUniqueId": f"2460425000~{number}~FX", "carrierCode": "FDXE"},
        "shipperInformation": {"contact": {}, "address": {"city": "Orange", "stateOrProvinceCode": "CA", "countryCode": "US"}},
        "recipientInformation": {"contact": {}, "address": {"city": "FRESNO", "stateOrProvinceCode": "CA", "countryCode": "US"}},
        "latestStatusDetail": {"code": "DE", "derivedCode": "DE", "statusByLocale": "Delivery exception", "description": "Delivery exception"},
        "dateAndTimes": [
            {"type": "ESTIMATED_DELIVERY", "dateTime": "2024-05-03T00:00:00-07:00"},
            {"type": "ACTUAL_PICKUP", "dateTime": "2024-05-01T14:25:00-07:00"},
        ],
        "packageDetails": {"count": "1", "weightAndDimensions": {"weight": [{"value": "1.0", "unit": "LB"}]}},
        "serviceDetail": {"type": "PRIORITY_OVERNIGHT", "description": "FedEx Priority Overnight", "shortDescription": "PO"},
        "scanEvents": scans,
        "deliveryDetails": {"deliveryAttempts": "1", "receivedByName": ""},
    }


def not_found_result(number: str) -> dict:
    return {
        "trackingNumberInfo": {"trackingNumber": number, "trackingNumberUniqueId": "", "carrierCode": ""},
        "error": {
            "code": "TRACKING.TRACKINGNUMBER.NOTFOUND",
            "message": "Tracking number cannot be found. Please correct the tracking number and try again.",
        },
    }


class FedexStub(StubCarrier):
    def __init__(self) -> None:
        super().__init__()
        self.route("POST", TOKEN_PATH, self._token)
        self.route("POST", TRACK_PATH, self._track)
        self.reset()

    def reset(self) -> None:
        """Back to a fresh FedEx: no shipments, no tokens, no failures, nothing recorded."""
        self.requests.clear()
        self.results: dict[str, dict] = {}
        self.mode: str | None = None
        self.retry_after = "11"
        self.expires_in = 3599
        self._counter = itertools.count(1)
        self._valid_tokens: set[str] = set()
        self.refuse_all_tokens = False

    def expire_tokens(self) -> None:
        """Every token issued so far is refused from now on (FedEx's 401), as after an early expiry."""
        self._valid_tokens.clear()

    @property
    def token_requests(self) -> list[StubRequest]:
        return [request for request in self.requests if request.path == TOKEN_PATH]

    @property
    def track_requests(self) -> list[StubRequest]:
        return [request for request in self.requests if request.path == TRACK_PATH]

    def _token(self, request: StubRequest) -> StubResponse:
        form = request.form()
        if (
            form.get("grant_type") != ["client_credentials"]
            or form.get("client_id") != [CLIENT_ID]
            or form.get("client_secret") != [CLIENT_SECRET]
        ):
            return StubResponse(401, _errors(
                "NOT.AUTHORIZED.ERROR",
                "The given client credentials were not valid. Please modify your request and try again.",
            ))
        token = f"fedex-access-token-{next(self._counter)}"
        self._valid_tokens.add(token)
        return StubResponse(200, {"access_token": token, "token_type": "bearer", "expires_in": self.expires_in, "scope": "CXS"})

    def _track(self, request: StubRequest) -> StubResponse:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if self.refuse_all_tokens or token not in self._valid_tokens:
            return StubResponse(401, _errors(
                "NOT.AUTHORIZED.ERROR",
                "Access token expired. Please modify your request and try again.",
            ))
        if self.mode == "rate_limited":
            return StubResponse(429, _errors(
                "RATE.LIMIT.EXCEEDED",
                "We have received too many requests in a short duration. Please wait a while to try again.",
            ), headers={"Retry-After": self.retry_after})
        if self.mode == "server_error":
            return StubResponse(500, _errors(
                "INTERNAL.SERVER.ERROR",
                "We encountered an unexpected error and are working to resolve the issue. "
                "We apologize for any inconvenience. Please check back at a later time.",
            ))
        if self.mode == "html":
            return StubResponse(200, "<HTML><HEAD><TITLE>Access Denied</TITLE></HEAD><BODY>Reference #18.abc</BODY></HTML>")
        if self.mode == "truncated":
            return StubResponse(200, '{"transactionId": "x", "output": {"completeTrackResults": [{"trackingNum',
                                headers={"content-type": "application/json"})
        if self.mode == "wrong_shape":
            return StubResponse(200, {"transactionId": "x", "output": {"completeTrackResults": {"trackingNumber": "1"}}})
        body = request.json()
        numbers = [entry["trackingNumberInfo"]["trackingNumber"] for entry in body.get("trackingInfo", [])]
        if not numbers or len(numbers) > MAX_NUMBERS or body.get("includeDetailedScans") is not True:
            # FedEx documents the 30-number limit; the code and wording of its refusal are not published.
            return StubResponse(400, _errors("BAD.REQUEST.ERROR", "Please limit the request to 30 tracking numbers."))
        complete = []
        for number in numbers:
            result = self.results.get(number)
            complete.append({
                "trackingNumber": number,
                "trackResults": [copy.deepcopy(result) if result is not None else not_found_result(number)],
            })
        out: dict[str, Any] = {"completeTrackResults": complete}
        if any(number not in self.results for number in numbers):
            out["alerts"] = "TRACKING.DATA.NOTFOUND -  Tracking data unavailable"
        return StubResponse(200, {"transactionId": str(uuid.uuid4()), "output": out})
