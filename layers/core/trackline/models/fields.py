"""Validated field types shared by the request models.

A validator that needs a specific AfterShip code raises `meta_error(code, ...)`; every other
failure becomes 4008 "The value of <field> is invalid." in trackline.api.errors.
"""

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints
from pydantic_core import PydanticCustomError

META_ERROR_PREFIX = "meta_"


def meta_error(code: int, message: str) -> PydanticCustomError:
    return PydanticCustomError(f"{META_ERROR_PREFIX}{code}", message)


# Slashes are refused: the official SDKs put the number in the path unescaped, so a "/" would
# make the slug + number routes ambiguous. Letters are upper-cased so "abc" and "ABC" are one parcel.
_TRACKING_NUMBER = re.compile(r"[A-Z0-9][A-Z0-9._-]{2,98}[A-Z0-9]")


def normalise_tracking_number(value: str) -> str:
    candidate = value.strip().upper()
    if not _TRACKING_NUMBER.fullmatch(candidate):
        raise meta_error(
            4005,
            "The value of tracking_number is invalid. Use 4 to 100 characters: letters, digits, "
            "and - . _ inside the number (no spaces or slashes).",
        )
    return candidate


TrackingNumber = Annotated[str, AfterValidator(normalise_tracking_number)]

def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


# Case is normalised before the pattern is checked (pydantic checks patterns first otherwise).
ShortText = Annotated[str, StringConstraints(max_length=256)]
LongText = Annotated[str, StringConstraints(max_length=2048)]
Slug = Annotated[str, BeforeValidator(_lower), StringConstraints(min_length=1, max_length=64)]
CountryIso3 = Annotated[str, BeforeValidator(_upper), StringConstraints(pattern=r"^[A-Z]{3}$")]
LanguageCode = Annotated[str, BeforeValidator(_lower), StringConstraints(pattern=r"^[a-z]{2}$")]


def split_comma_list(value: Any) -> Any:
    """The contract accepts a list or one comma-separated string."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


_EMAIL = re.compile(r"[^@\s,;<>\"]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+")
_PHONE_SEPARATORS = re.compile(r"[\s().-]")
_PHONE = re.compile(r"\+[1-9][0-9]{6,14}")


def _check_email(value: str) -> str:
    if len(value) > 254 or not _EMAIL.fullmatch(value):
        raise ValueError(f"{value!r} is not an email address")
    return value


def _check_phone(value: str) -> str:
    compact = _PHONE_SEPARATORS.sub("", value)
    if not _PHONE.fullmatch(compact):
        raise ValueError(f"{value!r} is not a phone number in international format (+ and country code)")
    return compact


def _unique(values: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for value in values:
        seen.setdefault(value.lower(), value)
    return list(seen.values())


Email = Annotated[str, AfterValidator(_check_email)]
Phone = Annotated[str, AfterValidator(_check_phone)]
EmailList = Annotated[list[Email], BeforeValidator(split_comma_list), AfterValidator(_unique), Field(max_length=3)]
PhoneList = Annotated[list[Phone], BeforeValidator(split_comma_list), AfterValidator(_unique), Field(max_length=3)]
# Inputs may be longer than 3 before de-duplication is known; notifications add/remove use these.
EmailInput = Annotated[list[Email], BeforeValidator(split_comma_list), AfterValidator(_unique), Field(max_length=10)]
PhoneInput = Annotated[list[Phone], BeforeValidator(split_comma_list), AfterValidator(_unique), Field(max_length=10)]


def _check_calendar_date(value: str) -> str:
    date.fromisoformat(value)
    return value


def _check_compact_date(value: str) -> str:
    datetime.strptime(value, "%Y%m%d")
    return value


def _check_datetime(value: str) -> str:
    datetime.fromisoformat(value)
    return value


CalendarDate = Annotated[
    str, StringConstraints(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"), AfterValidator(_check_calendar_date)
]
CompactDate = Annotated[str, StringConstraints(pattern=r"^[0-9]{8}$"), AfterValidator(_check_compact_date)]
IsoDateTime = Annotated[str, StringConstraints(max_length=40), AfterValidator(_check_datetime)]

CustomFields = Annotated[
    dict[Annotated[str, StringConstraints(min_length=1, max_length=64)], Annotated[str, StringConstraints(max_length=1024)]],
    Field(max_length=50),
]
ShipmentTags = Annotated[list[Annotated[str, StringConstraints(min_length=1, max_length=100)]], Field(max_length=50)]
