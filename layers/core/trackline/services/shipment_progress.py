"""Merging what a carrier said into a tracking: checkpoints deduplicated by a stable hash and
ordered by time, then the status and the fields the carrier knows recomputed from them."""

import hashlib
from datetime import UTC, datetime

from trackline.carriers.base import ShipmentUpdate, oldest_first
from trackline.models.enums import RETURN_TO_SENDER_SUBTAGS, SUBTAG_MESSAGES, Tag, tag_of_subtag
from trackline.models.tracking import Checkpoint, TrackingRecord

# Terminal states: the shipment will not move again, so polling stops.
FINAL_TAGS = frozenset({Tag.DELIVERED, Tag.EXPIRED})
_CARRIER_FIELDS = (
    "expected_delivery",
    "signed_by",
    "courier_destination_country_iso3",
    "shipment_weight",
    "shipment_weight_unit",
    "shipment_package_count",
    "signature_requirement",
)


def checkpoint_hash(checkpoint: Checkpoint) -> str:
    """Stable across polls: the same carrier event always hashes the same, whatever order or
    batch it arrives in, so a checkpoint is never stored twice."""
    identity = "\x1f".join(
        str(part or "")
        for part in (
            checkpoint.slug,
            checkpoint.checkpoint_time,
            checkpoint.raw_tag,
            checkpoint.message,
            checkpoint.location,
            checkpoint.zip,
        )
    )
    return hashlib.sha256(identity.encode()).hexdigest()[:24]


def merge_checkpoints(existing: list[Checkpoint], incoming: list[Checkpoint], *, slug: str, stored_at: str) -> list[Checkpoint]:
    """The new checkpoints of `incoming` (stamped with `slug` and `stored_at`), merged into
    `existing`, oldest first. Returns the added ones; `existing` is extended in place."""
    known = {checkpoint_hash(checkpoint) for checkpoint in existing}
    added = []
    for checkpoint in incoming:
        stamped = checkpoint.model_copy(update={"slug": checkpoint.slug or slug, "created_at": stored_at})
        key = checkpoint_hash(stamped)
        if key not in known:
            known.add(key)
            added.append(stamped)
    existing.extend(added)
    existing[:] = oldest_first(existing)
    return added


def apply_update(record: TrackingRecord, update: ShipmentUpdate, *, slug: str, now: datetime) -> list[Checkpoint]:
    """Merge one carrier update (of the tracking's courier or of a later leg) into the tracking;
    returns the checkpoints it added. All legs share one timeline and one status."""
    stamp = now.astimezone(UTC).replace(microsecond=0).isoformat()
    added = merge_checkpoints(record.checkpoints, update.checkpoints, slug=slug, stored_at=stamp)
    for name in _CARRIER_FIELDS:
        value = getattr(update, name)
        if value is not None:
            setattr(record, name, value)
    if update.shipment_type and not record.shipment_type:
        record.shipment_type = update.shipment_type  # the merchant's own value is never overwritten
    for name in ("origin_country_iso3", "destination_country_iso3"):
        if getattr(update, name) and not getattr(record, name):
            setattr(record, name, getattr(update, name))
    _recompute_status(record, update)
    return added


def _recompute_status(record: TrackingRecord, update: ShipmentUpdate) -> None:
    if not record.checkpoints:
        return
    latest = record.checkpoints[-1]
    if latest.subtag in SUBTAG_MESSAGES:
        record.tag = tag_of_subtag(latest.subtag)
        record.subtag = latest.subtag
        record.subtag_message = SUBTAG_MESSAGES[latest.subtag]
    subtags = [checkpoint.subtag for checkpoint in record.checkpoints]
    record.return_to_sender = any(subtag in RETURN_TO_SENDER_SUBTAGS for subtag in subtags)
    attempts = [c for c in record.checkpoints if c.tag == Tag.ATTEMPT_FAIL]
    record.failed_delivery_attempts = len(attempts)
    first_attempt = next((c for c in record.checkpoints if c.tag in (Tag.ATTEMPT_FAIL, Tag.DELIVERED)), None)
    record.first_attempted_at = first_attempt.checkpoint_time if first_attempt else None
    # Dates the carrier states win; otherwise they follow the whole timeline, so events that
    # arrive late or out of order give the same dates as if they had come all at once.
    pickup = update.shipment_pickup_date or _first_time(record.checkpoints, Tag.IN_TRANSIT)
    record.shipment_pickup_date = pickup or record.shipment_pickup_date
    if update.shipment_delivery_date:
        record.shipment_delivery_date = update.shipment_delivery_date
    else:
        record.shipment_delivery_date = latest.checkpoint_time if record.tag == Tag.DELIVERED else None
    record.transit_time = _transit_days(record.shipment_pickup_date, record.shipment_delivery_date)


def _first_time(checkpoints: list[Checkpoint], tag: Tag) -> str | None:
    return next((c.checkpoint_time for c in checkpoints if c.tag == tag), None)


def _transit_days(pickup: str | None, delivery: str | None) -> int | None:
    """Days from pickup to delivery, or to now while not delivered; None without a pickup."""
    if not pickup:
        return None
    try:
        start = datetime.fromisoformat(pickup)
        end = datetime.fromisoformat(delivery) if delivery else datetime.now(start.tzinfo or None)
    except ValueError:
        return None
    if (start.tzinfo is None) != (end.tzinfo is None):
        start, end = start.replace(tzinfo=None), end.replace(tzinfo=None)
    return max(0, (end.date() - start.date()).days)
