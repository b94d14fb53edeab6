"""Shared helpers for the courier tests: the shipped format data, read through the package."""

from collections.abc import Iterator

from trackline.couriers.formats import TrackingFormat, all_formats
from trackline.couriers.normalise import normalise_tracking_number
from trackline.couriers.routing import all_routings

# Every additional field filled in, so that couriers with required_fields are not filtered out.
ALL_ADDITIONAL_FIELDS = {
    "tracking_account_number": "1",
    "tracking_postal_code": "1",
    "tracking_ship_date": "20240401",
    "tracking_key": "1",
    "tracking_origin_country": "USA",
    "tracking_destination_country": "USA",
    "tracking_state": "CA",
}


def formats() -> dict[str, TrackingFormat]:
    return dict(all_formats())


def reference_examples(kind: str) -> Iterator[tuple[str, str]]:
    """(format key, test number) for every 'valid' or 'invalid' number in the format data."""
    for key, fmt in all_formats().items():
        examples = fmt.valid_examples if kind == "valid" else fmt.invalid_examples
        for number in examples:
            yield key, number


def routed_slugs(format_key: str) -> set[str]:
    """Every slug the format can lead to, whatever the number."""
    return {route.slug for route in all_routings()[format_key].all_routes()}


def slugs_for_match(format_key: str, number: str) -> set[str]:
    """The slugs the format leads to for this particular (normalised, matching) number."""
    match = all_formats()[format_key].regex.fullmatch(normalise_tracking_number(number))
    assert match is not None
    return {route.slug for route in all_routings()[format_key].routes_for(match)}


def without_lookarounds(pattern: str) -> str:
    """The pattern minus its (?=...) and (?!...) parts: a superset to generate candidates from.

    hypothesis cannot generate through USPS's length lookaheads; generating from the looser
    pattern and filtering with the real one works.
    """
    out: list[str] = []
    position = 0
    while position < len(pattern):
        if pattern.startswith(("(?=", "(?!"), position):
            depth, position = 1, position + 3
            in_class = False
            while depth:
                char = pattern[position]
                if char == "\\":
                    position += 1
                elif in_class:
                    in_class = char != "]"
                elif char == "[":
                    in_class = True
                elif char == "(":
                    depth += 1
                elif char == ")":
                    depth -= 1
                position += 1
            continue
        char = pattern[position]
        out.append(char)
        if char == "\\":
            out.append(pattern[position + 1])
            position += 1
        position += 1
    return "".join(out)


def replace_span(text: str, span: tuple[int, int], new: str) -> str:
    return text[: span[0]] + new + text[span[1] :]


def with_valid_lookups(fmt: TrackingFormat, number: str, pick) -> str:
    """Give every lookup-checked group (S10's country) a value its table accepts."""
    for rule in fmt.lookups:
        match = fmt.regex.fullmatch(number)
        if match is None or rule.accepts(match):
            continue
        width = match.end(rule.group) - match.start(rule.group)
        choices = sorted(value for value in rule.exact if len(value) == width)
        number = replace_span(number, match.span(rule.group), pick(choices))
    return number


def with_correct_check_digit(fmt: TrackingFormat, number: str) -> str:
    """The number with its CheckDigit replaced by the one its serial calls for."""
    match = fmt.regex.fullmatch(number)
    assert match is not None and fmt.check_character is not None
    serial = match["SerialNumber"]
    if fmt.prepend is not None:
        serial = fmt.prepend.apply(serial)
    return replace_span(number, match.span("CheckDigit"), fmt.check_character(serial))


def has_checksum(fmt: TrackingFormat) -> bool:
    return fmt.check_character is not None
