"""The prefilter index of formats, and the scored matches of one number.

Every format is compiled once, on first use, into an index keyed by (first two characters,
length) of the normalised number: a lookup leaves only the handful of formats that could match,
and only those run their regex and check digit. Detection throughput depends on this loop, so it
trades a little elegance for fewer Python operations per candidate (see the comments).
"""

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache

from .catalog import couriers_by_slug
from .formats import TrackingFormat, all_formats
from .models import Courier
from .pattern_shape import PREFIX_LENGTH
from .routing import Route, Routing, all_routings

# A detection candidate: the courier, and the specificity (bits) of the format and route that
# found it.
Scored = tuple[Courier, float]


@dataclass(frozen=True, slots=True)
class _RoutedFormat:
    """A format with what the detection loop needs from it, looked up once instead of per number."""

    format: TrackingFormat
    routing: Routing
    fullmatch: Callable[[str], re.Match[str] | None]
    validate: Callable[[re.Match[str]], bool] | None  # None: the pattern alone decides
    # Couriers of routes without conditions, scored with the format's base bits. None when the
    # routes depend on the match (S10's country table, "when" conditions).
    static_couriers: tuple[Scored, ...] | None
    # The same, or None when the bits also depend on the match (USPS's optional routing prefix).
    scored_couriers: tuple[Scored, ...] | None

    @classmethod
    def of(cls, fmt: TrackingFormat, routing: Routing) -> "_RoutedFormat":
        static_routes = routing.keyed is None and all(not route.conditions for route in routing.unkeyed)
        static = _scored(routing.unkeyed, fmt.specificity_bits) if static_routes else None
        return cls(
            format=fmt,
            routing=routing,
            fullmatch=fmt.regex.fullmatch,
            validate=fmt.validate,
            static_couriers=static,
            scored_couriers=None if fmt.shape.optional_group_bits else static,
        )

    def scored_couriers_for(self, match: re.Match[str]) -> tuple[Scored, ...]:
        extra_bits = self.format.match_specificity(match) - self.format.specificity_bits
        if self.static_couriers is not None:
            return tuple((courier, bits + extra_bits) for courier, bits in self.static_couriers)
        return _scored(self.routing.routes_for(match), self.format.specificity_bits + extra_bits)


def _scored(routes: Iterable[Route], format_bits: float) -> tuple[Scored, ...]:
    couriers = couriers_by_slug()
    # A route to a slug missing from the catalog is a data error that the catalog tests catch.
    return tuple(
        (couriers[route.slug], format_bits + route.specificity_bits) for route in routes if route.slug in couriers
    )


# What the detection loop unpacks per candidate: fullmatch, validate, scored_couriers, the entry.
# A plain tuple because unpacking one is the cheapest per-candidate step CPython offers.
_LoopEntry = tuple[
    Callable[[str], re.Match[str] | None],
    Callable[[re.Match[str]], bool] | None,
    tuple[Scored, ...] | None,
    _RoutedFormat,
]


@dataclass(frozen=True, slots=True)
class _FormatIndex:
    by_prefix_and_length: Mapping[tuple[str, int], tuple[_LoopEntry, ...]]
    unindexed: tuple[_LoopEntry, ...]  # shapes the prefilter cannot bound: always tried


@cache
def format_index() -> _FormatIndex:
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


def scored_matches(number: str) -> list[Scored]:
    """(courier, specificity) for every format and route that accepts the normalised number."""
    index = format_index()
    candidates = index.by_prefix_and_length.get((number[:PREFIX_LENGTH], len(number)), ())
    if index.unindexed:
        candidates += index.unindexed
    found: list[Scored] = []
    for fullmatch, validate, scored_couriers, routed in candidates:
        match = fullmatch(number)
        if match is None or (validate is not None and not validate(match)):
            continue
        found += scored_couriers if scored_couriers is not None else routed.scored_couriers_for(match)
    return found
