"""The Tracking as the 2024-04 contract shapes it, and the stored record around it.

Every contract field is optional and serialised with nulls, as AfterShip does; types follow the
official SDK strictly (ints are ints, lists are lists, dates are strings).
"""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from trackline.models.enums import HasAdditionalFields, Tag


class ContractModel(BaseModel):
    # defer_build keeps cold starts short: a schema is built on first use, not at import.
    model_config = ConfigDict(defer_build=True, use_enum_values=True, extra="ignore")


class Coordinate(ContractModel):
    latitude: float | None = None
    longitude: float | None = None


class EventReason(ContractModel):
    code: str | None = None


class CheckpointEvent(ContractModel):
    code: str | None = None
    reason: EventReason | None = None


class Checkpoint(ContractModel):
    created_at: str | None = None
    slug: str | None = None
    checkpoint_time: str | None = None
    location: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    coordinate: Coordinate | None = None
    country_iso3: str | None = None
    country_name: str | None = None
    message: str | None = None
    tag: Tag | None = None
    subtag: str | None = None
    subtag_message: str | None = None
    raw_tag: str | None = None
    events: list[CheckpointEvent] | None = None


class NextCourier(ContractModel):
    slug: str | None = None
    tracking_number: str | None = None
    source: str | None = None


class AftershipEstimatedDeliveryDate(ContractModel):
    estimated_delivery_date: str | None = None
    confidence_code: float | None = None
    estimated_delivery_date_min: str | None = None
    estimated_delivery_date_max: str | None = None


class CustomEstimatedDeliveryDate(ContractModel):
    type: str | None = None
    datetime: str | None = None
    datetime_min: str | None = None
    datetime_max: str | None = None


class EstimatedDelivery(ContractModel):
    type: str | None = None
    source: str | None = None
    datetime: str | None = None
    datetime_min: str | None = None
    datetime_max: str | None = None


class CarbonEmissions(ContractModel):
    unit: str | None = None
    value: float | None = None


class Tracking(HasAdditionalFields, ContractModel):
    id: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    last_updated_at: str | None = None
    tracking_number: str | None = None
    slug: str | None = None
    active: bool | None = None
    custom_fields: dict[str, str] | None = None
    customer_name: str | None = None
    transit_time: int | None = None
    origin_country_iso3: str | None = None
    origin_state: str | None = None
    origin_city: str | None = None
    origin_postal_code: str | None = None
    origin_raw_location: str | None = None
    destination_country_iso3: str | None = None
    destination_state: str | None = None
    destination_city: str | None = None
    destination_postal_code: str | None = None
    destination_raw_location: str | None = None
    courier_destination_country_iso3: str | None = None
    emails: list[str] = Field(default_factory=list)
    smses: list[str] = Field(default_factory=list)
    expected_delivery: str | None = None
    note: str | None = None
    order_id: str | None = None
    order_id_path: str | None = None
    order_date: str | None = None
    order_number: str | None = None
    shipment_package_count: float | None = None
    shipment_pickup_date: str | None = None
    shipment_delivery_date: str | None = None
    shipment_type: str | None = None
    shipment_weight: float | None = None
    shipment_weight_unit: str | None = None
    signed_by: str | None = None
    source: str | None = None
    tag: Tag | None = None
    subtag: str | None = None
    subtag_message: str | None = None
    title: str | None = None
    tracked_count: float | None = None
    last_mile_tracking_supported: bool | None = None
    language: str | None = None
    unique_token: str | None = None
    checkpoints: list[Checkpoint] = Field(default_factory=list)
    subscribed_smses: list[str] = Field(default_factory=list)
    subscribed_emails: list[str] = Field(default_factory=list)
    return_to_sender: bool | None = None
    order_promised_delivery_date: str | None = None
    delivery_type: str | None = None
    pickup_location: str | None = None
    pickup_note: str | None = None
    courier_tracking_link: str | None = None
    courier_redirect_link: str | None = None
    first_attempted_at: str | None = None
    tracking_account_number: str | None = None
    tracking_key: str | None = None
    tracking_ship_date: str | None = None
    tracking_origin_country: str | None = None
    tracking_destination_country: str | None = None
    tracking_postal_code: str | None = None
    tracking_state: str | None = None
    on_time_status: str | None = None
    on_time_difference: float | None = None
    order_tags: list[str] = Field(default_factory=list)
    shipment_tags: list[str] = Field(default_factory=list)
    aftership_estimated_delivery_date: AftershipEstimatedDeliveryDate | None = None
    custom_estimated_delivery_date: CustomEstimatedDeliveryDate | None = None
    first_estimated_delivery: EstimatedDelivery | None = None
    latest_estimated_delivery: EstimatedDelivery | None = None
    courier_connection_id: str | None = None
    next_couriers: list[NextCourier] = Field(default_factory=list)
    carbon_emissions: CarbonEmissions | None = None
    location_id: str | None = None
    shipping_method: str | None = None
    failed_delivery_attempts: int | None = None
    signature_requirement: str | None = None
    # The public tracking page (the field AfterShip names so in later versions; 2024-04
    # clients ignore fields they do not know).
    aftership_tracking_url: str | None = None


class TrackingRecord(Tracking):
    """A tracking as stored: the contract fields plus what the service needs to run it."""

    version: int = 0
    retrack_count: int = 0
    next_poll_at: str | None = None
    expire_at: int | None = None
    # The secret half of the tracking page's token (trackline.tracking_page.links); never
    # part of what the API returns, except inside aftership_tracking_url.
    tracking_page_secret: str | None = None

    def contract_document(self) -> dict[str, Any]:
        """The tracking as the API returns it: every contract field, nothing internal."""
        return self.model_dump(mode="json", include=_CONTRACT_FIELDS)


_CONTRACT_FIELDS = frozenset(Tracking.model_fields)


def serialise(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")
