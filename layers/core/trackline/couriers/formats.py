"""Tracking-number formats, loaded from ``format_index.json``.

A format is matched against the *normalised* number (see normalise.py). ``build_index`` turns
the format data (tracking_number_data plus our own) into that file once, ahead of time: the PCRE
patterns rewritten for Python and for normalised input, each pattern's shape (lengths,
prefixes, specificity) worked out. Loading the file analyses and compiles nothing; a pattern is
compiled the first time it is used, so a first detection compiles only the few formats its
prefilter selects.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from ._resources import read_index
from .checksums import check_character_function
from .models import FormatVerdict
from .shape import PatternShape


@cache
def compiled(pattern: str) -> re.Pattern[str]:
    """The pattern compiled on first use, and kept for the life of the process."""
    return re.compile(pattern)


@dataclass(frozen=True, slots=True)
class PrependRule:
    """USPS Legacy / OnTrac: the check digit is computed as if a prefix stood before the serial."""

    pattern: str  # the serials the rule applies to (matched from their start)
    content: str

    def apply(self, serial: str) -> str:
        return self.content + serial if compiled(self.pattern).match(serial) else serial


@dataclass(frozen=True, slots=True)
class LookupRule:
    """S10: the value of a named group must appear in a lookup table (e.g. a known country)."""

    group: str
    exact: frozenset[str]
    patterns: tuple[str, ...]  # the value may instead fully match one of these

    def accepts(self, match: re.Match[str]) -> bool:
        value = match[self.group]
        return value is not None and (
            value in self.exact or any(compiled(pattern).fullmatch(value) for pattern in self.patterns)
        )


@dataclass(frozen=True, slots=True, eq=False)  # one instance per format: identity is equality
class TrackingFormat:
    key: str  # the data's id, or its name for the few entries without one
    name: str
    courier_code: str  # tracking_number_data's courier code, not an AfterShip slug
    pattern: str  # the Python pattern for normalised numbers; see `regex`
    shape: PatternShape
    checksum: Mapping[str, Any] | None  # the data's validation.checksum entry, as written
    check_character: Callable[[str], str] | None
    prepend: PrependRule | None
    lookups: tuple[LookupRule, ...]
    # Check digit and lookup rules in one closure (None: the pattern alone decides); detection
    # calls it for every candidate, so it is built once with everything it needs at hand.
    validate: Callable[[re.Match[str]], bool] | None
    specificity_bits: float  # pattern constraint plus checksum strength, for ranking
    tracking_url: str | None
    valid_examples: tuple[str, ...]
    invalid_examples: tuple[str, ...]

    @property
    def regex(self) -> re.Pattern[str]:
        """The compiled pattern (compiled on first use)."""
        return compiled(self.pattern)

    def passes_validation(self, match: re.Match[str]) -> bool:
        return self.validate is None or self.validate(match)

    def match_specificity(self, match: re.Match[str]) -> float:
        extra = sum(bits for group, bits in self.shape.optional_group_bits if match.start(group) >= 0)
        return self.specificity_bits + extra

    def verdict(self, number: str) -> FormatVerdict:
        """Verdict for an already normalised number."""
        match = self.regex.fullmatch(number)
        if match is None:
            return FormatVerdict.INVALID_FORMAT
        return FormatVerdict.VALID if self.passes_validation(match) else FormatVerdict.INVALID_CHECK_DIGIT


def _validator(
    groups: Mapping[str, int],
    check_character: Callable[[str], str] | None,
    prepend: PrependRule | None,
    lookups: tuple[LookupRule, ...],
) -> Callable[[re.Match[str]], bool] | None:
    if check_character is None and not lookups:
        return None
    # Group numbers rather than names: this runs for every candidate during detection.
    serial_group, check_group = groups.get("SerialNumber"), groups.get("CheckDigit")
    if prepend is None and not lookups:
        # Most formats: a plain check digit, so they get the leanest closure.
        def validate_check_digit(match: re.Match[str]) -> bool:
            serial, check = match.group(serial_group, check_group)
            return serial is not None and check_character(serial) == check

        return validate_check_digit

    def validate(match: re.Match[str]) -> bool:
        if check_character is not None:
            serial, check = match.group(serial_group, check_group)
            if serial is None or check is None:
                return False
            if prepend is not None:
                serial = prepend.apply(serial)
            if check_character(serial) != check:
                return False
        return not lookups or all(rule.accepts(match) for rule in lookups)

    return validate


def shape_from_index(entry: Mapping[str, Any]) -> PatternShape:
    lengths, prefixes = entry["lengths"], entry["prefixes"]
    return PatternShape(
        lengths=None if lengths is None else frozenset(lengths),
        prefixes=None if prefixes is None else frozenset(prefixes),
        constraint_bits=entry["constraint_bits"],
        optional_group_bits=tuple((group, bits) for group, bits in entry["optional_group_bits"]),
    )


def format_from_index(key: str, entry: Mapping[str, Any]) -> TrackingFormat:
    """A format from its entry in format_index.json (see build_index.format_entry)."""
    checksum = entry["checksum"]
    check_character = None if checksum is None else check_character_function(checksum)[0]
    prepend = None if entry["prepend"] is None else PrependRule(**entry["prepend"])
    lookups = tuple(
        LookupRule(group=rule["group"], exact=frozenset(rule["exact"]), patterns=tuple(rule["patterns"]))
        for rule in entry["lookups"]
    )
    return TrackingFormat(
        key=key,
        name=entry["name"],
        courier_code=entry["courier_code"],
        pattern=entry["pattern"],
        shape=shape_from_index(entry["shape"]),
        checksum=checksum,
        check_character=check_character,
        prepend=prepend,
        lookups=lookups,
        validate=_validator(entry["groups"], check_character, prepend, lookups),
        specificity_bits=entry["specificity_bits"],
        tracking_url=entry["tracking_url"],
        valid_examples=tuple(entry["valid_examples"]),
        invalid_examples=tuple(entry["invalid_examples"]),
    )


@cache
def all_formats() -> Mapping[str, TrackingFormat]:
    """Every format by key, in the order of the format data, loaded on first use."""
    return {key: format_from_index(key, entry) for key, entry in read_index()["formats"].items()}
