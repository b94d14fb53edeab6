"""Generate ``data/format_index.json`` from the format data.

    python -m trackline.couriers.build_index          # rewrite the index
    python -m trackline.couriers.build_index --check  # exit 1 when the committed index is stale

The format data (``tracking_number_data/couriers/*.json``, ``trackline_formats.json``,
``format_couriers.json``, ``s10_operators.json``) stays the single source of truth. This module
does, once and ahead of time, everything the package would otherwise do on a cold start: it
rewrites each PCRE pattern for Python and for normalised input, checks that the pattern
compiles and has the groups its check digit needs, and works out each pattern's shape
(lengths, prefixes, specificity bits) with ``pattern_shape``; it copies the routes with the bits
their conditions add. At run time the package only reads the result
(see ``formats.all_formats`` and ``routing.all_routings``), and a unit test rebuilds it in
memory to make sure it matches the data.
"""

import json
import re
import sys
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from ._resources import INDEX_FILE, data_file_path, data_json_names, read_data_json
from .checksums import check_character_function
from .pattern_shape import shape_of
from .shape import PREFIX_LENGTH

UPSTREAM_DIR = ("tracking_number_data", "couriers")
OWN_FORMATS_FILE = "trackline_formats.json"
FORMAT_COURIERS_FILE = "format_couriers.json"
REGENERATE_COMMAND = "python -m trackline.couriers.build_index"
NOTE = f"Generated from the format data by `{REGENERATE_COMMAND}`; do not edit. See README.md."


# --- patterns ---------------------------------------------------------------------------------


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


# --- formats ----------------------------------------------------------------------------------


def _format_key(spec: Mapping[str, Any]) -> str:
    return spec.get("id") or spec["name"]


def _lookup_entries(spec: Mapping[str, Any]) -> list[dict[str, Any]]:
    # Only lookups named in validation.additional.exists are rules; the other tables only describe.
    required = set(spec.get("validation", {}).get("additional", {}).get("exists", []))
    rules = []
    for table in spec.get("additional", []):
        if table["name"] in required:
            rows = table["lookup"]
            patterns = [row["matches_regex"] for row in rows if "matches_regex" in row]
            for pattern in patterns:
                re.compile(pattern)  # a broken pattern fails here, not on some later request
            rules.append(
                {
                    "group": table["regex_group_name"],
                    "exact": [row["matches"] for row in rows if "matches" in row],
                    "patterns": patterns,
                }
            )
    if len(rules) != len(required):
        raise ValueError(f"format {_format_key(spec)!r} names an unknown lookup in 'exists'")
    return rules


def format_entry(courier_code: str, spec: Mapping[str, Any]) -> dict[str, Any]:
    """A format of the data, as formats.format_from_index reads it back."""
    pattern = python_pattern(spec["regex"])
    regex = re.compile(pattern)
    shape = shape_of(pattern)
    validation = spec.get("validation", {})
    checksum = validation.get("checksum")
    strength_bits = 0.0
    if checksum is not None:
        strength_bits = check_character_function(checksum)[1]  # also rejects an unknown algorithm
        if not {"SerialNumber", "CheckDigit"} <= regex.groupindex.keys():
            raise ValueError(f"format {_format_key(spec)!r} has a checksum but no SerialNumber/CheckDigit")
    prepend = None
    if prepend_spec := validation.get("serial_number_format", {}).get("prepend_if"):
        prepend = {"pattern": python_pattern(prepend_spec["matches_regex"]), "content": prepend_spec["content"]}
        re.compile(prepend["pattern"])
    tests = spec.get("test_numbers", {})
    return {
        "name": spec["name"],
        "courier_code": courier_code,
        "pattern": pattern,
        "groups": dict(regex.groupindex),
        "shape": {
            "lengths": None if shape.lengths is None else sorted(shape.lengths),
            "prefixes": None if shape.prefixes is None else sorted(shape.prefixes),
            "constraint_bits": shape.constraint_bits,
            "optional_group_bits": [[group, bits] for group, bits in shape.optional_group_bits],
        },
        "specificity_bits": shape.constraint_bits + strength_bits,
        "checksum": checksum,
        "prepend": prepend,
        "lookups": _lookup_entries(spec),
        "tracking_url": spec.get("tracking_url"),
        "valid_examples": list(tests.get("valid", ())),
        "invalid_examples": list(tests.get("invalid", ())),
    }


def _format_files() -> list[Any]:
    upstream = [read_data_json(*UPSTREAM_DIR, name) for name in data_json_names(*UPSTREAM_DIR)]
    return [*upstream, read_data_json(OWN_FORMATS_FILE)]


# --- routes -----------------------------------------------------------------------------------


def _route_entry(spec: Mapping[str, Any], key_pattern: str | None = None) -> dict[str, Any]:
    when = dict(spec.get("when", {}))
    for pattern in when.values():
        re.compile(pattern)
    patterns = [*when.values(), *([key_pattern] if key_pattern else [])]
    return {
        "slug": spec["slug"],
        "when": when,
        "specificity_bits": sum((shape_of(pattern).constraint_bits for pattern in patterns), 0.0),
    }


def routing_entry(spec: Any) -> dict[str, Any]:
    """A format's routes, as routing.routing_from_index reads them back (a table is inlined)."""
    if isinstance(spec, list):
        return {"routes": [_route_entry(route) for route in spec]}
    table = read_data_json(spec["table"])
    return {
        "by_group": spec["by_group"],
        "table": {key: [_route_entry(route, re.escape(key)) for route in routes] for key, routes in table.items()},
    }


# --- the prefilter ----------------------------------------------------------------------------


def prefilter_entry(formats: Mapping[str, Any], routings: Mapping[str, Any]) -> dict[str, Any]:
    """Which formats a number of a given length and prefix (first PREFIX_LENGTH characters) may match.

    Grouped by length and by the list of formats, with the prefixes that lead to it, so that
    loading it creates one object per group rather than one per prefix. Formats no courier claims
    are left out (they cannot produce a detection), and formats whose shape is unbounded are
    listed apart: detection tries them on every number.
    """
    buckets: defaultdict[tuple[str, int], list[str]] = defaultdict(list)
    unindexed: list[str] = []
    for key, fmt in formats.items():
        if key not in routings:
            continue
        prefixes, lengths = fmt["shape"]["prefixes"], fmt["shape"]["lengths"]
        if prefixes is None or lengths is None:
            unindexed.append(key)
            continue
        for prefix in prefixes:
            # A prefix shorter than PREFIX_LENGTH is a whole match, so only its own length applies.
            for length in lengths if len(prefix) == PREFIX_LENGTH else {len(prefix)} & set(lengths):
                buckets[(prefix, length)].append(key)
    groups: defaultdict[tuple[int, tuple[str, ...]], list[str]] = defaultdict(list)
    for (prefix, length), keys in sorted(buckets.items(), key=lambda item: (item[0][1], item[0][0])):
        groups[(length, tuple(keys))].append(prefix)
    return {
        "groups": [
            {"length": length, "formats": list(keys), "prefixes": prefixes}
            for (length, keys), prefixes in groups.items()
        ],
        "unindexed": unindexed,
    }


# --- the index --------------------------------------------------------------------------------


def build_index() -> dict[str, Any]:
    """The content of format_index.json, from the format data."""
    formats: dict[str, Any] = {}
    for courier_file in _format_files():
        for spec in courier_file["tracking_numbers"]:
            key = _format_key(spec)
            if key in formats:
                raise ValueError(f"duplicate format key {key!r}")
            formats[key] = format_entry(courier_file["courier_code"], spec)
    routings = {key: routing_entry(spec) for key, spec in read_data_json(FORMAT_COURIERS_FILE).items()}
    return {"note": NOTE, "formats": formats, "routings": routings, "prefilter": prefilter_entry(formats, routings)}


def render(value: Any, depth: int = 0) -> str:
    """JSON, indented, but with lists of plain values on one line (prefixes, lengths, examples)."""
    inner, outer = "  " * (depth + 1), "  " * depth
    if isinstance(value, dict) and value:
        items = (f"{inner}{json.dumps(key)}: {render(item, depth + 1)}" for key, item in value.items())
        return "{\n" + ",\n".join(items) + "\n" + outer + "}"
    if isinstance(value, list) and any(isinstance(item, (dict, list)) for item in value):
        return "[\n" + ",\n".join(inner + render(item, depth + 1) for item in value) + "\n" + outer + "]"
    return json.dumps(value)


def main(argv: list[str]) -> int:
    text = render(build_index()) + "\n"
    path = data_file_path(INDEX_FILE)
    if argv == ["--check"]:
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current != text:
            print(f"{path} is out of date with the format data; run: {REGENERATE_COMMAND}", file=sys.stderr)
            return 1
        print(f"{path} is up to date")
        return 0
    if argv:
        print(__doc__, file=sys.stderr)
        return 2
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
