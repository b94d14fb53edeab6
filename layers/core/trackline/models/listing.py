"""What GET /trackings asks the store for, after the service has parsed the query."""

from pydantic import BaseModel, ConfigDict


# Both are built on a list request's first use: a cold start that serves a read by id skips them.
class TrackingFilter(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    created_at_min: str
    created_at_max: str
    updated_at_min: str | None = None
    updated_at_max: str | None = None
    keyword: str | None = None
    tracking_numbers: tuple[str, ...] = ()
    slugs: tuple[str, ...] = ()
    tag: str | None = None
    transit_time: int | None = None
    origins: tuple[str, ...] = ()
    destinations: tuple[str, ...] = ()
    return_to_sender: tuple[bool, ...] = ()
    courier_destination_countries: tuple[str, ...] = ()
    shipment_tags: tuple[str, ...] = ()
    order_ids: tuple[str, ...] = ()


class TrackingPage(BaseModel):
    model_config = ConfigDict(defer_build=True)

    count: int
    trackings: list  # list[TrackingRecord]; kept loose to avoid an import cycle
