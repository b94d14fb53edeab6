"""Importing trackline.couriers reads no data file and builds nothing; first use does, once."""

import json
import subprocess
import sys
import textwrap

# Runs in a fresh interpreter so that no earlier test has loaded the catalog already.
PROBE = textwrap.dedent(
    """
    import json, sys
    opened = []

    def record_opens(event, args):
        if event == "open" and isinstance(args[0], str) and "/trackline/couriers/data/" in args[0]:
            opened.append(args[0])

    sys.addaudithook(record_opens)
    import trackline.couriers as couriers
    from trackline.couriers import catalog, format_check, format_index, formats, routing

    caches = [
        catalog.couriers_by_slug, formats.all_formats, routing.all_routings,
        format_index.format_index, format_check._formats_by_slug,
    ]
    after_import = {"opened": list(opened), "cached": sum(c.cache_info().currsize for c in caches)}
    couriers.detect("1Z5R89390357567127")
    after_first_use = len(opened)
    couriers.detect("RB123456785GB")
    couriers.get_courier("ups")
    couriers.check_format("usps", "9400111206206406260787")
    print(json.dumps({
        "after_import": after_import,
        "after_first_use": after_first_use,
        "after_more_use": len(opened),
    }))
    """
)


def test_import_reads_nothing_and_first_use_loads_once():
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=60)
    report = json.loads(result.stdout)
    assert report["after_import"] == {"opened": [], "cached": 0}
    assert report["after_first_use"] > 0
    assert report["after_more_use"] == report["after_first_use"], "data files were read again"
