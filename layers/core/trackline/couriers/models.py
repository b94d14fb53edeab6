"""The Courier object of the AfterShip 2024-04 contract (§3.3) and the verdict of a format check."""

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

# AdditionalFieldsV1 (§4.4): the only names allowed in required_fields / optional_fields.
AdditionalField = Literal[
    "tracking_account_number",
    "tracking_postal_code",
    "tracking_ship_date",
    "tracking_key",
    "tracking_origin_country",
    "tracking_destination_country",
    "tracking_state",
]

CONTRACT_FIELDS = (
    "slug",
    "name",
    "phone",
    "other_name",
    "web_url",
    "required_fields",
    "optional_fields",
    "default_language",
    "support_languages",
    "service_from_country_iso3",
)


class Courier(BaseModel):
    # Frozen, with tuples for the lists: one instance per slug is cached and shared by every caller.
    model_config = ConfigDict(frozen=True, extra="forbid")

    slug: str
    name: str
    phone: str | None = None
    other_name: str | None = None
    web_url: str | None = None
    required_fields: tuple[AdditionalField, ...] = ()
    optional_fields: tuple[AdditionalField, ...] = ()
    default_language: str | None = "en"
    support_languages: tuple[str, ...] = ()
    service_from_country_iso3: tuple[str, ...] = ()
    # Not part of the contract (clients ignore unknown fields); "{tracking_number}" marks the number.
    tracking_link_template: str | None = None

    def as_contract(self) -> dict[str, Any]:
        """The JSON-ready dict of exactly the contract's fields (lists, never tuples)."""
        return self.model_dump(mode="json", include=set(CONTRACT_FIELDS))


class FormatVerdict(StrEnum):
    VALID = "valid"
    INVALID_FORMAT = "invalid_format"  # no format of the courier fits the number's shape
    INVALID_CHECK_DIGIT = "invalid_check_digit"  # a format fits, but its check digit or rule fails
    UNKNOWN = "unknown"  # the courier has no known format, so any number is accepted
