"""The body of courier detection (POST /couriers/detect), apart from the trackings' models so
that the couriers function builds only what it serves."""

import re
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from trackline.models.enums import SlugGroup
from trackline.models.fields import CountryIso3, Slug, meta_error, split_comma_list
from trackline.models.request_base import AdditionalFieldsInput, WrappedBody


_DETECTABLE = re.compile(r"[A-Za-z0-9 ._/-]+")


def _detectable_number(value: Any) -> str:
    """Detection accepts a number as people paste it (spaces, dashes, any case); it only refuses
    what can be no tracking number."""
    if not isinstance(value, str):
        raise meta_error(4005, "The value of tracking_number is invalid. Send it as a string.")
    stripped = value.strip()
    if not stripped:
        raise meta_error(4007, "tracking_number is required.")
    if len(stripped) > 100 or not _DETECTABLE.fullmatch(stripped):
        raise meta_error(
            4005, "The value of tracking_number is invalid. Use up to 100 letters, digits, spaces and - . _ /."
        )
    return stripped


SlugList = Annotated[list[Slug], BeforeValidator(split_comma_list), Field(max_length=50)]


class DetectCourier(AdditionalFieldsInput):
    tracking_number: Annotated[str, BeforeValidator(_detectable_number)]
    slug: SlugList | None = None
    slug_group: SlugGroup | None = None
    origin_country_iso3: CountryIso3 | None = None
    destination_country_iso3: CountryIso3 | None = None


class DetectCourierBody(WrappedBody):
    tracking: DetectCourier
