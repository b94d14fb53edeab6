"""Trackings API: trackings, last_checkpoint and notifications of the 2024-04 contract."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from trackline.api.app import create_app
from trackline.api.guard import guarded_api
from trackline.api.trackings_routes import router

logger = Logger()
app = create_app(router)


@logger.inject_lambda_context(clear_state=True)
@guarded_api
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
