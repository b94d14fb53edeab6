"""What every request model shares: the contract's leniency (unknown fields ignored), the
additional fields, and the one-key wrapper of request bodies."""

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, model_validator

from trackline.models.enums import HasAdditionalFields
from trackline.models.fields import CompactDate, CountryIso3, ShortText, meta_error


class RequestModel(BaseModel):
    # Unknown fields are ignored, as AfterShip does; types are not coerced (a number is no title).
    model_config = ConfigDict(defer_build=True, extra="ignore", use_enum_values=True)


class AdditionalFieldsInput(HasAdditionalFields, RequestModel):
    tracking_account_number: ShortText | None = None
    tracking_key: ShortText | None = None
    tracking_ship_date: CompactDate | None = None
    tracking_postal_code: ShortText | None = None
    tracking_origin_country: CountryIso3 | None = None
    tracking_destination_country: CountryIso3 | None = None
    tracking_state: ShortText | None = None


class WrappedBody(RequestModel):
    """A body whose fields sit under one key; without it the contract has its own code."""

    wrapper: ClassVar[str] = "tracking"
    missing_code: ClassVar[int] = 4006

    @model_validator(mode="before")
    @classmethod
    def _wrapped(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not isinstance(data.get(cls.wrapper), dict):
            raise meta_error(cls.missing_code, f"{cls.wrapper} object is required.")
        return data
