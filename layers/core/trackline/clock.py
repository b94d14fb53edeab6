"""Time in the formats the contract uses."""

from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso_seconds(moment: datetime) -> str:
    """`2024-04-01T08:47:10+00:00`: UTC, whole seconds, explicit offset."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()
