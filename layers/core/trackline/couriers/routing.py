"""Which AfterShip courier slugs a matched format stands for.

``format_couriers.json`` maps each format key to a list of routes, or, for S10, to a table keyed
by the value of a named group (the country suffix decides the postal operator). A route may
narrow itself with ``when``: named group -> regex the group's value must fully match
(``TrackingNumber`` means the whole normalised number). Narrower routes rank higher.
"""

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from ._resources import read_data_json
from .pattern_shape import shape_of

FORMAT_COURIERS_FILE = "format_couriers.json"
WHOLE_NUMBER = "TrackingNumber"


@dataclass(frozen=True, slots=True)
class Route:
    slug: str
    conditions: tuple[tuple[str, re.Pattern[str]], ...]
    specificity_bits: float  # what the conditions (and a keyed table entry) add to the format's

    def accepts(self, match: re.Match[str]) -> bool:
        for group, pattern in self.conditions:
            value = match[0] if group == WHOLE_NUMBER else match[group]
            if value is None or pattern.fullmatch(value) is None:
                return False
        return True


@dataclass(frozen=True, slots=True)
class Routing:
    unkeyed: tuple[Route, ...]
    key_group: str | None = None
    keyed: Mapping[str, tuple[Route, ...]] | None = None

    def routes_for(self, match: re.Match[str]) -> Iterator[Route]:
        candidates = self.unkeyed
        if self.key_group is not None and self.keyed is not None:
            candidates = candidates + self.keyed.get(match[self.key_group] or "", ())
        return (route for route in candidates if route.accepts(match))

    def all_routes(self) -> Iterator[Route]:
        yield from self.unkeyed
        for routes in (self.keyed or {}).values():
            yield from routes


def _route(spec: Mapping[str, Any], key_pattern: str | None = None) -> Route:
    when = spec.get("when", {})
    conditions = tuple((group, re.compile(pattern)) for group, pattern in when.items())
    patterns = [*when.values(), *([key_pattern] if key_pattern else [])]
    return Route(
        slug=spec["slug"],
        conditions=conditions,
        specificity_bits=sum(shape_of(pattern).constraint_bits for pattern in patterns),
    )


def _routing(spec: Any) -> Routing:
    if isinstance(spec, list):
        return Routing(unkeyed=tuple(_route(route) for route in spec))
    table = read_data_json(spec["table"])
    keyed = {key: tuple(_route(route, re.escape(key)) for route in routes) for key, routes in table.items()}
    return Routing(unkeyed=(), key_group=spec["by_group"], keyed=keyed)


@cache
def all_routings() -> Mapping[str, Routing]:
    """Format key -> routing, built on first use."""
    return {key: _routing(spec) for key, spec in read_data_json(FORMAT_COURIERS_FILE).items()}
