"""detect() ranking, restriction and filtering; check_format verdicts; normalisation."""

import pytest

from trackline.couriers import (
    FormatVerdict,
    UnknownCourierError,
    check_format,
    detect,
    normalise_tracking_number,
)

FEDEX_OR_PUROLATOR = "287809468872"  # a Purolator 12 test number that also passes FedEx 12
OLD_DOMINION_OR_DHL = "78045768393"


def slugs(couriers) -> list[str]:
    return [courier.slug for courier in couriers]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1z5r 8939-0357 567127", "1Z5R89390357567127"),
        ("  9400 1112 0108 0805 4830 16\n", "9400111201080805483016"),
        ("rb123456785gb", "RB123456785GB"),
        ("LX\t176\u00a035035", "LX17635035"),  # tab and no-break space
        ("1LS7119013618127\u20131", "1LS71190136181271"),  # an en dash pasted from a PDF
        ("", ""),
        ("ABC/123", "ABC/123"),  # other characters are kept: they are part of some numbers
    ],
)
def test_normalise(raw, expected):
    assert normalise_tracking_number(raw) == expected


def test_detect_accepts_numbers_as_people_write_them():
    assert slugs(detect("1z5r 8939 0357 5671 27")) == ["ups"]
    assert slugs(detect("rb123456785gb")) == ["royal-mail"]
    assert slugs(detect("1LS7119013618127-1")) == ["lasership"]


def test_no_match_gives_an_empty_list():
    assert detect("") == []
    assert detect("NOT A TRACKING NUMBER") == []
    assert detect("1Z5R89390357567128") == []  # wrong check digit


def test_genuinely_ambiguous_numbers_return_every_candidate():
    assert set(slugs(detect(FEDEX_OR_PUROLATOR))) == {"fedex", "purolator"}
    assert set(slugs(detect(OLD_DOMINION_OR_DHL))) == {"old-dominion", "dhl"}


def test_activated_couriers_rank_first():
    assert slugs(detect(FEDEX_OR_PUROLATOR)) == ["purolator", "fedex"]
    assert slugs(detect(FEDEX_OR_PUROLATOR, activated=["fedex"])) == ["fedex", "purolator"]
    assert slugs(detect(OLD_DOMINION_OR_DHL, activated={"dhl", "ups"})) == ["dhl", "old-dominion"]


def test_activated_only_ranks_and_never_filters():
    assert slugs(detect(FEDEX_OR_PUROLATOR, activated=["ups"])) == ["purolator", "fedex"]
    assert slugs(detect("1Z5R89390357567127", activated=["fedex"])) == ["ups"]


def test_country_hints_rank_couriers_serving_those_countries_first():
    # FedEx serves the USA, Purolator Canada (service_from_country_iso3).
    assert slugs(detect(FEDEX_OR_PUROLATOR, origin_country_iso3="USA")) == ["fedex", "purolator"]
    assert slugs(detect(FEDEX_OR_PUROLATOR, destination_country_iso3="usa")) == ["fedex", "purolator"]
    assert slugs(detect(FEDEX_OR_PUROLATOR, origin_country_iso3="CAN")) == ["purolator", "fedex"]
    assert slugs(detect(FEDEX_OR_PUROLATOR, origin_country_iso3="FRA")) == ["purolator", "fedex"]


def test_activation_outranks_country_hints():
    ranked = detect(FEDEX_OR_PUROLATOR, activated=["purolator"], origin_country_iso3="USA")
    assert slugs(ranked) == ["purolator", "fedex"]


def test_more_specific_format_ranks_first():
    # S10 with an E (EMS) service indicator: the EMS operator is the narrower route.
    assert slugs(detect("EA123456785CN")) == ["china-ems", "china-post"]
    assert slugs(detect("RA123456785CN")) == ["china-post"]
    # USPS IMpb with its 420+ZIP routing prefix outranks the looser FedEx 34 reading.
    assert slugs(detect("4201028200009261290113185417468510")) == ["usps", "fedex"]


def test_slugs_restrict_the_candidates():
    assert slugs(detect(FEDEX_OR_PUROLATOR, slugs=["fedex"])) == ["fedex"]
    assert slugs(detect(FEDEX_OR_PUROLATOR, slugs={"fedex", "purolator", "ups"})) == ["purolator", "fedex"]
    assert detect(FEDEX_OR_PUROLATOR, slugs=["ups"]) == []
    assert detect(FEDEX_OR_PUROLATOR, slugs=[]) == []
    assert detect("1Z5R89390357567127", slugs=["fedex"]) == []


def test_couriers_missing_required_fields_are_left_out():
    tba = "TBA000000000000"
    assert slugs(detect(tba)) == ["amazon"]  # amazon-fba-us needs tracking_key
    assert slugs(detect(tba, additional_fields={"tracking_key": ""})) == ["amazon"]
    assert slugs(detect(tba, additional_fields={"tracking_postal_code": "1"})) == ["amazon"]
    assert slugs(detect(tba, additional_fields={"tracking_key": "k1"})) == ["amazon", "amazon-fba-us"]
    assert slugs(detect(tba, slugs=["amazon-fba-us"], additional_fields={"tracking_key": "k1"})) == ["amazon-fba-us"]
    assert detect(tba, slugs=["amazon-fba-us"]) == []


def test_sandbox_is_detected_only_from_sbx_numbers():
    assert slugs(detect("SBX123456")) == ["sandbox"]
    assert slugs(detect("sbx-delivered-01")) == ["sandbox"]
    assert detect("SBX12345") == []  # too short
    assert detect("SB1234567") == []
    for number in ("1Z5R89390357567127", "RB123456785GB", "9400111206206406260787", "TBA000000000000"):
        assert "sandbox" not in slugs(detect(number))


def test_check_format_verdicts():
    assert check_format("sandbox", "SBX123456") is FormatVerdict.VALID
    assert check_format("sandbox", "XYZ123456") is FormatVerdict.INVALID_FORMAT
    assert check_format("fedex", "986578788855") is FormatVerdict.VALID
    assert check_format("fedex", "996578788855") is FormatVerdict.INVALID_CHECK_DIGIT
    assert check_format("fedex", "98657878885") is FormatVerdict.INVALID_FORMAT
    assert check_format("ups", "1z5r8939-0357567127") is FormatVerdict.VALID  # normalised first
    assert check_format("dhl-global-mail-asia", "LX123456785CN0") is FormatVerdict.INVALID_FORMAT  # LX is not Asia
    assert check_format("dhl-global-mail-asia", "SG1234567890") is FormatVerdict.VALID


def test_check_format_for_couriers_without_known_formats():
    assert check_format("tnt", "anything at all") is FormatVerdict.UNKNOWN
    assert check_format("sf-express", "") is FormatVerdict.UNKNOWN


def test_check_format_rejects_unknown_slugs():
    with pytest.raises(UnknownCourierError):
        check_format("no-such-courier", "1Z5R89390357567127")


def test_detect_results_are_fresh_lists_of_shared_couriers():
    first, second = detect("1Z5R89390357567127"), detect("1Z5R89390357567127")
    assert first == second and first is not second
    assert first[0] is second[0]


def test_a_single_string_is_not_taken_for_a_collection_of_slugs():
    with pytest.raises(TypeError):
        detect(FEDEX_OR_PUROLATOR, slugs="fedex")
    with pytest.raises(TypeError):
        detect(FEDEX_OR_PUROLATOR, activated="fedex")
