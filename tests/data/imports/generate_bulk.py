"""Writes bulk_10000.csv: 10,000 shipments, 10% of them bad in every way a row can be bad.

Run from the project root: `.venv/bin/python tests/data/imports/generate_bulk.py`. The output is
fixed (a seeded generator), and checked in. Each row says what must become of it in its
`custom_fields.expect` cell; rows marked `custom_fields.setup=existing` are tracked already
before the import (the test creates them first). The test activates ACTIVATED.
"""

import csv
import random
from pathlib import Path

from trackline.couriers import FormatVerdict, check_format, detect

OUT = Path(__file__).with_name("bulk_10000.csv")
ACTIVATED = ("ups", "sandbox", "royal-mail", "hermes", "amazon", "dpd-uk", "dx")
_UPS_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


def _ups_value(char: str) -> int:
    return int(char) if char.isdigit() else (ord(char) - 3) % 10


def ups(rng: random.Random, *, valid: bool = True) -> str:
    serial = "".join(rng.choice(_UPS_CHARS) for _ in range(6)) + f"{rng.randrange(100):02d}{rng.randrange(10**7):07d}"
    total = sum(_ups_value(char) * (1 if index % 2 == 0 else 2) for index, char in enumerate(serial))
    check = (10 - total % 10) % 10
    number = f"1Z{serial}{check if valid else (check + 1) % 10}"
    assert check_format("ups", number) == (FormatVerdict.VALID if valid else FormatVerdict.INVALID_CHECK_DIGIT), number
    return number


def royal_mail(rng: random.Random) -> str:
    digits = f"{rng.randrange(10**8):08d}"
    check = 11 - sum(int(digit) * weight for digit, weight in zip(digits, _S10_WEIGHTS)) % 11
    check = {10: 0, 11: 5}.get(check, check)
    number = f"{rng.choice(['RR', 'RX', 'LS', 'VA'])}{digits}{check}GB"
    assert check_format("royal-mail", number) == FormatVerdict.VALID, number
    return number


def fedex(rng: random.Random) -> str:
    while True:
        number = f"{rng.randrange(10**11, 10**12)}"
        if check_format("fedex", number) == FormatVerdict.VALID:
            return number


def amazon(rng: random.Random) -> str:
    number = f"TBA{rng.randrange(10**11, 10**12)}"
    assert check_format("amazon", number) == FormatVerdict.VALID, number
    return number


def word_number(rng: random.Random, prefix: str, length: int = 14) -> str:
    return prefix + "".join(rng.choice("0123456789ABCDEF") for _ in range(length))


def main() -> None:
    rng = random.Random(20261122)
    good: list[dict] = []
    makers = (
        [lambda: {"tracking_number": ups(rng), "courier": "ups"}] * 30
        + [lambda: {"tracking_number": ups(rng), "courier": ""}] * 15
        + [lambda: {"tracking_number": word_number(rng, "SBX", 12), "courier": "sandbox"}] * 15
        + [lambda: {"tracking_number": royal_mail(rng), "courier": "Royal mail - 24®/48® RM tracked"}] * 10
        + [lambda: {"tracking_number": word_number(rng, "H"), "courier": "Hermes/EVRI"}] * 8
        + [lambda: {"tracking_number": amazon(rng), "courier": "Amazon Logistics"}] * 7
        + [lambda: {"tracking_number": word_number(rng, "155"), "courier": "DPD Next Day"}] * 5
    )
    for index in range(9000):
        row = rng.choice(makers)()
        row.update(title=f"Order #{100000 + index}", order_id=f"SO-{100000 + index}", expect="created")
        if index % 7 == 0:
            row["email"] = f"customer{index}@shop.example"
        if index % 5 == 0:
            row["destination_country"] = rng.choice(["GB", "USA", "Germany", "FRA"])
        good.append(row)

    bad: list[dict] = []
    for _ in range(120):
        bad.append({"tracking_number": ups(rng, valid=False), "courier": "ups", "expect": "invalid_tracking_number"})
    for _ in range(80):
        bad.append({"tracking_number": word_number(rng, "TL", 8), "courier": "Royal Mail", "expect": "invalid_tracking_number"})
    for original in rng.sample(good, 100):
        bad.append({**original, "title": "again", "expect": "duplicate"})
    for _ in range(100):
        bad.append({"tracking_number": ups(rng), "courier": "ups", "expect": "duplicate", "setup": "existing"})
    names = ("Royal Mael 48", "Parcel Wizards", "Hermez/EVRY", "Speedy Boxes Ltd", "Amazone Logistic")
    for index in range(150):
        bad.append({"tracking_number": ups(rng), "courier": names[index % len(names)], "expect": "unknown_courier"})
    for _ in range(50):
        bad.append({"tracking_number": "", "courier": "ups", "title": "no number", "expect": "missing_required_field"})
    for _ in range(50):
        number = word_number(rng, "DX", 10)
        assert check_format("dx", number) in (FormatVerdict.VALID, FormatVerdict.UNKNOWN), number
        bad.append({"tracking_number": number, "courier": "dx", "expect": "missing_required_field"})
    for _ in range(150):
        number = fedex(rng)
        assert detect(number) and not {courier.slug for courier in detect(number)} & set(ACTIVATED), number
        bad.append({"tracking_number": number, "courier": "", "expect": "courier_not_activated"})
    for _ in range(100):
        number = word_number(rng, "ZZQ")
        assert not detect(number), number
        bad.append({"tracking_number": number, "courier": "", "expect": "courier_not_detected"})
    for _ in range(50):
        bad.append({"tracking_number": ups(rng), "courier": "ups", "email": "not-an-email", "expect": "invalid_value"})
    for _ in range(50):
        bad.append({"tracking_number": ups(rng), "courier": "ups", "destination_country": "Atlantis", "expect": "invalid_value"})

    rows = good[:]
    for row in bad:
        rows.insert(rng.randrange(len(rows) + 1), row)
    # An in-file duplicate must come after the row it repeats.
    first_seen: dict[tuple, int] = {}
    for position, row in enumerate(rows):
        key = (row["courier"], row["tracking_number"])
        if row["expect"] == "duplicate" and row.get("setup") != "existing" and key not in first_seen:
            original = next(index for index, other in enumerate(rows) if other is not row and (other["courier"], other["tracking_number"]) == key)
            rows[position], rows[original] = rows[original], rows[position]
        first_seen.setdefault(key, position)

    columns = ["tracking_number", "courier", "title", "order_id", "email", "destination_country", "custom_fields.expect", "custom_fields.setup"]
    with OUT.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([row.get(column.removeprefix("custom_fields."), "") for column in columns])
    print(f"{OUT}: {len(rows)} rows, {sum(row['expect'] != 'created' for row in rows)} bad")


if __name__ == "__main__":
    main()
