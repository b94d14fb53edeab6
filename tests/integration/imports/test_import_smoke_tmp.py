import time, os, collections
from tests.support.imports import data_file
from tests.data.imports.generate_bulk import ACTIVATED

def test_smoke(imports, monkeypatch):
    monkeypatch.setenv("IMPORT_WRITE_CONCURRENCY", os.environ.get("CONC", "1"))
    from tests.conftest import reset_cached_clients
    reset_cached_clients()
    from trackline.services import imports as svc
    from trackline.repository import bulk_trackings as bt
    from trackline.repository import imports as ri
    times = collections.Counter()
    def timed(owner, name):
        original = getattr(owner, name)
        def wrapper(*a, **k):
            t = time.perf_counter()
            try: return original(*a, **k)
            finally: times[name] += time.perf_counter() - t
        monkeypatch.setattr(owner, name, wrapper)
    timed(svc.ImportService, "_record_of")
    timed(bt.BulkTrackingWriter, "taken_numbers")
    timed(bt.BulkTrackingWriter, "create_many")
    timed(bt.BulkTrackingWriter, "_tracking_item")
    timed(ri.ImportRepository, "save_rows")
    timed(ri.ImportRepository, "save")
    content = b"\n".join(data_file("bulk_10000.csv").split(b"\n")[:int(os.environ.get("ROWS","2000"))+1])
    for slug in ACTIVATED:
        assert imports.couriers.post(f"/couriers/{slug}/activate").status == 200
    reply = imports.upload(content)
    started = time.perf_counter()
    imports.run_worker()
    print("worker", time.perf_counter() - started, dict(times))
    assert 0
