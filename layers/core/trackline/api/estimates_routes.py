"""Endpoint of the estimated delivery dates, served by the trackings function.

Its models and service (and with them the repository and the courier catalog) are imported on
the first prediction, not with the function: reads of trackings never pay for them at cold
start (trackline.api.routing resolves the body model through `request_model`).
"""

from functools import lru_cache
from typing import TYPE_CHECKING

from trackline import API_BASE_PATH
from trackline.api.envelope import success
from trackline.api.routing import Endpoint

if TYPE_CHECKING:
    from trackline.models.estimates import PredictBatchBody
    from trackline.services.delivery_estimates import DeliveryEstimateService

PREDICT_BATCH = f"{API_BASE_PATH}/estimated-delivery-date/predict-batch"


@lru_cache(maxsize=1)
def service() -> "DeliveryEstimateService":
    from trackline.services.delivery_estimates import DeliveryEstimateService

    return DeliveryEstimateService()


def request_model() -> type["PredictBatchBody"]:
    from trackline.models.estimates import PredictBatchBody

    return PredictBatchBody


def predict_batch(body: "PredictBatchBody"):
    return success({"estimated_delivery_dates": service().predict_batch(body.estimated_delivery_dates)})


ENDPOINTS: list[Endpoint] = [
    Endpoint(
        "POST",
        PREDICT_BATCH,
        predict_batch,
        "Predict estimated delivery dates (1 to 5 parcels)",
        "PredictBatchEnvelope",
        body=request_model,
        errors=(),
    ),
]
