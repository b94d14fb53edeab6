"""The export's cells: no cell starts a spreadsheet formula, and an export imports unchanged."""

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from trackline.imports.csv_export import csv_lines, header, protected, tracking_cells
from trackline.imports.csv_reader import read_csv
from trackline.imports.rows import FORMULA_STARTS, create_input, unprotected
from trackline.models.tracking import Checkpoint, TrackingRecord


def test_a_formula_looking_cell_gets_a_leading_quote_and_nothing_else_changes():
    assert [protected(cell) for cell in ("=1+1", "+44 20", "-5", "@SUM(A1)", "\tx", "\rx")] == [
        "'=1+1", "'+44 20", "'-5", "'@SUM(A1)", "'\tx", "'\rx"
    ]
    assert protected("Order #1") == "Order #1" and protected("") == ""


@given(st.text(max_size=40))
def test_no_exported_cell_starts_a_formula_and_every_cell_reads_back(cell):
    (row,) = csv.reader(io.StringIO(csv_lines([[cell, "x"]]), newline=""))
    assert not row[0].startswith(FORMULA_STARTS)
    assert unprotected(row[0]) == cell


def test_a_tracking_exports_the_import_columns_and_imports_back():
    record = TrackingRecord(
        id="a" * 24, tracking_number="1Z5R89390357567127", slug="ups", tag="InTransit", title="=HYPERLINK(\"x\")",
        order_id="SO-1", order_number="#1001", order_date="2024-04-01T08:00:00Z", tracking_ship_date="20240401",
        tracking_destination_country="GBR", emails=["a@shop.example", "b@shop.example"], smses=["+14155550100"],
        custom_fields={"sku": "-SKU-1", "gift": "yes"}, active=True,
        checkpoints=[Checkpoint(checkpoint_time="2024-04-02T10:00:00", city="Leeds", country_iso3="GBR", message="Departed")],
    )
    cells, custom = tracking_cells(record, {"ups": "UPS"})
    names = header(sorted(custom))
    text = csv_lines([names, cells + [custom[name] for name in sorted(custom)]])
    values = dict(zip(names, next(iter(csv.reader(io.StringIO(text.splitlines()[1]))))))
    assert values["courier"] == "ups" and values["courier_full_name"] == "UPS" and values["tag"] == "InTransit"
    assert values["title"] == "'=HYPERLINK(\"x\")" and values["smses"] == "'+14155550100"
    assert values["last_checkpoint_location"] == "Leeds, GBR" and values["last_checkpoint_message"] == "Departed"
    assert values["custom_fields.sku"] == "'-SKU-1"

    (row,) = read_csv(text.encode(), max_rows=10).rows
    fields, courier = create_input(row.cells)
    assert courier == "ups"
    assert fields["title"] == '=HYPERLINK("x")' and fields["smses"] == ["+14155550100"]
    assert fields["custom_fields"] == {"gift": "yes", "sku": "-SKU-1"}
    assert (fields["order_number"], fields["order_date"], fields["tracking_ship_date"], fields["tracking_destination_country"]) == (
        "#1001", "2024-04-01T08:00:00Z", "20240401", "GBR"
    )
