"""Couriers API: the courier catalog, the activated couriers and courier detection."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from trackline.api.app import api_entry_point, create_app
from trackline.api.couriers_routes import router

app = create_app(router)


@api_entry_point
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
