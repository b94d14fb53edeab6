"""The prefilter index of formats, and the scored matches of one number.

The index is keyed by the length and first two characters of the normalised number: a lookup
leaves only the handful of formats that could match, and only those run their regex and check
digit. It is loaded on first use from the prefilter table of format_index.json, compiling
nothing: a bucket holds format keys until a number first lands in it, and is then replaced by
the loop entries of its formats, whose patterns are compiled at that moment (each once, whichever
bucket asks first). Detection throughput depends on this loop, so it trades a little elegance
for fewer Python operations per candidate (see the comments).
"""

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache

from ._resources import read_index
from .catalog import couriers_by_slug
from .formats import TrackingFormat, all_formats
from .models import Courier
from .routing import Route, Routing, all_routings
from .shape import PREFIX_LENGTH

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


@cache
def _loop_entries(format_keys: tuple[str, ...]) -> tuple[_LoopEntry, ...]:
    """The loop entries of some formats, built (and their patterns compiled) on first need."""
    return tuple(_loop_entry(key) for key in format_keys)


@cache
def _loop_entry(format_key: str) -> _LoopEntry:
    routed = _RoutedFormat.of(all_formats()[format_key], all_routings()[format_key])
    return (routed.fullmatch, routed.validate, routed.scored_couriers, routed)


# A prefilter bucket: the keys of the formats a number may match (a list, shared by every prefix of
# a prefilter group) until the first such number, then, for good, the tuple of their loop entries.
_Bucket = list[str] | tuple[_LoopEntry, ...]


@dataclass(frozen=True, slots=True)
class _FormatIndex:
    by_length: Mapping[int, dict[str, _Bucket]]  # number length -> first PREFIX_LENGTH characters -> bucket
    unindexed: tuple[_LoopEntry, ...]  # shapes the prefilter cannot bound: always tried


def _resolve(table: dict[str, _Bucket], prefix: str) -> tuple[_LoopEntry, ...]:
    """The loop entries of a bucket, compiling its formats the first time they are needed."""
    bucket = table[prefix]
    if isinstance(bucket, tuple):
        return bucket  # resolved meanwhile by another thread
    entries = table[prefix] = _loop_entries(tuple(bucket))
    return entries


_NO_FORMATS: Mapping[str, _Bucket] = {}  # the table of a length no format has


@cache
def format_index() -> _FormatIndex:
    """The prefilter of format_index.json, ready for lookups; nothing is compiled yet."""
    prefilter = read_index()["prefilter"]
    by_length: dict[int, dict[str, _Bucket]] = {}
    for group in prefilter["groups"]:
        by_length.setdefault(group["length"], {}).update(dict.fromkeys(group["prefixes"], group["formats"]))
    # Unbounded formats are tried on every number, so they are compiled right away.
    return _FormatIndex(by_length, _loop_entries(tuple(prefilter["unindexed"])))


def scored_matches(number: str) -> list[Scored]:
    """(courier, specificity) for every format and route that accepts the normalised number."""
    index = format_index()
    table = index.by_length.get(len(number), _NO_FORMATS)
    candidates = table.get(number[:PREFIX_LENGTH], ())
    if candidates.__class__ is list:  # the first number of this length and prefix
        candidates = _resolve(table, number[:PREFIX_LENGTH])
    if index.unindexed:
        candidates += index.unindexed
    found: list[Scored] = []
    for fullmatch, validate, scored_couriers, routed in candidates:
        match = fullmatch(number)
        if match is None or (validate is not None and not validate(match)):
            continue
        found += scored_couriers if scored_couriers is not None else routed.scored_couriers_for(match)
    return found
