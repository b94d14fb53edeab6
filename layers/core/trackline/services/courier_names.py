"""Carrier names to courier slugs: what a create request or an import row gives as its courier.

A courier is found, in this order, by its slug, by a mapping the merchant added ("Hermes/EVRI" ->
hermes), or by a built-in name (the catalog's names and what sales channels call carriers, see
trackline.couriers.names). Anything else is refused with the closest names as suggestions.
"""

from trackline.clock import iso_seconds, utc_now
from trackline.errors import CourierMappingNotFound, InvalidValue, UnknownCourierName
from trackline.models.imports import CourierMapping
from trackline.repository.courier_mappings import CourierMappingRepository
from trackline.services import courier_resolution


def _names():
    # The catalog loads on first use, never on a cold start's path.
    from trackline.couriers import names

    return names


class CourierNames:
    """Resolves names for one request, or for one whole import when `preload` read every
    mapping at once (then a name costs no read)."""

    def __init__(self, table_name: str, repository: CourierMappingRepository | None = None, *, preload: bool = False) -> None:
        self._repository = repository or CourierMappingRepository(table_name)
        self._merchant: dict[str, CourierMapping] | None = self._repository.all() if preload else None
        self._resolved: dict[str, str | UnknownCourierName] = {}

    def slug_for(self, name: str) -> str:
        if name not in self._resolved:
            try:
                self._resolved[name] = self._resolve(name)
            except UnknownCourierName as error:
                self._resolved[name] = error
        found = self._resolved[name]
        if isinstance(found, UnknownCourierName):
            raise found
        return found

    def _resolve(self, name: str) -> str:
        candidate = name.strip().lower()
        if courier_resolution.catalog().get_courier(candidate) is not None:
            return candidate
        key = _names().normalise_name(name)
        mapping = self._merchant_mapping(key)
        if mapping is not None:
            return mapping.slug
        built_in = _names().built_in_names().get(key)
        if built_in is not None:
            return built_in
        raise UnknownCourierName(name.strip(), self._suggestions(name))

    def _merchant_mapping(self, key: str) -> CourierMapping | None:
        if not key:
            return None
        if self._merchant is not None:
            return self._merchant.get(key)
        return self._repository.get(key)

    def _suggestions(self, name: str) -> list[tuple[str, str]]:
        names = dict(_names().built_in_names())
        names.update({key: mapping.slug for key, mapping in (self._merchant or {}).items()})
        catalog = courier_resolution.catalog()
        return [(slug, catalog.get_courier(slug).name) for slug in _names().closest_slugs(name, names)]


class CourierMappingService:
    """The merchant's own carrier names (an extension endpoint lists, adds and removes them)."""

    def __init__(self, table_name: str, repository: CourierMappingRepository | None = None) -> None:
        self._repository = repository or CourierMappingRepository(table_name)

    def list(self, *, include_built_in: bool) -> list[CourierMapping]:
        mappings = sorted(self._repository.all().values(), key=lambda mapping: mapping.name.casefold())
        if include_built_in:
            mappings += [
                CourierMapping(name=name, slug=slug, source="built_in")
                for slug, names in sorted(_names().sales_channel_names().items())
                for name in names
            ]
        return mappings

    def add(self, name: str, slug: str) -> CourierMapping:
        courier_resolution.require_known_slug(slug)
        key = _names().normalise_name(name)
        if not key:
            raise InvalidValue("name", "A carrier name needs at least one letter or digit.")
        if courier_resolution.catalog().get_courier(name.strip().lower()) is not None:
            raise InvalidValue("name", f'"{name}" is a courier slug itself and always means that courier.')
        mapping = CourierMapping(name=name, slug=slug, created_at=iso_seconds(utc_now()))
        self._repository.put(key, mapping)
        return mapping

    def remove(self, name: str) -> CourierMapping:
        removed = self._repository.delete(_names().normalise_name(name))
        if removed is None:
            raise CourierMappingNotFound()
        return removed
