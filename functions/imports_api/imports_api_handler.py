"""Imports API (Trackline extensions): CSV import and its report, CSV export, carrier-name mappings."""

from typing import Any

from trackline.api.app import api_entry_point, create_app
from trackline.api.imports_routes import ENDPOINTS

app = create_app(ENDPOINTS)


@api_entry_point
def handler(event: dict, context: Any) -> dict:
    return app.resolve(event, context)
