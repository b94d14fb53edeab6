"""Delivered trackings feed the lanes' transit histograms, each tracking exactly once.

The table stream shows every write of a tracking; the write that makes it Delivered is counted.
Streams deliver records at least once, so the count is guarded by the repository's ledger item
(one per tracking id, put only if absent in the same transaction as the counts).
"""

import time
from typing import Any

from aws_lambda_powertools import Logger

from trackline.estimates.tracking_estimate import lane_of, transit_days_of
from trackline.models.enums import Tag
from trackline.repository.trackings import TrackingRepository
from trackline.repository.transit_stats import TransitStatsRepository
from trackline.settings import Settings, get_settings

logger = Logger(child=True)
SECONDS_PER_DAY = 86400


class TransitHistory:
    def __init__(self, settings: Settings | None = None, stats: TransitStatsRepository | None = None) -> None:
        self._settings = settings or get_settings()
        self._stats = stats or TransitStatsRepository(self._settings.table_name)

    def record_write(self, old_image: dict[str, Any] | None, new_image: dict[str, Any] | None) -> bool:
        """Count the delivery this write made, if it made one; True when it was counted now."""
        new = TrackingRepository.record_from_image(new_image)
        if new is None or new.tag != Tag.DELIVERED or not new.slug:
            return False
        old = TrackingRepository.record_from_image(old_image)
        if old is not None and old.tag == Tag.DELIVERED:
            return False  # a later write of a tracking delivered before
        days = transit_days_of(new)
        if days is None:
            # Completed by hand, or a carrier that gave no pickup: nothing to learn from.
            logger.info("Delivery without a pickup and delivery date; not counted", extra={"carrier": new.slug})
            return False
        expire_at = new.expire_at or int(time.time()) + self._settings.data_retention_days * SECONDS_PER_DAY
        counted = self._stats.record_delivery(new.id, lane_of(new), days, expire_at=expire_at)
        logger.info("Delivery counted" if counted else "Delivery counted before", extra={"carrier": new.slug, "business_days": days})
        return counted
