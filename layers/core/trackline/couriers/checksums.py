"""Check-digit algorithms named by the format data.

Each algorithm takes the constants of its ``validation.checksum`` entry and returns a function
from the serial (whitespace-free, after any prepend rule) to the check character that must
follow it.
Returning the expected character rather than a yes/no lets the same code validate numbers and
build fresh valid ones in tests.

Detection runs these on every candidate, so character values come from ``bytes.translate``
tables and sums run over bytes objects: both loops stay in C.
"""

import math
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

_BASE36 = string.digits + string.ascii_uppercase

CheckCharacter = Callable[[str], str]
_DIGITS = string.digits  # indexing it is cheaper than str(int) in these hot functions


def _value_table(values: Mapping[str, int]) -> bytes:
    source = "".join(values).encode("ascii")
    return bytes.maketrans(source, bytes(values.values()))


# Digits are themselves; mod10 values letters by (ASCII code - 3) mod 10, so A=2 ... Z=7
# (only UPS serials contain letters).
_DIGIT_VALUES = _value_table({c: int(c) for c in string.digits})
_MOD10_VALUES = _value_table(
    {c: int(c) for c in string.digits} | {c: (ord(c) - 3) % 10 for c in string.ascii_uppercase}
)
_BASE36_VALUES = _value_table({c: _BASE36.index(c) for c in _BASE36})
# Luhn's doubled digit with 9 subtracted when above 9, indexed by the digit's value.
_LUHN_DOUBLED = bytes.maketrans(bytes(range(10)), bytes([0, 2, 4, 6, 8, 1, 3, 5, 7, 9]))


def mod10(
    *, evens_multiplier: int = 1, odds_multiplier: int = 1, reverse: bool = False, modulo: int = 10
) -> CheckCharacter:
    def check_character(serial: str) -> str:
        values = serial.encode().translate(_MOD10_VALUES)
        if reverse:
            values = values[::-1]
        total = sum(values[0::2]) * evens_multiplier + sum(values[1::2]) * odds_multiplier
        return _DIGITS[-total % modulo]

    return check_character


def mod7(*, modulo: int = 7) -> CheckCharacter:
    def check_character(serial: str) -> str:
        return _DIGITS[int(serial) % modulo]

    return check_character


def luhn(*, modulo: int = 10) -> CheckCharacter:
    def check_character(serial: str) -> str:
        # The check digit will sit to the right, so the serial's rightmost digit is the first doubled.
        values = serial.encode().translate(_DIGIT_VALUES)[::-1]
        total = sum(values[0::2].translate(_LUHN_DOUBLED)) + sum(values[1::2])
        return _DIGITS[-total % modulo]

    return check_character


def s10(*, weightings: Sequence[int] = (8, 6, 4, 2, 3, 5, 9, 7), modulo: int = 11) -> CheckCharacter:
    weights = tuple(weightings)

    def check_character(serial: str) -> str:
        values = serial.encode().translate(_DIGIT_VALUES)
        if len(values) != len(weights):
            raise ValueError("an S10 serial has exactly one digit per weighting")
        check = modulo - math.sumprod(values, weights) % modulo
        # UPU S10: 10 and 11 do not fit in one digit and become 0 and 5.
        return str({10: 0, 11: 5}.get(check, check))

    return check_character


def sum_product_with_weightings_and_modulo(
    *, weightings: Sequence[int], modulo1: int, modulo2: int
) -> CheckCharacter:
    weights = tuple(weightings)

    def check_character(serial: str) -> str:
        values = serial.encode().translate(_DIGIT_VALUES)
        if len(values) != len(weights):
            raise ValueError("the serial needs exactly one digit per weighting")
        return _DIGITS[math.sumprod(values, weights) % modulo1 % modulo2]

    return check_character


def mod_37_36(*, modulo: int = 36, alphabet: str = _BASE36) -> CheckCharacter:
    def check_character(serial: str) -> str:
        # ISO/IEC 7064 MOD 37,36 (hybrid system) over base-36 character values.
        product = modulo
        for value in serial.encode().translate(_BASE36_VALUES):
            product += value
            if product > modulo:
                product -= modulo
            product *= 2
            if product > modulo:
                product -= modulo + 1
        check = modulo + 1 - product
        return alphabet[0 if check == modulo else check]

    return check_character


@dataclass(frozen=True, slots=True)
class Algorithm:
    with_constants: Callable[..., CheckCharacter]
    # log2 of how many check values exist: how much a passing check makes a match less likely by chance.
    strength_bits: float


ALGORITHMS: Mapping[str, Algorithm] = {
    "mod10": Algorithm(mod10, math.log2(10)),
    "mod7": Algorithm(mod7, math.log2(7)),
    "luhn": Algorithm(luhn, math.log2(10)),
    "s10": Algorithm(s10, math.log2(10)),
    "sum_product_with_weightings_and_modulo": Algorithm(sum_product_with_weightings_and_modulo, math.log2(10)),
    "mod_37_36": Algorithm(mod_37_36, math.log2(36)),
}


def check_character_function(checksum_spec: Mapping[str, Any]) -> tuple[CheckCharacter, float]:
    """The algorithm of a ``validation.checksum`` entry, bound to its constants, and its strength."""
    constants = {key: value for key, value in checksum_spec.items() if key != "name"}
    algorithm = ALGORITHMS[checksum_spec["name"]]
    return algorithm.with_constants(**constants), algorithm.strength_bits
