"""Importing trackline.couriers reads no data file and builds nothing; first use does, once.

First use reads the generated format index and the catalog, not the format data, analyses no
pattern, and compiles only the patterns of the formats the prefilter selects.
"""

import json
import subprocess
import sys
import textwrap

import pytest

# Runs in a fresh interpreter so that no earlier test has loaded the catalog already.
PROBE = textwrap.dedent(
    """
    import json, os, sys
    opened = []

    def record_opens(event, args):
        if event == "open" and isinstance(args[0], str) and "/trackline/couriers/data/" in args[0]:
            opened.append(os.path.basename(args[0]))

    sys.addaudithook(record_opens)
    import trackline.couriers as couriers
    from trackline.couriers import _resources, catalog, format_check, format_index, formats, routing

    caches = [
        catalog.couriers_by_slug, _resources.read_index, formats.all_formats, formats.compiled,
        routing.all_routings, format_index.format_index, format_index._loop_entries,
        format_index._loop_entry, format_check._formats_by_slug,
    ]
    after_import = {"opened": list(opened), "cached": sum(c.cache_info().currsize for c in caches)}
    first_call, number = sys.argv[1:]
    if first_call == "detect":
        couriers.detect(number)
    else:
        couriers.check_format(first_call, number)
    after_first_use = {
        "opened": sorted(opened),
        "compiled": formats.compiled.cache_info().currsize,
        "analysed": "trackline.couriers.pattern_shape" in sys.modules,
    }
    couriers.detect("RB123456785GB")
    couriers.get_courier("ups")
    couriers.check_format("usps", "9400111206206406260787")
    couriers.detect("9400111206206406260787")
    print(json.dumps({
        "after_import": after_import,
        "after_first_use": after_first_use,
        "after_more_use": len(opened),
        "analysed_later": "trackline.couriers.pattern_shape" in sys.modules,
    }))
    """
)


def _probe(*first_call: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *first_call], capture_output=True, text=True, check=True, timeout=60
    )
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    "first_call",
    [("detect", "1Z5R89390357567127"), ("ups", "1Z5R89390357567127")],
    ids=["detect", "check_format"],
)
def test_import_reads_nothing_and_first_use_loads_once(first_call):
    report = _probe(*first_call)
    assert report["after_import"] == {"opened": [], "cached": 0}
    first_use = report["after_first_use"]
    assert first_use["opened"] == ["couriers.json", "format_index.json"], "only the catalog and the index"
    assert not first_use["analysed"], "pattern_shape was imported: the index should make it unnecessary"
    # UPS numbers start with "1Z": no other format shares that prefilter bucket.
    assert first_use["compiled"] == 1, "the first number should compile only the formats it could match"
    assert report["after_more_use"] == len(first_use["opened"]), "data files were read again"
    assert not report["analysed_later"]
