"""USPS: the Tracking 3.0 API, one number per request, signed in with OAuth 2 client credentials.

    POST {base}/oauth2/v3/token                                   client_id, client_secret, grant_type
    GET  {base}/tracking/v3/tracking/{trackingNumber}?expand=DETAIL   Authorization: Bearer <token>

What the adapter relies on, from USPS's published API description and response examples:

- The body carries `trackingNumber`, `statusCategory`, `status`, `statusSummary`,
  `expectedDeliveryTimeStamp` (or `expectedDeliveryDate`), `destinationCity/State/ZIP`,
  `originCity/State/ZIP` and `trackingEvents[]`, **newest first** ("reverse chronological
  order").
- Each event has `eventType` (the text), `eventCode` (Pub 199 Appendix G scan code),
  `eventTimestamp` (local wall-clock time, no offset), and on most scans `GMTTimestamp` plus
  `GMTOffset` ("-06:00"); `eventCity`, `eventState`, `eventZIP` (`eventZIPCode` in the v3r2
  schema), `eventCountry` (null for domestic scans), and `name` (`recipientName` in v3r2): the
  person who signed.
- Errors come as `{"apiVersion": ..., "error": {"code", "message", "errors": [{"code",
  "title", "detail"}]}}`. A number USPS has no record of yet answers with message "12: A status
  update is not yet available on your package ..." (published example; its HTTP status is not
  shown there, so 400, 404 and an error body on 200 are all read the same way), and 404 is
  "package with tracking number not found".

Where the documentation is silent (marked "judgement" below) the adapter follows the published
examples and says so.
"""

import html
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, NamedTuple
from urllib.parse import quote

from trackline.carriers import http
from trackline.carriers.reading import as_text
from trackline.carriers.base import CarrierError, CarrierSettings, ShipmentUpdate, checkpoint, timeline_instant
from trackline.carriers.oauth import TokenCache
from trackline.countries import iso3
from trackline.models.enums import Tag, tag_of_subtag
from trackline.models.tracking import Checkpoint

TOKEN_PATH = "/oauth2/v3/token"
TRACKING_PATH = "/tracking/v3/tracking/"


class Rule(NamedTuple):
    subtag: str
    event: str | None = None  # the contract's checkpoint event code (spec §4.8), when one applies


# eventCode (USPS Pub 199 Appendix G scan codes) -> AfterShip subtag. Pre-shipment and
# label-created codes are InfoReceived_001, never InTransit.
EVENT_CODES: dict[str, Rule] = {
    # Pre-shipment: USPS has the label or the shipping information, not the parcel.
    "MA": Rule("InfoReceived_001"),  # Pre-Shipment Info Sent to USPS (manifest acknowledgement)
    "GX": Rule("InfoReceived_001"),  # Shipping Label Created, USPS Awaiting Item
    "89": Rule("InfoReceived_001"),  # Merchant Order Receipt Notification, USPS Awaiting Item
    "GC": Rule("InfoReceived_001"),  # Return Receipt Associated (an electronic record)
    # Acceptance: USPS (or its shipping partner) physically has the parcel.
    "03": Rule("InTransit_002"),  # Accept or Pickup ("USPS in possession of item")
    "OA": Rule("InTransit_002"),  # Origin Acceptance
    "UA": Rule("InTransit_002"),  # Accepted at USPS Facility
    "AD": Rule("InTransit_002"),  # Accepted at USPS (Regional) Destination Facility
    "PA": Rule("InTransit_002"),  # Passive Acceptance, shown as "Shipment Acceptance"
    "TM": Rule("InTransit_002"),  # Truck manifest, shown as "Shipment Received, Package Acceptance Pending" (judgement)
    "80": Rule("InTransit_002", "picked_up"),  # Picked Up by Shipping Partner, USPS Awaiting Item
    # Moving through the network.
    "81": Rule("InTransit_003"),  # Arrived Shipping Partner Facility
    "82": Rule("InTransit_007"),  # Departed Shipping Partner Facility
    "42": Rule("InTransit_001"),  # USPS Handoff to Shipping Partner
    "10": Rule("InTransit_003"),  # Processed (through a facility); USPS's examples show "Arrived at USPS Regional Facility"
    "A1": Rule("InTransit_003"),  # Arrived at USPS Facility (published example)
    "07": Rule("InTransit_003"),  # Arrival at Unit ("Arrived at Post Office")
    "T1": Rule("InTransit_007"),  # Departed USPS Facility (published example)
    "EF": Rule("InTransit_007"),  # Departed Sort Facility
    "SF": Rule("InTransit_007"),  # Departed Post Office
    "PC": Rule("InTransit_001"),  # Sorting / Processing Complete
    "06": Rule("InTransit_009", "rerouted"),  # Forwarded
    # Last mile.
    "OF": Rule("OutForDelivery_001"),  # Out for Delivery
    "14": Rule("AvailableForPickup_001", "dropped_off_at_collection_point"),  # Arrival at Pickup Point
    "16": Rule("AvailableForPickup_001"),  # Available for Pickup
    "01": Rule("Delivered_001"),  # Delivered (Delivered_003 when the event names who signed)
    "17": Rule("Delivered_002"),  # Picked Up by Agent / at the Post Office
    "43": Rule("Delivered_002"),  # Picked Up
    # Delivery attempts: a notice is left and USPS tries again or holds the item.
    "02": Rule("AttemptFail_001", "delivery_attempt_failed"),  # Notice Left
    "52": Rule("AttemptFail_001", "delivery_attempt_failed"),  # Notice Left
    "53": Rule("AttemptFail_001", "delivery_attempt_failed"),  # Receptacle Blocked
    "54": Rule("AttemptFail_001", "delivery_attempt_failed"),  # Receptacle Full / Item Oversized
    "55": Rule("AttemptFail_001", "delivery_attempt_failed"),  # No Secure Location Available
    "56": Rule("AttemptFail_002", "delivery_attempt_failed"),  # No Authorized Recipient Available
    "51": Rule("AttemptFail_003", "delivery_attempt_failed"),  # Business Closed
    "30": Rule("AttemptFail_001", "delivery_attempt_failed"),  # Delivery Attempted - No Access to Delivery Location
    "71": Rule("AttemptFail_001", "redelivery_scheduled"),  # Rescheduled to Next Delivery Day (judgement)
    # Exceptions. USPS's return-to-sender reason codes carry the reason as the subtag and
    # "return_to_sender_requested" as the event.
    "04": Rule("Exception_003", "rejected_by_customer"),  # Refused
    "05": Rule("Exception_007"),  # Undeliverable as Addressed
    "08": Rule("Exception_001", "misrouted"),  # Missent
    "15": Rule("Exception_001", "misrouted"),  # Mis-shipped
    "09": Rule("Exception_010", "return_to_sender_requested"),  # Return to Sender
    "21": Rule("Exception_007", "return_to_sender_requested"),  # No Such Number
    "22": Rule("Exception_007", "return_to_sender_requested"),  # Insufficient Address
    "23": Rule("Exception_002", "return_to_sender_requested"),  # Moved, Left No Address
    "24": Rule("Exception_002", "return_to_sender_requested"),  # Forward Expired
    "25": Rule("Exception_007", "return_to_sender_requested"),  # Addressee Unknown
    "26": Rule("Exception_002", "return_to_sender_requested"),  # Vacant
    "27": Rule("Exception_008", "return_to_sender_requested"),  # Unclaimed
    "28": Rule("Exception_010", "return_to_sender_requested"),  # Deceased
    "29": Rule("Exception_010", "return_to_sender_requested"),  # Return to Sender - Other
    "31": Rule("Exception_008", "return_to_sender_requested"),  # Return to Sender - Not Picked Up
    "44": Rule("Exception_010", "return_to_sender_requested"),  # Customer Recall
    "11": Rule("Exception_001"),  # Dead Letter (to the Mail Recovery Center)
}

# Fallback for an event whose code is missing or not in EVENT_CODES: the first rule whose
# phrase occurs in the lower-cased eventType wins, so the specific phrases come first.
EVENT_TYPE_PHRASES: tuple[tuple[tuple[str, ...], Rule], ...] = (
    # "Returned to Sender" alone is ambiguous (USPS also writes "Being Returned to Sender"): only
    # a delivery to the sender is Exception_011. A return's reason, when named, is the subtag.
    (
        (
            "to original sender",
            "delivered to sender",
            "delivered to shipper",
        ),
        Rule("Exception_011", "returned_to_sender"),
    ),
    (("refused",), Rule("Exception_003", "rejected_by_customer")),
    (("moved, left no address", "forward expired", "vacant"), Rule("Exception_002", "return_to_sender_requested")),
    (
        (
            "undeliverable",
            "insufficient address",
            "no such number",
            "addressee unknown",
            "bad address",
        ),
        Rule("Exception_007"),
    ),
    (("unclaimed", "not picked up"), Rule("Exception_008")),
    (
        (
            "return to sender",
            "returned to sender",
            "returning to sender",
            "customer recall",
        ),
        Rule("Exception_010", "return_to_sender_requested"),
    ),
    (("damaged",), Rule("Exception_012", "shipment_damaged")),
    (("lost",), Rule("Exception_013", "shipment_lost")),
    (("missent", "mis-sent", "misrouted", "mis-shipped", "missorted"), Rule("Exception_001", "misrouted")),
    (("held in customs", "held by customs", "customs delay"), Rule("Exception_004", "held_by_customs")),
    (
        (
            "out of foreign customs",
            "out of customs",
            "released from customs",
            "cleared customs",
            "customs clearance completed",
        ),
        Rule("InTransit_005"),
    ),
    (("customs",), Rule("InTransit_006")),
    (("no authorized recipient", "addressee not available"), Rule("AttemptFail_002", "delivery_attempt_failed")),
    (("business closed",), Rule("AttemptFail_003", "delivery_attempt_failed")),
    (
        (
            "notice left",
            "delivery attempt",
            "receptacle",
            "no secure location",
            "no access",
        ),
        Rule("AttemptFail_001", "delivery_attempt_failed"),
    ),
    (("rescheduled", "redelivery scheduled"), Rule("AttemptFail_001", "redelivery_scheduled")),
    (("out for delivery",), Rule("OutForDelivery_001")),
    (
        (
            "available for pickup",
            "available for pick up",
            "held at post office",
            "arrival at pickup point",
            "ready for pickup",
        ),
        Rule("AvailableForPickup_001"),
    ),
    (
        (
            "picked up at post office",
            "picked up at postal facility",
            "picked up by agent",
            "picked up by customer",
        ),
        Rule("Delivered_002"),
    ),
    (("delivered",), Rule("Delivered_001")),
    (("forwarded", "rerouted", "redirected"), Rule("InTransit_009", "rerouted")),
    (("picked up by shipping partner",), Rule("InTransit_002", "picked_up")),
    (("arrived shipping partner", "arrived at shipping partner"), Rule("InTransit_003")),
    (("departed shipping partner",), Rule("InTransit_007")),
    # Pre-shipment phrases come after the shipping-partner ones: those also say "USPS Awaiting Item".
    (("label created", "pre-shipment", "shipment info", "awaiting item", "electronic"), Rule("InfoReceived_001")),
    (("accepted", "acceptance", "in possession", "picked up"), Rule("InTransit_002")),
    (("arrived", "arrival", "processed"), Rule("InTransit_003")),
    (("departed", "departure"), Rule("InTransit_007")),
    (("in transit", "moving through network", "on its way", "sorting complete"), Rule("InTransit_001")),
)

# Fallback for the newest event when neither its code nor its text says anything: the
# shipment's `statusCategory` (lower-cased).
STATUS_CATEGORIES: dict[str, Rule] = {
    "pre-shipment": Rule("InfoReceived_001"),
    "accepted": Rule("InTransit_002"),
    "usps in possession of item": Rule("InTransit_002"),
    "in transit": Rule("InTransit_001"),
    "moving through network": Rule("InTransit_001"),
    "out for delivery": Rule("OutForDelivery_001"),
    "delivered": Rule("Delivered_001"),
    "delivery attempt": Rule("AttemptFail_001", "delivery_attempt_failed"),
    "available for pickup": Rule("AvailableForPickup_001"),
    "alert": Rule("Exception_001"),
    "return to sender": Rule("Exception_010", "return_to_sender_requested"),
}
DEFAULT_RULE = Rule("InTransit_001")

# Phrases of a USPS error message that mean "no record of this number (yet)", not a fault.
NOT_FOUND_PHRASES = (
    "not yet available",
    "could not locate",
    "unable to locate",
    "not found",
    "no record",
    "status not available",
)

_OFFSET = re.compile(r"^([+-])(\d{1,2}):?(\d{2})$")


def classify(event_code: str | None, event_type: str | None, status_category: str | None = None) -> Rule:
    """The subtag (and contract event code) of one USPS event."""
    code = (event_code or "").strip().upper()
    if code.isdigit() and len(code) == 1:
        code = "0" + code  # a numeric code that lost its leading zero
    if code in EVENT_CODES:
        return EVENT_CODES[code]
    text = (event_type or "").lower()
    for phrases, rule in EVENT_TYPE_PHRASES:
        if any(phrase in text for phrase in phrases):
            return rule
    if status_category:
        return STATUS_CATEGORIES.get(status_category.strip().lower(), DEFAULT_RULE)
    return DEFAULT_RULE


class UspsAdapter:
    slug = "usps"
    max_batch = 1  # the v3 tracking resource takes one number per request

    def __init__(self, settings: CarrierSettings, *, timeout: float = http.DEFAULT_TIMEOUT) -> None:
        self._base = settings.base_url.rstrip("/")
        self._timeout = timeout
        self._tokens: TokenCache | None = None
        if settings.client_id and settings.client_secret:
            # USPS accepts the client credentials in a form (or JSON) body, not Basic auth.
            self._tokens = TokenCache(self._base + TOKEN_PATH, settings.client_id, settings.client_secret, basic_auth=False)

    def fetch(
        self, tracking_numbers: list[str], known_checkpoints: Mapping[str, int] | None = None
    ) -> dict[str, ShipmentUpdate]:
        return {number: self._track(number) for number in tracking_numbers}

    def _track(self, number: str) -> ShipmentUpdate:
        if self._tokens is None:
            raise CarrierError("USPS needs a client_id and a client_secret", retryable=False)
        status, body = self._tokens.send(lambda token: self._get(number, token), carrier="USPS", refused_is_retryable=False)
        if status in (400, 404) or _is_error_body(body):
            return _error_outcome(number, status, body)
        return parse_tracking(number, body)

    def _get(self, number: str, token: str) -> tuple[int, Any]:
        return http.request(
            "GET",
            self._base + TRACKING_PATH + quote(number, safe=""),
            headers={"authorization": f"Bearer {token}"},
            query={"expand": "DETAIL"},
            timeout=self._timeout,
            accept_statuses=frozenset({400, 401, 404}),
        )


def _is_error_body(body: Any) -> bool:
    return isinstance(body, dict) and bool(body.get("error")) and "trackingEvents" not in body


def _error_message(body: Any) -> str:
    if not isinstance(body, dict):
        return ""
    error = body.get("error")
    if isinstance(error, str):
        return error
    if not isinstance(error, dict):
        return ""
    parts = [as_text(error.get("message")) or ""]
    details = error.get("errors")
    if isinstance(details, list):
        for detail in details:
            if isinstance(detail, dict):
                parts.extend(as_text(detail.get(key)) or "" for key in ("title", "detail"))
    return " ".join(part for part in parts if part)


def _error_outcome(number: str, status: int, body: Any) -> ShipmentUpdate:
    message = _error_message(body)
    if status == 404 or any(phrase in message.lower() for phrase in NOT_FOUND_PHRASES):
        return ShipmentUpdate(tracking_number=number, found=False)
    raise CarrierError(f"USPS refused the request ({status}): {message[:200] or 'no message'}", retryable=False)


def _malformed(what: str) -> CarrierError:
    return CarrierError(f"USPS answered a malformed tracking body: {what}", retryable=True)


def _plain(value: str | None) -> str | None:
    """USPS marks products up ("USPS Ground Advantage<SUP>&#153;</SUP>"): the text alone."""
    if not value:
        return None
    return html.unescape(re.sub(r"<sup>.*?</sup>|<[^>]+>", "", value, flags=re.IGNORECASE)).strip() or None


def parse_tracking(number: str, body: Any) -> ShipmentUpdate:
    """One tracking body as a ShipmentUpdate; a malformed body is a retryable CarrierError."""
    try:
        return _parse(number, body)
    except CarrierError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as error:  # pydantic's errors are ValueErrors
        raise _malformed(type(error).__name__) from None


def _parse(number: str, body: Any) -> ShipmentUpdate:
    if not isinstance(body, dict):
        raise _malformed("not a JSON object")
    events = body.get("trackingEvents")
    if events is None:
        events = []
    if not isinstance(events, list) or not all(isinstance(event, dict) for event in events):
        raise _malformed("trackingEvents is not a list of objects")
    if not events and not as_text(body.get("trackingNumber")) and not as_text(body.get("statusCategory")):
        raise _malformed("no trackingNumber, statusCategory or trackingEvents")
    category = as_text(body.get("statusCategory"))
    # USPS lists events newest first; the contract wants oldest first. Sorting by time (a time
    # without an offset read as UTC, as the merge does) keeps the reversed order for equal times.
    oldest_first = sorted(reversed(events), key=lambda event: timeline_instant(_event_time(event)))
    points: list[Checkpoint] = []
    signed_by = None
    for index, event in enumerate(oldest_first):
        newest = index == len(oldest_first) - 1
        point, signer = _checkpoint(event, category if newest else None)
        points.append(point)
        signed_by = signer or signed_by
    destination = _destination_iso3(body)
    update = ShipmentUpdate(
        tracking_number=number,
        checkpoints=points,
        expected_delivery=as_text(body.get("expectedDeliveryTimeStamp")) or as_text(body.get("expectedDeliveryDate")),
        signed_by=signed_by,
        courier_destination_country_iso3=destination,
        destination_country_iso3=destination,
        origin_country_iso3=_origin_iso3(body),
        shipment_type=_plain(as_text(body.get("mailClass"))),
    )
    update.shipment_pickup_date = next((p.checkpoint_time for p in points if _is_physical(p)), None)
    delivered = [p for p in points if p.tag == Tag.DELIVERED]
    update.shipment_delivery_date = delivered[-1].checkpoint_time if delivered else None
    return update


def _checkpoint(event: dict, status_category: str | None) -> tuple[Checkpoint, str | None]:
    code = as_text(event.get("eventCode"))
    event_type = as_text(event.get("eventType"))
    rule = classify(code, event_type, status_category)
    signer = as_text(event.get("name")) or as_text(event.get("recipientName"))
    subtag, event_code = rule.subtag, rule.event
    if subtag == "Delivered_001" and signer:
        subtag, event_code = "Delivered_003", "signed_by_customer"
    state = as_text(event.get("eventState"))
    country = as_text(event.get("eventCountry"))
    if not country and state:
        # USPS fills eventCountry only for scans abroad; a scan with a state is a US scan (judgement).
        country = "US"
    point = checkpoint(
        subtag=subtag,
        raw_tag=code or event_type or "",
        checkpoint_time=_event_time(event),
        message=event_type,
        city=as_text(event.get("eventCity")),
        state=state,
        zip=as_text(event.get("eventZIP")) or as_text(event.get("eventZIPCode")),
        country=country,
        events=[{"code": event_code}] if event_code else None,
    )
    return point, signer if tag_of_subtag(subtag) == Tag.DELIVERED else None


def _event_time(event: dict) -> str | None:
    """The carrier's local time, with its offset appended when USPS gives one (GMTOffset)."""
    local = as_text(event.get("eventTimestamp"))
    if not local:
        return as_text(event.get("GMTTimestamp"))
    try:
        moment = datetime.fromisoformat(local)
    except ValueError:
        return local  # as the carrier gives it
    offset = _OFFSET.match(as_text(event.get("GMTOffset")) or "")
    if moment.tzinfo is None and offset:
        sign, hours, minutes = offset.groups()
        return f"{local}{sign}{int(hours):02d}:{minutes}"
    return local


def _is_physical(point: Checkpoint) -> bool:
    return point.tag not in (Tag.INFO_RECEIVED, Tag.PENDING)


def _destination_iso3(body: dict) -> str | None:
    code = as_text(body.get("destinationCountryCode")) or as_text(body.get("destinationCountry"))
    if code:
        return iso3(code)
    # Domestic items name a destination state/ZIP and no country (judgement: that is the US).
    if as_text(body.get("destinationState")) or as_text(body.get("destinationZIP")):
        return "USA"
    return None


def _origin_iso3(body: dict) -> str | None:
    code = as_text(body.get("originCountryCode")) or as_text(body.get("originCountry"))
    if code:
        return iso3(code)
    if as_text(body.get("originState")) or as_text(body.get("originZIP")):
        return "USA"
    return None
