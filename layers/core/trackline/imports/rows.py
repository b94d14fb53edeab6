"""One CSV row as the body of a create request.

Cells are data, whatever they start with: "=cmd|..." is a title like any other (Trackline never
evaluates a cell). The one exception undoes what the export does: a cell the export protected
with a leading quote ("'=1+1", "'+44 20...") reads back without it, so an exported file imports
unchanged.
"""

from typing import Any

from trackline.imports.country_names import country_code
from trackline.imports.columns import COLUMNS_BY_NAME, CUSTOM_FIELD_PREFIX, Kind

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def unprotected(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS) else cell


def create_input(cells: dict[str, str]) -> tuple[dict[str, Any], str | None]:
    """(the create request's fields, the courier cell): the courier is resolved separately, as a
    slug or a carrier name."""
    fields: dict[str, Any] = {}
    custom_fields: dict[str, str] = {}
    courier: str | None = None
    for name, raw in cells.items():
        cell = unprotected(raw)
        if name.startswith(CUSTOM_FIELD_PREFIX):
            custom_fields[name[len(CUSTOM_FIELD_PREFIX):]] = cell
            continue
        column = COLUMNS_BY_NAME[name]
        if column.kind is Kind.COURIER:
            courier = cell
        elif column.kind is Kind.COUNTRY:
            # ISO3, ISO2 or an English name; anything else is left for the model to refuse.
            fields[column.field] = country_code(cell) or cell
        elif column.kind is Kind.LIST:
            fields[column.field] = [part.strip() for part in cell.split(",") if part.strip()]
        else:
            fields[column.field] = cell
    if custom_fields:
        fields["custom_fields"] = custom_fields
    return fields, courier
