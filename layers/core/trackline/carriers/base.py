"""What every carrier adapter implements, and what it returns."""

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from trackline.models.tracking import Checkpoint


class CarrierSettings(BaseModel):
    """Where a carrier is and how to sign in: from Secrets Manager in AWS, the environment locally."""

    model_config = ConfigDict(frozen=True)

    base_url: str
    api_key: str | None = None
    client_id: str | None = None
    client_secret: str | None = None

    @property
    def has_credentials(self) -> bool:
        return bool(self.api_key or (self.client_id and self.client_secret))


class ShipmentUpdate(BaseModel):
    """What a carrier said about one tracking number, already normalised to the contract."""

    tracking_number: str
    found: bool = True  # False: the carrier does not know the number (yet); not an error
    checkpoints: list[Checkpoint] = Field(default_factory=list)  # each with tag, subtag, raw_tag
    expected_delivery: str | None = None
    shipment_pickup_date: str | None = None
    shipment_delivery_date: str | None = None
    signed_by: str | None = None
    courier_destination_country_iso3: str | None = None
    origin_country_iso3: str | None = None
    destination_country_iso3: str | None = None
    shipment_weight: float | None = None
    shipment_weight_unit: str | None = None
    shipment_package_count: float | None = None
    shipment_type: str | None = None
    signature_requirement: str | None = None
    # The destination leg a carrier hands over to, e.g. a postal operator's number.
    next_courier_slug: str | None = None
    next_courier_tracking_number: str | None = None


class CarrierError(Exception):
    """A carrier answer that carries no tracking information.

    `retryable` faults (timeouts, 5xx, 429, an expired token) are retried with backoff and then
    go to the dead-letter queue; the others (bad credentials, a refused request) are not.
    """

    def __init__(self, message: str, *, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


class CarrierAdapter(Protocol):
    slug: str
    max_batch: int  # how many numbers one request may carry

    def fetch(
        self, tracking_numbers: list[str], known_checkpoints: Mapping[str, int] | None = None
    ) -> dict[str, ShipmentUpdate]:
        """One update per number asked for; a number the carrier does not know has found=False.

        `known_checkpoints` (number -> checkpoints already stored) matters only to scripted
        carriers such as the sandbox; real carriers return their whole history and ignore it.
        """
        ...


def checkpoint(
    *,
    subtag: str,
    raw_tag: str,
    checkpoint_time: str | None,
    message: str | None,
    city: str | None = None,
    state: str | None = None,
    zip: str | None = None,
    country: str | None = None,
    location: str | None = None,
    slug: str | None = None,
    events: list[dict] | None = None,
) -> Checkpoint:
    """A checkpoint whose tag and subtag_message follow from its subtag (the status tables give
    subtags), with the country as alpha-3 and its name."""
    from trackline.countries import country_name, iso3
    from trackline.models.enums import SUBTAG_MESSAGES, tag_of_subtag

    country_iso3 = iso3(country)
    place = location or ", ".join(part for part in (city, state, zip, country_iso3) if part) or None
    return Checkpoint(
        slug=slug,
        checkpoint_time=checkpoint_time,
        message=message,
        city=city,
        state=state,
        zip=zip,
        country_iso3=country_iso3,
        country_name=country_name(country_iso3),
        location=place,
        tag=tag_of_subtag(subtag),
        subtag=subtag,
        subtag_message=SUBTAG_MESSAGES[subtag],
        raw_tag=raw_tag,
        events=events or None,
    )


def timeline_instant(checkpoint_time: str | None) -> datetime:
    """For ordering a timeline only: a carrier time without an offset is taken as UTC, and one
    that does not parse goes last."""
    try:
        moment = datetime.fromisoformat(checkpoint_time or "")
    except ValueError:
        return datetime.max.replace(tzinfo=UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def oldest_first(checkpoints: list[Checkpoint]) -> list[Checkpoint]:
    """By time; equal times keep the carrier's order (the sort is stable)."""
    return sorted(checkpoints, key=lambda point: timeline_instant(point.checkpoint_time))
