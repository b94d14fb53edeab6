"""When a tracking is polled next: often while it moves and near delivery, less while nothing
changes, never once it is final. An explicit table, not a formula, so it can be read and tuned."""

from datetime import datetime, timedelta

from trackline.models.enums import Tag

# (interval while the status is fresh, interval once nothing has changed for STALE_AFTER).
# Carriers publish a handful of events per day at most; the last mile is where minutes matter.
CADENCE: dict[str, tuple[timedelta, timedelta]] = {
    Tag.PENDING: (timedelta(hours=2), timedelta(hours=6)),
    Tag.INFO_RECEIVED: (timedelta(hours=4), timedelta(hours=12)),
    Tag.IN_TRANSIT: (timedelta(hours=4), timedelta(hours=8)),
    Tag.OUT_FOR_DELIVERY: (timedelta(minutes=30), timedelta(hours=2)),
    Tag.ATTEMPT_FAIL: (timedelta(hours=2), timedelta(hours=6)),
    Tag.AVAILABLE_FOR_PICKUP: (timedelta(hours=4), timedelta(hours=12)),
    Tag.EXCEPTION: (timedelta(hours=4), timedelta(hours=12)),
}
STALE_AFTER = timedelta(days=1)
# Within this of the carrier's expected delivery, poll at least hourly.
NEAR_DELIVERY = timedelta(hours=6)
NEAR_DELIVERY_INTERVAL = timedelta(hours=1)


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
        interval = min(interval, NEAR_DELIVERY_INTERVAL)
    if cap is not None:
        interval = min(interval, cap)
    return now + interval
