"""When an order reaches the carrier, by the contract's `estimated_pickup` rules.

An order placed on one of the merchant's business days at or before the cut-off time is
processed from that day; any other order from the merchant's next business day. The processing
time (in whole business days; a fraction counts as a whole day) follows, and the parcel is handed
to the carrier at the cut-off time of the day it is ready.
"""

import math
from dataclasses import dataclass
from datetime import date, datetime, time

from trackline.estimates.business_days import add_business_days, is_business_day, next_business_day

DEFAULT_CUTOFF = time(18, 0, 0)
DEFAULT_BUSINESS_DAYS: tuple[int, ...] = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class OrderRules:
    cutoff: time = DEFAULT_CUTOFF
    business_days: frozenset[int] = frozenset(DEFAULT_BUSINESS_DAYS)
    processing_days: float = 0

    @property
    def whole_processing_days(self) -> int:
        return math.ceil(self.processing_days)


def pickup_time(order_time: datetime, rules: OrderRules) -> datetime:
    """The local time the parcel is handed to the carrier."""
    return datetime.combine(pickup_day(order_time, rules), rules.cutoff)


def pickup_day(order_time: datetime, rules: OrderRules) -> date:
    day = order_time.date()
    if not (is_business_day(day, rules.business_days) and order_time.time() <= rules.cutoff):
        day = next_business_day(day, rules.business_days)
    return add_business_days(day, rules.whole_processing_days, rules.business_days)
