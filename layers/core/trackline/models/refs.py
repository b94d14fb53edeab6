"""How a request names one tracking: by id, or by slug + tracking number (+ additional fields)."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TrackingById:
    tracking_id: str


@dataclass(frozen=True)
class TrackingByNumber:
    slug: str
    tracking_number: str
    additional_fields: dict[str, str] = field(default_factory=dict)


TrackingRef = TrackingById | TrackingByNumber
