"""GET /trackings: the query string as the contract reads it, turned into a store filter."""

from datetime import UTC, datetime, timedelta

from trackline.clock import iso_seconds, utc_now
from trackline.errors import InvalidValue
from trackline.models.fields import normalise_tracking_number
from trackline.models.listing import TrackingFilter
from trackline.models.requests import ListTrackingsQuery

DEFAULT_WINDOW = timedelta(days=30)
MAX_TRACKING_NUMBERS = 50


def _csv(value: str | None, *, upper: bool = False, lower: bool = False) -> tuple[str, ...]:
    parts = [part.strip() for part in (value or "").split(",") if part.strip()]
    if upper:
        parts = [part.upper() for part in parts]
    if lower:
        parts = [part.lower() for part in parts]
    return tuple(dict.fromkeys(parts))


def _optional_time(value: str | None) -> str | None:
    """A query time in UTC; None when absent or unparsable. A "+" decoded as a space is read back."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace(" ", "+"))
    except ValueError:
        return None
    return iso_seconds(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def _time_or(value: str | None, default: datetime) -> str:
    """2024-04 falls back to the default, silently, when a time does not parse."""
    return _optional_time(value) or iso_seconds(default)


def filter_from_query(query: ListTrackingsQuery) -> TrackingFilter:
    now = utc_now()
    numbers = _csv(query.tracking_numbers)
    if len(numbers) > MAX_TRACKING_NUMBERS:
        raise InvalidValue("tracking_numbers", f"Send at most {MAX_TRACKING_NUMBERS} tracking numbers.")
    try:
        numbers = tuple(dict.fromkeys(normalise_tracking_number(number) for number in numbers))
    except ValueError as error:
        raise InvalidValue("tracking_numbers", "Each tracking number must be 4 to 100 letters, digits, - . _") from error
    return TrackingFilter(
        created_at_min=_time_or(query.created_at_min, now - DEFAULT_WINDOW),
        created_at_max=_time_or(query.created_at_max, now),
        updated_at_min=_optional_time(query.updated_at_min),
        updated_at_max=_optional_time(query.updated_at_max),
        keyword=(query.keyword or "").strip() or None,
        tracking_numbers=numbers,
        slugs=_csv(query.slug, lower=True),
        tag=query.tag,
        transit_time=query.transit_time,
        origins=_csv(query.origin, upper=True),
        destinations=_csv(query.destination, upper=True),
        return_to_sender=tuple(part == "true" for part in _csv(query.return_to_sender)),
        courier_destination_countries=_csv(query.courier_destination_country_iso3, upper=True),
        shipment_tags=_csv(query.shipment_tags),
        order_ids=_csv(query.order_id),
    )
