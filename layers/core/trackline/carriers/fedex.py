"""FedEx: the Track API v1, up to 30 tracking numbers per request.

What FedEx documents (developer.fedex.com, Track API and its published JSON examples), and what
this adapter relies on:

- `POST {base}/track/v1/trackingnumbers` with `{"includeDetailedScans": true, "trackingInfo":
  [{"trackingNumberInfo": {"trackingNumber": ...}}]}`, at most 30 `trackingInfo` entries.
- OAuth 2 client credentials at `{base}/oauth/token`, `client_id` and `client_secret` in the form.
- `output.completeTrackResults[]`, one per number asked for, `{trackingNumber, trackResults[]}`;
  each track result has `scanEvents[]` (newest first in FedEx's examples), each `{date: ISO 8601
  with the local offset, eventType, eventDescription, exceptionCode, exceptionDescription,
  derivedStatusCode, scanLocation}`; `latestStatusDetail`, `dateAndTimes[] {type, dateTime}`
  (ESTIMATED_DELIVERY, ACTUAL_PICKUP, ACTUAL_TENDER, ACTUAL_DELIVERY, SHIP, ...),
  `deliveryDetails.receivedByName`, `packageDetails {count, weightAndDimensions.weight[]}`,
  `serviceDetail`, `specialHandlings[]`, `shipperInformation` / `recipientInformation` addresses.
- A number FedEx does not know is an `error` inside its track result, code
  `TRACKING.TRACKINGNUMBER.NOTFOUND`, in a 200: "not found yet", not a failure of the request.
- Request-level failures carry `{"errors": [{code, message}]}` (401 NOT.AUTHORIZED.ERROR, 429, 5xx).

`eventType` is FedEx's tracking status code (its API reference lists them: PU Picked Up, AR
Arrived, DP Departed, OD Out for Delivery, DL Delivered, DE Delivery Exception, ...);
`derivedStatusCode` is FedEx's coarser status (IN Initiated, PU, IT In transit, DL, DE, DY, ...)
and is the fallback when an eventType is not in the table.
"""

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from trackline.carriers import http
from trackline.models.enums import SUBTAG_EVENTS
from trackline.carriers.reading import (
    MalformedAnswer,
    as_number,
    as_text,
    dict_or_empty,
    dicts_in,
    list_or_empty,
    required_dict,
    required_list,
)
from trackline.carriers.base import CarrierError, CarrierSettings, ShipmentUpdate, checkpoint, oldest_first
from trackline.carriers.oauth import TokenCache
from trackline.countries import iso3
from trackline.models.tracking import Checkpoint

TOKEN_PATH = "/oauth/token"
TRACK_PATH = "/track/v1/trackingnumbers"
LOCALE = "en_US"

# eventType -> subtag.
FEDEX_EVENT_SUBTAGS: dict[str, str] = {
    "OC": "InfoReceived_001",  # Order created / "Shipment information sent to FedEx": a label, no parcel
    "RP": "InfoReceived_001",  # Return label link emailed to the return sender
    "EP": "InfoReceived_001",  # Enroute to pickup
    "AP": "InfoReceived_001",  # At pickup (not picked up yet)
    "PU": "InTransit_002",  # Picked up
    "PX": "InTransit_002",  # Picked up (see details)
    "AF": "InTransit_003",  # At FedEx facility
    "AR": "InTransit_003",  # Arrived at FedEx location
    "OF": "InTransit_003",  # At FedEx origin facility
    "FD": "InTransit_003",  # At FedEx destination
    "SF": "InTransit_003",  # At sort facility
    "AA": "InTransit_003",  # At airport
    "AC": "InTransit_003",  # At Canada Post facility
    "AX": "InTransit_003",  # At USPS facility
    "DP": "InTransit_007",  # Departed
    "LO": "InTransit_007",  # Left origin
    "IT": "InTransit_001",  # In transit
    "IX": "InTransit_001",  # In transit (see details)
    "PF": "InTransit_001",  # Plane in flight
    "PL": "InTransit_001",  # Plane landed
    "PM": "InTransit_001",  # In progress
    "EA": "InTransit_001",  # Enroute to airport
    "EO": "InTransit_001",  # Enroute to origin airport
    "DS": "InTransit_001",  # Vehicle dispatched
    "DR": "InTransit_001",  # Vehicle furnished but not used
    "TR": "InTransit_001",  # Transfer
    "CH": "InTransit_001",  # Location changed
    "SP": "InTransit_001",  # Split status
    "AO": "InTransit_001",  # Shipment arriving on-time
    "OX": "InTransit_001",  # Shipment information sent to USPS (hand-over for the last mile)
    "RR": "InTransit_001",  # Delivery option (CDO) requested
    "RM": "InTransit_001",  # Delivery option (CDO) modified
    "RC": "InTransit_001",  # Delivery option (CDO) cancelled
    "CP": "InTransit_006",  # Clearance in progress
    "CC": "InTransit_005",  # Cleared customs
    "ED": "OutForDelivery_001",  # Enroute to delivery
    "AD": "OutForDelivery_001",  # At delivery
    "OD": "OutForDelivery_001",  # Out for delivery / "On FedEx vehicle for delivery"
    "DL": "Delivered_001",  # Delivered (Delivered_003 when someone signed for it)
    "HL": "AvailableForPickup_001",  # Hold at location
    "HP": "AvailableForPickup_001",  # Ready for recipient pickup
    "DE": "AttemptFail_001",  # Delivery exception (refined by FEDEX_DESCRIPTION_SUBTAGS)
    "SE": "Exception_001",  # Shipment exception (refined likewise)
    "CD": "Exception_004",  # Clearance delay
    "DY": "Exception_005",  # Delay
    "DD": "Exception_005",  # Delivery delay
    "PD": "Exception_005",  # Pickup delay
    "CA": "Exception_001",  # Shipment cancelled (event: canceled)
    "LP": "Exception_001",  # Return label link cancelled by the shipment originator (event: canceled)
    "RS": "Exception_010",  # Return to shipper: on its way back
}

# derivedStatusCode -> subtag, for an eventType the table above does not have.
FEDEX_DERIVED_SUBTAGS: dict[str, str] = {
    "IN": "InfoReceived_001",  # Initiated ("Label created")
    "PU": "InTransit_002",  # Picked up
    "IT": "InTransit_001",  # In transit
    "RL": "InTransit_001",  # Running late: still moving
    "OD": "OutForDelivery_001",
    "DL": "Delivered_001",
    "HL": "AvailableForPickup_001",
    "HP": "AvailableForPickup_001",
    "DE": "AttemptFail_001",
    "SE": "Exception_001",
    "DY": "Exception_005",
    "CD": "Exception_004",
    "CA": "Exception_001",
    "RS": "Exception_010",
}
FALLBACK_SUBTAG = "InTransit_001"  # neither code known: FedEx's label events always carry derivedStatusCode IN

# Delivery and shipment exceptions say what happened only in words: (eventTypes, words that must
# all appear in the lower-cased event and exception descriptions, subtag); the first match wins.
# The wordings are those of FedEx's published examples and responses.
FEDEX_DESCRIPTION_SUBTAGS: tuple[tuple[frozenset[str], tuple[str, ...], str], ...] = (
    (frozenset({"DE", "SE"}), ("redirected",), "InTransit_009"),  # "FedEx redirected your package to a nearby FedEx location"
    (frozenset({"DE", "SE"}), ("not available or business closed",), "AttemptFail_001"),
    (frozenset({"DE", "SE"}), ("business closed",), "AttemptFail_003"),
    (frozenset({"DE", "SE"}), ("not available",), "AttemptFail_002"),
    (frozenset({"DE", "SE"}), ("refused",), "Exception_003"),
    (frozenset({"DE", "SE"}), ("moved",), "Exception_002"),
    (frozenset({"DE", "SE"}), ("incorrect address",), "Exception_007"),
    (frozenset({"DE", "SE"}), ("damaged",), "Exception_012"),
    (frozenset({"DE", "SE"}), ("returning",), "Exception_010"),
    (frozenset({"DE", "SE"}), ("returned",), "Exception_011"),
    (frozenset({"DE", "SE", "DY"}), ("weather",), "Exception_005"),
    (frozenset({"DE", "SE", "DY"}), ("customs",), "Exception_004"),
)

# ... and the ones an eventType implies whatever the subtag.
EVENT_TYPE_EVENTS: dict[str, str] = {"CA": "canceled", "LP": "canceled"}

# Per-number error codes that mean "FedEx does not know this number": found=False. Any other
# per-number error is a retryable CarrierError for the whole batch.
NOT_FOUND_SUFFIX = ".NOTFOUND"  # TRACKING.TRACKINGNUMBER.NOTFOUND, TRACKING.DATA.NOTFOUND, ...
UNKNOWN_NUMBER_CODES = frozenset({"TRACKING.TRACKINGNUMBER.INVALID", "TRACKING.TRACKINGNUMBER.EMPTY"})
# specialHandlings types that ask for a signature; the contract's value set is unconfirmed beyond
# `signature_required`, so every kind maps to it.
SIGNATURE_HANDLINGS = frozenset({"ADULT_SIGNATURE_REQUIRED", "DIRECT_SIGNATURE_REQUIRED", "INDIRECT_SIGNATURE_REQUIRED"})
WEIGHT_UNITS = {"LB": "lb", "LBS": "lb", "KG": "kg", "KGS": "kg"}
EXPECTED_DELIVERY_TYPES = ("ESTIMATED_DELIVERY", "COMMITMENT", "APPOINTMENT_DELIVERY")
_ISO_LOCAL_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?")


def classify(event_type: str, derived_code: str, description: str | None, *, signed: bool = False) -> tuple[str, list[dict]]:
    """One FedEx scan event as (subtag, contract events)."""
    event_type, derived_code = event_type.strip().upper(), derived_code.strip().upper()
    text = (description or "").lower()
    subtag = next(
        (tag for types, words, tag in FEDEX_DESCRIPTION_SUBTAGS if event_type in types and all(w in text for w in words)),
        None,
    )
    subtag = subtag or FEDEX_EVENT_SUBTAGS.get(event_type) or FEDEX_DERIVED_SUBTAGS.get(derived_code) or FALLBACK_SUBTAG
    if signed and subtag == "Delivered_001":
        subtag = "Delivered_003"
    codes = [SUBTAG_EVENTS[subtag]] if subtag in SUBTAG_EVENTS else []
    if event_type in EVENT_TYPE_EVENTS:
        codes.append(EVENT_TYPE_EVENTS[event_type])
    return subtag, [{"code": event} for event in codes]


class FedexAdapter:
    slug = "fedex"
    max_batch = 30  # FedEx's limit on trackingInfo entries per request

    def __init__(self, settings: CarrierSettings, *, timeout: float = http.DEFAULT_TIMEOUT) -> None:
        self._base = settings.base_url.rstrip("/")
        self._timeout = timeout
        self._tokens = (
            TokenCache(self._base + TOKEN_PATH, settings.client_id, settings.client_secret, basic_auth=False)
            if settings.client_id and settings.client_secret
            else None
        )

    def fetch(
        self, tracking_numbers: list[str], known_checkpoints: Mapping[str, int] | None = None
    ) -> dict[str, ShipmentUpdate]:
        """`known_checkpoints` is ignored: the carrier always answers with the whole history."""
        numbers = list(dict.fromkeys(tracking_numbers))
        updates: dict[str, ShipmentUpdate] = {}
        for start in range(0, len(numbers), self.max_batch):
            batch = numbers[start : start + self.max_batch]
            status, body = self._post(batch)
            try:
                updates.update(parse_track_response(batch, body, status=status))
            except (MalformedAnswer, KeyError, IndexError, TypeError, ValueError, AttributeError) as error:
                raise CarrierError(f"FedEx answered a body it does not document: {error}", retryable=True) from None
        return updates

    def _post(self, batch: list[str]) -> tuple[int, Any]:
        if self._tokens is None:
            raise CarrierError("FedEx needs a client id and secret", retryable=False)
        payload = {
            "includeDetailedScans": True,
            "trackingInfo": [{"trackingNumberInfo": {"trackingNumber": number}} for number in batch],
        }
        return self._tokens.send(
            lambda token: http.request(
                "POST",
                self._base + TRACK_PATH,
                headers={"authorization": f"Bearer {token}", "x-locale": LOCALE},
                json_body=payload,
                timeout=self._timeout,
                accept_statuses=frozenset({401, 404}),
            ),
            carrier="FedEx",
        )


def parse_track_response(batch: list[str], body: Any, *, status: int = 200) -> dict[str, ShipmentUpdate]:
    """One update per number of the batch; raises MalformedAnswer on shapes FedEx does not document."""
    root = required_dict(body, "body")
    if root.get("output") is None:
        codes = [(as_text(dict_or_empty(e).get("code")) or "") for e in list_or_empty(root.get("errors"))]
        if codes and all(code.upper().endswith(NOT_FOUND_SUFFIX) for code in codes):
            return {number: ShipmentUpdate(tracking_number=number, found=False) for number in batch}
        if codes:
            raise CarrierError(f"FedEx answered {status}: {', '.join(codes)}", retryable=status != 404)
        if status == 404:  # not FedEx's answer about numbers: most likely a wrong base URL
            raise CarrierError("FedEx's tracking path answered 404 without FedEx's error body", retryable=False)
        raise MalformedAnswer("neither output nor errors")
    if status == 404:
        raise MalformedAnswer("a 404 with tracking output")
    results: dict[str, list[dict]] = {}
    for complete in required_list(required_dict(root["output"], "output").get("completeTrackResults"), "completeTrackResults"):
        complete = required_dict(complete, "completeTrackResults[]")
        track_results = [required_dict(r, "trackResults[]") for r in required_list(complete.get("trackResults"), "trackResults")]
        key = _normal(as_text(complete.get("trackingNumber")) or "")
        if not key and track_results:
            key = _normal(as_text(dict_or_empty(track_results[0].get("trackingNumberInfo")).get("trackingNumber")) or "")
        results.setdefault(key, []).extend(track_results)
    updates = {}
    for number in batch:
        # FedEx answers every number it is asked about; one it leaves out is treated as unknown to it.
        updates[number] = _update_for(number, results.get(_normal(number), []))
    return updates


def _update_for(number: str, track_results: list[dict]) -> ShipmentUpdate:
    # Several results for one number (a reused number): FedEx does not document which is current;
    # the first usable one is taken.
    usable = [result for result in track_results if not result.get("error")]
    if usable:
        return _update(number, usable[0])
    for result in track_results:
        code = (as_text(dict_or_empty(result.get("error")).get("code")) or "").upper()
        if not (code.endswith(NOT_FOUND_SUFFIX) or code in UNKNOWN_NUMBER_CODES):
            raise CarrierError(f"FedEx could not track {number}: {code or 'an error without a code'}", retryable=True)
    return ShipmentUpdate(tracking_number=number, found=False)


def _update(number: str, result: dict) -> ShipmentUpdate:
    delivery = dict_or_empty(result.get("deliveryDetails"))
    signed_by = as_text(delivery.get("receivedByName")) or as_text(delivery.get("signedByName"))
    events = [required_dict(event, "scanEvents[]") for event in required_list(result.get("scanEvents") or [], "scanEvents")]
    scans = []
    for event in reversed(events):  # FedEx lists the newest first
        description, detail = as_text(event.get("eventDescription")), as_text(event.get("exceptionDescription"))
        words = " ".join(part for part in (description, detail) if part)
        kind, derived = as_text(event.get("eventType")) or "", as_text(event.get("derivedStatusCode")) or ""
        scans.append((event, kind, derived, words, _message(description, detail)))
    results = [classify(kind, derived, words) for _, kind, derived, words, _ in scans]
    if signed_by:  # the signature belongs to the latest delivery
        latest = next((i for i in reversed(range(len(results))) if results[i][0] == "Delivered_001"), None)
        if latest is not None:
            _, kind, derived, words, _ = scans[latest]
            results[latest] = classify(kind, derived, words, signed=True)
    checkpoints = oldest_first(
        [_checkpoint(event, kind or derived, message, result) for (event, kind, derived, _, message), result in zip(scans, results)]
    )

    update = ShipmentUpdate(tracking_number=number, checkpoints=checkpoints, signed_by=signed_by)
    times = {}
    for entry in dicts_in(result.get("dateAndTimes")):
        kind, moment = (as_text(entry.get("type")) or "").upper(), as_text(entry.get("dateTime"))
        if kind and moment:
            times.setdefault(kind, moment)
    window = dict_or_empty(dict_or_empty(result.get("estimatedDeliveryTimeWindow")).get("window"))
    update.expected_delivery = next((times[kind] for kind in EXPECTED_DELIVERY_TYPES if kind in times), None) or (
        as_text(window.get("ends")) or as_text(window.get("begins"))
    )
    delivered = [c for c in checkpoints if c.tag == "Delivered"]
    update.shipment_delivery_date = times.get("ACTUAL_DELIVERY") or (delivered[-1].checkpoint_time if delivered else None)
    picked_up = next((c for c in checkpoints if c.subtag == "InTransit_002"), None)
    update.shipment_pickup_date = times.get("ACTUAL_PICKUP") or times.get("ACTUAL_TENDER") or (
        picked_up.checkpoint_time if picked_up else None
    )

    destination = _country(
        result.get("lastUpdatedDestinationAddress"),
        dict_or_empty(result.get("recipientInformation")).get("address"),
        dict_or_empty(dict_or_empty(result.get("destinationLocation")).get("locationContactAndAddress")).get("address"),
        delivery.get("actualDeliveryAddress"),
    )
    update.courier_destination_country_iso3 = update.destination_country_iso3 = destination
    update.origin_country_iso3 = _country(
        dict_or_empty(result.get("shipperInformation")).get("address"),
        dict_or_empty(dict_or_empty(result.get("originLocation")).get("locationContactAndAddress")).get("address"),
    )
    package = dict_or_empty(result.get("packageDetails"))
    weights = dicts_in(dict_or_empty(package.get("weightAndDimensions")).get("weight")) or dicts_in(
        dict_or_empty(result.get("shipmentDetails")).get("weight")
    )
    for weight in weights[:1]:
        update.shipment_weight = as_number(weight.get("value"))
        unit = (as_text(weight.get("unit")) or "").upper()
        if update.shipment_weight is not None:
            update.shipment_weight_unit = WEIGHT_UNITS.get(unit, unit.lower() or None)
    update.shipment_package_count = as_number(package.get("count"))
    update.shipment_type = as_text(dict_or_empty(result.get("serviceDetail")).get("description"))
    handlings = {(as_text(h.get("type")) or "").upper() for h in dicts_in(result.get("specialHandlings"))}
    if handlings & SIGNATURE_HANDLINGS:
        update.signature_requirement = "signature_required"
    return update


def _checkpoint(event: dict, raw_tag: str, message: str | None, result: tuple[str, list[dict]]) -> Checkpoint:
    subtag, events = result
    moment = event.get("date")
    if not isinstance(moment, str) or not _ISO_LOCAL_TIME.fullmatch(moment.strip()):
        raise MalformedAnswer(f"scan event date {moment!r}")
    moment = moment.strip()
    datetime.fromisoformat(moment)  # FedEx's ISO 8601 local time, kept exactly as given; ValueError if not real
    location = dict_or_empty(event.get("scanLocation"))
    return checkpoint(
        slug=FedexAdapter.slug,
        subtag=subtag,
        raw_tag=raw_tag or None,
        checkpoint_time=moment,
        message=message,
        city=as_text(location.get("city")),
        state=as_text(location.get("stateOrProvinceCode")),
        zip=as_text(location.get("postalCode")),
        country=as_text(location.get("countryCode")),
        events=events,
    )


def _message(description: str | None, detail: str | None) -> str | None:
    if detail and description and detail.lower() != description.lower():
        return f"{description}: {detail}"
    return description or detail


def _country(*addresses: Any) -> str | None:
    for address in addresses:
        country = iso3(as_text(dict_or_empty(address).get("countryCode")))
        if country:
            return country
    return None


def _normal(number: str) -> str:
    return re.sub(r"\s+", "", number).upper()

