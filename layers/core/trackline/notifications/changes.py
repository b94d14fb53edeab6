"""What a write to a tracking changed, in the terms its followers care about.

Only four things are news: the tag changed, the first checkpoint arrived (the parcel became
trackable), new checkpoints arrived, an estimated delivery date changed. Everything else a write
may touch (a note, a title, the poll bookkeeping) is not announced.
"""

import json

from trackline.clock import iso_seconds, utc_now
from trackline.models.enums import Tag
from trackline.models.tracking import Checkpoint, TrackingRecord
from trackline.notifications.events import ChangeKind, TrackingChange, WebhookEvent, event_id_for

# EventBridge takes 256 KB per entry; the rest of the entry and the detail's own fields fit in what
# is left. A larger tracking travels by reference (its id and version) instead.
MAX_SNAPSHOT_BYTES = 200_000


def detect_changes(old: TrackingRecord | None, new: TrackingRecord | None) -> list[TrackingChange]:
    """The events one write produces (none for a delete or an expiry)."""
    if new is None or new.id is None or new.tag is None:
        return []
    kinds = _update_kinds(old, new)
    changes = []
    if kinds:
        changes.append(_change(WebhookEvent.TRACKING_UPDATE, old, new, kinds))
    if old is not None and _estimated_delivery(old) != _estimated_delivery(new):
        changes.append(_change(WebhookEvent.EDD_REVISE, old, new, (ChangeKind.ESTIMATED_DELIVERY,)))
    return changes


def _update_kinds(old: TrackingRecord | None, new: TrackingRecord) -> tuple[ChangeKind, ...]:
    previous_tag = old.tag if old else None
    old_checkpoints = old.checkpoints if old else []
    kinds = []
    # A tracking created as Pending has told nobody anything yet.
    if new.tag != previous_tag and not (old is None and new.tag == Tag.PENDING):
        kinds.append(ChangeKind.TAG)
    if new.checkpoints and not old_checkpoints:
        kinds.append(ChangeKind.FIRST_CHECKPOINT)
    known = {_identity(checkpoint) for checkpoint in old_checkpoints}
    if any(_identity(checkpoint) not in known for checkpoint in new.checkpoints):
        kinds.append(ChangeKind.CHECKPOINTS)
    return tuple(kinds)


def is_first_time_under(tag: str, old: TrackingRecord | None) -> bool:
    """True unless the tracking has been under this tag before (as its tag or a checkpoint's)."""
    if old is None:
        return True
    return old.tag != tag and all(checkpoint.tag != tag for checkpoint in old.checkpoints)


def _change(event: WebhookEvent, old: TrackingRecord | None, new: TrackingRecord, kinds: tuple) -> TrackingChange:
    first_tag = event == WebhookEvent.TRACKING_UPDATE and ChangeKind.TAG in kinds and is_first_time_under(new.tag, old)
    return TrackingChange(
        event=event,
        event_id=event_id_for(new.id, new.version, event),
        tracking_id=new.id,
        version=new.version,
        tag=new.tag,
        previous_tag=old.tag if old else None,
        kinds=kinds,
        is_tracking_first_tag=first_tag,
        changed_at=new.updated_at or iso_seconds(utc_now()),
        tracking=_snapshot(new),
    )


def _snapshot(record: TrackingRecord) -> dict | None:
    document = record.contract_document()
    size = len(json.dumps(document, separators=(",", ":")).encode())
    return document if size <= MAX_SNAPSHOT_BYTES else None


def _identity(checkpoint: Checkpoint) -> tuple:
    return (checkpoint.checkpoint_time, checkpoint.message, checkpoint.location, checkpoint.tag, checkpoint.subtag, checkpoint.slug)


def _estimated_delivery(record: TrackingRecord) -> tuple:
    """Every estimate the contract carries; a change in any of them is an edd_revise."""
    return (
        record.expected_delivery,
        _dump(record.aftership_estimated_delivery_date),
        _dump(record.custom_estimated_delivery_date),
        _dump(record.latest_estimated_delivery),
    )


def _dump(model) -> tuple | None:
    return tuple(sorted(model.model_dump(exclude_none=True).items())) if model is not None else None
