"""Publishing change events on the stack's EventBridge bus."""

from collections.abc import Sequence

from trackline.notifications.events import EVENT_DETAIL_TYPE, EVENT_SOURCE, TrackingChange
from trackline.outbound.aws_clients import aws_client

MAX_ENTRIES_PER_CALL = 10  # PutEvents' limit


class EventPublishFailed(RuntimeError):
    """The bus refused some entries; the caller retries the whole write (event ids are stable)."""


class ChangeEventBus:
    def __init__(self, bus_name: str) -> None:
        self._bus_name = bus_name

    def publish(self, changes: Sequence[TrackingChange]) -> None:
        for start in range(0, len(changes), MAX_ENTRIES_PER_CALL):
            chunk = changes[start : start + MAX_ENTRIES_PER_CALL]
            response = aws_client("events").put_events(Entries=[self._entry(change) for change in chunk])
            if response.get("FailedEntryCount"):
                codes = sorted({entry.get("ErrorCode", "") for entry in response.get("Entries", []) if entry.get("ErrorCode")})
                raise EventPublishFailed(f"{response['FailedEntryCount']} change events were refused: {', '.join(codes)}")

    def _entry(self, change: TrackingChange) -> dict:
        return {
            "EventBusName": self._bus_name,
            "Source": EVENT_SOURCE,
            "DetailType": EVENT_DETAIL_TYPE,
            "Resources": [],
            "Detail": change.model_dump_json(),
        }
