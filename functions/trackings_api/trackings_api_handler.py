"""Trackings API: trackings, last_checkpoint and notifications of the 2024-04 contract."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from trackline.api.app import api_entry_point, create_app
from trackline.api.trackings_routes import router

app = create_app(router)


@api_entry_point
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
