"""The committed format index (data/format_index.json) is exactly what the format data gives.

The package reads only the index at run time, so an edit of the format data (or of the code that
derives the index) that is not followed by a regeneration would silently go unused.
"""

import json

import pytest
from couriers_test_support import formats

from trackline.couriers._resources import INDEX_FILE, data_file_path, read_data_json
from trackline.couriers.build_index import REGENERATE_COMMAND, build_index, main, render, routing_entry
from trackline.couriers.pattern_shape import shape_of
from trackline.couriers.routing import all_routings, routing_from_index
from trackline.couriers.shape import PREFIX_LENGTH

STALE = (
    f"data/{INDEX_FILE} does not match the format data. Regenerate it with `{REGENERATE_COMMAND}` "
    f"(with the project virtualenv active) and commit the result."
)


def _committed() -> dict:
    return json.loads(data_file_path(INDEX_FILE).read_text(encoding="utf-8"))


def _differences(committed: dict, rebuilt: dict) -> list[str]:
    """Which sections and entries differ, so that the failure names them instead of dumping both."""
    found = []
    for section in sorted(committed.keys() | rebuilt.keys()):
        old, new = committed.get(section), rebuilt.get(section)
        if old == new:
            continue
        if isinstance(old, dict) and isinstance(new, dict):
            found += [f"{section}/{key}" for key in sorted(old.keys() | new.keys()) if old.get(key) != new.get(key)]
        else:
            found.append(section)
    return found


def test_the_committed_index_is_regenerated_from_the_format_data():
    committed, rebuilt = _committed(), build_index()
    if committed != rebuilt:
        pytest.fail(f"{STALE}\nStale entries: {', '.join(_differences(committed, rebuilt)[:20])}")


def test_the_committed_index_is_written_as_the_generator_writes_it():
    assert main(["--check"]) == 0, STALE
    assert data_file_path(INDEX_FILE).read_text(encoding="utf-8") == render(_committed()) + "\n", STALE


@pytest.mark.parametrize("format_key", sorted(formats()))
def test_loaded_shapes_are_those_of_the_patterns(format_key):
    fmt = formats()[format_key]
    assert fmt.shape == shape_of(fmt.pattern)
    assert fmt.regex.pattern == fmt.pattern


def test_loaded_routings_are_those_of_the_data():
    for key, spec in read_data_json("format_couriers.json").items():
        assert all_routings()[key] == routing_from_index(routing_entry(spec)), key


def test_the_prefilter_lists_every_bucket_of_every_claimed_format():
    prefilter = _committed()["prefilter"]
    buckets = {
        (prefix, group["length"]): group["formats"] for group in prefilter["groups"] for prefix in group["prefixes"]
    }
    routings = all_routings()
    for key, fmt in formats().items():
        if key not in routings:
            continue  # no courier: detection never tries it
        if fmt.shape.lengths is None or fmt.shape.prefixes is None:
            assert key in prefilter["unindexed"], key
            continue
        for prefix in fmt.shape.prefixes:
            for length in fmt.shape.lengths:
                if len(prefix) in (PREFIX_LENGTH, length):
                    assert key in buckets[(prefix, length)], (key, prefix, length)
    assert sum(len(group["prefixes"]) for group in prefilter["groups"]) == len(buckets), "a bucket listed twice"
