"""A stub of DHL's Shipment Tracking - Unified API on 127.0.0.1, answering in DHL's documented
format (`shipments[]` with events newest first, problem+json errors).

Numbers choose the scenario (see `SCENARIOS`); attributes switch failures for every request:

    stub.mode = "rate_limited" | "unavailable" | "malformed_html" | "malformed_truncated" | None
"""

from typing import Any

from tests.support.carrier_stubs.server import StubCarrier, StubRequest, StubResponse

API_KEY = "dhl-test-key"

JOURNEY = "JD014600006281230704"  # label created -> picked up -> in transit -> out for delivery -> delivered (signed)
CUSTOMS = "1234567890"  # DHL Express: held in customs (failure)
RETURNED = "00340434161094042557"  # parcel-de: delivered back to the sender (returnFlag)
HANDOVER = "GM2951173225174494"  # eCommerce to Ireland, handed to An Post with an S10 number
LOCAL_REFERENCE = "GM2951173225174500"  # eCommerce with a local-tracking-number that is not S10
NOT_FOUND = "00340434161094099999"
S10_FOR_AN_POST = "CX123456785IE"


def _place(locality: str | None = None, country: str | None = None, postal: str | None = None) -> dict:
    address: dict[str, Any] = {}
    if locality:
        address["addressLocality"] = locality
    if country:
        address["countryCode"] = country
    if postal:
        address["postalCode"] = postal
    return {"address": address}


def _event(timestamp: str, status_code: str, status: str, description: str | None = None, **place: Any) -> dict:
    event: dict[str, Any] = {"timestamp": timestamp, "statusCode": status_code, "status": status}
    if description:
        event["description"] = description
    if place:
        event["location"] = _place(**place)
    return event


def _response(number: str, shipment: dict) -> dict:
    services = ("freight", "dgf", "parcel-de", "parcel-nl", "parcel-pl", "express", "post-de", "sameday", "parcel-uk")
    return {
        "url": f"/track/shipments?trackingNumber={number}&offset=0&limit=5",
        "shipments": [shipment],
        "possibleAdditionalShipmentsUrl": [f"/track/shipments?trackingNumber={number}&service={service}" for service in services],
    }


def journey_body(number: str = JOURNEY) -> dict:
    # Newest first, as DHL sends them; times carry their offsets (Germany, then Czechia).
    events = [
        _event(
            "2024-03-14T11:58:00+01:00",
            "delivered",
            "Delivered",
            "The shipment has been delivered to the recipient.",
            locality="Praha",
            country="CZ",
            postal="11000",
        ),
        _event(
            "2024-03-14T07:41:00+01:00",
            "transit",
            "Out for delivery",
            "The shipment has been loaded onto the delivery vehicle.",
            locality="Praha",
            country="CZ",
            postal="11000",
        ),
        _event(
            "2024-03-13T22:05:00+01:00",
            "transit",
            "Arrived",
            "The shipment has arrived at the delivery depot.",
            locality="Praha",
            country="CZ",
        ),
        _event(
            "2024-03-12T19:30:00+01:00",
            "transit",
            "Departed",
            "The shipment has departed from the parcel center.",
            locality="Leipzig",
            country="DE",
            postal="04435",
        ),
        _event(
            "2024-03-12T16:02:00+01:00",
            "transit",
            "Picked up",
            "The shipment has been picked up by DHL.",
            locality="Berlin",
            country="DE",
            postal="10115",
        ),
        _event(
            "2024-03-11T09:14:00+01:00",
            "pre-transit",
            "Shipment information received",
            "The instruction data for this shipment have been provided by the sender to DHL electronically.",
        ),
    ]
    return _response(
        number,
        {
            "id": number,
            "service": "parcel-de",
            "origin": _place(country="DE"),
            "destination": _place(locality="Praha", country="CZ"),
            "status": events[0],
            "estimatedTimeOfDelivery": "2024-03-14T18:00:00+01:00",
            "details": {
                "product": {"productName": "DHL PAKET International"},
                "proofOfDelivery": {"timestamp": "2024-03-14T11:58:00+01:00", "signed": {"@type": "Person", "name": "J. Novak"}},
                "totalNumberOfPieces": 1,
                "pieceIds": [number],
                "weight": {"value": 2.4, "unitText": "KG"},
                "references": [{"number": "ORDER-4711", "type": "customer-reference"}],
            },
            "events": events,
        },
    )


def customs_body(number: str = CUSTOMS) -> dict:
    events = [
        _event(
            "2024-05-06T10:20:00",
            "failure",
            "Clearance delay",
            "Shipment is on hold: customs clearance delay - awaiting documents from the importer.",
            locality="NEW YORK - USA",
            country="US",
        ),
        _event(
            "2024-05-05T23:40:00",
            "transit",
            "Arrived",
            "Arrived at DHL Delivery Facility NEW YORK - USA",
            locality="NEW YORK - USA",
            country="US",
        ),
        _event(
            "2024-05-04T08:00:00",
            "transit",
            "Processed",
            "Processed at LEIPZIG - GERMANY",
            locality="LEIPZIG - GERMANY",
            country="DE",
        ),
        _event(
            "2024-05-03T17:30:00",
            "transit",
            "Shipment picked up",
            "Shipment picked up",
            locality="BONN - GERMANY",
            country="DE",
        ),
        _event(
            "2024-05-03T09:00:00",
            "pre-transit",
            "Label created",
            "Shipper has generated a shipment label, but the shipment has not yet been handed over to DHL",
        ),
    ]
    return _response(
        number,
        {
            "id": number,
            "service": "express",
            "origin": {"address": {"addressLocality": "BONN - GERMANY"}},
            "destination": {"address": {"addressLocality": "NEW YORK - USA"}},
            "status": events[0],
            "details": {"proofOfDeliverySignedAvailable": False, "totalNumberOfPieces": 1, "pieceIds": ["JD014600003999999999"]},
            "events": events,
        },
    )


def returned_body(number: str = RETURNED) -> dict:
    events = [
        _event(
            "2024-02-20T12:08:00",
            "delivered",
            "The shipment has been successfully delivered",
            "The shipment has been successfully delivered",
            locality="Germany",
        ),
        _event(
            "2024-02-16T09:30:00",
            "failure",
            "Return",
            "The shipment could not be delivered, and is on its way back to the sender.",
            locality="Germany",
        ),
        _event(
            "2024-02-14T08:00:00",
            "transit",
            "Processed",
            "The shipment has been processed in the parcel center.",
            locality="Germany",
        ),
    ]
    return _response(
        number,
        {
            "id": number,
            "service": "parcel-de",
            "returnFlag": True,
            "origin": _place(country="DE"),
            "destination": _place(country="DE"),
            "status": events[0],
            "details": {"product": {"productName": "DHL PAKET (parcel)"}},
            "events": events,
        },
    )


def handover_body(number: str = HANDOVER, local_number: str = S10_FOR_AN_POST) -> dict:
    events = [
        _event(
            "2024-04-02T07:15:00",
            "transit",
            "ARRIVED AT DESTINATION COUNTRY",
            locality="Dublin, IE",
            country="IE",
            postal="D01",
        ),
        _event(
            "2024-03-29T16:45:00",
            "transit",
            "DEPARTED FROM ORIGIN COUNTRY",
            locality="Frankfurt, DE",
            country="DE",
            postal="60549",
        ),
        _event(
            "2024-03-28T08:52:14",
            "transit",
            "PACKAGE RECEIVED AT DHL ECOMMERCE DISTRIBUTION CENTER",
            locality="Frankfurt, DE",
            country="DE",
            postal="60549",
        ),
        _event("2024-03-27T11:58:34", "unknown", "LABEL CREATED"),
    ]
    return _response(
        number,
        {
            "id": number,
            "service": "ecommerce",
            "origin": _place(locality="FRANKFURT", country="DE", postal="60549"),
            "destination": _place(locality="DUBLIN", country="IE", postal="D01"),
            "status": events[0],
            "details": {
                "product": {"productName": "DHL Parcel International Direct"},
                "provider": {"destinationProvider": "anpost"},
                "weight": {"value": 0.831, "unitText": "LB"},
                "references": [
                    {"number": number, "type": "customer-confirmation-number"},
                    {"number": "2042200157621303", "type": "ecommerce-number"},
                    {"number": local_number, "type": "local-tracking-number"},
                ],
            },
            "events": events,
        },
    )


def not_found_body(number: str = NOT_FOUND) -> dict:
    return {
        "title": "No result found",
        "status": 404,
        "detail": "No shipment with given tracking number found.",
        "instance": f"/track/shipments?trackingNumber={number}",
    }


PROBLEM_JSON = {"content-type": "application/problem+json"}

SCENARIOS: dict[str, Any] = {
    JOURNEY: lambda: StubResponse(200, journey_body()),
    CUSTOMS: lambda: StubResponse(200, customs_body()),
    RETURNED: lambda: StubResponse(200, returned_body()),
    HANDOVER: lambda: StubResponse(200, handover_body()),
    LOCAL_REFERENCE: lambda: StubResponse(200, handover_body(LOCAL_REFERENCE, "H01PQA0010751022")),
}


class DhlStub(StubCarrier):
    def __init__(self) -> None:
        super().__init__()
        self.mode: str | None = None
        self.retry_after = "3"
        self.route("GET", "/track/shipments", self._shipments)

    def reset(self) -> None:
        """Back to a fresh carrier (for a stub shared by several tests): no mode, no log."""
        self.mode = None
        self.retry_after = "3"
        self.requests.clear()

    def _shipments(self, request: StubRequest) -> StubResponse:
        if request.headers.get("dhl-api-key") != API_KEY:
            return StubResponse(401, {"title": "Unauthorized", "status": 401, "detail": "Invalid API key."}, headers=dict(PROBLEM_JSON))
        if self.mode == "rate_limited":
            return StubResponse(
                429,
                {"title": "Too many requests", "status": 429, "detail": "Too many requests within defined time period."},
                headers={**PROBLEM_JSON, "retry-after": self.retry_after},
            )
        if self.mode == "unavailable":
            return StubResponse(503, "<html><body>Service Unavailable</body></html>")
        if self.mode == "malformed_html":
            return StubResponse(200, "<!DOCTYPE html><html><body>Gateway maintenance</body></html>")
        if self.mode == "malformed_truncated":
            truncated = '{"shipments": [{"id": "JD014600006281230704", "events": [{"timest'
            return StubResponse(200, truncated, headers={"content-type": "application/json"})
        number = (request.query.get("trackingNumber") or [""])[0]
        scenario = SCENARIOS.get(number)
        if scenario is None:
            return StubResponse(404, not_found_body(number), headers=dict(PROBLEM_JSON))
        return scenario()
