"""Tracking-number formats, loaded from the tracking_number_data files plus our own.

A format is matched against the *normalised* number (see normalise.py), so the PCRE patterns
of the data are rewritten once at load time: named groups get Python's spelling, and the
whitespace and dash allowances are dropped because normalisation already removed those.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from ._resources import data_json_names, read_data_json
from .checksums import check_character_function
from .models import FormatVerdict
from .pattern_shape import PatternShape, shape_of

UPSTREAM_DIR = ("tracking_number_data", "couriers")
OWN_FORMATS_FILE = "trackline_formats.json"


@dataclass(frozen=True, slots=True)
class PrependRule:
    """USPS Legacy / OnTrac: the check digit is computed as if a prefix stood before the serial."""

    applies_to: re.Pattern[str]
    content: str

    def apply(self, serial: str) -> str:
        return self.content + serial if self.applies_to.match(serial) else serial


@dataclass(frozen=True, slots=True)
class LookupRule:
    """S10: the value of a named group must appear in a lookup table (e.g. a known country)."""

    group: str
    exact: frozenset[str]
    patterns: tuple[re.Pattern[str], ...]

    def accepts(self, match: re.Match[str]) -> bool:
        value = match[self.group]
        return value is not None and (value in self.exact or any(p.fullmatch(value) for p in self.patterns))


@dataclass(frozen=True, slots=True, eq=False)  # one instance per format: identity is equality
class TrackingFormat:
    key: str  # the data's id, or its name for the few entries without one
    name: str
    courier_code: str  # tracking_number_data's courier code, not an AfterShip slug
    regex: re.Pattern[str]
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
    regex: re.Pattern[str],
    check_character: Callable[[str], str] | None,
    prepend: PrependRule | None,
    lookups: tuple[LookupRule, ...],
) -> Callable[[re.Match[str]], bool] | None:
    if check_character is None and not lookups:
        return None
    # Group numbers rather than names: this runs for every candidate during detection.
    serial_group, check_group = regex.groupindex.get("SerialNumber"), regex.groupindex.get("CheckDigit")
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


def python_pattern(source: str | list[str]) -> str:
    text = "".join(source) if isinstance(source, list) else source
    text = re.sub(r"\(\?<(?=[A-Za-z_])", "(?P<", text)  # PCRE (?<Name>...) is (?P<Name>...) in Python
    text = text.replace(r"\s*", "")
    return _tidy_outside_classes(text)


def _tidy_outside_classes(pattern: str) -> str:
    """Drop what normalisation makes dead weight, and make unnamed groups non-capturing.

    A literal "-" (LaserShip's "...-1") or a ``\\s`` in a character class can never match a
    normalised number. Unnamed groups are never read, and capturing them inside repeats makes
    matching about twice as slow.
    """
    kept: list[str] = []
    in_class = False
    position = 0
    while position < len(pattern):
        char = pattern[position]
        position += 1
        if char == "\\":
            escape = pattern[position : position + 1]
            position += 1
            if not (in_class and escape == "s"):
                kept.append(char + escape)
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "-":
            continue
        elif char == "(" and not pattern.startswith("?", position):
            char = "(?:"
        kept.append(char)
    return "".join(kept)


def _lookup_rules(spec: Mapping[str, Any]) -> tuple[LookupRule, ...]:
    # Only lookups named in validation.additional.exists are rules; the other tables only describe.
    required = set(spec.get("validation", {}).get("additional", {}).get("exists", []))
    rules = []
    for table in spec.get("additional", []):
        if table["name"] in required:
            rows = table["lookup"]
            rules.append(
                LookupRule(
                    group=table["regex_group_name"],
                    exact=frozenset(row["matches"] for row in rows if "matches" in row),
                    patterns=tuple(re.compile(row["matches_regex"]) for row in rows if "matches_regex" in row),
                )
            )
    if len(rules) != len(required):
        raise ValueError(f"format {spec.get('id') or spec['name']!r} names an unknown lookup in 'exists'")
    return tuple(rules)


def build_format(courier_code: str, spec: Mapping[str, Any]) -> TrackingFormat:
    pattern = python_pattern(spec["regex"])
    shape = shape_of(pattern)
    validation = spec.get("validation", {})
    check_character, strength_bits = None, 0.0
    if "checksum" in validation:
        check_character, strength_bits = check_character_function(validation["checksum"])
    prepend = None
    if prepend_spec := validation.get("serial_number_format", {}).get("prepend_if"):
        applies_to = re.compile(python_pattern(prepend_spec["matches_regex"]))
        prepend = PrependRule(applies_to=applies_to, content=prepend_spec["content"])
    regex = re.compile(pattern)
    if check_character is not None and not {"SerialNumber", "CheckDigit"} <= regex.groupindex.keys():
        raise ValueError(f"format {spec.get('id') or spec['name']!r} has a checksum but no SerialNumber/CheckDigit")
    tests = spec.get("test_numbers", {})
    lookups = _lookup_rules(spec)
    return TrackingFormat(
        key=spec.get("id") or spec["name"],
        name=spec["name"],
        courier_code=courier_code,
        regex=regex,
        shape=shape,
        checksum=validation.get("checksum"),
        check_character=check_character,
        prepend=prepend,
        lookups=lookups,
        validate=_validator(regex, check_character, prepend, lookups),
        specificity_bits=shape.constraint_bits + strength_bits,
        tracking_url=spec.get("tracking_url"),
        valid_examples=tuple(tests.get("valid", ())),
        invalid_examples=tuple(tests.get("invalid", ())),
    )


def _format_files() -> list[Any]:
    upstream = [read_data_json(*UPSTREAM_DIR, name) for name in data_json_names(*UPSTREAM_DIR)]
    return [*upstream, read_data_json(OWN_FORMATS_FILE)]


@cache
def all_formats() -> Mapping[str, TrackingFormat]:
    """Every format by key, compiled on first use."""
    formats: dict[str, TrackingFormat] = {}
    for courier_file in _format_files():
        for spec in courier_file["tracking_numbers"]:
            fmt = build_format(courier_file["courier_code"], spec)
            if fmt.key in formats:
                raise ValueError(f"duplicate format key {fmt.key!r}")
            formats[fmt.key] = fmt
    return formats
