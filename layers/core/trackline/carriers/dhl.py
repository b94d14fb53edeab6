"""DHL: the Shipment Tracking - Unified API, one number per request, with an API key.

    GET {base}/track/shipments?trackingNumber=...        DHL-API-Key: <key>

What the adapter relies on, from DHL's published OpenAPI description and examples:

- 200: `{"shipments": [...], "possibleAdditionalShipmentsUrl": [...]}`. A shipment has `id`,
  `service`, `origin`/`destination` (`address.countryCode`, alpha-2), `status` and `events[]`
  (each `{timestamp, statusCode, status, description, location.address {addressLocality,
  countryCode, postalCode}}`; events are newest first), `pickUpDate`,
  `estimatedTimeOfDelivery`, `estimatedDeliveryTimeFrame {estimatedFrom, estimatedThrough}`,
  `returnFlag` and `details` (`proofOfDelivery {timestamp, signed {name, familyName,
  givenName}}`, `weight {value, unitText}`, `totalNumberOfPieces`, `product.productName`,
  `references[] {number, type}`, `provider.destinationProvider`).
- `statusCode` is one of pre-transit, transit, delivered, failure, unknown: too coarse on its
  own, so the text of `status`/`description` refines it (the table below). DHL's own examples
  tag "LABEL CREATED" as `unknown` and "ARRIVED AT CUSTOMS" as `transit`.
- Timestamps are ISO date-times; the examples mostly carry no offset. They are kept exactly as
  DHL gives them.
- 404 with a problem+json body (`{"status": 404, "title": "No result found", "detail": "No
  shipment with given tracking number found."}`) for a number DHL does not know; 429 when the
  key's rate limit is used up; 401 for a bad key. DHL's help centre adds that a purged number
  may answer 500, which is retried like any 5xx.
- A delivered shipment with `returnFlag: true` went back to its sender (DHL help centre
  example): its delivery is "Returned to sender".

Next courier: `details.references[]` with `type: "local-tracking-number"` is the number of the
destination leg (a documented reference type). DHL's example shows a non-S10 value there, and
no example ties it to a postal operator, so the adapter hands over only when that number has
the UPU S10 shape with a valid check digit; the operator is then the courier that number
belongs to (Trackline's courier detection), never DHL itself. Otherwise both stay None.
"""

import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from trackline.carriers import http
from trackline.carriers.reading import as_number, as_text
from trackline.carriers.base import CarrierError, CarrierSettings, ShipmentUpdate, checkpoint, oldest_first
from trackline.countries import iso3
from trackline.models.enums import Tag
from trackline.models.tracking import Checkpoint

SHIPMENTS_PATH = "/track/shipments"
API_KEY_HEADER = "DHL-API-Key"


class Rule(NamedTuple):
    subtag: str
    event: str | None = None  # the contract's checkpoint event code (spec §4.8), when one applies


Phrases = tuple[tuple[tuple[str, ...], Rule], ...]

# Text that means "the sender told DHL about the shipment" whatever the statusCode says:
# InfoReceived_001, never InTransit.
LABEL_CREATED: Phrases = (
    (
        (
            "label created",
            "shipment label",
            "not yet been handed over",
            "instruction data",
            "electronically",
            "shipment information received",
            "awaiting shipment",
            "pre-advice",
        ),
        Rule("InfoReceived_001"),
    ),
)

TRANSIT_PHRASES: Phrases = LABEL_CREATED + (
    (
        (
            "out for delivery",
            "with delivery courier",
            "delivery vehicle",
            "being delivered today",
        ),
        Rule("OutForDelivery_001"),
    ),
    (
        (
            "has been picked up",
            "shipment picked up",
            "picked up by dhl",
            "pickup completed",
        ),
        Rule("InTransit_002", "picked_up"),
    ),
    (("posted by the sender", "dropped off", "handed in", "handed over to dhl", "accepted"), Rule("InTransit_002")),
    (
        (
            "customs clearance completed",
            "clearance processing complete",
            "cleared customs",
            "released by customs",
            "customs clearance status updated",
        ),
        Rule("InTransit_005"),
    ),
    (("customs", "clearance"), Rule("InTransit_006")),
    (
        (
            "arrived in the destination country",
            "arrived at the destination country",
            "arrived in destination country",
            "arrived at destination country",
            "arrival in the destination country",
            "arrived in the country of destination",
        ),
        Rule("InTransit_004"),
    ),
    (("forwarded", "rerouted", "redirected", "new delivery address"), Rule("InTransit_009", "rerouted")),
    (
        (
            "ready for pickup",
            "ready for pick-up",
            "ready for collection",
            "available for pickup",
            "available for pick-up",
            "awaiting collection",
        ),
        Rule("AvailableForPickup_001", "dropped_off_at_collection_point"),
    ),
    (
        (
            "not at home",
            "not home",
            "recipient not available",
            "unsuccessful delivery",
            "delivery attempt",
        ),
        Rule("AttemptFail_001", "delivery_attempt_failed"),
    ),
    (("departed", "departure", "has left", "left the"), Rule("InTransit_007")),
    (("arrived", "arrival", "received at", "processed"), Rule("InTransit_003")),
)

DELIVERED_PHRASES: Phrases = (
    (
        (
            "returned to sender",
            "returned to the sender",
            "delivered back to the sender",
            "returned to shipper",
        ),
        Rule("Exception_011", "returned_to_sender"),
    ),
    (("cash on delivery",), Rule("Delivered_004")),
    (("neighbour", "neighbor"), Rule("Delivered_001", "delivered_to_neighbor")),
    (
        (
            "picked up by the recipient",
            "picked up by recipient",
            "collected by the recipient",
            "recipient has picked up",
            "picked up the shipment",
            "picked up from",
            "collected from",
            "has been picked up",
            "picked up at",
        ),
        Rule("Delivered_002"),
    ),
    (("signed for by", "signed by"), Rule("Delivered_003", "signed_by_customer")),
    (
        (
            "mailbox",
            "letterbox",
            "letter box",
            "safe place",
            "front door",
            "porch",
            "parcel box",
            "drop-off location",
        ),
        Rule("Delivered_001", "delivered_to_a_location"),
    ),
)

FAILURE_PHRASES: Phrases = (
    (("payment", "duties and taxes", "duty", "fees due", "unpaid"), Rule("Exception_006")),
    (("customs", "clearance"), Rule("Exception_004", "held_by_customs")),
    (
        (
            "refused",
            "rejected by the recipient",
            "rejected by recipient",
            "declined",
        ),
        Rule("Exception_003", "rejected_by_customer"),
    ),
    (("moved", "relocated"), Rule("Exception_002")),
    (("damaged", "damage"), Rule("Exception_012", "shipment_damaged")),
    (("lost", "could not be located", "cannot be located", "missing"), Rule("Exception_013", "shipment_lost")),
    # A failure is not a delivery: "returned to the sender" here is a return under way.
    (("return", "being sent back", "back to the sender"), Rule("Exception_010", "return_to_sender_requested")),
    (("not collected", "not picked up", "storage period", "collection period"), Rule("Exception_008")),
    (("misrouted", "missorted", "mis-sorted", "incorrectly sorted"), Rule("Exception_001", "misrouted")),
    (("cancelled", "canceled"), Rule("Exception_001", "canceled")),
    (("prohibited", "dangerous goods", "not accepted for transport"), Rule("Exception_009")),
    (("address",), Rule("Exception_007")),
    (("business closed", "closed"), Rule("AttemptFail_003", "delivery_attempt_failed")),
    (
        (
            "not at home",
            "not home",
            "recipient not available",
            "nobody",
            "no one",
        ),
        Rule("AttemptFail_002", "delivery_attempt_failed"),
    ),
    (("attempt", "could not be delivered", "unsuccessful"), Rule("AttemptFail_001", "delivery_attempt_failed")),
    (("weather", "natural disaster", "strike", "force majeure", "delay"), Rule("Exception_005")),
)


class StatusRule(NamedTuple):
    default: Rule
    phrases: Phrases = ()


# statusCode -> default subtag, refined by the first phrase found in the event's lower-cased
# status + description text.
STATUS_CODES: dict[str, StatusRule] = {
    "pre-transit": StatusRule(Rule("InfoReceived_001")),
    "transit": StatusRule(Rule("InTransit_001"), TRANSIT_PHRASES),
    "delivered": StatusRule(Rule("Delivered_001"), DELIVERED_PHRASES),
    "failure": StatusRule(Rule("Exception_001"), FAILURE_PHRASES),
    # DHL's examples use "unknown" for scans in the network ("CLOSE BAG") and for "LABEL CREATED".
    "unknown": StatusRule(Rule("InTransit_001"), TRANSIT_PHRASES),
}

# The UPU S10 shape: 2 letters, 8 digits, a check digit, the operator's ISO country.
_S10 = re.compile(r"^[A-Z]{2}(\d{8})(\d)[A-Z]{2}$")
_S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


def classify(status_code: str | None, text: str | None, *, return_flag: bool = False) -> Rule:
    """The subtag (and contract event code) of one DHL event."""
    code = (status_code or "").strip().lower()
    if code == "delivered" and return_flag:
        return Rule("Exception_011", "returned_to_sender")
    status_rule = STATUS_CODES.get(code, STATUS_CODES["unknown"])
    lowered = (text or "").lower()
    for phrases, rule in status_rule.phrases:
        if any(phrase in lowered for phrase in phrases):
            return rule
    return status_rule.default


def is_s10(number: str) -> bool:
    match = _S10.match(number)
    if not match:
        return False
    serial, check = match.groups()
    remainder = 11 - sum(int(digit) * weight for digit, weight in zip(serial, _S10_WEIGHTS, strict=True)) % 11
    return int(check) == {10: 0, 11: 5}.get(remainder, remainder)


class DhlAdapter:
    slug = "dhl"
    max_batch = 1  # trackingNumber takes one number

    def __init__(self, settings: CarrierSettings, *, timeout: float = http.DEFAULT_TIMEOUT) -> None:
        self._url = settings.base_url.rstrip("/") + SHIPMENTS_PATH
        self._api_key = settings.api_key
        self._timeout = timeout

    def fetch(
        self, tracking_numbers: list[str], known_checkpoints: Mapping[str, int] | None = None
    ) -> dict[str, ShipmentUpdate]:
        return {number: self._track(number) for number in tracking_numbers}

    def _track(self, number: str) -> ShipmentUpdate:
        if not self._api_key:
            raise CarrierError("DHL needs an api_key", retryable=False)
        status, body = http.request(
            "GET",
            self._url,
            headers={API_KEY_HEADER: self._api_key},
            query={"trackingNumber": number},
            timeout=self._timeout,
            accept_statuses=frozenset({404}),
        )
        if status == 404:
            return ShipmentUpdate(tracking_number=number, found=False)
        return parse_shipments(number, body)


def _malformed(what: str) -> CarrierError:
    return CarrierError(f"DHL answered a malformed tracking body: {what}", retryable=True)


def _object(value: Any, what: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _malformed(f"{what} is not an object")
    return value


def parse_shipments(number: str, body: Any) -> ShipmentUpdate:
    """A /track/shipments body as a ShipmentUpdate; a malformed body is a retryable CarrierError."""
    try:
        update, details = _parse(number, body)
    except CarrierError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as error:  # pydantic's errors are ValueErrors
        raise _malformed(type(error).__name__) from None
    _set_next_courier(update, details)  # outside the try: a fault in detection is not DHL's body
    return update


def _parse(number: str, body: Any) -> tuple[ShipmentUpdate, dict]:
    if not isinstance(body, dict):
        raise _malformed("not a JSON object")
    shipments = body.get("shipments")
    if shipments is None:
        raise _malformed("no shipments")
    if not isinstance(shipments, list) or not all(isinstance(item, dict) for item in shipments):
        raise _malformed("shipments is not a list of objects")
    if not shipments:
        return ShipmentUpdate(tracking_number=number, found=False), {}
    wanted = _compact(number)
    shipment = next((item for item in shipments if _compact(as_text(item.get("id")) or "") == wanted), shipments[0])
    return _shipment(number, shipment)


def _compact(number: str) -> str:
    return re.sub(r"[\s-]", "", number).upper()


def _shipment(number: str, shipment: dict) -> tuple[ShipmentUpdate, dict]:
    events = shipment.get("events")
    if events is None:
        events = []
    if not isinstance(events, list) or not all(isinstance(event, dict) for event in events):
        raise _malformed("events is not a list of objects")
    if not events and shipment.get("status") is not None:
        events = [_object(shipment.get("status"), "status")]  # some services send only the latest status
    details = _object(shipment.get("details"), "details")
    return_flag = shipment.get("returnFlag") is True
    signed_by = _signer(_object(details.get("proofOfDelivery"), "details.proofOfDelivery"))
    # DHL lists events newest first; the contract wants oldest first.
    points = oldest_first([_checkpoint(event, return_flag, signed_by) for event in reversed(events)])
    weight = _object(details.get("weight"), "details.weight")
    destination, origin = _country_iso3(shipment, "destination"), _country_iso3(shipment, "origin")
    delivered = [p for p in points if p.tag == Tag.DELIVERED]
    pieces = details.get("totalNumberOfPieces")
    update = ShipmentUpdate(
        tracking_number=number,
        checkpoints=points,
        expected_delivery=as_text(shipment.get("estimatedTimeOfDelivery"))
        or as_text(_object(shipment.get("estimatedDeliveryTimeFrame"), "estimatedDeliveryTimeFrame").get("estimatedThrough")),
        shipment_pickup_date=as_text(shipment.get("pickUpDate"))
        or next((p.checkpoint_time for p in points if p.tag not in (Tag.INFO_RECEIVED, Tag.PENDING)), None),
        shipment_delivery_date=delivered[-1].checkpoint_time if delivered else None,
        signed_by=signed_by if delivered else None,
        courier_destination_country_iso3=destination,
        destination_country_iso3=destination,
        origin_country_iso3=origin,
        shipment_weight=as_number(weight.get("value")),
        shipment_weight_unit=(as_text(weight.get("unitText")) or "").lower() or None,
        shipment_package_count=float(pieces) if as_number(pieces) is not None else None,
        shipment_type=as_text(_object(details.get("product"), "details.product").get("productName")),
    )
    if update.shipment_weight is None:
        update.shipment_weight_unit = None
    return update, details


def _country_iso3(shipment: dict, place: str) -> str | None:
    address = _object(_object(shipment.get(place), place).get("address"), f"{place}.address")
    return iso3(as_text(address.get("countryCode")))


def _signer(proof: dict) -> str | None:
    signed = _object(proof.get("signed"), "details.proofOfDelivery.signed")
    name = as_text(signed.get("name"))
    if name:
        return name
    parts = [as_text(signed.get("givenName")), as_text(signed.get("familyName"))]
    return " ".join(part for part in parts if part) or None


def _checkpoint(event: dict, return_flag: bool, signed_by: str | None) -> Checkpoint:
    status = as_text(event.get("status"))
    description = as_text(event.get("description"))
    status_code = as_text(event.get("statusCode"))
    rule = classify(status_code, " ".join(part for part in (status, description) if part), return_flag=return_flag)
    subtag, event_code = rule
    if subtag == "Delivered_001" and event_code is None and signed_by:
        subtag, event_code = "Delivered_003", "signed_by_customer"
    address = _object(_object(event.get("location"), "event.location").get("address"), "event.location.address")
    locality = as_text(address.get("addressLocality"))
    return checkpoint(
        subtag=subtag,
        raw_tag=status_code or "unknown",
        checkpoint_time=as_text(event.get("timestamp")),
        message=description or status,
        city=locality,
        state=as_text(address.get("addressRegion")),
        zip=as_text(address.get("postalCode")),
        country=as_text(address.get("countryCode")),
        location=locality,
        events=[{"code": event_code}] if event_code else None,
    )


def _set_next_courier(update: ShipmentUpdate, details: dict) -> None:
    references = details.get("references")
    if not isinstance(references, list):
        return
    for reference in references:
        if not isinstance(reference, dict) or as_text(reference.get("type")) != "local-tracking-number":
            continue
        number = _compact(as_text(reference.get("number")) or "")
        if not is_s10(number):
            continue
        slug = _postal_operator(number)
        if slug:
            update.next_courier_slug, update.next_courier_tracking_number = slug, number
            return


def _postal_operator(number: str) -> str | None:
    from trackline.couriers.detection import detect

    return next((courier.slug for courier in detect(number) if not courier.slug.startswith("dhl")), None)
