"""Every test number shipped with the format data behaves as labelled, through the public API."""

import pytest
from couriers_test_support import formats, reference_examples, routed_slugs, slugs_for_match

from trackline.couriers import FormatVerdict, check_format, detect, normalise_tracking_number

VALID = list(reference_examples("valid"))
INVALID = list(reference_examples("invalid"))

# Valid test numbers that other couriers' formats accept too, with the order detect() gives.
# Ties of the reference README's overlap list, ranked by format specificity (see pattern_shape).
AMBIGUOUS = {
    "78045768393": ["old-dominion", "dhl"],  # Old Dominion, and it passes DHL Express mod 7
    "287809468872": ["purolator", "fedex"],  # Purolator 12 (Luhn) and FedEx Express 12
    "320610804900": ["purolator", "fedex"],
    "JFV247545960": ["dhl-pieceid", "purolator"],  # Purolator alpha and DHL Express piece id
    "4201028200009261290113185417468510": ["usps", "fedex"],  # USPS IMpb C with 420+ZIP, FedEx 34
}
# S10 numbers of countries with no AfterShip postal courier (Cape Verde, Central African Rep.).
NO_COURIER = {"RB123456785CV", "RB123456785CF"}
# Invalid for their own format, but another format of the same courier accepts them.
VALID_FOR_SIBLING_FORMAT = {("purolator_alpha", "331426749957")}  # a Purolator 12 (Luhn) number


def test_the_reference_data_is_all_there():
    assert len(formats()) == 40  # 39 upstream formats + the sandbox
    assert len(VALID) == 192 + 4 and len(INVALID) == 88 + 4


@pytest.mark.parametrize(("format_key", "number"), VALID, ids=[f"{k}:{n.strip()}" for k, n in VALID])
def test_valid_number_is_detected_as_its_courier(format_key, number):
    assert formats()[format_key].verdict(normalise_tracking_number(number)) is FormatVerdict.VALID
    expected = slugs_for_match(format_key, number)
    found = [courier.slug for courier in detect(number)]
    normalised = normalise_tracking_number(number)
    if normalised in NO_COURIER:
        assert expected == set() and found == []
    elif normalised in AMBIGUOUS:
        assert found == AMBIGUOUS[normalised]
    else:
        # The only possible match, so it must come first; couriers that need additional
        # fields (amazon-fba-us) join only when those are given.
        assert found == sorted(expected - {"amazon-fba-us"})
    for slug in expected:
        assert check_format(slug, number) is FormatVerdict.VALID


@pytest.mark.parametrize(("format_key", "number"), INVALID, ids=[f"{k}:{n.strip()}" for k, n in INVALID])
def test_invalid_number_is_rejected_by_its_format_and_courier(format_key, number):
    assert formats()[format_key].verdict(normalise_tracking_number(number)) is not FormatVerdict.VALID
    for slug in routed_slugs(format_key):
        verdict = check_format(slug, number)
        if (format_key, number) in VALID_FOR_SIBLING_FORMAT:
            assert verdict is FormatVerdict.VALID
        else:
            assert verdict in (FormatVerdict.INVALID_FORMAT, FormatVerdict.INVALID_CHECK_DIGIT)


def test_check_digit_failures_are_told_apart_from_shape_failures():
    assert check_format("ups", "1Z5R89390357567128") is FormatVerdict.INVALID_CHECK_DIGIT
    assert check_format("ups", "2Z5R89390357567127") is FormatVerdict.INVALID_FORMAT
    assert check_format("usps", "RB123456786US") is FormatVerdict.INVALID_CHECK_DIGIT
    # A valid S10 number of another country is not a USPS number at all.
    assert check_format("usps", "RB123456785GB") is FormatVerdict.INVALID_FORMAT
    assert check_format("royal-mail", "RB123456785GB") is FormatVerdict.VALID
