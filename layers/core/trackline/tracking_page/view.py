"""What the public page may show of a tracking, and nothing else.

The view is built from an allow-list: the tracking number, the status, the couriers and their
links, the estimated or actual delivery date, and per checkpoint its time, message, city and
country. Names, emails, phone numbers, addresses, postal codes, order data, notes and custom
fields never reach the page; a carrier message that repeats one of the tracking's personal
values (the signer's name, say) has it masked.
"""

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

from trackline.countries import country_name
from trackline.models.enums import Tag
from trackline.models.tracking import Checkpoint, CustomEstimatedDeliveryDate, EstimatedDelivery, TrackingRecord
from trackline.tracking_page.stages import Progress, progress_of

MASK = "***"
MIN_MASKED_LENGTH = 4  # shorter values would mask ordinary words and numbers
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_PHONE = re.compile(r"\+\d[\d ().-]{6,}\d")  # international numbers; bare digits are too often codes


@dataclass(frozen=True)
class Moment:
    """A carrier time as the carrier gave it (local to the event): a day, maybe a time of day."""

    raw: str
    day: date | None
    time_of_day: str | None  # "HH:MM"
    instant: float | None  # for ordering; a time without offset counts as UTC

    @classmethod
    def of(cls, raw: str | None) -> "Moment | None":
        if not raw:
            return None
        try:
            parsed = datetime.fromisoformat(raw)
        except ValueError:
            return cls(raw, None, None, None)
        has_time = "T" in raw or " " in raw.strip()
        aware = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        return cls(raw, parsed.date(), parsed.strftime("%H:%M") if has_time else None, aware.timestamp())


@dataclass(frozen=True)
class CourierLink:
    name: str
    link: str | None  # http(s) only


@dataclass(frozen=True)
class Estimate:
    first: Moment
    last: Moment | None = None  # the end of a window


@dataclass(frozen=True)
class TimelineEntry:
    moment: Moment | None
    message: str | None
    place: str | None
    courier_name: str | None  # when another leg's courier reported it
    tag: str | None


@dataclass(frozen=True)
class PageView:
    tracking_number: str
    tag: str
    progress: Progress
    courier: CourierLink | None
    other_couriers: tuple[CourierLink, ...]
    estimate: Estimate | None
    delivered: Moment | None
    timeline: tuple[TimelineEntry, ...]  # newest first


def page_view(record: TrackingRecord) -> PageView:
    mask = _masker(record)
    checkpoints = list(record.checkpoints)
    tag = record.tag or Tag.PENDING
    return PageView(
        tracking_number=record.tracking_number or "",
        tag=tag,
        progress=progress_of(tag, [checkpoint.tag for checkpoint in checkpoints]),
        courier=_courier(record.slug, record.courier_tracking_link),
        other_couriers=_other_couriers(record, checkpoints),
        estimate=None if tag in _FINISHED else _estimate(record),
        delivered=_delivered(record, checkpoints) if tag == Tag.DELIVERED else None,
        timeline=_timeline(checkpoints, record.slug, mask),
    )


# -- couriers -------------------------------------------------------------------------------


def _courier(slug: str | None, link: str | None) -> CourierLink | None:
    from trackline.services.courier_resolution import UNRECOGNIZED, catalog

    if not slug or slug == UNRECOGNIZED:
        return None
    known = catalog().get_courier(slug)
    return CourierLink(known.name if known else slug, link if _is_web_link(link) else None)


def _other_couriers(record: TrackingRecord, checkpoints: list[Checkpoint]) -> tuple[CourierLink, ...]:
    """Every other leg's courier: the announced ones, then any that reported on the parcel."""
    numbers = {leg.slug: leg.tracking_number for leg in record.next_couriers if leg.slug}
    slugs = dict.fromkeys([*numbers, *(checkpoint.slug for checkpoint in checkpoints if checkpoint.slug)])
    slugs.pop(record.slug, None)
    couriers = (_courier(slug, _link_for(slug, numbers.get(slug))) for slug in slugs)
    return tuple(courier for courier in couriers if courier is not None)


def _link_for(slug: str, tracking_number: str | None) -> str | None:
    from trackline.services.courier_resolution import catalog

    return catalog().tracking_link(slug, tracking_number) if tracking_number else None


def _courier_name(slug: str | None) -> str | None:
    courier = _courier(slug, None)
    return courier.name if courier else None


def _is_web_link(link: str | None) -> bool:
    parts = urlsplit(link or "")
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


# -- dates ----------------------------------------------------------------------------------

_FINISHED = frozenset({Tag.DELIVERED, Tag.EXPIRED})


def _estimate(record: TrackingRecord) -> Estimate | None:
    for first, last in _estimates(record):
        if first_moment := Moment.of(first):
            last_moment = Moment.of(last)
            same_day = last_moment is not None and last_moment.day is not None and last_moment.day == first_moment.day
            return Estimate(first_moment, None if same_day else last_moment)
    return None


def _estimates(record: TrackingRecord) -> Iterator[tuple[str | None, str | None]]:
    """(a date or a window's start, the window's end), best first: the merchant's own promise,
    the carrier's date, then the prediction."""
    if record.custom_estimated_delivery_date is not None:
        yield _window(record.custom_estimated_delivery_date)
    yield record.expected_delivery, None
    if record.latest_estimated_delivery is not None:
        yield _window(record.latest_estimated_delivery)
    predicted = record.aftership_estimated_delivery_date
    if predicted is not None:
        if predicted.estimated_delivery_date_min and predicted.estimated_delivery_date_max:
            yield predicted.estimated_delivery_date_min, predicted.estimated_delivery_date_max
        yield predicted.estimated_delivery_date, None


def _window(estimate: CustomEstimatedDeliveryDate | EstimatedDelivery) -> tuple[str | None, str | None]:
    return (estimate.datetime, None) if estimate.datetime else (estimate.datetime_min, estimate.datetime_max)


def _delivered(record: TrackingRecord, checkpoints: list[Checkpoint]) -> Moment | None:
    delivered = [checkpoint.checkpoint_time for checkpoint in checkpoints if checkpoint.tag == Tag.DELIVERED]
    return Moment.of(record.shipment_delivery_date) or Moment.of(delivered[-1] if delivered else None)


# -- the timeline ---------------------------------------------------------------------------


def _timeline(checkpoints: list[Checkpoint], slug: str | None, mask) -> tuple[TimelineEntry, ...]:
    entries = [
        TimelineEntry(
            moment=Moment.of(checkpoint.checkpoint_time),
            message=mask(checkpoint.message),
            place=_place(checkpoint),
            courier_name=_courier_name(checkpoint.slug) if checkpoint.slug and checkpoint.slug != slug else None,
            tag=checkpoint.tag,
        )
        for checkpoint in checkpoints
    ]
    return _newest_first(entries)


def _newest_first(entries: list[TimelineEntry]) -> tuple[TimelineEntry, ...]:
    """By the time each event happened (legs report in their own time zones); the stored order
    breaks ties, and events whose time cannot be read go last."""

    def key(index: int) -> tuple[bool, float, int]:
        moment = entries[index].moment
        instant = moment.instant if moment else None
        return instant is not None, instant or 0.0, index

    return tuple(entries[index] for index in sorted(range(len(entries)), key=key, reverse=True))


def _place(checkpoint: Checkpoint) -> str | None:
    """City and country only: a checkpoint's location, state and postal code can be an address."""
    country = checkpoint.country_name or country_name(checkpoint.country_iso3)
    parts = [part.strip() for part in (checkpoint.city, country) if part and part.strip()]
    return ", ".join(dict.fromkeys(parts)) or None


def _masker(record: TrackingRecord):
    """Masks the tracking's personal values, and any email address or international phone
    number, in carrier text."""
    values = sorted(
        {value.strip() for value in _personal_values(record) if value and len(value.strip()) >= MIN_MASKED_LENGTH},
        key=len,
        reverse=True,
    )
    known = re.compile("|".join(re.escape(value) for value in values), re.IGNORECASE) if values else None

    def mask(text: str | None) -> str | None:
        if not text:
            return None
        text = _PHONE.sub(MASK, _EMAIL.sub(MASK, text))
        return known.sub(MASK, text) if known else text

    return mask


def _personal_values(record: TrackingRecord) -> Iterable[str | None]:
    yield from (record.customer_name, record.signed_by, record.order_id, record.order_number, record.note)
    yield from (*record.emails, *record.smses, *record.subscribed_emails, *record.subscribed_smses)
    for side in ("origin", "destination"):
        address = getattr(record, f"{side}_raw_location")
        yield address
        # Its street and postcode lines (they hold digits) on their own; a city alone may show.
        yield from (line for line in (address or "").split(",") if any(char.isdigit() for char in line))
        yield getattr(record, f"{side}_postal_code")
    yield record.tracking_postal_code
