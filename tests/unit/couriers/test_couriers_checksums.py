"""The check-digit algorithms, on the worked examples of the reference README."""

import pytest
from couriers_test_support import formats

from trackline.couriers.checksums import (
    ALGORITHMS,
    check_character_function,
    luhn,
    mod7,
    mod10,
    mod_37_36,
    s10,
    sum_product_with_weightings_and_modulo,
)

FEDEX_12 = sum_product_with_weightings_and_modulo(weightings=[3, 1, 7, 3, 1, 7, 3, 1, 7, 3, 1], modulo1=11, modulo2=10)


@pytest.mark.parametrize(
    ("check_character", "serial", "expected"),
    [
        (mod10(evens_multiplier=1, odds_multiplier=2), "5R8939035756712", "7"),  # UPS 1Z5R89390357567127
        (mod10(evens_multiplier=3, odds_multiplier=1), "007393800054929", "7"),  # Canada Post
        (mod10(evens_multiplier=3, odds_multiplier=1, reverse=True), "940011120620640626078", "7"),  # USPS IMpb N
        (mod7(), "331881002", "5"),  # DHL Express 3318810025
        (s10(), "12345678", "5"),  # RB123456785GB
        (luhn(), "32059546393", "8"),  # Purolator 320595463938
        (luhn(), "0720956276", "3"),  # Old Dominion 07209562763
        (FEDEX_12, "98657878885", "5"),  # FedEx Express 986578788855
        (mod_37_36(), "09980000020034", "D"),  # DPD 14
        (mod_37_36(), "09980000020033", "F"),
    ],
)
def test_worked_examples(check_character, serial, expected):
    assert check_character(serial) == expected


def test_mod10_values_letters_by_ascii_minus_three():
    # A=2 ... I=0, J=1 ... Z=7, so letters with equal values give equal check digits.
    plain = mod10(evens_multiplier=1, odds_multiplier=2)
    assert plain("A") == plain("2") == plain("K") == plain("U")
    assert plain("Z") == plain("7")


def test_s10_folds_ten_and_eleven():
    check = s10()
    assert check("00000001") == "4"  # sum 7, remainder 7 -> 11 - 7
    assert check("00000101") == "0"  # sum 5 + 7 = 12, remainder 1 -> 10, written 0
    assert check("00000000") == "5"  # remainder 0 -> 11, written 5


def test_s10_matches_the_upu_formula():
    check = s10()
    for serial in ("00000000", "10000001", "47395201", "12345678", "99999999"):
        remainder = sum(int(d) * w for d, w in zip(serial, [8, 6, 4, 2, 3, 5, 9, 7], strict=True)) % 11
        expected = {10: 0, 11: 5}.get(11 - remainder, 11 - remainder)
        assert check(serial) == str(expected)


def test_every_algorithm_named_by_the_data_is_implemented():
    # Loading would fail on a name missing from ALGORITHMS; count that every checksum was bound.
    with_checksum = [fmt.key for fmt in formats().values() if fmt.check_character is not None]
    assert len(with_checksum) == 23  # the reference README's count of formats with a check digit
    assert set(ALGORITHMS) == {"mod10", "mod7", "s10", "luhn", "sum_product_with_weightings_and_modulo", "mod_37_36"}


def test_algorithm_constants_come_from_the_data():
    check, strength = check_character_function({"name": "mod10", "evens_multiplier": 3, "odds_multiplier": 1})
    assert check("007393800054929") == "7"
    assert strength > 3


def test_unknown_algorithm_is_an_error():
    with pytest.raises(KeyError):
        check_character_function({"name": "mod11_made_up"})
