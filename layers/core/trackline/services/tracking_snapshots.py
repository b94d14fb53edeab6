"""The tracking a change event speaks of: the snapshot it carries, or the stored one."""

from typing import Any

from trackline.models.tracking import TrackingRecord
from trackline.notifications.events import TrackingChange
from trackline.repository.trackings import TrackingRepository


def tracking_of(change: TrackingChange, repository: TrackingRepository) -> TrackingRecord | None:
    """None when the event travelled without a snapshot and the tracking is gone since."""
    if change.tracking is not None:
        return TrackingRecord.model_validate(change.tracking)
    return repository.get(change.tracking_id)


def document_of(change: TrackingChange, repository: TrackingRepository) -> dict[str, Any] | None:
    if change.tracking is not None:
        return change.tracking
    record = repository.get(change.tracking_id)
    return record.contract_document() if record else None
