"""Endpoints of the imports function (Trackline extensions): CSV import, CSV export and the
merchant's carrier-name mappings."""

import json
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote

from trackline import API_BASE_PATH
from trackline.api.envelope import HEADERS, success
from trackline.api.http import Response
from trackline.api.routing import Endpoint, RawBody
from trackline.errors import InvalidValue
from trackline.models.imports import (
    CourierMappingBody,
    CourierMappingsQuery,
    ExportQuery,
    ImportListQuery,
    ImportReportQuery,
)
from trackline.services.courier_names import CourierMappingService
from trackline.services.exports import Export, ExportService
from trackline.services.imports import ImportService
from trackline.services.listing import filter_from_query
from trackline.settings import get_settings

IMPORTS = f"{API_BASE_PATH}/imports"
COURIER_MAPPINGS = f"{API_BASE_PATH}/courier-mappings"
EXPORT = f"{API_BASE_PATH}/trackings/export"
# What browsers and tools call a CSV file; anything else is refused before it is read.
CSV_MEDIA_TYPES = frozenset({"text/csv", "application/csv", "application/vnd.ms-excel", "text/plain", "application/octet-stream"})


@dataclass(frozen=True)
class _Services:
    imports: ImportService
    exports: ExportService
    mappings: CourierMappingService


@lru_cache(maxsize=1)
def service() -> _Services:
    settings = get_settings()
    return _Services(ImportService(settings), ExportService(settings), CourierMappingService(settings.table_name))


# -- imports ----------------------------------------------------------------------------------


def create_import(body: RawBody):
    media_type = (body.content_type or "").split(";", 1)[0].strip().lower()
    if media_type not in CSV_MEDIA_TYPES:
        raise InvalidValue("content-type", "Send the file itself as the body, with Content-Type: text/csv.")
    # 202 for a file seen before too: its import (whatever its status) is the answer.
    return success({"import": service().imports.submit(body.content).as_contract()}, 202)


def list_imports(query: ImportListQuery):
    imports = service().imports.recent(query.limit)
    return success({"total": len(imports), "imports": [summary.as_contract() for summary in imports]})


def get_import(import_id: str, query: ImportReportQuery):
    return success({"import": service().imports.get(unquote(import_id), query)})


# -- carrier-name mappings --------------------------------------------------------------------


def list_courier_mappings(query: CourierMappingsQuery):
    mappings = service().mappings.list(include_built_in=query.include_built_in)
    return success({"total": len(mappings), "courier_mappings": [mapping.model_dump(mode="json") for mapping in mappings]})


def add_courier_mapping(body: CourierMappingBody):
    mapping = service().mappings.add(body.courier_mapping.name, body.courier_mapping.slug)
    return success({"courier_mapping": mapping.model_dump(mode="json")}, 201)


def remove_courier_mapping(name: str):
    return success({"courier_mapping": service().mappings.remove(unquote(name)).model_dump(mode="json")})


# -- export -----------------------------------------------------------------------------------


def export_trackings(query: ExportQuery):
    export = service().exports.export(filter_from_query(query), through_bucket=query.delivery == "url")
    if export.csv is not None:
        headers = {**HEADERS, "content-disposition": 'attachment; filename="trackings.csv"'}
        return Response(status_code=200, content_type="text/csv; charset=utf-8", body=export.csv, headers=headers)
    if query.delivery == "url":
        return success({"export": _link(export)})
    # Too large to answer inline: the client follows the link (curl -L, browsers) or reads it.
    body = json.dumps({"meta": {"code": 303}, "data": {"export": _link(export)}}, separators=(",", ":"))
    return Response(status_code=303, content_type="application/json", body=body, headers={**HEADERS, "location": export.url})


def _link(export: Export) -> dict:
    return {"rows": export.rows, "bytes": export.bytes, "url": export.url, "expires_at": export.expires_at}


ENDPOINTS: list[Endpoint] = [
    Endpoint("POST", IMPORTS, create_import, "Import trackings from a CSV file (Trackline extension)", "ImportEnvelope", status=202, raw_body=True, errors=()),
    Endpoint("GET", IMPORTS, list_imports, "Recent imports (Trackline extension)", "ImportListEnvelope", query=ImportListQuery, errors=()),
    Endpoint("GET", f"{IMPORTS}/<import_id>", get_import, "An import's status and row report (Trackline extension)", "ImportEnvelope", query=ImportReportQuery),
    Endpoint("GET", COURIER_MAPPINGS, list_courier_mappings, "Carrier-name mappings (Trackline extension)", "CourierMappingListEnvelope", query=CourierMappingsQuery, errors=()),
    Endpoint("POST", COURIER_MAPPINGS, add_courier_mapping, "Map a carrier name to a courier (Trackline extension)", "CourierMappingEnvelope", status=201, body=CourierMappingBody, errors=()),
    Endpoint("DELETE", f"{COURIER_MAPPINGS}/<name>", remove_courier_mapping, "Remove a carrier-name mapping (Trackline extension)", "CourierMappingEnvelope"),
    Endpoint(
        "GET", EXPORT, export_trackings, "Export trackings as CSV (Trackline extension)", "ExportLinkEnvelope",
        query=ExportQuery, errors=(), media_types=("text/csv", "application/json"),
    ),
]
