"""Endpoints of the couriers function: the catalog, detection, and activation (an extension)."""

from functools import lru_cache
from urllib.parse import unquote

from trackline import API_BASE_PATH
from trackline.api.envelope import success
from trackline.api.routing import Endpoint
from trackline.models.detection_requests import DetectCourierBody
from trackline.services.couriers import CourierService

COURIERS = f"{API_BASE_PATH}/couriers"


@lru_cache(maxsize=1)
def service() -> CourierService:
    return CourierService()


def courier_list(couriers: list) -> dict:
    return {"total": len(couriers), "couriers": [courier.as_contract() for courier in couriers]}


def get_user_couriers():
    return success(courier_list(service().activated()))


def get_all_couriers():
    return success(courier_list(service().all()))


def detect_courier(body: DetectCourierBody):
    return success(courier_list(service().detect(body.tracking)))


def activate_courier(slug: str):
    courier = service().activate(unquote(slug).strip().lower())
    return success({"courier": courier.as_contract(), "active": True})


def deactivate_courier(slug: str):
    courier = service().deactivate(unquote(slug).strip().lower())
    return success({"courier": courier.as_contract(), "active": False})


ENDPOINTS: list[Endpoint] = [
    Endpoint("GET", COURIERS, get_user_couriers, "The activated couriers", "CourierListEnvelope", errors=()),
    Endpoint("GET", f"{COURIERS}/all", get_all_couriers, "Every supported courier", "CourierListEnvelope", errors=()),
    Endpoint("POST", f"{COURIERS}/detect", detect_courier, "Detect the courier of a tracking number", "CourierListEnvelope", body=DetectCourierBody, errors=()),
    Endpoint("POST", f"{COURIERS}/<slug>/activate", activate_courier, "Activate a courier (Trackline extension)", "CourierActivationEnvelope", errors=()),
    Endpoint("POST", f"{COURIERS}/<slug>/deactivate", deactivate_courier, "Deactivate a courier (Trackline extension)", "CourierActivationEnvelope", errors=()),
]
