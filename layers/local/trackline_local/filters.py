"""Lambda event filtering: which stream records an event source mapping passes to its function.

A FilterCriteria holds up to five Filters, each a Pattern (a JSON string) in the EventBridge
pattern language. A record goes to the function when it matches at least one of them; a record
that matches none is dropped and counts as processed. Without FilterCriteria every record goes.

A pattern is an object whose keys are the record's keys. A nested object descends into the record;
a list holds matchers, any one of which may match the record's value (when that value is a list,
any element may match). All keys of a pattern must match. The matchers:

    "text", 12, true, null         equal to the value (numbers compare as numbers)
    {"prefix": "ab"}  {"suffix": "yz"}  (either may hold {"equals-ignore-case": "..."})
    {"equals-ignore-case": "AbC"}
    {"anything-but": v | [v, ...] | {"prefix": ...} | {"suffix": ...} | {"equals-ignore-case": ...}}
    {"exists": true | false}        exists: true needs a JSON primitive (not an object or a list)
    {"numeric": [">", 0, "<=", 5]}  numbers only (DynamoDB's "N" values are strings: no match)
    {"wildcard": "a*b"}  {"cidr": "10.0.0.0/24"}
    {"$or": [pattern, ...]}         at any level, instead of a key

Every matcher but {"exists": false} needs the key to be present.

Public interface:
    load_filter_criteria(criteria) -> list[dict]   the parsed patterns (ValueError if invalid)
    passes_filters(record, patterns) -> bool       no patterns: True
    matches_pattern(value, pattern) -> bool
"""

from __future__ import annotations

import ipaddress
import json
import operator
import re
from typing import Any, Callable, Mapping

MAX_FILTERS = 5
_MISSING = object()
_NUMERIC_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt, "<=": operator.le, "=": operator.eq, ">=": operator.ge, ">": operator.gt}
_MATCHER_NAMES = {"prefix", "suffix", "equals-ignore-case", "anything-but", "exists", "numeric",
                  "wildcard", "cidr"}


def load_filter_criteria(criteria: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """FilterCriteria as the template writes it -> the patterns, validated as Lambda would when
    the mapping is created."""
    if not criteria:
        return []
    filters = criteria.get("Filters") or []
    if not isinstance(filters, list) or len(filters) > MAX_FILTERS:
        raise ValueError(f"FilterCriteria.Filters must be a list of at most {MAX_FILTERS}")
    patterns = []
    for index, item in enumerate(filters):
        raw = item.get("Pattern") if isinstance(item, Mapping) else None
        try:
            pattern = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError as exc:
            raise ValueError(f"filter {index}: Pattern is not JSON ({exc})") from None
        if not isinstance(pattern, dict) or not pattern:
            raise ValueError(f"filter {index}: Pattern must be a non-empty JSON object")
        _validate(pattern, f"filter {index}")
        patterns.append(pattern)
    return patterns


def passes_filters(record: Mapping[str, Any], patterns: list[dict[str, Any]]) -> bool:
    return not patterns or any(matches_pattern(record, pattern) for pattern in patterns)


def matches_pattern(value: Any, pattern: Mapping[str, Any]) -> bool:
    """Does value (an object, or _MISSING below the top) match every key of pattern?"""
    for key, expected in pattern.items():
        if key == "$or":
            if not any(matches_pattern(value, alternative) for alternative in expected):
                return False
            continue
        field = value.get(key, _MISSING) if isinstance(value, dict) else _MISSING
        if isinstance(expected, dict):
            if not matches_pattern(field, expected):
                return False
        elif not _matches_any(field, expected):
            return False
    return True


# ---------------------------------------------------------------------------------------------


def _validate(pattern: Mapping[str, Any], where: str) -> None:
    for key, expected in pattern.items():
        if key == "$or":
            if not isinstance(expected, list) or len(expected) < 2:
                raise ValueError(f"{where}: $or needs a list of at least two patterns")
            for alternative in expected:
                if not isinstance(alternative, dict):
                    raise ValueError(f"{where}: $or holds patterns (objects)")
                _validate(alternative, where)
        elif isinstance(expected, dict):
            _validate(expected, f"{where}.{key}")
        elif isinstance(expected, list):
            for matcher in expected:
                if not isinstance(matcher, dict):
                    continue
                name = next(iter(matcher), None)
                if len(matcher) != 1 or name not in _MATCHER_NAMES:
                    raise ValueError(f"{where}.{key}: unknown matcher {matcher!r}")
                if name == "numeric" and not _valid_numeric(matcher[name]):
                    raise ValueError(f"{where}.{key}: invalid numeric matcher {matcher!r}")
        else:
            raise ValueError(f"{where}.{key}: a pattern's values are lists or objects, "
                             f"got {expected!r}")


def _valid_numeric(argument: Any) -> bool:
    return (isinstance(argument, list) and 0 < len(argument) <= 4 and len(argument) % 2 == 0
            and all(op in _NUMERIC_OPERATORS for op in argument[::2])
            and all(_is_number(bound) for bound in argument[1::2]))


def _matches_any(field: Any, matchers: list[Any]) -> bool:
    values = field if isinstance(field, list) else [field]
    for matcher in matchers:
        if isinstance(matcher, dict) and "exists" in matcher:
            present = field is not _MISSING and not isinstance(field, dict) and \
                not (isinstance(field, list) and any(isinstance(v, (dict, list)) for v in field))
            if present == bool(matcher["exists"]):
                return True
            continue
        if field is _MISSING:
            continue
        if any(_matches(value, matcher) for value in values):
            return True
    return False


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _equal(value: Any, expected: Any) -> bool:
    if _is_number(expected) or _is_number(value):
        return _is_number(expected) and _is_number(value) and float(value) == float(expected)
    if isinstance(expected, bool) or isinstance(value, bool):
        return value is expected
    return value == expected


def _matches(value: Any, matcher: Any) -> bool:
    if not isinstance(matcher, dict):
        return _equal(value, matcher)
    (name, argument), = matcher.items()
    if name in ("prefix", "suffix"):
        return _affix(name, value, argument)
    if name == "equals-ignore-case":
        options = argument if isinstance(argument, list) else [argument]
        return isinstance(value, str) and any(value.casefold() == str(o).casefold()
                                              for o in options)
    if name == "anything-but":
        if isinstance(argument, dict):
            return not _matches(value, argument)
        options = argument if isinstance(argument, list) else [argument]
        return not any(_equal(value, option) for option in options)
    if name == "numeric":
        return _is_number(value) and all(
            _NUMERIC_OPERATORS[op](float(value), float(bound))
            for op, bound in zip(argument[::2], argument[1::2]))
    if name == "wildcard":
        options = argument if isinstance(argument, list) else [argument]
        return isinstance(value, str) and any(_wildcard(value, o) for o in options)
    if name == "cidr":
        try:
            return ipaddress.ip_address(value) in ipaddress.ip_network(argument, strict=False)
        except (TypeError, ValueError):
            return False
    return False


def _affix(name: str, value: Any, argument: Any) -> bool:
    if not isinstance(value, str):
        return False
    ignore_case = isinstance(argument, dict)
    affix = str(argument["equals-ignore-case"]) if ignore_case else str(argument)
    subject = value.casefold() if ignore_case else value
    affix = affix.casefold() if ignore_case else affix
    return subject.startswith(affix) if name == "prefix" else subject.endswith(affix)


def _wildcard(value: str, pattern: str) -> bool:
    parts = re.split(r"(?<!\\)\*", pattern)
    regex = ".*".join(re.escape(part.replace("\\*", "*")) for part in parts)
    return re.fullmatch(regex, value, flags=re.DOTALL) is not None
