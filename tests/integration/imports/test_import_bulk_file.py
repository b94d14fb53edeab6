"""A 10,000-row file with 1,000 bad rows of every kind (tests/data/imports/bulk_10000.csv): every
bad row reported with its reason, every good row created, nothing created twice on re-upload."""

import csv
import gc
import io
import time

import boto3
import pytest

from tests.data.imports.generate_bulk import ACTIVATED
from tests.support.imports import data_file


@pytest.fixture
def without_cycle_collection():
    """The in-process moto holds the table as millions of Python objects; the cycle collector
    would walk them all again and again (a seventh of the run). What the test creates is freed
    by reference counting; one collection afterwards clears the rest."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect()


def test_ten_thousand_rows(imports, without_cycle_collection, monkeypatch):
    from tests.conftest import reset_cached_clients

    # Two writers at once, not eight: the in-process moto runs one request at a time anyway.
    monkeypatch.setenv("IMPORT_WRITE_CONCURRENCY", "2")
    reset_cached_clients()
    content = data_file("bulk_10000.csv")
    expected = list(csv.DictReader(io.StringIO(content.decode())))
    assert len(expected) == 10_000
    for slug in ACTIVATED:
        assert imports.couriers.post(f"/couriers/{slug}/activate").status == 200
    for row in expected:
        if row["custom_fields.setup"] == "existing":
            imports.trackings.create(tracking_number=row["tracking_number"], slug=row["courier"])

    started = time.perf_counter()
    reply = imports.upload(content)
    assert reply.status == 202 and reply.data["import"]["total_rows"] == 10_000
    imports.run_worker()
    elapsed = time.perf_counter() - started
    report = imports.report(reply.data["import"]["id"], limit=5000)
    rows = report["rows"] + imports.report(report["id"], limit=5000, page=2)["rows"]
    print(f"\n10,000 rows imported in {elapsed:.1f} s ({10_000 / elapsed:.0f} rows/s in the in-process moto)")

    assert report["status"] == "completed" and report["processed_rows"] == 10_000
    assert [row["row"] for row in rows] == list(range(2, 10_002))
    for row, want in zip(rows, expected, strict=True):
        assert row["outcome"] == want["custom_fields.expect"], (row, want)
        assert row.get("message") or row["outcome"] == "created", row
    assert report["counts"]["created"] == 9_000 and sum(report["counts"].values()) == 10_000
    assert imports.tracking_count() == 9_100  # and the 100 that existed before

    # Every good row became its tracking; spot-check one of each courier.
    by_slug = {row["slug"]: row for row in rows if row["outcome"] == "created"}
    assert set(by_slug) == {"ups", "sandbox", "royal-mail", "hermes", "amazon", "dpd-uk"}
    for created in by_slug.values():
        tracking = imports.trackings.get(f"/trackings/{created['tracking_id']}").data["tracking"]
        want = expected[created["row"] - 2]
        assert (tracking["tracking_number"], tracking["title"], tracking["order_id"]) == (want["tracking_number"], want["title"], want["order_id"])

    # The same file, uploaded again and dropped in the bucket: the same import, nothing new.
    again = imports.upload(content)
    assert again.status == 202 and again.data["import"]["id"] == report["id"]
    boto3.client("s3").put_object(Bucket=imports.bucket, Key="incoming/bulk again.csv", Body=content)
    imports.run_worker()
    assert imports.api.get("/imports").data["total"] == 1
    assert imports.tracking_count() == 9_100
