"""Response envelopes, for the OpenAPI document (the handlers build the same shapes)."""

from pydantic import BaseModel, ConfigDict

from trackline.models.estimates import EstimateResult
from trackline.models.imports import (  # noqa: F401 - the extensions' envelopes, named by their endpoints
    CourierMappingEnvelope,
    CourierMappingListEnvelope,
    ExportLinkEnvelope,
    ImportEnvelope,
    ImportListEnvelope,
)
from trackline.models.tracking import Checkpoint, Tracking
from trackline.models.enums import Tag


class ResponseModel(BaseModel):
    model_config = ConfigDict(defer_build=True)


class Meta(ResponseModel):
    code: int
    message: str | None = None
    type: str | None = None


class ErrorEnvelope(ResponseModel):
    meta: Meta
    data: dict


class TrackingData(ResponseModel):
    tracking: Tracking


class TrackingEnvelope(ResponseModel):
    meta: Meta
    data: TrackingData


class PartialTracking(ResponseModel):
    id: str | None = None
    tracking_number: str | None = None
    slug: str | None = None
    active: bool | None = None
    tracking_account_number: str | None = None
    tracking_postal_code: str | None = None
    tracking_ship_date: str | None = None
    tracking_key: str | None = None
    tracking_origin_country: str | None = None
    tracking_destination_country: str | None = None
    tracking_state: str | None = None


class PartialTrackingData(ResponseModel):
    tracking: PartialTracking


class PartialTrackingEnvelope(ResponseModel):
    meta: Meta
    data: PartialTrackingData


class TrackingListData(ResponseModel):
    page: int
    limit: int
    count: int
    keyword: str | None = None
    slug: str | None = None
    origin: list[str] = []
    destination: list[str] = []
    tag: str | None = None
    created_at_min: str | None = None
    created_at_max: str | None = None
    last_updated_at: str | None = None
    return_to_sender: list[bool] = []
    courier_destination_country_iso3: list[str] = []
    trackings: list[Tracking]


class TrackingListEnvelope(ResponseModel):
    meta: Meta
    data: TrackingListData


class LastCheckpointData(ResponseModel):
    id: str | None = None
    tracking_number: str | None = None
    slug: str | None = None
    tag: Tag | None = None
    subtag: str | None = None
    subtag_message: str | None = None
    checkpoint: Checkpoint | None = None


class LastCheckpointEnvelope(ResponseModel):
    meta: Meta
    data: LastCheckpointData


class Notification(ResponseModel):
    emails: list[str] = []
    smses: list[str] = []


class NotificationData(ResponseModel):
    notification: Notification


class NotificationEnvelope(ResponseModel):
    meta: Meta
    data: NotificationData


class CourierModel(ResponseModel):
    slug: str | None = None
    name: str | None = None
    phone: str | None = None
    other_name: str | None = None
    web_url: str | None = None
    required_fields: list[str] = []
    optional_fields: list[str] = []
    default_language: str | None = None
    support_languages: list[str] = []
    service_from_country_iso3: list[str] = []


class CourierListData(ResponseModel):
    total: int
    couriers: list[CourierModel]


class CourierListEnvelope(ResponseModel):
    meta: Meta
    data: CourierListData


class CourierActivationData(ResponseModel):
    courier: CourierModel
    active: bool


class CourierActivationEnvelope(ResponseModel):
    meta: Meta
    data: CourierActivationData


class PredictBatchData(ResponseModel):
    estimated_delivery_dates: list[EstimateResult]


class PredictBatchEnvelope(ResponseModel):
    meta: Meta
    data: PredictBatchData
