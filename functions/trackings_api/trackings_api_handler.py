"""Trackings API: trackings, last_checkpoint and notifications of the 2024-04 contract."""

from typing import Any

from trackline.api.app import api_entry_point, create_app
from trackline.api.trackings_routes import ENDPOINTS

app = create_app(ENDPOINTS)


@api_entry_point
def handler(event: dict, context: Any) -> dict:
    return app.resolve(event, context)
