"""The poll worker: asks a carrier about a batch of trackings and merges the answers in."""

from datetime import datetime, timedelta

from aws_lambda_powertools import Logger

from trackline.carriers import registry
from trackline.carriers.base import ShipmentUpdate
from trackline.clock import iso_seconds, utc_now
from trackline.errors import TrackingNotFound
from trackline.models.enums import SUBTAG_MESSAGES, Tag
from trackline.models.polling import PollMessage
from trackline.models.refs import TrackingById
from trackline.models.tracking import TrackingRecord
from trackline.services import poll_policy
from trackline.services.shipment_progress import FINAL_TAGS, apply_update
from trackline.services.trackings import TrackingService
from trackline.settings import Settings, get_settings

logger = Logger(child=True)


class PollWorker:
    def __init__(self, settings: Settings | None = None, trackings: TrackingService | None = None) -> None:
        self._settings = settings or get_settings()
        self._trackings = trackings or TrackingService(settings=self._settings)

    def poll(self, message: PollMessage, now: datetime | None = None) -> int:
        """Poll one batch; returns how many trackings changed. A retryable CarrierError
        propagates, so the message is retried and, after its last receive, dead-lettered."""
        adapter = registry.adapter_for(message.slug, sandbox_enabled=self._settings.sandbox_enabled)
        if adapter is None:
            logger.warning("No adapter for queued courier; dropping", extra={"carrier": message.slug})
            return 0
        records = [
            record
            for record in map(self._current, message.tracking_ids)
            if record is not None and record.active and record.slug == message.slug
        ]
        if not records:
            return 0
        known = {record.tracking_number: len(record.checkpoints) for record in records}
        updates = adapter.fetch(list(known), known_checkpoints=known)
        now = now or utc_now()
        changed = 0
        for record in records:
            update = updates.get(record.tracking_number) or ShipmentUpdate(tracking_number=record.tracking_number, found=False)
            try:
                self._trackings.change(TrackingById(record.id), lambda current: self._merge(current, update, now))
                changed += 1
            except TrackingNotFound:
                continue  # deleted while we asked the carrier
        return changed

    def _current(self, tracking_id: str) -> TrackingRecord | None:
        try:
            return self._trackings.get(TrackingById(tracking_id))
        except TrackingNotFound:
            return None  # deleted since it was queued

    def _merge(self, record: TrackingRecord, update: ShipmentUpdate, now: datetime) -> None:
        before = len(record.checkpoints)
        if update.found:
            apply_update(record, update, slug=record.slug, now=now)
        else:
            record.tracked_count = (record.tracked_count or 0) + 1
            self._expire_if_silent_too_long(record, now)
        if record.tag in FINAL_TAGS:
            record.active = False
            record.next_poll_at = None
            return
        last_change = _parse(record.checkpoints[-1].created_at) if record.checkpoints else _parse(record.created_at)
        if len(record.checkpoints) > before:
            last_change = now
        cap = self._settings.poll_interval_cap_seconds
        next_poll = poll_policy.next_poll_at(
            tag=record.tag,
            now=now,
            last_change=last_change,
            expected_delivery=_parse(record.expected_delivery),
            cap=timedelta(seconds=cap) if cap else None,
        )
        record.next_poll_at = iso_seconds(next_poll) if next_poll else None
        record.active = next_poll is not None

    def _expire_if_silent_too_long(self, record: TrackingRecord, now: datetime) -> None:
        created = _parse(record.created_at)
        if record.tag == Tag.PENDING and created and now - created >= timedelta(days=self._settings.pending_expiry_days):
            record.tag = Tag.EXPIRED
            record.subtag = "Expired_001"
            record.subtag_message = SUBTAG_MESSAGES["Expired_001"]


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=utc_now().tzinfo)
