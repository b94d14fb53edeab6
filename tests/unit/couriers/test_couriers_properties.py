"""Property tests: fresh valid numbers for every format, and single-character corruptions.

Numbers are generated from each format's own pattern, then given a valid lookup value (S10
country) and the correct check digit. A corruption of a check-digit-protected character must be
rejected, except where the algorithm is blind to it by construction (README §2); the blind
spots are computed here from the published formulas, independently of the production code.
"""

import functools
import string

import pytest
from couriers_test_support import (
    ALL_ADDITIONAL_FIELDS,
    formats,
    replace_span,
    routed_slugs,
    slugs_for_match,
    with_correct_check_digit,
    with_valid_lookups,
    without_lookarounds,
)
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from trackline.couriers import FormatVerdict, check_format, detect, normalise_tracking_number
from trackline.couriers.format_check import format_keys_for
from trackline.couriers.formats import TrackingFormat

ALPHABET = string.digits + string.ascii_uppercase
FORMAT_KEYS = sorted(formats())
ROUTED_SLUGS = sorted({slug for key in formats() for slug in routed_slugs(key)})
CHECKSUM_FORMAT_KEYS = sorted(key for key, fmt in formats().items() if fmt.check_character is not None)
PROPERTY_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
)


@functools.cache
def _matching_text(fmt: TrackingFormat) -> st.SearchStrategy[str]:
    shape = st.from_regex(without_lookarounds(fmt.regex.pattern), fullmatch=True)
    return shape.filter(lambda text: normalise_tracking_number(text) == text and fmt.regex.fullmatch(text))


@st.composite
def valid_numbers(draw, fmt: TrackingFormat) -> str:
    number = draw(_matching_text(fmt))
    number = with_valid_lookups(fmt, number, lambda choices: draw(st.sampled_from(choices)))
    if fmt.check_character is not None:
        number = with_correct_check_digit(fmt, number)
    return number


@pytest.mark.parametrize("format_key", FORMAT_KEYS)
@PROPERTY_SETTINGS
@given(data=st.data())
def test_generated_valid_numbers_are_accepted_and_detected(format_key, data):
    fmt = formats()[format_key]
    number = data.draw(valid_numbers(fmt))
    assert fmt.verdict(number) is FormatVerdict.VALID
    assert fmt.shape.admits(number), "the prefilter would have skipped a matching number"
    detected = {courier.slug for courier in detect(number, additional_fields=ALL_ADDITIONAL_FIELDS)}
    for slug in slugs_for_match(format_key, number):
        assert slug in detected
        assert check_format(slug, number) is FormatVerdict.VALID


def _mod10_value(char: str) -> int:
    return int(char) if char.isdigit() else (ord(char) - 3) % 10


def _weighted_remainder(serial: str, weights, modulo: int) -> int:
    return sum(int(d) * w for d, w in zip(serial, weights, strict=True)) % modulo


def _algorithm_is_blind(checksum: dict, old_serial: str, new_serial: str, position: int) -> bool:
    """Whether changing old_serial[position] into new_serial[position] keeps the check digit."""
    name = checksum["name"]
    old, new = old_serial[position], new_serial[position]
    if name == "mod10":
        from_start = len(old_serial) - 1 - position if checksum.get("reverse") else position
        key = "evens_multiplier" if from_start % 2 == 0 else "odds_multiplier"
        weight = checksum.get(key, 1)
        return weight * (_mod10_value(new) - _mod10_value(old)) % checksum.get("modulo", 10) == 0
    if name == "mod7":
        return (int(new) - int(old)) % 7 == 0  # 10^k is invertible mod 7
    if name == "s10":

        def fold(remainder: int) -> int:
            return {10: 0, 11: 5}.get(11 - remainder, 11 - remainder)

        weights, modulo = checksum["weightings"], checksum["modulo"]
        return fold(_weighted_remainder(old_serial, weights, modulo)) == fold(
            _weighted_remainder(new_serial, weights, modulo)
        )
    if name == "sum_product_with_weightings_and_modulo":
        weights, m1, m2 = checksum["weightings"], checksum["modulo1"], checksum["modulo2"]
        return _weighted_remainder(old_serial, weights, m1) % m2 == _weighted_remainder(new_serial, weights, m1) % m2
    if name in ("luhn", "mod_37_36"):
        return False  # both catch every single-character substitution
    raise AssertionError(f"no blind-spot rule for {name}")


@pytest.mark.parametrize("format_key", CHECKSUM_FORMAT_KEYS)
@PROPERTY_SETTINGS
@given(data=st.data())
def test_single_character_corruption_is_rejected(format_key, data):
    fmt = formats()[format_key]
    number = data.draw(valid_numbers(fmt))
    match = fmt.regex.fullmatch(number)
    serial_span, check_span = match.span("SerialNumber"), match.span("CheckDigit")
    position = data.draw(st.sampled_from([*range(*serial_span), *range(*check_span)]))
    replacement = data.draw(st.sampled_from([c for c in ALPHABET if c != number[position]]))
    corrupted = replace_span(number, (position, position + 1), replacement)

    verdict = fmt.verdict(corrupted)
    new_match = fmt.regex.fullmatch(corrupted)
    if new_match is None:
        assert verdict is FormatVerdict.INVALID_FORMAT
        return
    # A corruption that makes the pattern read the number differently is out of scope here.
    assume(new_match.span("SerialNumber") == serial_span and new_match.span("CheckDigit") == check_span)
    if position >= check_span[0]:
        assert verdict is FormatVerdict.INVALID_CHECK_DIGIT
        return
    old_serial, new_serial = match["SerialNumber"], new_match["SerialNumber"]
    if fmt.prepend is not None:
        old_serial, new_serial = fmt.prepend.apply(old_serial), fmt.prepend.apply(new_serial)
        assume(len(old_serial) == len(new_serial))  # the prepend rule flipped: another reading
    offset = len(old_serial) - (serial_span[1] - serial_span[0])
    blind = _algorithm_is_blind(fmt.checksum, old_serial, new_serial, position - serial_span[0] + offset)
    assert verdict is (FormatVerdict.VALID if blind else FormatVerdict.INVALID_CHECK_DIGIT)


def _any_number():
    random_text = st.text(alphabet=ALPHABET + " -", min_size=0, max_size=36)
    generated = st.sampled_from(FORMAT_KEYS).flatmap(lambda key: valid_numbers(formats()[key]))
    return st.one_of(random_text, generated)


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(number=_any_number())
def test_detect_returns_exactly_the_couriers_whose_formats_accept(number):
    accepting = {slug for slug in ROUTED_SLUGS if check_format(slug, number) is FormatVerdict.VALID}
    detected = [courier.slug for courier in detect(number, additional_fields=ALL_ADDITIONAL_FIELDS)]
    assert len(detected) == len(set(detected))
    assert set(detected) == accepting
    for slug in accepting:
        assert format_keys_for(slug)
