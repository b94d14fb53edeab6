"""Writing the export: one CSV row per tracking, the import's own column names.

No exported cell can start a spreadsheet formula: a cell that starts with = + - @ or a tab or
carriage return gets a leading single quote, which spreadsheets show as text (OWASP's advice for
CSV injection). The import removes that quote again, so an export imports unchanged.
"""

import csv
import io
from collections.abc import Iterable
from typing import Any

from trackline.imports.columns import CUSTOM_FIELD_PREFIX, EXPORT_COLUMNS
from trackline.imports.rows import FORMULA_STARTS
from trackline.models.tracking import TrackingRecord

_RENAMED = {"courier": "slug"}  # export column -> Tracking field, where the names differ


def protected(cell: str) -> str:
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(_text(item) for item in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def tracking_cells(record: TrackingRecord, courier_names: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """(the fixed columns' cells, the custom fields), neither protected yet."""
    last = record.checkpoints[-1] if record.checkpoints else None
    derived = {
        "courier_full_name": courier_names.get(record.slug or "", ""),
        "last_checkpoint_time": last.checkpoint_time if last else None,
        "last_checkpoint_location": _location(last) if last else None,
        "last_checkpoint_message": last.message if last else None,
    }
    cells = [
        _text(derived[name] if name in derived else getattr(record, _RENAMED.get(name, name), None))
        for name in EXPORT_COLUMNS
    ]
    return cells, dict(record.custom_fields or {})


def _location(checkpoint) -> str | None:
    if checkpoint.location:
        return checkpoint.location
    parts = [checkpoint.city, checkpoint.state, checkpoint.country_iso3]
    return ", ".join(part for part in parts if part) or None


def header(custom_field_names: Iterable[str]) -> list[str]:
    return [*EXPORT_COLUMNS, *(CUSTOM_FIELD_PREFIX + name for name in custom_field_names)]


def csv_lines(rows: Iterable[list[str]]) -> str:
    """RFC 4180 lines (CRLF), every cell protected."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([protected(cell) for cell in row] for row in rows)
    return buffer.getvalue()
