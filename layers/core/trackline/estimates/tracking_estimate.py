"""A tracking's `aftership_estimated_delivery_date`, revised as the parcel moves, and the
transit time a delivered tracking adds to its lane's history.

Dates are the carrier's local dates (the date part of its checkpoint times), so a delivery
late in the evening is not moved to the next day by a time zone. The estimate is computed from
the tracking alone (its checkpoints, pickup date and lane) and the lane's histograms, so
re-applying it to the same tracking gives the same answer.
"""

from collections.abc import Mapping
from datetime import date, datetime

from trackline.estimates.business_days import business_days_between
from trackline.estimates.histogram import TransitHistogram
from trackline.estimates.lanes import Lane
from trackline.estimates.prediction import (
    ConfidenceCode,
    DeliveryEstimate,
    delivery_window,
    next_day_window,
    predict_transit,
)
from trackline.models.enums import Tag
from trackline.models.tracking import TrackingRecord

# The parcel is no longer on its way to the door: the last estimate is kept as it was.
SETTLED_TAGS = frozenset({Tag.DELIVERED, Tag.EXPIRED, Tag.AVAILABLE_FOR_PICKUP, Tag.EXCEPTION})


def local_date(value: str | None) -> date | None:
    if not value or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def lane_of(record: TrackingRecord) -> Lane:
    destination = record.destination_country_iso3 or record.courier_destination_country_iso3
    return Lane.of(record.slug or "", record.origin_country_iso3, destination, record.shipment_type)


def transit_days_of(record: TrackingRecord) -> int | None:
    """Business days from pickup to delivery; None unless both dates are known and in order."""
    pickup, delivered = local_date(record.shipment_pickup_date), local_date(record.shipment_delivery_date)
    if pickup is None or delivered is None:
        return None
    order = _in_order(record.shipment_pickup_date, record.shipment_delivery_date)
    if order is False or (order is None and delivered < pickup):
        return None
    # Eastwards over the date line a parcel can arrive on an earlier local date: no days at all.
    return business_days_between(pickup, delivered)


def _in_order(pickup: str, delivered: str) -> bool | None:
    """Whether the delivery came after the pickup, when both times carry their offset."""
    try:
        start, end = datetime.fromisoformat(pickup), datetime.fromisoformat(delivered)
    except ValueError:
        return None
    if start.tzinfo is None or end.tzinfo is None:
        return None
    return end >= start


def estimate_for(record: TrackingRecord, histograms: Mapping[str, TransitHistogram]) -> DeliveryEstimate | None:
    """The tracking's estimate as of its latest checkpoint; None when there is nothing to
    estimate from (no checkpoint yet) or the parcel is settled."""
    if record.tag in SETTLED_TAGS or not record.checkpoints:
        return None
    latest = record.checkpoints[-1]
    as_of = local_date(latest.checkpoint_time) or local_date(latest.created_at) or local_date(record.created_at)
    if as_of is None:
        return None
    if record.tag == Tag.OUT_FOR_DELIVERY:
        return DeliveryEstimate(as_of, as_of, as_of, ConfidenceCode.HIGH)
    if record.tag == Tag.ATTEMPT_FAIL:
        return next_day_window(as_of, ConfidenceCode.HIGH_RANGE_MEDIUM_DATE)  # carriers try again
    pickup = local_date(record.shipment_pickup_date)
    start, elapsed = (as_of, 0) if pickup is None else (pickup, business_days_between(pickup, as_of))
    transit = predict_transit(lane_of(record), histograms, elapsed=elapsed)
    return next_day_window(as_of) if transit is None else delivery_window(start, transit)
