"""Courier detection from a tracking number: every accepting courier, best candidate first."""

from collections.abc import Collection, Mapping

from .format_index import Scored, scored_matches
from .models import Courier
from .normalise import normalise_tracking_number


def _has_required_fields(courier: Courier, additional_fields: Mapping[str, str] | None) -> bool:
    if not courier.required_fields:
        return True
    provided = additional_fields or {}
    return all(provided.get(field) for field in courier.required_fields)


def detect(
    tracking_number: str,
    *,
    slugs: Collection[str] | None = None,
    activated: Collection[str] = (),
    origin_country_iso3: str | None = None,
    destination_country_iso3: str | None = None,
    additional_fields: Mapping[str, str] | None = None,
) -> list[Courier]:
    """Every courier whose format and check digit accept the number, best candidate first.

    Order: activated couriers, then couriers serving the origin/destination hint countries
    (``service_from_country_iso3``), then the more specific format, then slug. ``slugs`` (when
    not None) limits the candidates; couriers whose required_fields are missing from
    ``additional_fields`` are left out. ``activated`` only ranks, it never filters.
    """
    if isinstance(slugs, str) or isinstance(activated, str):
        # A bare string is a Collection[str] of characters: "ups" would allow "u", "p" and "s".
        raise TypeError("slugs and activated take a collection of slugs, not one string")
    found = scored_matches(normalise_tracking_number(tracking_number))
    if not found:
        return []
    if len(found) != 1:
        return _ranked(found, slugs, activated, origin_country_iso3, destination_country_iso3, additional_fields)
    # One candidate is the usual case: no ranking to do.
    courier = found[0][0]
    if slugs is not None and courier.slug not in slugs:
        return []
    if courier.required_fields and not _has_required_fields(courier, additional_fields):
        return []
    return [courier]


def _ranked(
    found: list[Scored],
    slugs: Collection[str] | None,
    activated: Collection[str],
    origin_country_iso3: str | None,
    destination_country_iso3: str | None,
    additional_fields: Mapping[str, str] | None,
) -> list[Courier]:
    best_bits: dict[str, float] = {}
    by_slug: dict[str, Courier] = {}
    for courier, bits in found:
        slug = courier.slug
        if (slugs is None or slug in slugs) and bits > best_bits.get(slug, -1.0):
            best_bits[slug], by_slug[slug] = bits, courier
    candidates = [c for c in by_slug.values() if _has_required_fields(c, additional_fields)]
    hints = {code.upper() for code in (origin_country_iso3, destination_country_iso3) if code}

    def rank(courier: Courier) -> tuple[bool, int, float, str]:
        hint_fits = len(hints.intersection(courier.service_from_country_iso3)) if hints else 0
        return (courier.slug not in activated, -hint_fits, -best_bits[courier.slug], courier.slug)

    candidates.sort(key=rank)
    return candidates
