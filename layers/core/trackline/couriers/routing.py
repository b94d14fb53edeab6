"""Which AfterShip courier slugs a matched format stands for.

``format_couriers.json`` maps each format key to a list of routes, or, for S10, to a table keyed
by the value of a named group (the country suffix decides the postal operator). A route may
narrow itself with ``when``: named group -> regex the group's value must fully match
(``TrackingNumber`` means the whole normalised number). Narrower routes rank higher.

``build_index`` copies the routes into ``format_index.json`` (tables inlined) together with
the bits each route adds; this module loads them from there.
"""

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from ._resources import read_index
from .formats import compiled

WHOLE_NUMBER = "TrackingNumber"


@dataclass(frozen=True, slots=True)
class Route:
    slug: str
    conditions: tuple[tuple[str, str], ...]  # (group, pattern), compiled on first use
    specificity_bits: float  # what the conditions (and a keyed table entry) add to the format's

    def accepts(self, match: re.Match[str]) -> bool:
        for group, pattern in self.conditions:
            value = match[0] if group == WHOLE_NUMBER else match[group]
            if value is None or compiled(pattern).fullmatch(value) is None:
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


def _route(entry: Mapping[str, Any]) -> Route:
    return Route(
        slug=entry["slug"],
        conditions=tuple(entry["when"].items()),
        specificity_bits=entry["specificity_bits"],
    )


def routing_from_index(entry: Mapping[str, Any]) -> Routing:
    """A routing from its entry in format_index.json (see build_index.routing_entry)."""
    if "routes" in entry:
        return Routing(unkeyed=tuple(_route(route) for route in entry["routes"]))
    keyed = {key: tuple(_route(route) for route in routes) for key, routes in entry["table"].items()}
    return Routing(unkeyed=(), key_group=entry["by_group"], keyed=keyed)


@cache
def all_routings() -> Mapping[str, Routing]:
    """Format key -> routing, loaded on first use."""
    return {key: routing_from_index(entry) for key, entry in read_index()["routings"].items()}
