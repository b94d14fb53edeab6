"""Couriers API: the courier catalog, the activated couriers and courier detection."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from trackline.api.app import create_app
from trackline.api.couriers_routes import router
from trackline.api.guard import guarded_api

logger = Logger()
app = create_app(router)


@logger.inject_lambda_context(clear_state=True)
@guarded_api
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
