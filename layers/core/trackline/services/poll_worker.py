"""The poll worker: asks a carrier about a batch of trackings and merges the answers in."""

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from aws_lambda_powertools import Logger

from trackline.carriers import registry
from trackline.carriers.base import CarrierError, ShipmentUpdate
from trackline.carriers.settings import carrier_budget
from trackline.clock import iso_seconds, utc_now
from trackline.errors import TrackingNotFound
from trackline.models.enums import SUBTAG_MESSAGES, Tag
from trackline.models.polling import PollMessage
from trackline.models.refs import TrackingById
from trackline.models.tracking import TrackingRecord
from trackline.repository.budgets import BudgetRepository
from trackline.repository.trackings import PollIndex
from trackline.repository.transit_stats import TransitStatsRepository
from trackline.services import poll_policy
from trackline.services.legs import add_legs, discovered_legs
from trackline.services.shipment_progress import FINAL_TAGS, apply_update
from trackline.services.tracking_estimates import TrackingEstimates
from trackline.services.trackings import TrackingService
from trackline.settings import Settings, get_settings

logger = Logger(child=True)
MAX_PARALLEL_REQUESTS = 32


class PollWorker:
    def __init__(self, settings: Settings | None = None, trackings: TrackingService | None = None) -> None:
        self._settings = settings or get_settings()
        self._trackings = trackings or TrackingService(settings=self._settings)
        self._budgets = BudgetRepository(self._settings.table_name)
        self._index = PollIndex(self._settings.table_name)
        self._estimates = TrackingEstimates(TransitStatsRepository(self._settings.table_name))

    def poll(self, message: PollMessage, now: datetime | None = None) -> int:
        """Poll one batch; returns how many trackings changed. A retryable CarrierError
        propagates, so the message is retried and, after its last receive, dead-lettered."""
        adapter = registry.adapter_for(message.slug, sandbox_enabled=self._settings.sandbox_enabled)
        if adapter is None:
            logger.warning("No adapter for queued courier; dropping", extra={"carrier": message.slug})
            return 0
        loaded = self._trackings.get_many(message.tracking_ids)
        for stale in (record for record in loaded if not record.active):
            self._index.forget(stale.id)  # a poll item an interrupted write left behind
        records = [record for record in loaded if record.active and record.slug == message.slug]
        if not records:
            return 0
        known = {record.tracking_number: len(record.checkpoints) for record in records}
        updates = fetch_in_parallel(adapter, list(known), known)
        now = now or utc_now()
        leg_updates = self._poll_legs(records, now)
        self._estimates.prefetch(records)

        def save(record: TrackingRecord) -> bool:
            update = updates.get(record.tracking_number) or ShipmentUpdate(tracking_number=record.tracking_number, found=False)
            legs = {
                leg.slug: leg_updates[(leg.slug, leg.tracking_number)]
                for leg in record.next_couriers
                if (leg.slug, leg.tracking_number) in leg_updates
            }
            preview = record.model_copy(deep=True)
            self._merge(preview, update, legs, now)
            if _same_shipment(preview, record):
                # Nothing new: only the small poll item is written, not the tracking.
                self._index.polled_without_news(record.id, preview.next_poll_at)
                return False
            try:
                self._trackings.change(
                    TrackingById(record.id),
                    lambda current: self._merge(current, update, legs, now),
                    current=record,
                    applied=preview,
                )
            except TrackingNotFound:
                return False  # deleted while we asked the carrier
            return True

        # Each tracking is its own versioned write; they do not depend on each other.
        with ThreadPoolExecutor(max_workers=min(len(records), MAX_PARALLEL_REQUESTS)) as pool:
            return sum(pool.map(save, records))

    def _poll_legs(self, records: list[TrackingRecord], now: datetime) -> dict[tuple[str, str], ShipmentUpdate]:
        """Ask each later leg's courier too, within that courier's budget. A leg that fails is
        simply asked again at the next poll; it never fails the tracking's own poll."""
        wanted: dict[str, set[str]] = {}
        for record in records:
            for leg in record.next_couriers:
                if leg.slug and leg.tracking_number and leg.slug != record.slug:
                    wanted.setdefault(leg.slug, set()).add(leg.tracking_number)
        found: dict[tuple[str, str], ShipmentUpdate] = {}
        for slug, numbers in wanted.items():
            adapter = registry.adapter_for(slug, sandbox_enabled=self._settings.sandbox_enabled)
            if adapter is None:
                continue
            ordered = sorted(numbers)
            budget = carrier_budget(slug)
            batches = -(-len(ordered) // adapter.max_batch)
            granted = self._budgets.reserve(slug, now, batches, per_minute=budget.per_minute, per_day=budget.per_day)
            allowed = ordered[: granted * adapter.max_batch]
            try:
                answers = fetch_in_parallel(adapter, allowed, {}) if allowed else {}
            except CarrierError as error:
                logger.warning("Leg carrier failed; asking again next poll", extra={"carrier": slug, "retryable": error.retryable})
                continue
            found.update({(slug, number): update for number, update in answers.items() if update.found})
        return found

    def _merge(self, record: TrackingRecord, update: ShipmentUpdate, legs: dict[str, ShipmentUpdate], now: datetime) -> None:
        before = len(record.checkpoints)
        record.tracked_count = (record.tracked_count or 0) + 1
        if update.found:
            apply_update(record, update, slug=record.slug, now=now)
        for leg_slug, leg_update in legs.items():
            apply_update(record, leg_update, slug=leg_slug, now=now)
        add_legs(record, discovered_legs(record, update))
        # The estimate rides on the same versioned write as the checkpoints that moved it.
        self._estimates.revise(record, moved=len(record.checkpoints) > before)
        if not update.found and not legs:
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


# What a poll always changes; anything else changing means the shipment moved. Checkpoints are
# only ever added, so their count tells whether the timeline changed.
_NOT_COMPARED = frozenset({"tracked_count", "next_poll_at", "version", "updated_at", "last_updated_at", "checkpoints"})


def _same_shipment(polled: TrackingRecord, stored: TrackingRecord) -> bool:
    return (
        polled.active
        and len(polled.checkpoints) == len(stored.checkpoints)
        and polled.model_dump(exclude=_NOT_COMPARED) == stored.model_dump(exclude=_NOT_COMPARED)
    )


def fetch_in_parallel(adapter, numbers: list[str], known: dict[str, int]) -> dict[str, ShipmentUpdate]:
    """Ask in requests of the carrier's batch size, all at once: carrier latency, not our work,
    is what a poll waits for. The first failure fails the whole batch (it is retried)."""
    chunks = [numbers[start : start + adapter.max_batch] for start in range(0, len(numbers), adapter.max_batch)]
    if len(chunks) <= 1:
        return adapter.fetch(numbers, known_checkpoints=known) if numbers else {}
    updates: dict[str, ShipmentUpdate] = {}
    with ThreadPoolExecutor(max_workers=min(len(chunks), MAX_PARALLEL_REQUESTS)) as pool:
        for answer in pool.map(lambda chunk: adapter.fetch(chunk, known_checkpoints=known), chunks):
            updates.update(answer)
    return updates


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=utc_now().tzinfo)
