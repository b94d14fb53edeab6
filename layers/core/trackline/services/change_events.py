"""Table stream -> change events: the only source of notifications.

A status change can never be stored without being announced, nor announced without being stored,
because the events come from the stored writes themselves.
"""

from typing import Any

from trackline.notifications.changes import detect_changes
from trackline.notifications.events import TrackingChange
from trackline.outbound.event_bus import ChangeEventBus
from trackline.repository.trackings import TrackingRepository
from trackline.settings import Settings, get_settings


class ChangeEventPublisher:
    def __init__(self, settings: Settings | None = None, bus: ChangeEventBus | None = None) -> None:
        settings = settings or get_settings()
        if bus is None:
            if not settings.event_bus_name:
                raise RuntimeError("EVENT_BUS_NAME is not set")
            bus = ChangeEventBus(settings.event_bus_name)
        self._bus = bus

    def publish_write(self, old_image: dict[str, Any] | None, new_image: dict[str, Any] | None) -> list[TrackingChange]:
        """Publishes what one write of a tracking item changed; returns the events."""
        changes = detect_changes(
            TrackingRepository.record_from_image(old_image), TrackingRepository.record_from_image(new_image)
        )
        if changes:
            self._bus.publish(changes)
        return changes
