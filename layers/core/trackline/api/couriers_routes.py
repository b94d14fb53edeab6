"""Routes of the couriers function: the catalog, detection, and activation (an extension)."""

from functools import lru_cache
from typing import Annotated
from urllib.parse import unquote

from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from trackline import API_BASE_PATH
from trackline.api.envelope import success
from trackline.api.openapi import documented
from trackline.models.requests import DetectCourierBody
from trackline.models.responses import CourierActivationEnvelope, CourierListEnvelope
from trackline.services.couriers import CourierService

router = APIGatewayHttpRouter()

COURIERS = f"{API_BASE_PATH}/couriers"


@lru_cache(maxsize=1)
def service() -> CourierService:
    return CourierService()


def courier_list(couriers: list) -> dict:
    return {"total": len(couriers), "couriers": [courier.as_contract() for courier in couriers]}


@router.get(COURIERS, summary="The activated couriers", responses=documented(200, CourierListEnvelope, "Activated couriers"))
def get_user_couriers():
    return success(courier_list(service().activated()))


@router.get(f"{COURIERS}/all", summary="Every supported courier", responses=documented(200, CourierListEnvelope, "All couriers"))
def get_all_couriers():
    return success(courier_list(service().all()))


@router.post(f"{COURIERS}/detect", summary="Detect the courier of a tracking number", responses=documented(200, CourierListEnvelope, "Candidates, best first"))
def detect_courier(body: Annotated[DetectCourierBody, Body()]):
    return success(courier_list(service().detect(body.tracking)))


@router.post(f"{COURIERS}/<slug>/activate", summary="Activate a courier (Trackline extension)", responses=documented(200, CourierActivationEnvelope, "Activated"))
def activate_courier(slug: str):
    courier = service().activate(unquote(slug).strip().lower())
    return success({"courier": courier.as_contract(), "active": True})


@router.post(f"{COURIERS}/<slug>/deactivate", summary="Deactivate a courier (Trackline extension)", responses=documented(200, CourierActivationEnvelope, "Deactivated"))
def deactivate_courier(slug: str):
    courier = service().deactivate(unquote(slug).strip().lower())
    return success({"courier": courier.as_contract(), "active": False})
