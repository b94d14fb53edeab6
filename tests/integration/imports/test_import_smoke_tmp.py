import time, csv, io
from tests.support.imports import data_file
from tests.data.imports.generate_bulk import ACTIVATED

def test_smoke(imports):
    content = data_file("bulk_10000.csv")
    for slug in ACTIVATED:
        assert imports.couriers.post(f"/couriers/{slug}/activate").status == 200
    rows = list(csv.DictReader(io.StringIO(content.decode())))
    for row in rows:
        if row["custom_fields.setup"] == "existing":
            imports.trackings.create(tracking_number=row["tracking_number"], slug=row["courier"])
    started = time.perf_counter()
    reply = imports.upload(content)
    print("upload", time.perf_counter() - started, reply.status)
    started = time.perf_counter()
    imports.run_worker()
    print("worker", time.perf_counter() - started)
    report = imports.report(reply.data["import"]["id"], limit=5000)
    print(report["counts"])
    assert 0
