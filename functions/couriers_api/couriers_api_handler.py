"""Couriers API: the courier catalog, the activated couriers and courier detection."""

from typing import Any

from trackline.api.app import api_entry_point, create_app
from trackline.api.couriers_routes import ENDPOINTS

app = create_app(ENDPOINTS)


@api_entry_point
def handler(event: dict, context: Any) -> dict:
    return app.resolve(event, context)
