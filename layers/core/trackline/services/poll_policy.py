"""When a tracking is polled next: often while it moves and near delivery, less while nothing
changes, never once it is final. An explicit table, not a formula, so it can be read and tuned."""

from datetime import datetime, timedelta

from trackline.models.enums import Tag

# (interval while the status is fresh, interval once nothing has changed for STALE_AFTER)
CADENCE: dict[str, tuple[timedelta, timedelta]] = {
    Tag.PENDING: (timedelta(hours=1), timedelta(hours=6)),
    Tag.INFO_RECEIVED: (timedelta(hours=2), timedelta(hours=8)),
    Tag.IN_TRANSIT: (timedelta(hours=2), timedelta(hours=6)),
    Tag.OUT_FOR_DELIVERY: (timedelta(minutes=20), timedelta(hours=1)),
    Tag.ATTEMPT_FAIL: (timedelta(minutes=45), timedelta(hours=3)),
    Tag.AVAILABLE_FOR_PICKUP: (timedelta(hours=2), timedelta(hours=6)),
    Tag.EXCEPTION: (timedelta(hours=2), timedelta(hours=8)),
}
STALE_AFTER = timedelta(days=2)
# Near the carrier's expected delivery, poll as if out for delivery.
NEAR_DELIVERY = timedelta(hours=12)


def next_poll_at(
    *,
    tag: str,
    now: datetime,
    last_change: datetime | None,
    expected_delivery: datetime | None = None,
    cap: timedelta | None = None,
) -> datetime | None:
    """The next poll time, or None when the tracking is final and is polled no more."""
    if tag not in CADENCE:
        return None
    fresh, stale = CADENCE[tag]
    interval = stale if last_change is not None and now - last_change > STALE_AFTER else fresh
    if expected_delivery is not None and abs(expected_delivery - now) <= NEAR_DELIVERY:
        interval = min(interval, CADENCE[Tag.OUT_FOR_DELIVERY][0])
    if cap is not None:
        interval = min(interval, cap)
    return now + interval
