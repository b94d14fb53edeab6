"""GET /trackings/export: the list filters, CSV that is safe in a spreadsheet, integration fields
that survive create -> get -> export, and large exports through the bucket."""

import csv
import io
import random
from urllib.parse import unquote, urlsplit

import boto3

from tests.data.imports.generate_bulk import ups

RNG = random.Random(9)
INTEGRATION_FIELDS = {
    "custom_fields": {"store": "shop-eu", "sku": "=SKU-1", "gift wrap": "yes"},
    "order_id": "SO-2024-0001",
    "order_number": "#1001",
    "order_date": "2024-04-01T08:47:10+00:00",
    "tracking_ship_date": "20240401",
    "tracking_destination_country": "GBR",
}


def rows_of(text: str) -> list[dict]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


def export(imports, query: str = ""):
    reply = imports.api.get(f"/trackings/export{query}")
    assert reply.status == 200 and reply.headers["Content-Type"] == "text/csv; charset=utf-8", reply.body
    assert reply.headers["content-disposition"] == 'attachment; filename="trackings.csv"'
    return rows_of(reply.body["raw"])


def test_integration_fields_round_trip_create_get_export(imports):
    number = ups(RNG)
    created = imports.trackings.create(tracking_number=number, slug="ups", **INTEGRATION_FIELDS)
    fetched = imports.trackings.get(f"/trackings/{created['id']}").data["tracking"]
    for tracking in (created, fetched):
        assert {name: tracking[name] for name in INTEGRATION_FIELDS} == INTEGRATION_FIELDS

    (row,) = export(imports)
    assert (row["id"], row["tracking_number"], row["courier"], row["courier_full_name"]) == (created["id"], number, "ups", "UPS")
    assert (row["order_id"], row["order_number"], row["order_date"]) == ("SO-2024-0001", "#1001", "2024-04-01T08:47:10+00:00")
    assert (row["tracking_ship_date"], row["tracking_destination_country"]) == ("20240401", "GBR")
    assert (row["custom_fields.store"], row["custom_fields.gift wrap"], row["custom_fields.sku"]) == ("shop-eu", "yes", "'=SKU-1")


def test_the_export_imports_back_unchanged_into_another_stack(imports):
    """An exported file is an import file: export-only columns are skipped, the quotes undone."""
    from trackline.imports.csv_reader import read_csv
    from trackline.imports.rows import create_input

    imports.trackings.create(tracking_number=ups(RNG), slug="ups", title="+1 555 0100", **INTEGRATION_FIELDS)
    text = imports.api.get("/trackings/export").body["raw"]
    (row,) = read_csv(text.encode(), max_rows=10).rows
    fields, courier = create_input(row.cells)
    assert courier == "ups" and fields["title"] == "+1 555 0100"
    assert {name: fields[name] for name in INTEGRATION_FIELDS} == INTEGRATION_FIELDS


def test_the_list_filters_choose_what_is_exported_and_no_cell_starts_a_formula(imports):
    imports.trackings.create(tracking_number=ups(RNG), slug="ups", title="=1+1", customer_name="@cmd")
    imports.trackings.create(tracking_number="SBX" + "7" * 10, slug="sandbox", title="Order -5")
    imports.trackings.create(tracking_number="H0000000000001", slug="hermes", title="Plain")
    everything = export(imports)
    assert len(everything) == 3
    for row in everything:
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row.values())
    titles = {row["title"] for row in everything}
    assert titles == {"'=1+1", "Order -5", "Plain"}
    assert [row["courier"] for row in export(imports, "?slug=sandbox,hermes&keyword=order")] == ["sandbox"]
    assert export(imports, "?tag=Delivered") == []


def test_a_large_export_goes_through_the_bucket(imports, monkeypatch):
    from tests.conftest import reset_cached_clients

    for _ in range(12):
        imports.trackings.create(tracking_number=ups(RNG), slug="ups", title="A title long enough " * 5)
    inline = imports.api.get("/trackings/export").body["raw"]
    monkeypatch.setenv("EXPORT_INLINE_BYTES", "1024")
    reset_cached_clients()

    reply = imports.api.get("/trackings/export")
    assert reply.status == 303 and reply.code == 303
    link = reply.data["export"]
    assert reply.headers["location"] == link["url"] and link["rows"] == 12 and link["bytes"] == len(inline.encode())
    url = urlsplit(link["url"])
    assert "X-Amz-Signature=" in url.query and "X-Amz-Expires=900" in url.query
    key = unquote(url.path.split(f"/{imports.bucket}/", 1)[1]) if f"/{imports.bucket}/" in url.path else unquote(url.path.lstrip("/"))
    stored = boto3.client("s3").get_object(Bucket=imports.bucket, Key=key)
    assert key.startswith("exports/") and stored["Body"].read().decode() == inline

    asked = imports.api.get("/trackings/export?delivery=url&tag=Pending")
    assert asked.status == 200 and asked.data["export"]["rows"] == 12
