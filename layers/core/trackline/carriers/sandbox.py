"""The sandbox courier: a scripted life cycle, one step per poll, for demos and tests.

Numbers are `SBX` + 6 to 30 letters or digits; the two characters after `SBX` choose the path:

| prefix  | path |
|---------|------|
| `SBXAF` | attempt fails once, then delivered |
| `SBXPU` | available for pickup, then picked up by the customer |
| `SBXEX` | delayed, then an exception (shipment damaged) |
| `SBXRT` | attempt fails, returned to sender |
| `SBXNF` | never found (stays Pending until it expires) |
| other   | delivered, signed for |
"""

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone

from trackline.carriers.base import ShipmentUpdate, checkpoint

# (subtag, raw code, message, city, country)
Step = tuple[str, str, str, str, str]
_START: list[Step] = [
    ("InfoReceived_001", "SBX-LABEL", "Shipment information received", "Shenzhen", "CN"),
    ("InTransit_002", "SBX-ACCEPT", "Accepted at origin facility", "Shenzhen", "CN"),
    ("InTransit_007", "SBX-DEPART", "Departed origin facility", "Hong Kong", "HK"),
    ("InTransit_004", "SBX-ARRIVE", "Arrived in the destination country", "Los Angeles", "US"),
    ("OutForDelivery_001", "SBX-OFD", "Out for delivery", "Pasadena", "US"),
]
SCRIPTS: dict[str, list[Step]] = {
    "delivered": _START + [("Delivered_003", "SBX-SIGNED", "Delivered, signed for by J. DOE", "Pasadena", "US")],
    "attempt_fail": _START
    + [
        ("AttemptFail_002", "SBX-NOBODY", "Delivery attempted, addressee not available", "Pasadena", "US"),
        ("OutForDelivery_001", "SBX-OFD2", "Out for delivery, second attempt", "Pasadena", "US"),
        ("Delivered_001", "SBX-DELIVERED", "Delivered", "Pasadena", "US"),
    ],
    "pickup": _START[:4]
    + [
        ("AvailableForPickup_001", "SBX-PICKUP", "Available for pickup at the post office", "Pasadena", "US"),
        ("Delivered_002", "SBX-COLLECTED", "Picked up by the customer", "Pasadena", "US"),
    ],
    "exception": _START[:4]
    + [
        ("Exception_005", "SBX-DELAY", "Delayed by severe weather", "Los Angeles", "US"),
        ("Exception_012", "SBX-DAMAGED", "Shipment damaged in transit", "Los Angeles", "US"),
    ],
    "return_to_sender": _START
    + [
        ("AttemptFail_001", "SBX-ATTEMPT", "Delivery attempted", "Pasadena", "US"),
        ("Exception_010", "SBX-RETURNING", "Returning to sender", "Los Angeles", "US"),
        ("Exception_011", "SBX-RETURNED", "Returned to sender", "Shenzhen", "CN"),
    ],
}
PATHS = {"AF": "attempt_fail", "PU": "pickup", "EX": "exception", "RT": "return_to_sender"}
SIGNED_BY = "J. DOE"
# Local times carry their own offset, as real carriers' do.
_ZONES = {"CN": timezone(timedelta(hours=8)), "HK": timezone(timedelta(hours=8)), "US": timezone(timedelta(hours=-8))}


def script_for(tracking_number: str) -> list[Step] | None:
    marker = tracking_number[3:5]
    if marker == "NF":
        return None
    return SCRIPTS[PATHS.get(marker, "delivered")]


class SandboxAdapter:
    slug = "sandbox"
    max_batch = 50

    def __init__(self, clock=None) -> None:
        self._clock = clock or (lambda: datetime.now(timezone.utc))

    def fetch(
        self, tracking_numbers: list[str], known_checkpoints: Mapping[str, int] | None = None
    ) -> dict[str, ShipmentUpdate]:
        known = known_checkpoints or {}
        return {number: self._next_step(number, known.get(number, 0)) for number in tracking_numbers}

    def _next_step(self, number: str, known: int) -> ShipmentUpdate:
        script = script_for(number)
        if script is None:
            return ShipmentUpdate(tracking_number=number, found=False)
        step = min(known, len(script) - 1)
        subtag, code, message, city, country = script[step]
        moment = self._clock().astimezone(_ZONES[country]).replace(microsecond=0)
        point = checkpoint(
            subtag=subtag, raw_tag=code, checkpoint_time=moment.isoformat(), message=message,
            city=city, country=country, slug=self.slug,
        )
        update = ShipmentUpdate(tracking_number=number, checkpoints=[point] if known < len(script) else [])
        if subtag.startswith("Delivered_003"):
            update.signed_by = SIGNED_BY
        if step >= 3:
            update.courier_destination_country_iso3 = "USA"
        return update
