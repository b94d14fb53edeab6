"""Courier detection from a tracking number, and per-courier format checks.

Every format is compiled once, on first use, into an index keyed by (first two characters,
length) of the normalised number: a lookup then leaves only the handful of formats that could match,
and only those run their regex and check digit.
"""

import re
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from functools import cache

from .catalog import couriers_by_slug, get_courier
from .formats import TrackingFormat, all_formats
from .models import Courier, FormatVerdict
from .normalise import normalise_tracking_number
from .pattern_shape import PREFIX_LENGTH
from .routing import Route, Routing, all_routings


class UnknownCourierError(LookupError):
    """check_format() was given a slug that is not in the catalog."""


# A detection candidate: the courier and the specificity (bits) of the format and route found it.
_Scored = tuple[Courier, float]


@dataclass(frozen=True, slots=True)
class _RoutedFormat:
    """A format with what the detection loop needs from it, looked up once instead of per number."""

    format: TrackingFormat
    routing: Routing
    fullmatch: Callable[[str], re.Match[str] | None]
    validate: Callable[[re.Match[str]], bool] | None  # None: the pattern alone decides
    # The scored couriers of every route, when neither the routes nor the bits depend on the match.
    scored_couriers: tuple[_Scored, ...] | None

    @classmethod
    def of(cls, fmt: TrackingFormat, routing: Routing) -> "_RoutedFormat":
        static = (
            routing.keyed is None
            and all(not route.conditions for route in routing.unkeyed)
            and not fmt.shape.optional_group_bits
        )
        return cls(
            format=fmt,
            routing=routing,
            fullmatch=fmt.regex.fullmatch,
            validate=fmt.validate,
            scored_couriers=_scored(routing.unkeyed, fmt.specificity_bits) if static else None,
        )

    def scored_couriers_for(self, match: re.Match[str]) -> tuple[_Scored, ...]:
        return _scored(self.routing.routes_for(match), self.format.match_specificity(match))


def _scored(routes: Iterable[Route], format_bits: float) -> tuple[_Scored, ...]:
    couriers = couriers_by_slug()
    # A route to a slug missing from the catalog is a data error that the catalog tests catch.
    return tuple(
        (couriers[route.slug], format_bits + route.specificity_bits) for route in routes if route.slug in couriers
    )


@dataclass(frozen=True, slots=True)
class _CourierFormat:
    """One way a courier's numbers look: a format, narrowed by the route that leads to the courier."""

    format: TrackingFormat
    route: Route
    key_group: str | None
    key: str | None

    def fits(self, match: re.Match[str]) -> bool:
        if self.key_group is not None and match[self.key_group] != self.key:
            return False
        return self.route.accepts(match)


# What the detection loop unpacks per candidate: fullmatch, validate, scored_couriers, the entry.
# A plain tuple because unpacking one is the cheapest per-candidate step CPython offers.
_LoopEntry = tuple[
    Callable[[str], re.Match[str] | None],
    Callable[[re.Match[str]], bool] | None,
    tuple[_Scored, ...] | None,
    _RoutedFormat,
]


@dataclass(frozen=True, slots=True)
class _FormatIndex:
    by_prefix_and_length: Mapping[tuple[str, int], tuple[_LoopEntry, ...]]
    unindexed: tuple[_LoopEntry, ...]  # shapes the prefilter cannot bound: always tried

    def candidates(self, number: str) -> tuple[_LoopEntry, ...]:
        indexed = self.by_prefix_and_length.get((number[:PREFIX_LENGTH], len(number)), ())
        return indexed + self.unindexed if self.unindexed else indexed


@cache
def _format_index() -> _FormatIndex:
    routings = all_routings()
    buckets: defaultdict[tuple[str, int], list[_LoopEntry]] = defaultdict(list)
    unindexed: list[_LoopEntry] = []
    for key, fmt in all_formats().items():
        if key not in routings:
            continue  # a format no courier claims cannot produce a detection
        routed = _RoutedFormat.of(fmt, routings[key])
        entry = (routed.fullmatch, routed.validate, routed.scored_couriers, routed)
        prefixes, lengths = fmt.shape.prefixes, fmt.shape.lengths
        if prefixes is None or lengths is None:
            unindexed.append(entry)
            continue
        for prefix in prefixes:
            # A prefix shorter than PREFIX_LENGTH is a whole match, so only its own length applies.
            for length in lengths if len(prefix) == PREFIX_LENGTH else {len(prefix)} & lengths:
                buckets[(prefix, length)].append(entry)
    return _FormatIndex({k: tuple(v) for k, v in buckets.items()}, tuple(unindexed))


@cache
def _formats_by_slug() -> Mapping[str, tuple[_CourierFormat, ...]]:
    formats = all_formats()
    by_slug: defaultdict[str, list[_CourierFormat]] = defaultdict(list)
    for key, routing in all_routings().items():
        for route in routing.unkeyed:
            by_slug[route.slug].append(_CourierFormat(formats[key], route, None, None))
        for table_key, routes in (routing.keyed or {}).items():
            for route in routes:
                by_slug[route.slug].append(_CourierFormat(formats[key], route, routing.key_group, table_key))
    return {slug: tuple(entries) for slug, entries in by_slug.items()}


def _scored_matches(number: str) -> list[_Scored]:
    """(courier, specificity) for every format and route that accepts the normalised number."""
    index = _format_index()
    candidates = index.by_prefix_and_length.get((number[:PREFIX_LENGTH], len(number)), ())
    if index.unindexed:
        candidates += index.unindexed
    found: list[_Scored] = []
    for fullmatch, validate, scored_couriers, routed in candidates:
        match = fullmatch(number)
        if match is None or (validate is not None and not validate(match)):
            continue
        found += scored_couriers if scored_couriers is not None else routed.scored_couriers_for(match)
    return found


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
    found = _scored_matches(normalise_tracking_number(tracking_number))
    if len(found) == 1:  # the usual case, so it skips the ranking machinery
        courier = found[0][0]
        if slugs is not None and courier.slug not in slugs:
            return []
        if courier.required_fields and not _has_required_fields(courier, additional_fields):
            return []
        return [courier]
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


def check_format(slug: str, tracking_number: str) -> FormatVerdict:
    """Whether the number has the shape (and check digit) of one of the courier's formats.

    Raises UnknownCourierError for a slug that is not in the catalog.
    """
    if get_courier(slug) is None:
        raise UnknownCourierError(slug)
    courier_formats = _formats_by_slug().get(slug)
    if not courier_formats:
        return FormatVerdict.UNKNOWN
    number = normalise_tracking_number(tracking_number)
    verdict = FormatVerdict.INVALID_FORMAT
    for courier_format in courier_formats:
        fmt = courier_format.format
        match = fmt.regex.fullmatch(number)
        if match is None or not courier_format.fits(match):
            continue
        if fmt.passes_validation(match):
            return FormatVerdict.VALID
        verdict = FormatVerdict.INVALID_CHECK_DIGIT
    return verdict


def format_keys_for(slug: str) -> tuple[str, ...]:
    """Keys of the formats that can produce the slug (for diagnostics and tests)."""
    return tuple(dict.fromkeys(cf.format.key for cf in _formats_by_slug().get(slug, ())))
