"""Imports, exports and carrier-name mappings (Trackline extensions): stored items, requests and
what the API returns."""

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from trackline.models.fields import Slug
from trackline.models.request_base import RequestModel, WrappedBody
from trackline.models.requests import ListTrackingsQuery


class ImportStatus(StrEnum):
    QUEUED = "queued"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"  # the file was refused as a whole, or could not be read


class Outcome(StrEnum):
    """What became of one row; every outcome but `created` is a reason the row was not imported."""

    CREATED = "created"
    DUPLICATE = "duplicate"
    INVALID_TRACKING_NUMBER = "invalid_tracking_number"
    COURIER_NOT_ACTIVATED = "courier_not_activated"
    COURIER_NOT_DETECTED = "courier_not_detected"
    UNKNOWN_COURIER = "unknown_courier"
    MISSING_REQUIRED_FIELD = "missing_required_field"
    INVALID_VALUE = "invalid_value"


class StoredModel(BaseModel):
    model_config = ConfigDict(defer_build=True, use_enum_values=True, extra="ignore")


class FileError(StoredModel):
    code: str
    message: str
    row: int | None = None
    column: str | None = None


class RowOutcome(StoredModel):
    row: int
    outcome: Outcome
    meta_code: int | None = None  # the API's error code for the same request, when not created
    message: str | None = None
    tracking_number: str | None = None
    slug: str | None = None
    tracking_id: str | None = None
    suggestions: list[str] | None = None


class ImportSummary(StoredModel):
    id: str
    status: ImportStatus
    source: Literal["api", "bucket"]
    object_key: str | None = None
    bytes: int = 0
    total_rows: int | None = None
    processed_rows: int = 0
    counts: dict[str, int] = Field(default_factory=dict)
    file_errors: list[FileError] = Field(default_factory=list)
    error: str | None = None
    created_at: str
    updated_at: str
    started_at: str | None = None
    finished_at: str | None = None
    expire_at: int | None = None

    def as_contract(self) -> dict:
        return self.model_dump(mode="json", exclude={"expire_at"})


class CourierMapping(StoredModel):
    name: str
    slug: str
    source: Literal["merchant", "built_in"] = "merchant"
    created_at: str | None = None


# -- requests ---------------------------------------------------------------------------------

CarrierName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class CourierMappingInput(RequestModel):
    name: CarrierName
    slug: Slug


class CourierMappingBody(WrappedBody):
    wrapper = "courier_mapping"
    missing_code = 4009
    courier_mapping: CourierMappingInput


class CourierMappingsQuery(RequestModel):
    include_built_in: bool = False


class ImportReportQuery(RequestModel):
    page: int = Field(default=1, ge=1)
    limit: int = Field(default=1000, ge=1, le=5000)
    # One outcome, or "failed" for every row that was not created.
    outcome: Outcome | Literal["failed"] | None = None


class ImportListQuery(RequestModel):
    limit: int = Field(default=20, ge=1, le=100)


class ExportQuery(ListTrackingsQuery):
    """The list filters; `delivery=url` asks for a download link even for a small export."""

    delivery: Literal["inline", "url"] = "inline"


# -- response envelopes (for the OpenAPI document; the routes build the same shapes) ------------


class _Meta(BaseModel):
    code: int
    message: str | None = None
    type: str | None = None


class ImportReport(ImportSummary):
    rows: list[RowOutcome] = Field(default_factory=list)
    rows_count: int = 0
    page: int = 1
    limit: int = 1000


class ImportData(BaseModel):
    import_: ImportReport = Field(alias="import")


class ImportEnvelope(BaseModel):
    meta: _Meta
    data: ImportData


class ImportListData(BaseModel):
    total: int
    imports: list[ImportSummary]


class ImportListEnvelope(BaseModel):
    meta: _Meta
    data: ImportListData


class CourierMappingData(BaseModel):
    courier_mapping: CourierMapping


class CourierMappingEnvelope(BaseModel):
    meta: _Meta
    data: CourierMappingData


class CourierMappingListData(BaseModel):
    total: int
    courier_mappings: list[CourierMapping]


class CourierMappingListEnvelope(BaseModel):
    meta: _Meta
    data: CourierMappingListData


class ExportLink(BaseModel):
    rows: int
    bytes: int
    url: str
    expires_at: str


class ExportLinkData(BaseModel):
    export: ExportLink


class ExportLinkEnvelope(BaseModel):
    meta: _Meta
    data: ExportLinkData
