"""Request and response models of POST /estimated-delivery-date/predict-batch (contract §2.7).

The body is not wrapped: `{"estimated_delivery_dates": [1 to 5 items]}`. Shapes and formats are
checked here; the rules between fields (an address needs a state or a postal code; exactly one
of pickup_time and estimated_pickup) are checked by the service, which names the item.
"""

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from trackline.models.fields import LongText, ShortText, Slug, meta_error
from trackline.models.request_base import RequestModel

MAX_ITEMS = 5
LOCAL_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
FIRST_YEAR, LAST_YEAR = 1970, 2199
_LOCAL_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")
_CLOCK_TIME = re.compile(r"[0-9]{2}:[0-9]{2}:[0-9]{2}")


def _local_time(value: str) -> str:
    try:
        if not _LOCAL_TIME.fullmatch(value):
            raise ValueError
        moment = datetime.strptime(value, LOCAL_TIME_FORMAT)
    except ValueError:
        raise ValueError(f"{value!r} is not a local time as YYYY-MM-DD HH:mm:ss") from None
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        # Far-off dates have no delivery to predict (and would run off the calendar).
        raise ValueError(f"{value!r} is not between {FIRST_YEAR} and {LAST_YEAR}")
    return value


def _clock_time(value: str) -> str:
    try:
        if not _CLOCK_TIME.fullmatch(value):
            raise ValueError
        datetime.strptime(value, "%H:%M:%S")
    except ValueError:
        raise ValueError(f"{value!r} is not a time of day as HH:mm:ss") from None
    return value


def _country(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


def _known_country(value: str) -> str:
    from trackline.countries import iso3

    if len(value) != 3 or iso3(value) != value:
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-3 country code")
    return value


def _one_to_five(value: Any) -> Any:
    if isinstance(value, list) and not 1 <= len(value) <= MAX_ITEMS:
        raise ValueError(f"Send 1 to {MAX_ITEMS} items, not {len(value)}.")
    return value


def _distinct(days: list[int]) -> list[int]:
    if len(set(days)) != len(days):
        raise ValueError("each weekday at most once")
    return sorted(days)


LocalTime = Annotated[str, AfterValidator(_local_time)]
ClockTime = Annotated[str, AfterValidator(_clock_time)]
Country = Annotated[str, BeforeValidator(_country), AfterValidator(_known_country)]
Weekday = Annotated[int, Field(ge=1, le=7)]


class EstimateAddress(RequestModel):
    country: Country
    state: ShortText | None = None
    city: ShortText | None = None
    postal_code: ShortText | None = None
    raw_location: LongText | None = None


class EstimateWeight(RequestModel):
    unit: ShortText | None = None
    value: float | None = Field(default=None, ge=0, allow_inf_nan=False)


class OrderProcessingTime(RequestModel):
    unit: Literal["day"] = "day"
    value: float = Field(default=0, ge=0, le=60, allow_inf_nan=False)


class EstimatedPickup(RequestModel):
    order_time: LocalTime
    order_cutoff_time: ClockTime = "18:00:00"
    business_days: Annotated[list[Weekday], Field(min_length=1, max_length=7), AfterValidator(_distinct)] = [1, 2, 3, 4, 5]
    order_processing_time: OrderProcessingTime = Field(default_factory=OrderProcessingTime)


class EstimateRequest(RequestModel):
    slug: Slug
    service_type_name: ShortText | None = None
    origin_address: EstimateAddress
    destination_address: EstimateAddress
    weight: EstimateWeight | None = None
    package_count: int | None = Field(default=None, ge=1, le=10_000)
    pickup_time: LocalTime | None = None
    estimated_pickup: EstimatedPickup | None = None

    @model_validator(mode="before")
    @classmethod
    def _null_is_absent(cls, data: Any) -> Any:
        # A null address or slug is a missing one (4009), not one of the wrong type.
        if isinstance(data, dict):
            return {name: value for name, value in data.items() if value is not None}
        return data


class PredictBatchBody(RequestModel):
    estimated_delivery_dates: Annotated[list[EstimateRequest], BeforeValidator(_one_to_five)]

    @model_validator(mode="before")
    @classmethod
    def _object(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            raise meta_error(4009, "estimated_delivery_dates is required.")
        return data


# -- response -------------------------------------------------------------------------------


class ResultModel(BaseModel):
    model_config = ConfigDict(defer_build=True)


class EstimatedPickupResult(ResultModel):
    order_time: str | None = None
    order_cutoff_time: str | None = None
    business_days: list[int] | None = None
    order_processing_time: OrderProcessingTime | None = None
    pickup_time: str | None = None


class EstimateResult(ResultModel):
    """One item of the answer: the request as understood, plus the estimate."""

    slug: str | None = None
    service_type_name: str | None = None
    origin_address: EstimateAddress | None = None
    destination_address: EstimateAddress | None = None
    weight: EstimateWeight | None = None
    package_count: int | None = None
    pickup_time: str | None = None
    estimated_pickup: EstimatedPickupResult | None = None
    estimated_delivery_date: str | None = None
    confidence_code: int | None = None
    estimated_delivery_date_min: str | None = None
    estimated_delivery_date_max: str | None = None
