"""Which courier a new tracking belongs to: the slug the client gave, or detection."""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING

from trackline.errors import (
    CourierFieldsRequired,
    CourierNotDetected,
    InvalidSlug,
    InvalidTrackingNumber,
    InvalidTrackingNumberFormat,
)

if TYPE_CHECKING:
    from trackline.couriers import Courier

UNRECOGNIZED = "unrecognized"


def catalog() -> ModuleType:
    # Loaded by the first request that names or detects a courier, not at every cold start:
    # reads by id never need it.
    from trackline import couriers

    return couriers


@dataclass(frozen=True)
class ResolvedCourier:
    slug: str
    tracking_link: str | None


def link_for(slug: str, tracking_number: str) -> str | None:
    return catalog().tracking_link(slug, tracking_number)


def require_known_slug(slug: str) -> Courier:
    courier = catalog().get_courier(slug)
    if courier is None:
        raise InvalidSlug()
    return courier


def check_number_for(slug: str, tracking_number: str) -> None:
    verdict = catalog().check_format(slug, tracking_number)
    if verdict is catalog().FormatVerdict.INVALID_FORMAT:
        raise InvalidTrackingNumberFormat()
    if verdict is catalog().FormatVerdict.INVALID_CHECK_DIGIT:
        raise InvalidTrackingNumber(
            "The value of tracking_number is invalid. Its check digit does not match this courier's format."
        )


def require_courier_fields(courier: Courier, additional_fields: dict[str, str]) -> None:
    missing = [name for name in courier.required_fields or [] if not additional_fields.get(name)]
    if missing:
        raise CourierFieldsRequired(missing)


def resolve_courier(
    tracking_number: str,
    *,
    slug: str | None,
    slug_group: str | None,
    activated: frozenset[str],
    additional_fields: dict[str, str],
    origin_country_iso3: str | None = None,
    destination_country_iso3: str | None = None,
) -> ResolvedCourier:
    if slug:
        courier = require_known_slug(slug)
        check_number_for(slug, tracking_number)
        require_courier_fields(courier, additional_fields)
        return ResolvedCourier(slug, link_for(slug, tracking_number))

    allowed = catalog().slugs_in_group(slug_group) if slug_group else None
    candidates = catalog().detect(
        tracking_number,
        slugs=allowed,
        activated=activated,
        origin_country_iso3=origin_country_iso3,
        destination_country_iso3=destination_country_iso3,
        additional_fields=additional_fields,
    )
    if slug_group and not candidates:
        raise CourierNotDetected(CourierNotDetected.NOT_IN_GROUP)
    if activated:
        # The merchant named its couriers: a number none of them accepts is refused, not guessed.
        fitting = [courier for courier in candidates if courier.slug in activated]
        if not fitting:
            raise CourierNotDetected(
                CourierNotDetected.NOT_ACTIVATED if candidates else CourierNotDetected.NOT_RECOGNIZED
            )
        candidates = fitting
    if not candidates:
        # Without activated couriers the contract keeps an unattributable tracking as "unrecognized".
        return ResolvedCourier(UNRECOGNIZED, None)
    chosen = candidates[0]
    return ResolvedCourier(chosen.slug, link_for(chosen.slug, tracking_number))
