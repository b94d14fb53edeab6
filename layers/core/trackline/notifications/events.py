"""The change events that the table stream produces and the notifier and webhook sender consume.

An event is the EventBridge detail of a "Tracking Changed" event. Its id is derived from the
tracking, the version written and the event name, so a redelivered stream record produces the
same event again and everything downstream can recognise it.
"""

import hashlib
import uuid
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from trackline.models.enums import Tag

EVENT_SOURCE = "trackline"
EVENT_DETAIL_TYPE = "Tracking Changed"


class ChangeKind(StrEnum):
    TAG = "tag"  # the tag changed
    FIRST_CHECKPOINT = "first_checkpoint"  # the parcel became trackable
    CHECKPOINTS = "checkpoints"  # new checkpoints arrived
    ESTIMATED_DELIVERY = "estimated_delivery"  # an estimated delivery date changed


class WebhookEvent(StrEnum):
    TRACKING_UPDATE = "tracking_update"
    EDD_REVISE = "edd_revise"


class TrackingChange(BaseModel):
    model_config = ConfigDict(frozen=True, use_enum_values=True)

    event: WebhookEvent
    event_id: str
    tracking_id: str
    version: int
    tag: Tag
    previous_tag: Tag | None = None
    kinds: tuple[ChangeKind, ...]
    is_tracking_first_tag: bool
    changed_at: str
    # The tracking as the 2024-04 API returns it, as of this version. None when it would not fit
    # an EventBridge entry; consumers then read the tracking as it is now.
    tracking: dict[str, Any] | None = None

    @property
    def changed_at_epoch(self) -> int:
        from datetime import datetime

        return int(datetime.fromisoformat(self.changed_at).timestamp())


def event_id_for(tracking_id: str, version: int, event: WebhookEvent) -> str:
    """A UUID in version-4 form (as the contract's event_id) that is the same on every redelivery."""
    digest = hashlib.sha256(f"{tracking_id}:{version}:{event}".encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


class _BusEvent(BaseModel):
    """The EventBridge event as a rule's SQS target receives it (only the part we read)."""

    detail: TrackingChange


def change_from_queue_body(body: str) -> TrackingChange:
    return _BusEvent.model_validate_json(body).detail
