"""UPS: the Track API v1, one inquiry number per request.

What UPS documents (its OpenAPI description, `Tracking.yaml`, published by UPS on GitHub, and the
developer portal), and what this adapter relies on:

- `GET {base}/api/track/v1/details/{inquiryNumber}` with the headers `transId` (unique per request)
  and `transactionSrc`, and `locale` / `returnSignature` in the query.
- OAuth 2 client credentials at `{base}/security/v1/oauth/token`, the client authenticating with
  HTTP Basic (`client_secret_basic`); UPS gives `expires_in` as a string of seconds.
- `trackResponse.shipment[].package[]` with `activity[]` ("returned in chronological order, with
  the most recent activity first"), each `{date: YYYYMMDD, time: HHMMSS, gmtOffset, location:
  {address}, status: {type, code, description, statusCode}}`; `deliveryDate[]` `{type: SDD | RDD |
  DEL, date}`, `deliveryTime {type, startTime, endTime}`, `deliveryInformation.receivedBy`,
  `packageAddress[] {type: ORIGIN | DESTINATION, address}`, `weight`, `packageCount`, `service`,
  `additionalServices[]` (e.g. SIGNATURE_REQUIRED).
- A number UPS does not know: 404 with `{"response": {"errors": [{code, message}]}}`, or a 200
  whose shipment carries `warnings[]` and no package (code TW0001, "Tracking Information Not
  Found", in UPS's published responses). Both are "not found yet", not an error.

`status.type` is one of UPS's documented status types (I In Transit, D Delivered, X Exception,
P Pickup, M Billing Information Received, MV Billing Information Voided, RS Returned to Shipper,
DO / DD Delivered Origin / Destination CFS (freight only), W Warehousing, NA Not Available,
O Out for Delivery). `status.code` is a finer two-character activity code; UPS publishes no list
of those, so `UPS_ACTIVITY_SUBTAGS` holds only codes that appear in UPS's published examples and
responses, each with the description UPS gives it.
"""

import re
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote

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

TOKEN_PATH = "/security/v1/oauth/token"
TRACK_PATH = "/api/track/v1/details/"
TRANSACTION_SOURCE = "trackline"
LOCALE = "en_US"

# status.type -> subtag: the fallback for an activity whose code is not in UPS_ACTIVITY_SUBTAGS
# and whose description matches nothing in UPS_DESCRIPTION_SUBTAGS.
UPS_STATUS_SUBTAGS: dict[str, str] = {
    "M": "InfoReceived_001",  # Billing Information Received: a label exists, UPS has no parcel yet
    "MV": "Exception_001",  # Billing Information Voided: the label was cancelled (event: canceled)
    "P": "InTransit_002",  # Pickup
    "I": "InTransit_001",  # In Transit
    "O": "OutForDelivery_001",  # Out for Delivery
    "D": "Delivered_001",  # Delivered (Delivered_003 when someone signed for it)
    "X": "Exception_001",  # Exception
    "RS": "Exception_011",  # Returned to Shipper
    "DO": "InTransit_001",  # Delivered Origin CFS (freight only): handed to a freight station, not to the customer
    "DD": "InTransit_001",  # Delivered Destination CFS (freight only): likewise
    "W": "InTransit_001",  # Warehousing (freight only)
    "NA": "Pending_001",  # Not Available: UPS has no status to give
}

# status.code -> subtag, whatever the type. Only codes seen in UPS's published examples and
# responses; the description UPS gives each is on the right.
UPS_ACTIVITY_SUBTAGS: dict[str, str] = {
    "MP": "InfoReceived_001",  # "Shipper created a label, UPS has not received the package yet."
    "OC": "InTransit_002",  # "We have your package" (UPS has accepted it)
    "OR": "InTransit_002",  # "Origin Scan"
    "PU": "InTransit_002",  # "Pickup Scan"
    "AR": "InTransit_003",  # "Arrived at Facility"
    "DP": "InTransit_007",  # "Departed from Facility"
    "YP": "InTransit_001",  # "Processing at UPS Facility"
    "SR": "InTransit_005",  # "Your package was released by the customs agency."
    "OF": "OutForDelivery_001",  # "Loaded on Delivery Vehicle"
    "OT": "OutForDelivery_001",  # "Out For Delivery Today"
    "FS": "Delivered_001",  # "DELIVERED"
    "F4": "Delivered_001",  # "DELIVERED"
    "KB": "Delivered_001",  # "DELIVERED"
}

# For activities whose code is not in the table above: (status types, words that must all appear
# in the lower-cased description, subtag); the first match wins. UPS describes exceptions only in
# words, so this is the only way to tell a failed attempt from a damaged parcel.
UPS_DESCRIPTION_SUBTAGS: tuple[tuple[frozenset[str], tuple[str, ...], str], ...] = (
    (frozenset({"D"}), ("access point", "picked up"), "Delivered_002"),
    (frozenset({"D"}), ("access point",), "AvailableForPickup_001"),
    (frozenset({"I", "X"}), ("released", "customs"), "InTransit_005"),
    (frozenset({"I"}), ("import scan",), "InTransit_004"),
    (frozenset({"I", "X"}), ("being returned",), "Exception_010"),
    (frozenset({"I", "X"}), ("returning",), "Exception_010"),
    (frozenset({"X"}), ("returned to",), "Exception_011"),
    (frozenset({"X"}), ("refused",), "Exception_003"),
    (frozenset({"X"}), ("moved",), "Exception_002"),
    (frozenset({"X"}), ("incorrect",), "Exception_007"),
    (frozenset({"X"}), ("damage",), "Exception_012"),
    (frozenset({"X"}), ("business was closed",), "AttemptFail_003"),
    (frozenset({"X"}), ("not available",), "AttemptFail_002"),
    (frozenset({"X"}), ("attempt",), "AttemptFail_001"),
    (frozenset({"X"}), ("customs",), "Exception_004"),
    (frozenset({"X"}), ("weather",), "Exception_005"),
    (frozenset({"X"}), ("emergency",), "Exception_005"),
)

# ... and the ones a status type implies whatever the subtag.
TYPE_EVENTS: dict[str, str] = {"MV": "canceled"}

# additionalServices that ask for a signature; the contract's value set is unconfirmed beyond
# `signature_required`, so every kind maps to it.
SIGNATURE_SERVICES = frozenset({"SIGNATURE_REQUIRED", "ADULT_SIGNATURE_REQUIRED"})
WEIGHT_UNITS = {"LBS": "lb", "LB": "lb", "KGS": "kg", "KG": "kg"}


def classify(status_type: str, code: str, description: str | None, *, signed: bool = False) -> tuple[str, list[dict]]:
    """One UPS activity status as (subtag, contract events)."""
    status_type, code = status_type.strip().upper(), code.strip().upper()
    subtag = UPS_ACTIVITY_SUBTAGS.get(code)
    if subtag is None:
        text = (description or "").lower()
        subtag = next(
            (tag for types, words, tag in UPS_DESCRIPTION_SUBTAGS if status_type in types and all(w in text for w in words)),
            None,
        )
    if subtag is None:
        subtag = UPS_STATUS_SUBTAGS.get(status_type, "InTransit_001")
    if signed and subtag == "Delivered_001":
        subtag = "Delivered_003"
    codes = [SUBTAG_EVENTS[subtag]] if subtag in SUBTAG_EVENTS else []
    if status_type in TYPE_EVENTS:
        codes.append(TYPE_EVENTS[status_type])
    return subtag, [{"code": event} for event in codes]


class UpsAdapter:
    slug = "ups"
    max_batch = 1  # the details endpoint takes one inquiry number

    def __init__(self, settings: CarrierSettings, *, timeout: float = http.DEFAULT_TIMEOUT) -> None:
        self._base = settings.base_url.rstrip("/")
        self._timeout = timeout
        self._tokens = (
            TokenCache(self._base + TOKEN_PATH, settings.client_id, settings.client_secret, basic_auth=True)
            if settings.client_id and settings.client_secret
            else None
        )

    def fetch(
        self, tracking_numbers: list[str], known_checkpoints: Mapping[str, int] | None = None
    ) -> dict[str, ShipmentUpdate]:
        """`known_checkpoints` is ignored: the carrier always answers with the whole history."""
        return {number: self._fetch_one(number) for number in dict.fromkeys(tracking_numbers)}

    def _fetch_one(self, number: str) -> ShipmentUpdate:
        status, body = self._get(number)
        try:
            if status == 404:
                if _errors(body):
                    return ShipmentUpdate(tracking_number=number, found=False)
                # Not UPS's answer about a number: most likely a wrong base URL.
                raise CarrierError("UPS's tracking path answered 404 without UPS's error body", retryable=False)
            return parse_track_response(number, body)
        except (MalformedAnswer, KeyError, IndexError, TypeError, ValueError, AttributeError) as error:
            raise CarrierError(f"UPS answered a body it does not document: {error}", retryable=True) from None

    def _get(self, number: str) -> tuple[int, Any]:
        if self._tokens is None:
            raise CarrierError("UPS needs a client id and secret", retryable=False)
        url = self._base + TRACK_PATH + quote(number, safe="")
        return self._tokens.send(
            lambda token: http.request(
                "GET",
                url,
                headers={
                    "authorization": f"Bearer {token}",
                    "transId": uuid.uuid4().hex,  # at most 32 characters
                    "transactionSrc": TRANSACTION_SOURCE,
                },
                query={"locale": LOCALE, "returnSignature": "false"},
                timeout=self._timeout,
                accept_statuses=frozenset({401, 404}),
            ),
            carrier="UPS",
        )


def parse_track_response(number: str, body: Any) -> ShipmentUpdate:
    """A 200 from the details endpoint as an update; raises MalformedAnswer on shapes UPS does not document."""
    shipments = required_list(required_dict(required_dict(body, "body").get("trackResponse"), "trackResponse").get("shipment"), "shipment")
    packages: list[dict] = []
    warnings: list[dict] = []
    for shipment in shipments:
        shipment = required_dict(shipment, "shipment[]")
        packages += [required_dict(package, "package[]") for package in required_list(shipment.get("package") or [], "package")]
        warnings += [required_dict(warning, "warnings[]") for warning in required_list(shipment.get("warnings") or [], "warnings")]
    if not packages:
        if warnings:
            return ShipmentUpdate(tracking_number=number, found=False)
        raise MalformedAnswer("a shipment with neither package nor warnings")
    wanted = _normal(number)
    package = next((p for p in packages if _normal(as_text(p.get("trackingNumber")) or "") == wanted), packages[0])
    return _update(number, package)


def _update(number: str, package: dict) -> ShipmentUpdate:
    delivery = dict_or_empty(package.get("deliveryInformation"))
    received_by = as_text(delivery.get("receivedBy"))
    activities = [required_dict(activity, "activity[]") for activity in required_list(package.get("activity") or [], "activity")]
    statuses = []
    for activity in reversed(activities):  # UPS lists the newest first
        status = required_dict(activity.get("status"), "activity.status")
        kind, code = as_text(status.get("type")) or "", as_text(status.get("code")) or ""
        statuses.append((activity, kind, code, as_text(status.get("description"))))
    results = [classify(kind, code, text) for _, kind, code, text in statuses]
    if received_by:  # the signature belongs to the latest delivery
        latest = next((i for i in reversed(range(len(results))) if results[i][0] == "Delivered_001"), None)
        if latest is not None:
            _, kind, code, text = statuses[latest]
            results[latest] = classify(kind, code, text, signed=True)
    checkpoints = oldest_first(
        [_checkpoint(activity, code or kind, text, result) for (activity, kind, code, text), result in zip(statuses, results)]
    )

    update = ShipmentUpdate(tracking_number=number, checkpoints=checkpoints, signed_by=received_by)
    dates = {(as_text(entry.get("type")) or "").upper(): as_text(entry.get("date")) for entry in dicts_in(package.get("deliveryDate"))}
    delivery_time = dict_or_empty(package.get("deliveryTime"))
    time_type = (as_text(delivery_time.get("type")) or "").upper()
    end_time = as_text(delivery_time.get("endTime"))
    expected = dates.get("RDD") or dates.get("SDD")
    if expected:
        update.expected_delivery = _day(expected, end_time if time_type not in ("", "DEL") else None)
    delivered = [c for c in checkpoints if c.tag == "Delivered"]
    if delivered:
        update.shipment_delivery_date = delivered[-1].checkpoint_time
    elif dates.get("DEL"):
        update.shipment_delivery_date = _day(dates["DEL"], end_time if time_type == "DEL" else None)
    picked_up = next((c for c in checkpoints if c.subtag == "InTransit_002"), None) or next(
        (c for c in checkpoints if c.tag == "InTransit"), None
    )
    update.shipment_pickup_date = picked_up.checkpoint_time if picked_up else None

    for entry in dicts_in(package.get("packageAddress")):
        address = dict_or_empty(entry.get("address"))
        country = iso3(as_text(address.get("countryCode")) or as_text(address.get("country")))
        kind = (as_text(entry.get("type")) or "").upper()
        if kind == "DESTINATION" and country:
            update.courier_destination_country_iso3 = update.destination_country_iso3 = country
        elif kind == "ORIGIN" and country:
            update.origin_country_iso3 = country
    weight = dict_or_empty(package.get("weight"))
    update.shipment_weight = as_number(weight.get("weight"))
    if update.shipment_weight is not None:
        unit = (as_text(weight.get("unitOfMeasurement")) or "").upper()
        update.shipment_weight_unit = WEIGHT_UNITS.get(unit, unit.lower() or None)
    update.shipment_package_count = as_number(package.get("packageCount"))
    update.shipment_type = as_text(dict_or_empty(package.get("service")).get("description"))
    services = {str(service).upper() for service in list_or_empty(package.get("additionalServices"))}
    if services & SIGNATURE_SERVICES:
        update.signature_requirement = "signature_required"
    return update


def _checkpoint(activity: dict, raw_tag: str, description: str | None, result: tuple[str, list[dict]]) -> Checkpoint:
    subtag, events = result
    address = dict_or_empty(dict_or_empty(activity.get("location")).get("address"))
    return checkpoint(
        slug=UpsAdapter.slug,
        subtag=subtag,
        raw_tag=raw_tag or None,
        checkpoint_time=_local_time(activity.get("date"), activity.get("time"), activity.get("gmtOffset")),
        message=description,
        city=as_text(address.get("city")),
        state=as_text(address.get("stateProvince")),
        zip=as_text(address.get("postalCode")),
        country=as_text(address.get("countryCode")) or as_text(address.get("country")),
        events=events,
    )


def _local_time(date: Any, time: Any, gmt_offset: Any) -> str:
    """UPS's local date and time as `YYYY-MM-DDTHH:mm:ss`, with UPS's gmtOffset when it gives one."""
    if not isinstance(date, str) or not re.fullmatch(r"\d{8}", date.strip()):
        raise MalformedAnswer(f"activity date {date!r}")
    if time is not None and not isinstance(time, str):
        raise MalformedAnswer(f"activity time {time!r}")
    date, time = date.strip(), (time or "").strip()
    moment = f"{date[:4]}-{date[4:6]}-{date[6:]}"
    if time:
        if not re.fullmatch(r"\d{4}(\d{2})?", time):
            raise MalformedAnswer(f"activity time {time!r}")
        moment += f"T{time[:2]}:{time[2:4]}:{time[4:6] or '00'}"
        moment += _offset(gmt_offset)
    datetime.fromisoformat(moment)  # a real date, or ValueError
    return moment


def _offset(value: Any) -> str:
    """UPS's gmtOffset as `±HH:MM` (its example: "-05:00"); anything else is left out."""
    match = re.fullmatch(r"([+-])(\d{1,2}):?(\d{2})", as_text(value) or "")
    if not match:
        return ""
    sign, hours, minutes = match.groups()
    return f"{sign}{int(hours):02d}:{minutes}"


def _day(date: str, time: str | None) -> str | None:
    if not re.fullmatch(r"\d{8}", date):
        return None
    day = f"{date[:4]}-{date[4:6]}-{date[6:]}"
    if time and re.fullmatch(r"\d{6}", time):
        day += f"T{time[:2]}:{time[2:4]}:{time[4:]}"
    return day


def _errors(body: Any) -> list:
    """UPS's error list, `{"response": {"errors": [...]}}`, or []."""
    if isinstance(body, dict) and isinstance(body.get("response"), dict):
        errors = body["response"].get("errors")
        return errors if isinstance(errors, list) else []
    return []


def _normal(number: str) -> str:
    return re.sub(r"\s+", "", number).upper()

