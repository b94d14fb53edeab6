"""Transit-time predictions from a lane's histograms, or from the defaults while history is thin.

The point estimate is the median of the most specific bucket with at least MIN_HISTORY
deliveries (the median minimises the absolute error in days); the window is its central 90%
(the 5th to the 95th percentile), so about nine deliveries in ten fall inside it. A parcel that
has already travelled some days is predicted from the deliveries that took at least as long.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import IntEnum

from trackline.estimates.business_days import add_business_days, next_business_day
from trackline.estimates.defaults import default_transit
from trackline.estimates.histogram import TransitHistogram
from trackline.estimates.lanes import Lane

MIN_HISTORY = 20  # deliveries a bucket needs before its own history is used
HIGH_CONFIDENCE_HISTORY = 200  # deliveries behind a high-confidence single date
POINT_SHARE = 0.5
WINDOW_SHARES = (0.05, 0.95)
LATE_WINDOW_DAYS = 2  # how far past the next business day a late parcel's window reaches


class ConfidenceCode(IntEnum):
    """The contract's EDD confidence codes (§4.7) Trackline emits, by the history behind them."""

    HIGH = 10001  # at least HIGH_CONFIDENCE_HISTORY deliveries
    HIGH_RANGE_MEDIUM_DATE = 20001  # at least MIN_HISTORY deliveries
    NOT_ENOUGH_DATA = 30002  # the defaults, or a thin tail of history
    SERVICE_TYPE_NOT_PRECISE = 30003  # history of the route, not of the requested service type


@dataclass(frozen=True)
class TransitRange:
    """Business days from pickup to delivery."""

    fastest: int
    typical: int
    slowest: int
    confidence_code: ConfidenceCode
    basis: str  # the bucket kind used, or "defaults"


def predict_transit(lane: Lane, histograms: Mapping[str, TransitHistogram], *, elapsed: int = 0) -> TransitRange | None:
    """The transit of a parcel on `lane` that has travelled `elapsed` business days without
    arriving; None when it is later than anything the history or the defaults allow."""
    for bucket in lane.buckets():
        history = histograms.get(bucket.name)
        if history is None or history.size < MIN_HISTORY:
            continue
        remaining = history.at_least(elapsed)
        if remaining.size == 0:
            return None
        fastest, slowest = (remaining.quantile(share) for share in WINDOW_SHARES)
        return TransitRange(
            fastest, remaining.quantile(POINT_SHARE), slowest, _confidence(remaining.size, lane, bucket.kind), bucket.kind
        )
    fastest, typical, slowest = default_transit(lane.slug, lane.scope)
    if elapsed > slowest:
        return None
    return TransitRange(max(fastest, elapsed), max(typical, elapsed), slowest, ConfidenceCode.NOT_ENOUGH_DATA, "defaults")


def _confidence(size: int, lane: Lane, kind: str) -> ConfidenceCode:
    if size < MIN_HISTORY:
        return ConfidenceCode.NOT_ENOUGH_DATA
    if lane.service and kind != "service":
        return ConfidenceCode.SERVICE_TYPE_NOT_PRECISE
    return ConfidenceCode.HIGH if size >= HIGH_CONFIDENCE_HISTORY else ConfidenceCode.HIGH_RANGE_MEDIUM_DATE


@dataclass(frozen=True)
class DeliveryEstimate:
    estimated: date
    earliest: date
    latest: date
    confidence_code: ConfidenceCode

    def as_contract(self) -> dict[str, str | int]:
        """The contract's `aftership_estimated_delivery_date` / predict-batch fields."""
        return {
            "estimated_delivery_date": self.estimated.isoformat(),
            "confidence_code": int(self.confidence_code),
            "estimated_delivery_date_min": self.earliest.isoformat(),
            "estimated_delivery_date_max": self.latest.isoformat(),
        }


def delivery_window(pickup: date, transit: TransitRange) -> DeliveryEstimate:
    return DeliveryEstimate(
        add_business_days(pickup, transit.typical),
        add_business_days(pickup, transit.fastest),
        add_business_days(pickup, transit.slowest),
        transit.confidence_code,
    )


def next_day_window(as_of: date, confidence: ConfidenceCode = ConfidenceCode.NOT_ENOUGH_DATA) -> DeliveryEstimate:
    """For a parcel later than its history, or after a failed attempt: the next business day,
    or up to LATE_WINDOW_DAYS business days after it."""
    soonest = next_business_day(as_of)
    return DeliveryEstimate(soonest, soonest, add_business_days(soonest, LATE_WINDOW_DAYS), confidence)
