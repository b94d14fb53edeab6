"""POST /estimated-delivery-date/predict-batch: delivery dates for parcels not yet shipped.

Each item's pickup comes from its `pickup_time`, or from its `estimated_pickup` by the
contract's cut-off and processing rules; its transit from the lane's delivered history (or the
courier's defaults). One BatchGetItem reads the histograms of every item.
"""

from datetime import datetime

from trackline.errors import InvalidSlug, InvalidValue, ValueRequired
from trackline.estimates.lanes import Lane
from trackline.estimates.pickup import OrderRules, pickup_time
from trackline.estimates.prediction import delivery_window, next_day_window, predict_transit
from trackline.models.estimates import LOCAL_TIME_FORMAT, EstimateAddress, EstimateRequest, EstimateResult
from trackline.repository.transit_stats import TransitStatsRepository
from trackline.services import courier_resolution
from trackline.settings import Settings, get_settings

ITEMS = "estimated_delivery_dates"


class DeliveryEstimateService:
    def __init__(self, settings: Settings | None = None, stats: TransitStatsRepository | None = None) -> None:
        self._settings = settings or get_settings()
        self._stats = stats or TransitStatsRepository(self._settings.table_name)

    def predict_batch(self, requests: list[EstimateRequest]) -> list[dict]:
        """Every item is checked before any is predicted: one bad item fails the whole call."""
        for position, request in enumerate(requests):
            check_request(request, position)
        lanes = [lane_of_request(request) for request in requests]
        histograms = self._stats.histograms(lanes)
        results = []
        for request, lane in zip(requests, lanes, strict=True):
            pickup = pickup_of(request)
            lane_history = {name: history for (slug, name), history in histograms.items() if slug == lane.slug}
            transit = predict_transit(lane, lane_history)
            estimate = delivery_window(pickup.date(), transit) if transit else next_day_window(pickup.date())
            results.append(result_of(request, pickup, estimate.as_contract()))
        return results


def lane_of_request(request: EstimateRequest) -> Lane:
    return Lane.of(request.slug, request.origin_address.country, request.destination_address.country, request.service_type_name)


def check_request(request: EstimateRequest, position: int) -> None:
    """The rules between fields, with the item named; raises the contract's 4009/4008/4010."""
    item = f"{ITEMS}[{position}]"
    try:
        courier_resolution.require_known_slug(request.slug)
    except InvalidSlug:
        raise InvalidSlug(f"The value of slug is invalid. {item}.slug: no courier has the slug {request.slug!r}.") from None
    for name in ("origin_address", "destination_address"):
        address: EstimateAddress = getattr(request, name)
        if not (address.state or address.postal_code):
            raise ValueRequired(f"{item}.{name}.state or postal_code")
    if request.pickup_time is None and request.estimated_pickup is None:
        raise ValueRequired(f"{item}.pickup_time or estimated_pickup")
    if request.pickup_time is not None and request.estimated_pickup is not None:
        raise InvalidValue(ITEMS, f"{item}: send pickup_time or estimated_pickup, not both.")


def pickup_of(request: EstimateRequest) -> datetime:
    if request.pickup_time is not None:
        return datetime.strptime(request.pickup_time, LOCAL_TIME_FORMAT)
    plan = request.estimated_pickup
    rules = OrderRules(
        cutoff=datetime.strptime(plan.order_cutoff_time, "%H:%M:%S").time(),
        business_days=frozenset(plan.business_days),
        processing_days=plan.order_processing_time.value,
    )
    return pickup_time(datetime.strptime(plan.order_time, LOCAL_TIME_FORMAT), rules)


def result_of(request: EstimateRequest, pickup: datetime, estimate: dict) -> dict:
    echoed = request.model_dump(mode="json")
    if echoed.get("estimated_pickup") is not None:
        echoed["estimated_pickup"]["pickup_time"] = pickup.strftime(LOCAL_TIME_FORMAT)
    return EstimateResult.model_validate({**echoed, **estimate}).model_dump(mode="json")

