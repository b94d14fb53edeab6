"""Whether a number fits a given courier: check_format() and its verdicts."""

import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from .catalog import get_courier
from .formats import TrackingFormat, all_formats
from .models import FormatVerdict
from .normalise import normalise_tracking_number
from .routing import Route, all_routings


class UnknownCourierError(LookupError):
    """check_format() was given a slug that is not in the catalog."""


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
        if not fmt.shape.admits(number):
            continue  # the same length/prefix prefilter detection uses; also bounds the regex work
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
