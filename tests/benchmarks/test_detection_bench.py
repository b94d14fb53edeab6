"""Detection throughput of trackline.couriers.detect() against the `tracking-numbers` package.

Run with: .venv/bin/python -m pytest tests/benchmarks -s -o addopts=""

Both sides get the same inputs, the tracking_number_data reference numbers (valid and invalid,
as written, spaces included) repeated, and both check every format: for `tracking-numbers`
that is its list of definitions, each tested and kept when valid (the package has no
"get all" call; its get_tracking_number stops at the first match). Rounds alternate between
the two so that machine noise hits both, and each side keeps its best round.
"""

import time

import tracking_numbers

from trackline.couriers import detect
from trackline.couriers.formats import all_formats

REPEAT = 20
ROUNDS = 15
REQUIRED_RATIO = 3.0


def reference_numbers() -> list[str]:
    numbers = []
    for fmt in all_formats().values():
        if fmt.courier_code != "sandbox":  # the reference data only, not our own demo format
            numbers += [*fmt.valid_examples, *fmt.invalid_examples]
    return numbers


def tracking_numbers_all_matches(number: str) -> list:
    found = []
    for definition in tracking_numbers.DEFINITIONS:
        candidate = definition.test(number)
        if candidate is not None and candidate.valid:
            found.append(candidate)
    return found


def best_round_seconds(run, inputs: list[str], timings: list[float]) -> None:
    started = time.perf_counter()
    for number in inputs:
        run(number)
    timings.append(time.perf_counter() - started)


def test_detection_throughput_vs_tracking_numbers():
    numbers = reference_numbers()
    assert len(numbers) == 280
    inputs = numbers * REPEAT

    # Warm-up: loads our catalog and formats (lazy), and checks that both sides do real work.
    ours_found = sum(bool(detect(number)) for number in numbers)
    theirs_found = sum(bool(tracking_numbers_all_matches(number)) for number in numbers)
    assert ours_found > 150 and theirs_found > 50

    ours: list[float] = []
    theirs: list[float] = []
    for _ in range(ROUNDS):
        best_round_seconds(detect, inputs, ours)
        best_round_seconds(tracking_numbers_all_matches, inputs, theirs)
    ours_rate = len(inputs) / min(ours)
    theirs_rate = len(inputs) / min(theirs)
    ratio = ours_rate / theirs_rate

    print()
    print(f"inputs: {len(numbers)} reference numbers x {REPEAT}, best of {ROUNDS} rounds each")
    print(f"trackline detect():            {ours_rate:>10,.0f} numbers/s ({ours_found} of {len(numbers)} matched)")
    print(f"tracking-numbers (all defs):   {theirs_rate:>10,.0f} numbers/s ({theirs_found} of {len(numbers)} matched)")
    print(f"detection throughput ratio vs tracking-numbers: {ratio:.1f}x")
    assert ratio >= REQUIRED_RATIO
