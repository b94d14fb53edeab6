"""A stub of UPS's Track API v1 and OAuth token endpoint, answering in UPS's documented shapes.

Packages are registered per inquiry number (`stub.packages[number] = journey_package(number)`);
an unregistered number is "not found" (a 404 with UPS's error body, or with
`not_found_style = "warning"` a 200 whose shipment carries warnings and no package). `mode`
switches every tracking call to a failure: "rate_limited" (429 with Retry-After), "server_error"
(500), "html" (a 200 gateway page), "truncated" (a 200 cut-off JSON), "wrong_shape" (a 200 JSON
whose shipment is not a list). `expire_tokens()` makes the tracking call answer 401 for every
token issued so far, once each, as UPS does when a token expires before its `expires_in`;
`refuse_all_tokens` refuses even fresh ones.
"""

import base64
import copy
import itertools
from typing import Any

from tests.support.carrier_stubs.server import StubCarrier, StubRequest, StubResponse

CLIENT_ID = "ups-test-client"
CLIENT_SECRET = "ups-test-secret"
TOKEN_PATH = "/security/v1/oauth/token"
TRACK_PATH = "/api/track/v1/details/"
JOURNEY_NUMBER = "1Z999AA10123456784"
IN_TRANSIT_NUMBER = "1Z12345E0205271688"


def _error(code: str, message: str) -> dict:
    return {"response": {"errors": [{"code": code, "message": message}]}}


def _activity(date: str, time: str, offset: str, status: dict, **address: str) -> dict:
    gmt = {"gmtDate": date, "gmtOffset": offset, "gmtTime": f"{time[:2]}:{time[2:4]}:{time[4:]}"}
    location = {"address": {key: value for key, value in address.items() if value}}
    if "countryCode" in address:
        location["address"]["country"] = address["countryCode"]
    return {"location": location, "status": status, "date": date, "time": time, **gmt}


def journey_package(number: str = JOURNEY_NUMBER) -> dict:
    """Cologne to Newark, CA: label created, picked up, in transit (departure, import scan,
    arrival), out for delivery, delivered and signed for. Newest activity first, as UPS lists them;
    local times with each place's gmtOffset."""
    activities = [
        _activity("20240202", "120435", "-08:00",
                  {"type": "D", "description": "DELIVERED ", "code": "FS", "statusCode": "011"},
                  city="NEWARK", stateProvince="CA", postalCode="94560", countryCode="US"),
        _activity("20240202", "084714", "-08:00",
                  {"type": "I", "description": "Out For Delivery Today", "code": "OT", "statusCode": "021"},
                  city="Fremont", stateProvince="CA", countryCode="US"),
        _activity("20240201", "211500", "-08:00",
                  {"type": "I", "description": "Arrived at Facility", "code": "AR", "statusCode": "005"},
                  city="Fremont", stateProvince="CA", countryCode="US"),
        _activity("20240131", "064500", "-05:00",
                  {"type": "I", "description": "Import Scan", "code": "IP", "statusCode": "005"},
                  city="Louisville", stateProvince="KY", countryCode="US"),
        _activity("20240130", "231500", "+01:00",
                  {"type": "I", "description": "Departed from Facility", "code": "DP", "statusCode": "005"},
                  city="Koeln", postalCode="50829", countryCode="DE"),
        _activity("20240130", "173157", "+01:00",
                  {"type": "I", "description": "We have your package", "code": "OC", "statusCode": "005"},
                  city="Koeln", postalCode="50829", countryCode="DE"),
        _activity("20240130", "093405", "+01:00",
                  {"type": "M", "description": "Shipper created a label, UPS has not received the package yet. ",
                   "code": "MP", "statusCode": "003"},
                  countryCode="DE"),
    ]
    return {
        "trackingNumber": number,
        "deliveryDate": [{"type": "DEL", "date": "20240202"}],
        "deliveryTime": {"type": "DEL", "endTime": "120435"},
        "activity": activities,
        "currentStatus": {"description": "Delivered", "code": "011"},
        "packageAddress": [
            {"type": "ORIGIN", "address": {"city": "KOELN", "countryCode": "DE", "country": "DE"}},
            {"type": "DESTINATION", "address": {"city": "NEWARK", "stateProvince": "CA", "countryCode": "US", "country": "US"}},
        ],
        "weight": {"unitOfMeasurement": "KGS", "weight": "2.30"},
        "service": {"code": "007", "levelCode": "007", "description": "UPS Worldwide Express"},
        "referenceNumber": [{"type": "SHIPMENT", "number": "PO-4711"}],
        "deliveryInformation": {"location": "Front Desk", "receivedBy": "MILLER"},
        "additionalServices": ["SIGNATURE_REQUIRED"],
        "dimension": {"height": "15.00", "length": "21.50", "width": "18.00", "unitOfDimension": "CM"},
        "packageCount": 1,
    }


def in_transit_package(number: str = IN_TRANSIT_NUMBER) -> dict:
    """Still on its way: label created, picked up, arrived; a rescheduled delivery date."""
    activities = [
        _activity("20240312", "031500", "-04:00",
                  {"type": "I", "description": "Arrived at Facility", "code": "AR", "statusCode": "005"},
                  city="Secaucus", stateProvince="NJ", countryCode="US"),
        _activity("20240311", "171500", "-04:00",
                  {"type": "P", "description": "Pickup Scan ", "code": "PU", "statusCode": "038"},
                  city="Parsippany", stateProvince="NJ", countryCode="US"),
        _activity("20240311", "091641", "-04:00",
                  {"type": "M", "description": "Shipper created a label, UPS has not received the package yet. ",
                   "code": "MP", "statusCode": "003"},
                  countryCode="US"),
    ]
    return {
        "trackingNumber": number,
        "deliveryDate": [{"type": "SDD", "date": "20240314"}, {"type": "RDD", "date": "20240315"}],
        "deliveryTime": {"type": "CMT", "endTime": "103000"},
        "activity": activities,
        "currentStatus": {"description": "On the Way", "code": "005"},
        "packageAddress": [
            {"type": "ORIGIN", "address": {"city": "PARSIPPANY", "stateProvince": "NJ", "countryCode": "US", "country": "US"}},
            {"type": "DESTINATION", "address": {"city": "TORONTO", "stateProvince": "ON", "countryCode": "CA", "country": "CA"}},
        ],
        "weight": {"unitOfMeasurement": "LBS", "weight": "13.00"},
        "service": {"code": "011", "levelCode": "011", "description": "UPS Standard"},
        "packageCount": 2,
    }


def label_only_package(number: str) -> dict:
    """Only the label: UPS has no parcel yet."""
    return {
        "trackingNumber": number,
        "activity": [
            _activity("20240401", "101010", "-05:00",
                      {"type": "M", "description": "Shipper created a label, UPS has not received the package yet. ",
                       "code": "MP", "statusCode": "003"},
                      countryCode="US"),
        ],
        "currentStatus": {"description": "Label Created", "code": "003"},
        "packageCount": 1,
    }


class UpsStub(StubCarrier):
    def __init__(self) -> None:
        super().__init__()
        self.route("POST", TOKEN_PATH, self._token)
        self.route("GET", TRACK_PATH, self._track)
        self.reset()

    def reset(self) -> None:
        """Back to a fresh UPS: no packages, no tokens, no failures, nothing recorded."""
        self.requests.clear()
        self.packages: dict[str, dict] = {}
        self.mode: str | None = None
        self.not_found_style = "404"
        self.retry_after = "7"
        self.expires_in = "14399"
        self._counter = itertools.count(1)
        self._valid_tokens: set[str] = set()
        self.refuse_all_tokens = False

    def expire_tokens(self) -> None:
        """Every token issued so far is refused from now on (UPS's 401), as after an early expiry."""
        self._valid_tokens.clear()

    @property
    def token_requests(self) -> list[StubRequest]:
        return [request for request in self.requests if request.path == TOKEN_PATH]

    @property
    def track_requests(self) -> list[StubRequest]:
        return [request for request in self.requests if request.path.startswith(TRACK_PATH)]

    def _token(self, request: StubRequest) -> StubResponse:
        expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if request.headers.get("authorization") != expected or request.form().get("grant_type") != ["client_credentials"]:
            return StubResponse(401, _error("10401", "ClientId is Invalid"))
        token = f"ups-access-token-{next(self._counter)}"
        self._valid_tokens.add(token)
        return StubResponse(200, {
            "token_type": "Bearer",
            "issued_at": "1706745600000",
            "client_id": CLIENT_ID,
            "access_token": token,
            "expires_in": self.expires_in,
            "status": "approved",
        })

    def _track(self, request: StubRequest) -> StubResponse:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if self.refuse_all_tokens or token not in self._valid_tokens:
            return StubResponse(401, _error("250002", "Invalid Authentication Information."))
        if not request.headers.get("transid") or not request.headers.get("transactionsrc"):
            return StubResponse(400, _error("TV0001", "Missing transId or transactionSrc"))
        if self.mode == "rate_limited":
            return StubResponse(429, _error("429", "Rate Limit Exceeded"), headers={"Retry-After": self.retry_after})
        if self.mode == "server_error":
            return StubResponse(500, _error("TS0001", "Internal Server Error"))
        if self.mode == "html":
            return StubResponse(200, "<html><head><title>Service Unavailable</title></head><body>Please try later</body></html>")
        if self.mode == "truncated":
            return StubResponse(200, '{"trackResponse": {"shipment": [{"inquiryNumber": "1Z9', headers={"content-type": "application/json"})
        if self.mode == "wrong_shape":
            return StubResponse(200, {"trackResponse": {"shipment": {"inquiryNumber": "1Z"}}})
        number = request.path.removeprefix(TRACK_PATH)
        package = self.packages.get(number)
        if package is None:
            if self.not_found_style == "warning":
                return StubResponse(200, {"trackResponse": {"shipment": [{
                    "inquiryNumber": number,
                    "warnings": [{"code": "TW0001", "message": "Tracking Information Not Found"}],
                }]}})
            return StubResponse(404, _error("TW0001", "Tracking Information Not Found"))
        body: dict[str, Any] = {"trackResponse": {"shipment": [{"inquiryNumber": number, "package": [copy.deepcopy(package)]}]}}
        return StubResponse(200, body)
