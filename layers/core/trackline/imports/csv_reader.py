"""Reading an import file: bytes in, the rows by column or the problems of the file as a whole.

Pure code, no I/O. RFC 4180 CSV in UTF-8, with or without a byte-order mark, CRLF or LF line
ends, quoted cells holding commas, quotes and line breaks. Row numbers are what a spreadsheet
shows: the header is row 1, the first data row is row 2.

A file with any file-level problem (empty, binary, not UTF-8, no header, an unknown or repeated
column, a row with the wrong number of cells, too many rows) is refused as a whole: a file whose
columns shifted would otherwise import nonsense. Every problem is listed, up to a limit, each
with its row or column so the merchant can fix the file in one go.
"""

import csv
import difflib
import io
from dataclasses import dataclass, field

from trackline.imports.columns import COLUMNS_BY_NAME, CUSTOM_FIELD_PREFIX, EXPORT_ONLY_COLUMNS, KNOWN_NAMES, Column, header_key

MAX_REPORTED_PROBLEMS = 100
MAX_CELL_CHARACTERS = 10_000
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# What other files look like at their start, to say what the merchant uploaded by mistake.
_SIGNATURES = (
    (b"PK\x03\x04", "a ZIP archive or an Excel workbook (.xlsx)"),
    (b"\xd0\xcf\x11\xe0", "an old Excel workbook (.xls)"),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\x1f\x8b", "a gzip archive"),
)
SAVE_AS_CSV = 'Save the sheet as "CSV UTF-8 (comma delimited)" and upload that file.'


@dataclass(frozen=True)
class FileProblem:
    code: str
    message: str
    row: int | None = None
    column: str | None = None


@dataclass(frozen=True)
class HeaderColumn:
    position: int  # 0-based position in the file
    label: str  # as written in the file
    column: Column | None = None  # None: a custom field or an export-only column
    custom_field: str | None = None


@dataclass(frozen=True)
class CsvRow:
    number: int  # the spreadsheet row number
    cells: dict[str, str]  # canonical column name (or custom_fields.<name>) -> the cell, non-empty only


@dataclass
class ParsedFile:
    header: list[HeaderColumn] = field(default_factory=list)
    rows: list[CsvRow] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return not self.problems

    def label_of(self, name: str) -> str:
        """The header label the file uses for a canonical column (for messages)."""
        for column in self.header:
            if (column.column and column.column.name == name) or column.custom_field == name:
                return column.label
        return name


def read_csv(content: bytes, *, max_rows: int) -> ParsedFile:
    parsed = ParsedFile()
    text = _decoded(content, parsed.problems)
    if text is None:
        return parsed
    records = _records(text, parsed.problems)
    if records is None:
        return parsed
    non_blank = [(number, cells) for number, cells in records if any(cell.strip() for cell in cells)]
    if not non_blank:
        parsed.problems.append(FileProblem("empty_file", "The file has no rows. Upload a CSV with a header row and one row per shipment."))
        return parsed
    header_row, header_cells = non_blank[0]
    parsed.header = _header(header_cells, header_row, parsed.problems)
    if parsed.problems:
        return parsed
    data = non_blank[1:]
    if len(data) > max_rows:
        parsed.problems.append(
            FileProblem("too_many_rows", f"The file has {len(data):,} rows; at most {max_rows:,} are imported from one file. Split it into smaller files.")
        )
        return parsed
    width = len(header_cells)
    for number, cells in data:
        if len(cells) != width and not (len(cells) > width and not any(cell.strip() for cell in cells[width:])):
            _add(parsed.problems, FileProblem(
                "wrong_column_count",
                f"Row {number} has {len(cells)} cells but the header has {width} columns. "
                "A cell holding a comma must be in double quotes.",
                row=number,
            ))
            continue
        if any(len(cell) > MAX_CELL_CHARACTERS for cell in cells):
            _add(parsed.problems, FileProblem("cell_too_long", f"Row {number} has a cell longer than {MAX_CELL_CHARACTERS:,} characters.", row=number))
            continue
        parsed.rows.append(CsvRow(number, _cells_by_column(parsed.header, cells)))
    if parsed.problems:
        parsed.rows = []
    return parsed


def _decoded(content: bytes, problems: list[FileProblem]) -> str | None:
    if not content.strip(b" \t\r\n" + _UTF8_BOM):
        problems.append(FileProblem("empty_file", "The file is empty. Upload a CSV with a header row and one row per shipment."))
        return None
    if content.startswith(_UTF16_BOMS):
        problems.append(FileProblem("bad_encoding", f"The file is UTF-16, not UTF-8. {SAVE_AS_CSV}"))
        return None
    for signature, what in _SIGNATURES:
        if content.startswith(signature):
            problems.append(FileProblem("binary_file", f"The file is {what}, not a CSV text file. {SAVE_AS_CSV}"))
            return None
    if b"\x00" in content[:65536]:
        problems.append(FileProblem("binary_file", f"The file is binary, not a CSV text file. {SAVE_AS_CSV}"))
        return None
    body = content[len(_UTF8_BOM):] if content.startswith(_UTF8_BOM) else content
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        row = body[: error.start].count(b"\n") + 1
        problems.append(FileProblem(
            "bad_encoding",
            f"Row {row} is not UTF-8 text (byte 0x{body[error.start]:02X}). {SAVE_AS_CSV}",
            row=row,
        ))
        return None


def _records(text: str, problems: list[FileProblem]) -> list[tuple[int, list[str]]] | None:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[tuple[int, list[str]]] = []
    try:
        for cells in reader:
            records.append((len(records) + 1, cells))
    except csv.Error as error:
        row = len(records) + 1
        problems.append(FileProblem(
            "malformed_csv",
            f"Row {row} is not valid CSV ({error}). A cell holding quotes must be in double quotes, with each quote doubled.",
            row=row,
        ))
        return None
    return records


def _header(cells: list[str], row: int, problems: list[FileProblem]) -> list[HeaderColumn]:
    header: list[HeaderColumn] = []
    seen: dict[str, str] = {}
    unknown: list[tuple[int, str]] = []
    for position, label in enumerate(cells):
        key = header_key(label)
        if not key:
            header.append(HeaderColumn(position, label))  # an unnamed column is skipped
            continue
        if key.startswith(CUSTOM_FIELD_PREFIX) and len(key) > len(CUSTOM_FIELD_PREFIX):
            name = label.strip()[len(CUSTOM_FIELD_PREFIX):].strip() or key[len(CUSTOM_FIELD_PREFIX):]
            header.append(HeaderColumn(position, label, custom_field=name))
            canonical = CUSTOM_FIELD_PREFIX + name
        elif key in COLUMNS_BY_NAME:
            column = COLUMNS_BY_NAME[key]
            header.append(HeaderColumn(position, label, column))
            canonical = column.name
        elif key in EXPORT_ONLY_COLUMNS:
            header.append(HeaderColumn(position, label))
            continue
        else:
            unknown.append((position, label))
            header.append(HeaderColumn(position, label))
            continue
        if canonical in seen:
            _add(problems, FileProblem(
                "duplicate_column",
                f'Columns "{seen[canonical]}" and "{label}" both give {canonical}; keep one of them.',
                row=row, column=label,
            ))
        seen[canonical] = label
    if "tracking_number" not in seen:
        if not seen:
            problems.append(FileProblem(
                "no_header",
                "The first row is not a header row: name the columns in the first row, "
                "e.g. tracking_number,courier,title,order_id.",
                row=row,
            ))
            return header
        problems.append(FileProblem(
            "missing_column", "The header has no tracking_number column, the one column every file needs.", row=row, column="tracking_number"
        ))
    for position, label in unknown:
        closest = difflib.get_close_matches(header_key(label), KNOWN_NAMES, n=1, cutoff=0.6)
        hint = f' Did you mean "{closest[0]}"?' if closest else ""
        _add(problems, FileProblem(
            "unknown_column",
            f'Column {position + 1} "{label}" is not an import column.{hint} '
            f"Put data of your own in a {CUSTOM_FIELD_PREFIX}<name> column.",
            row=row, column=label,
        ))
    return header


def _cells_by_column(header: list[HeaderColumn], cells: list[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for column in header:
        # Spaces around a cell are dropped; a leading tab or carriage return is data (see rows.py).
        cell = cells[column.position].strip(" ") if column.position < len(cells) else ""
        if not cell:
            continue
        if column.column is not None:
            values[column.column.name] = cell
        elif column.custom_field is not None:
            values[CUSTOM_FIELD_PREFIX + column.custom_field] = cell
    return values


def _add(problems: list[FileProblem], problem: FileProblem) -> None:
    if len(problems) < MAX_REPORTED_PROBLEMS:
        problems.append(problem)
