"""Multi-leg shipments: the couriers that carry a parcel after the first one.

A leg is known from the merchant (`next_couriers` on create), from the carrier (a destination
partner's number in its answer), or from the UPU S10 rules: a postal item keeps its number
across borders, so once it reaches its destination country that country's postal operator
tracks the same number.
"""

import re

from trackline.carriers.base import ShipmentUpdate
from trackline.countries import iso3
from trackline.models.tracking import NextCourier, TrackingRecord

S10_NUMBER = re.compile(r"[A-Z]{2}[0-9]{9}[A-Z]{2}")
# Checkpoint sub-statuses that say the item has entered its destination country.
ARRIVED_SUBTAGS = frozenset({"InTransit_004", "InTransit_005", "InTransit_006"})


def discovered_legs(record: TrackingRecord, update: ShipmentUpdate) -> list[NextCourier]:
    legs = []
    if update.next_courier_slug and update.next_courier_tracking_number:
        legs.append(NextCourier(slug=update.next_courier_slug, tracking_number=update.next_courier_tracking_number, source="carrier"))
    postal = _destination_postal_leg(record)
    if postal:
        legs.append(postal)
    return legs


def add_legs(record: TrackingRecord, legs: list[NextCourier]) -> None:
    known = {(leg.slug, leg.tracking_number) for leg in record.next_couriers}
    known.add((record.slug, record.tracking_number))
    for leg in legs:
        if (leg.slug, leg.tracking_number) not in known:
            known.add((leg.slug, leg.tracking_number))
            record.next_couriers.append(leg)


def _destination_postal_leg(record: TrackingRecord) -> NextCourier | None:
    if not S10_NUMBER.fullmatch(record.tracking_number or ""):
        return None
    destination = iso3(
        record.destination_country_iso3 or record.courier_destination_country_iso3 or record.tracking_destination_country
    )
    if not destination:
        return None
    arrived = any(
        checkpoint.subtag in ARRIVED_SUBTAGS or checkpoint.country_iso3 == destination for checkpoint in record.checkpoints
    )
    if not arrived:
        return None
    from trackline import couriers

    operator = couriers.postal_operator(destination)
    if operator is None or operator == record.slug:
        return None
    return NextCourier(slug=operator, tracking_number=record.tracking_number, source="s10-handover")
