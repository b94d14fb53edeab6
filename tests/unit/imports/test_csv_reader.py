"""Reading import files: what is accepted, and every way a file is refused as a whole."""

import pytest

from tests.support.imports import data_file
from trackline.imports.csv_reader import read_csv
from trackline.imports.rows import create_input


def problems(name: str, max_rows: int = 1000) -> list:
    parsed = read_csv(data_file(name), max_rows=max_rows)
    assert not parsed.rows, "a refused file gives no rows at all"
    return parsed.problems


@pytest.mark.parametrize(
    ("name", "code", "row", "says"),
    [
        ("empty.csv", "empty_file", None, "The file is empty"),
        ("blank_lines.csv", "empty_file", None, "no rows"),
        ("shipments.xlsx", "binary_file", None, "Excel workbook"),
        ("nul_bytes.csv", "binary_file", None, "binary"),
        ("utf16.csv", "bad_encoding", None, "UTF-16"),
        ("latin1.csv", "bad_encoding", 3, "Row 3 is not UTF-8 text (byte 0xE9)"),
        ("no_header.csv", "no_header", 1, "not a header row"),
        ("missing_tracking_number_column.csv", "missing_column", 1, "no tracking_number column"),
        ("malformed_quotes.csv", "malformed_csv", 2, "Row 2 is not valid CSV"),
    ],
)
def test_a_file_is_refused_as_a_whole_with_what_to_do(name, code, row, says):
    (problem,) = problems(name)
    assert (problem.code, problem.row) == (code, row)
    assert says in problem.message


def test_unknown_columns_are_named_with_their_position_and_the_closest_column():
    found = problems("unknown_columns.csv")
    assert [(p.code, p.column) for p in found] == [("unknown_column", "titel"), ("unknown_column", "shoe_size")]
    assert 'Column 3 "titel" is not an import column. Did you mean "title"?' in found[0].message
    assert "custom_fields.<name>" in found[1].message


def test_two_columns_for_one_field_are_refused():
    (problem,) = problems("duplicate_columns.csv")
    assert problem.code == "duplicate_column" and '"email" and "emails"' in problem.message


def test_every_row_with_the_wrong_number_of_cells_is_listed_by_row_number():
    found = problems("wrong_column_count.csv")
    assert [(p.code, p.row) for p in found] == [("wrong_column_count", 3), ("wrong_column_count", 4)]
    assert found[0].message.startswith("Row 3 has 4 cells but the header has 3 columns.")


def test_too_many_rows():
    (problem,) = problems("six_rows.csv", max_rows=5)
    assert problem.code == "too_many_rows" and "6 rows; at most 5" in problem.message
    assert len(read_csv(data_file("six_rows.csv"), max_rows=6).rows) == 6


def test_bom_crlf_quoted_line_breaks_and_any_script_are_read_as_written():
    parsed = read_csv(data_file("bom_crlf_unicode.csv"), max_rows=10)
    assert parsed.accepted and [row.number for row in parsed.rows] == [2, 3, 4]
    first, second, third = (row.cells for row in parsed.rows)
    assert first["title"] == "Café Crème, 2 × 250 g" and first["custom_fields.Gift Message"] == "Alles Gute 🎉"
    assert second["title"] == "東京の注文 #42" and second["note"] == "Line one\nline two"
    assert third["title"] == 'She said "hi"' and third["customer_name"] == "Renée O'Connor"
    assert parsed.label_of("customer_name") == "Customer Name"


def test_the_same_file_with_lf_and_without_bom_reads_the_same():
    crlf = read_csv(data_file("bom_crlf_unicode.csv"), max_rows=10)
    lf = read_csv(data_file("bom_crlf_unicode.csv").removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\n"), max_rows=10)
    assert [row.cells for row in lf.rows] == [row.cells for row in crlf.rows]


def test_every_alias_the_contract_lists_fills_its_field_and_export_only_columns_are_skipped():
    (row,) = read_csv(data_file("aliases.csv"), max_rows=10).rows
    fields, courier = create_input(row.cells)
    assert courier == "ups"
    assert fields == {
        "tracking_number": "1Z5R89390357567127",
        "title": "Aliased",
        "order_id_path": "https://shop.example/o/1",
        "emails": ["a@shop.example", "b@shop.example"],
        "smses": ["+14155550100"],
        "origin_country_iso3": "USA",
        "destination_country_iso3": "GBR",
        "tracking_ship_date": "20240401",
        "tracking_destination_country": "GBR",
        "order_number": "#1001",
        "order_date": "2024-04-01T08:00:00Z",
        "custom_fields": {"channel": "web"},
    }


def test_formula_looking_cells_are_data_and_an_exported_quote_is_undone():
    first, second = read_csv(data_file("formulas.csv"), max_rows=10).rows
    fields, _ = create_input(first.cells)
    assert fields["title"] == "=cmd|' /C calc'!A0" and fields["customer_name"] == "+44 20 7946 0958"
    assert fields["note"] == "@SUM(A1:A2)" and fields["custom_fields"] == {"ref": "-1"}
    fields, _ = create_input(second.cells)
    assert fields["title"] == "=1+1"  # the export's protecting quote, removed
    assert fields["customer_name"] == "\tTabbed" and fields["note"] == "\rReturn"
    assert fields["custom_fields"] == {"ref": '=HYPERLINK("http://x.example")'}
