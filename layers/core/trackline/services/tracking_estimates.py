"""Keeps a tracking's `aftership_estimated_delivery_date` current while it moves.

Called from the poll worker's merge, so the estimate is written by the same versioned write as
the checkpoints that moved it (never a write of its own). The lanes' histograms change slowly,
so each worker keeps what it read for a few minutes: a batch of trackings costs at most one
BatchGetItem, and usually none. When the histograms cannot be read, estimates are left as they
are rather than guessed: a poll never fails for an estimate's sake.
"""

import threading
import time

from aws_lambda_powertools import Logger
from botocore.exceptions import BotoCoreError, ClientError

from trackline.estimates.histogram import TransitHistogram
from trackline.estimates.lanes import Lane
from trackline.estimates.tracking_estimate import estimate_for, lane_of
from trackline.models.tracking import AftershipEstimatedDeliveryDate, TrackingRecord
from trackline.repository.transit_stats import TransitStatsRepository

logger = Logger(child=True)
CACHE_SECONDS = 600


class TrackingEstimates:
    def __init__(self, stats: TransitStatsRepository, cache_seconds: float = CACHE_SECONDS) -> None:
        self._stats = stats
        self._cache_seconds = cache_seconds
        self._lanes: dict[Lane, tuple[float, dict[str, TransitHistogram]]] = {}
        self._lock = threading.Lock()

    def prefetch(self, records: list[TrackingRecord]) -> None:
        """Read the histograms of every lane in the batch that is not cached, in one request."""
        self._load([lane_of(record) for record in records])

    def revise(self, record: TrackingRecord, *, moved: bool) -> None:
        """Re-estimate when the shipment moved, or when it has none yet; otherwise leave it."""
        if not record.checkpoints or (not moved and record.aftership_estimated_delivery_date is not None):
            return
        lane = lane_of(record)
        histograms = self._load([lane]).get(lane)
        if histograms is None:
            return
        estimate = estimate_for(record, histograms)
        if estimate is not None:
            record.aftership_estimated_delivery_date = AftershipEstimatedDeliveryDate(**estimate.as_contract())

    def _load(self, lanes: list[Lane]) -> dict[Lane, dict[str, TransitHistogram]]:
        """Each lane's histograms by bucket name; a lane whose read failed is left out."""
        now = time.monotonic()
        with self._lock:
            fresh = {
                lane: self._lanes[lane][1]
                for lane in lanes
                if lane in self._lanes and now - self._lanes[lane][0] < self._cache_seconds
            }
        missing = list({lane for lane in lanes if lane not in fresh})
        if missing:
            try:
                found = self._stats.histograms(missing)
            except (ClientError, BotoCoreError) as error:
                logger.warning("Transit histograms unreadable; estimates left as they are", extra={"error_type": type(error).__name__})
                return fresh
            with self._lock:
                for lane in missing:
                    fresh[lane] = {name: history for (slug, name), history in found.items() if slug == lane.slug}
                    self._lanes[lane] = (now, fresh[lane])
        return fresh
