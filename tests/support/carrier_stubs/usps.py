"""A stub of USPS's OAuth and Tracking 3.0 APIs on 127.0.0.1, answering in USPS's documented
format (events newest first, local `eventTimestamp` plus `GMTTimestamp`/`GMTOffset`, the
`{"apiVersion", "error": {...}}` error shape).

Numbers choose the scenario (see `SCENARIOS`); attributes switch failures for every request:

    stub.mode = "rate_limited" | "unavailable" | "malformed_html" | "malformed_truncated"
                | "unauthorized" (every token answers 401) | None
    stub.expire_tokens()   # every token issued so far answers 401 (once per token) from now on
"""

from datetime import UTC, datetime
from typing import Any

from tests.support.carrier_stubs.server import StubCarrier, StubRequest, StubResponse

CLIENT_ID = "usps-client"
CLIENT_SECRET = "usps-secret"
TOKEN_LIFETIME = 28799  # seconds, as USPS's token endpoint reports for client credentials

JOURNEY = "9400100000000000000017"  # label created -> accepted -> in transit -> out for delivery -> delivered
NOTICE_LEFT = "9400100000000000000024"  # notice left -> available for pickup -> picked up at the Post Office
NOT_FOUND = "9400100000000000000031"  # USPS has no record yet (its "12: A status update is not yet available" answer)
UNKNOWN_404 = "9400100000000000000048"  # a 404 for the number
PRE_SHIPMENT = "9400100000000000000055"  # label created only
INVALID = "NOT-A-NUMBER"  # refused as a bad request


def _event(event_type: str, code: str, local: str, offset: str | None, city=None, state=None, zip_=None, country=None, name=None) -> dict:
    event: dict[str, Any] = {
        "eventType": event_type,
        "eventTimestamp": local,
        "eventCountry": country,
        "eventCity": city,
        "eventState": state,
        "eventZIP": zip_,
        "firm": None,
        "name": name,
        "authorizedAgent": "false",
        "eventCode": code,
    }
    if offset:
        event["GMTOffset"] = offset
    return event


def journey_body(number: str = JOURNEY) -> dict:
    # Newest first, as USPS sends them; the scans cross from Mountain (-07:00) to Central (-06:00).
    events = [
        _event(
            "Delivered, Left with Individual",
            "01",
            "2024-11-23T13:10:00",
            "-06:00",
            "MILWAUKEE",
            "WI",
            "53207",
            name="J DOE",
        ),
        _event("Out for Delivery", "OF", "2024-11-23T08:28:00", "-06:00", "MILWAUKEE", "WI", "53207"),
        _event("Arrived at Post Office", "07", "2024-11-23T06:17:00", "-06:00", "MILWAUKEE", "WI", "53207"),
        _event("Departed USPS Regional Facility", "T1", "2024-11-22T22:10:00", "-06:00", "OAK CREEK WI DISTRIBUTION CENTER"),
        _event("Arrived at USPS Regional Facility", "10", "2024-11-22T16:20:00", "-06:00", "OAK CREEK WI DISTRIBUTION CENTER"),
        # A code the adapter's table does not list, and no GMT data: read by its text, kept offset-less.
        _event("In Transit to Next Facility", "NT", "2024-11-21T12:00:00", None),
        _event("USPS in possession of item", "03", "2024-11-20T17:26:00", "-07:00", "DENVER", "CO", "80202"),
        _event("Shipping Label Created, USPS Awaiting Item", "GX", "2024-11-20T09:27:00", None, "DENVER", "CO", "80202"),
    ]
    for event in events:
        if "GMTOffset" in event:
            event["GMTTimestamp"] = _gmt(event["eventTimestamp"], event["GMTOffset"])
    return {
        "trackingNumber": number,
        "additionalInfo": None,
        "ADPScripting": None,
        "archiveRestoreInfo": None,
        "associatedLabel": "",
        "carrierRelease": None,
        "mailClass": "USPS Ground Advantage<SUP>&#153;</SUP>",
        "destinationCity": "MILWAUKEE",
        "destinationState": "WI",
        "destinationZIP": "53207",
        "originCity": "DENVER",
        "originState": "CO",
        "originZIP": "80202",
        "expectedDeliveryTimeStamp": "2024-11-23T00:00:00",
        "status": "Delivered, Left with Individual",
        "statusCategory": "Delivered",
        "statusSummary": "Your item was delivered to an individual at the address at 1:10 pm on November 23, 2024 in MILWAUKEE, WI 53207.",
        "trackingEvents": events,
    }


def notice_left_body(number: str = NOTICE_LEFT) -> dict:
    events = [
        _event("Picked Up at Post Office", "17", "2024-12-04T10:02:00", "-05:00", "BROOKLYN", "NY", "11201"),
        _event("Available for Pickup", "16", "2024-12-03T09:15:00", "-05:00", "BROOKLYN", "NY", "11201"),
        _event(
            "Notice Left (No Authorized Recipient Available)",
            "56",
            "2024-12-02T14:40:00",
            "-05:00",
            "BROOKLYN",
            "NY",
            "11201",
        ),
        _event("Out for Delivery", "OF", "2024-12-02T07:55:00", "-05:00", "BROOKLYN", "NY", "11201"),
        _event("Accepted at USPS Origin Facility", "OA", "2024-11-29T18:00:00", "-08:00", "LOS ANGELES", "CA", "90052"),
    ]
    return {
        "trackingNumber": number,
        "mailClass": "Priority Mail<SUP>&#174;</SUP>",
        "destinationCity": "BROOKLYN",
        "destinationState": "NY",
        "destinationZIP": "11201",
        "expectedDeliveryDate": "2024-12-02",
        "status": "Picked Up at Post Office",
        "statusCategory": "Delivered",
        "statusSummary": "Your item was picked up at the post office at 10:02 am on December 4, 2024 in BROOKLYN, NY 11201.",
        "trackingEvents": events,
    }


def pre_shipment_body(number: str = PRE_SHIPMENT) -> dict:
    return {
        "trackingNumber": number,
        "status": "Pre-Shipment Info Sent to USPS, USPS Awaiting Item",
        "statusCategory": "Pre-Shipment",
        "statusSummary": "A shipping label has been prepared for your item.",
        "trackingEvents": [_event("Pre-Shipment Info Sent to USPS, USPS Awaiting Item", "MA", "2024-11-23T00:00:00", None)],
    }


def error_body(code: str, message: str, detail_code: str) -> dict:
    return {
        "apiVersion": "/tracking/v3",
        "error": {"code": code, "message": message, "errors": [{"title": message, "detail": "", "code": detail_code}]},
    }


def _gmt(local: str, offset: str) -> str:
    return datetime.fromisoformat(local + offset).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


NOT_YET_AVAILABLE = (
    "12: A status update is not yet available on your package. It will be available when the shipper provides an "
    "update or the package is given to USPS. Check back soon."
)

SCENARIOS: dict[str, Any] = {
    JOURNEY: lambda: StubResponse(200, journey_body()),
    NOTICE_LEFT: lambda: StubResponse(200, notice_left_body()),
    PRE_SHIPMENT: lambda: StubResponse(200, pre_shipment_body()),
    NOT_FOUND: lambda: StubResponse(400, error_body("400", NOT_YET_AVAILABLE, "150001")),
    UNKNOWN_404: lambda: StubResponse(404, error_body("404", "Package with tracking number not found.", "404")),
    INVALID: lambda: StubResponse(400, error_body("400", "Invalid tracking number format.", "400001")),
}


class UspsStub(StubCarrier):
    def __init__(self) -> None:
        super().__init__()
        self.mode: str | None = None
        self.retry_after = "7"
        self.issued: list[str] = []
        self._expired: set[str] = set()
        self.route("POST", "/oauth2/v3/token", self._token)
        self.route("GET", "/tracking/v3/tracking/", self._tracking)

    # -- switches ------------------------------------------------------------------------

    def reset(self) -> None:
        """Back to a fresh carrier (for a stub shared by several tests): no mode, no tokens, no log."""
        self.mode = None
        self.retry_after = "7"
        self.issued.clear()
        self._expired.clear()
        self.requests.clear()

    def expire_tokens(self) -> None:
        """Every token issued so far is rejected with 401 from now on (as after its expiry)."""
        self._expired.update(self.issued)

    @property
    def token_requests(self) -> list[StubRequest]:
        return [request for request in self.requests if request.path == "/oauth2/v3/token"]

    @property
    def tracking_requests(self) -> list[StubRequest]:
        return [request for request in self.requests if request.path.startswith("/tracking/v3/tracking/")]

    # -- handlers ------------------------------------------------------------------------

    def _token(self, request: StubRequest) -> StubResponse:
        content_type = request.headers.get("content-type", "")
        if "json" in content_type:
            body = request.json() or {}
            fields = {key: str(value) for key, value in body.items()}
        else:
            fields = {key: values[0] for key, values in request.form().items()}
        if fields.get("grant_type") != "client_credentials":
            return StubResponse(400, {"error": "unsupported_grant_type"})
        if fields.get("client_id") != CLIENT_ID or fields.get("client_secret") != CLIENT_SECRET:
            return StubResponse(401, {"error": "invalid_client", "error_description": "Client authentication failed"})
        token = f"usps-token-{len(self.issued) + 1}"
        self.issued.append(token)
        return StubResponse(
            200,
            {
                "access_token": token,
                "token_type": "Bearer",
                "issued_at": 0,
                "expires_in": TOKEN_LIFETIME,
                "status": "approved",
                "scope": "tracking",
            },
        )

    def _tracking(self, request: StubRequest) -> StubResponse:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if token not in self.issued or token in self._expired or self.mode == "unauthorized":
            return StubResponse(401, error_body("401", "Unauthorized: the access token is invalid or expired.", "401"))
        if self.mode == "rate_limited":
            return StubResponse(429, error_body("429", "Too Many Requests", "429"), headers={"retry-after": self.retry_after})
        if self.mode == "unavailable":
            return StubResponse(503, "<html><body>Service Unavailable</body></html>")
        if self.mode == "malformed_html":
            return StubResponse(200, "<html><body><h1>Maintenance</h1></body></html>")
        if self.mode == "malformed_truncated":
            truncated = '{"trackingNumber": "9400100000000000000017", "trackingEvents": [{"eventType": "Deliv'
            return StubResponse(200, truncated, headers={"content-type": "application/json"})
        number = request.path.removeprefix("/tracking/v3/tracking/")
        scenario = SCENARIOS.get(number)
        if scenario is None:
            return StubResponse(404, error_body("404", "Package with tracking number not found.", "404"))
        return scenario()
