"""Courier use cases: the catalog, the merchant's activated couriers, and detection."""

from trackline.clock import iso_seconds, utc_now
from trackline.errors import CourierNotDetected, InvalidValue
from trackline.models.detection_requests import DetectCourier
from trackline.repository.couriers import ActivatedCourierRepository
from trackline.services import courier_resolution
from trackline.settings import get_settings


class CourierService:
    def __init__(self, repository: ActivatedCourierRepository | None = None) -> None:
        self._repository = repository or ActivatedCourierRepository(get_settings().table_name)

    def activated_slugs(self) -> frozenset[str]:
        return self._repository.slugs()

    def activated(self) -> list:
        slugs = self.activated_slugs()
        return [courier for courier in courier_resolution.catalog().all_couriers() if courier.slug in slugs]

    def all(self) -> list:
        return courier_resolution.catalog().all_couriers()

    def activate(self, slug: str):
        courier = courier_resolution.require_known_slug(slug)
        self._repository.activate(courier.slug, iso_seconds(utc_now()))
        return courier

    def deactivate(self, slug: str):
        courier = courier_resolution.require_known_slug(slug)
        self._repository.deactivate(courier.slug)
        return courier

    def detect(self, request: DetectCourier) -> list:
        """Every courier that accepts the number, best first.

        `slug` (or `slug_group`) restricts the candidates; otherwise the activated couriers do,
        and with none activated every courier is considered.
        """
        catalog = courier_resolution.catalog()
        if request.slug and request.slug_group:
            raise InvalidValue("slug_group", "Send either slug or slug_group, not both.")
        for slug in request.slug or []:
            courier_resolution.require_known_slug(slug)
        activated = self.activated_slugs()
        if request.slug:
            allowed = frozenset(request.slug)
        elif request.slug_group:
            allowed = catalog.slugs_in_group(request.slug_group)
            if allowed is None:
                raise InvalidValue("slug_group")
        else:
            allowed = activated or None
        number = catalog.normalise_tracking_number(request.tracking_number)
        if not number:
            raise CourierNotDetected(CourierNotDetected.INVALID_FORMAT)
        return catalog.detect(
            number,
            slugs=allowed,
            activated=activated,
            origin_country_iso3=request.origin_country_iso3 or request.tracking_origin_country,
            destination_country_iso3=request.destination_country_iso3 or request.tracking_destination_country,
            additional_fields=request.additional_fields(),
        )
