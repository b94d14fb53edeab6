"""Request bodies and query strings, as the 2024-04 contract defines them."""

from typing import Any

from pydantic import ConfigDict, Field, model_validator

from trackline.models.enums import CompletionReason, DeliveryType, SlugGroup, Tag
from trackline.models.fields import (
    CalendarDate,
    CountryIso3,
    CustomFields,
    EmailInput,
    EmailList,
    IsoDateTime,
    LanguageCode,
    LongText,
    PhoneInput,
    PhoneList,
    ShipmentTags,
    ShortText,
    Slug,
    TrackingNumber,
    meta_error,
)
from trackline.models.request_base import AdditionalFieldsInput, RequestModel, WrappedBody


class NextCourierInput(RequestModel):
    slug: Slug
    tracking_number: TrackingNumber


class EditableFields(AdditionalFieldsInput):
    """What both create and update may set."""

    title: ShortText | None = None
    order_id: ShortText | None = None
    order_id_path: LongText | None = None
    order_number: ShortText | None = None
    order_date: IsoDateTime | None = None
    order_promised_delivery_date: CalendarDate | None = None
    custom_fields: CustomFields | None = None
    language: LanguageCode | None = None
    delivery_type: DeliveryType | None = None
    pickup_location: ShortText | None = None
    pickup_note: LongText | None = None
    emails: EmailList | None = None
    smses: PhoneList | None = None
    customer_name: ShortText | None = None
    note: LongText | None = None
    origin_country_iso3: CountryIso3 | None = None
    origin_state: ShortText | None = None
    origin_city: ShortText | None = None
    origin_postal_code: ShortText | None = None
    origin_raw_location: LongText | None = None
    destination_country_iso3: CountryIso3 | None = None
    destination_state: ShortText | None = None
    destination_city: ShortText | None = None
    destination_postal_code: ShortText | None = None
    destination_raw_location: LongText | None = None
    shipment_type: ShortText | None = None
    location_id: ShortText | None = None
    shipping_method: ShortText | None = None


class CreateTracking(EditableFields):
    tracking_number: TrackingNumber
    slug: Slug | None = None
    slug_group: SlugGroup | None = None
    shipment_tags: ShipmentTags | None = None
    courier_connection_id: ShortText | None = None
    next_couriers: list[NextCourierInput] | None = Field(default=None, max_length=1)


def _document_empty_string_clears(schema: dict[str, Any]) -> None:
    """The OpenAPI document says what the validator below does: any field may be sent as ""."""
    for field_schema in schema.get("properties", {}).values():
        field_schema.setdefault("anyOf", []).append({"const": ""})


class UpdateTracking(EditableFields):
    model_config = ConfigDict(json_schema_extra=_document_empty_string_clears)

    slug: Slug | None = None

    @model_validator(mode="before")
    @classmethod
    def _empty_string_clears(cls, data: Any) -> Any:
        # "" means "clear this field" on update, so it must not meet the field's format check.
        if isinstance(data, dict):
            return {name: (None if value == "" else value) for name, value in data.items()}
        return data


class CreateTrackingBody(WrappedBody):
    tracking: CreateTracking


class UpdateTrackingBody(WrappedBody):
    tracking: UpdateTracking


class NotificationInput(RequestModel):
    emails: EmailInput | None = None
    smses: PhoneInput | None = None


class NotificationBody(WrappedBody):
    wrapper = "notification"
    missing_code = 4014
    notification: NotificationInput


class MarkCompletedBody(RequestModel):
    reason: CompletionReason

    @model_validator(mode="before")
    @classmethod
    def _object(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            raise meta_error(4009, "reason is required.")
        return data


class AdditionalFieldsQuery(AdditionalFieldsInput):
    """The additional fields a slug + tracking_number route takes in its query string."""


class GetTrackingQuery(AdditionalFieldsQuery):
    fields: str | None = Field(default=None, max_length=1024)
    lang: str | None = Field(default=None, max_length=16)


class LastCheckpointQuery(GetTrackingQuery):
    pass


class ListTrackingsQuery(RequestModel):
    page: int = Field(default=1, ge=1)
    limit: int = Field(default=100, ge=1, le=200)
    keyword: str | None = Field(default=None, max_length=256)
    tracking_numbers: str | None = Field(default=None, max_length=5200)
    slug: str | None = Field(default=None, max_length=2048)
    transit_time: int | None = Field(default=None, ge=0, le=10000)
    origin: str | None = Field(default=None, pattern=r"^[A-Za-z,]*$", max_length=1024)
    destination: str | None = Field(default=None, pattern=r"^[A-Za-z,]*$", max_length=1024)
    tag: Tag | None = None
    created_at_min: str | None = Field(default=None, max_length=64)
    created_at_max: str | None = Field(default=None, max_length=64)
    updated_at_min: str | None = Field(default=None, max_length=64)
    updated_at_max: str | None = Field(default=None, max_length=64)
    fields: str | None = Field(default=None, max_length=256)
    return_to_sender: str | None = Field(default=None, pattern=r"^(true|false|true,false|false,true)$")
    courier_destination_country_iso3: str | None = Field(default=None, pattern=r"^[A-Za-z,]*$", max_length=1024)
    shipment_tags: str | None = Field(default=None, max_length=5200)
    order_id: str | None = Field(default=None, max_length=5200)

    @model_validator(mode="after")
    def _within_result_window(self) -> "ListTrackingsQuery":
        if self.page * self.limit > 160_000:
            raise meta_error(4008, "The value of page is invalid. page * limit may not exceed 160000.")
        return self


