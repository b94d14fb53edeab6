"""Endpoints of the trackings function: trackings, last_checkpoint and notifications, each in
both addressing forms (by id, and by slug + tracking number with the additional fields as query)."""

from functools import lru_cache
from urllib.parse import unquote

from trackline import API_BASE_PATH
from trackline.api import presenters
from trackline.api.envelope import success
from trackline.api.estimates_routes import ENDPOINTS as ESTIMATE_ENDPOINTS
from trackline.api.routing import Endpoint
from trackline.errors import InvalidTrackingNumber
from trackline.models.fields import normalise_tracking_number
from trackline.models.refs import TrackingById, TrackingByNumber, TrackingRef
from trackline.models.requests import (
    AdditionalFieldsQuery,
    CreateTrackingBody,
    GetTrackingQuery,
    LastCheckpointQuery,
    ListTrackingsQuery,
    MarkCompletedBody,
    NotificationBody,
    UpdateTrackingBody,
)
from trackline.services.listing import filter_from_query
from trackline.services.trackings import TrackingService

TRACKINGS = f"{API_BASE_PATH}/trackings"
BY_ID = f"{TRACKINGS}/<tracking_id>"
BY_NUMBER = f"{TRACKINGS}/<slug>/<tracking_number>"
LAST_CHECKPOINT = f"{API_BASE_PATH}/last_checkpoint"
NOTIFICATIONS = f"{API_BASE_PATH}/notifications"


@lru_cache(maxsize=1)
def service() -> TrackingService:
    return TrackingService()


def by_id(tracking_id: str) -> TrackingRef:
    return TrackingById(unquote(tracking_id))


def by_number(slug: str, tracking_number: str, query: AdditionalFieldsQuery) -> TrackingRef:
    try:
        number = normalise_tracking_number(unquote(tracking_number))
    except ValueError as error:
        raise InvalidTrackingNumber() from error
    return TrackingByNumber(unquote(slug).strip().lower(), number, query.additional_fields())


def ref_of(query: AdditionalFieldsQuery, tracking_id: str | None = None, slug: str | None = None, tracking_number: str | None = None) -> TrackingRef:
    return by_id(tracking_id) if tracking_id is not None else by_number(slug, tracking_number, query)


# -- trackings ------------------------------------------------------------------------------


def create_tracking(body: CreateTrackingBody):
    return success({"tracking": presenters.tracking(service().create(body.tracking))}, 201)


def list_trackings(query: ListTrackingsQuery):
    fields = presenters.requested_fields(query.fields, presenters.LIST_FIELDS)
    tracking_filter = filter_from_query(query)
    page = service().list(tracking_filter, page=query.page, limit=query.limit)
    return success(presenters.tracking_list(page, query, tracking_filter, fields))


def get_tracking(query: GetTrackingQuery, **path: str):
    fields = presenters.requested_fields(query.fields, presenters.GET_FIELDS)
    presenters.check_language(query.lang)
    return success({"tracking": presenters.tracking(service().get(ref_of(query, **path)), fields)})


def update_tracking(body: UpdateTrackingBody, query: AdditionalFieldsQuery, **path: str):
    return success({"tracking": presenters.tracking(service().update(ref_of(query, **path), body.tracking))})


def delete_tracking(query: AdditionalFieldsQuery, **path: str):
    return success({"tracking": presenters.partial_tracking(service().delete(ref_of(query, **path)))})


def retrack_tracking(query: AdditionalFieldsQuery, **path: str):
    return success({"tracking": presenters.partial_tracking(service().retrack(ref_of(query, **path)), with_active=True)})


def mark_tracking_completed(body: MarkCompletedBody, query: AdditionalFieldsQuery, **path: str):
    return success({"tracking": presenters.tracking(service().mark_completed(ref_of(query, **path), body.reason))})


# -- last checkpoint and notifications -------------------------------------------------------


def get_last_checkpoint(query: LastCheckpointQuery, **path: str):
    fields = presenters.requested_fields(query.fields, presenters.CHECKPOINT_FIELDS.keys())
    presenters.check_language(query.lang)
    return success(presenters.last_checkpoint(service().get(ref_of(query, **path)), fields))


def get_notification_receivers(query: AdditionalFieldsQuery, **path: str):
    return success(presenters.notification(service().get(ref_of(query, **path))))


def add_notification_receivers(body: NotificationBody, query: AdditionalFieldsQuery, **path: str):
    return success(presenters.notification(service().add_receivers(ref_of(query, **path), body.notification)))


def remove_notification_receivers(body: NotificationBody, query: AdditionalFieldsQuery, **path: str):
    return success(presenters.notification(service().remove_receivers(ref_of(query, **path), body.notification)))


def _both_forms(method: str, by_id_path: str, by_number_path: str, handler, summary: str, response: str, **options) -> list[Endpoint]:
    """The by-id route and the slug + number route of one operation. The by-id form takes no
    additional fields, but its query model is the same so one handler serves both."""
    return [
        Endpoint(method, by_id_path, handler, f"{summary} by id", response, **options),
        Endpoint(method, by_number_path, handler, f"{summary} by slug and tracking number", response, **options),
    ]


ENDPOINTS: list[Endpoint] = [
    Endpoint("POST", TRACKINGS, create_tracking, "Create a tracking", "TrackingEnvelope", status=201, body=CreateTrackingBody, errors=()),
    Endpoint("GET", TRACKINGS, list_trackings, "List trackings", "TrackingListEnvelope", query=ListTrackingsQuery, errors=()),
    *_both_forms("GET", BY_ID, BY_NUMBER, get_tracking, "Get a tracking", "TrackingEnvelope", query=GetTrackingQuery),
    *_both_forms("PUT", BY_ID, BY_NUMBER, update_tracking, "Update a tracking", "TrackingEnvelope", query=AdditionalFieldsQuery, body=UpdateTrackingBody),
    *_both_forms("DELETE", BY_ID, BY_NUMBER, delete_tracking, "Delete a tracking", "PartialTrackingEnvelope", query=AdditionalFieldsQuery),
    *_both_forms("POST", f"{BY_ID}/retrack", f"{BY_NUMBER}/retrack", retrack_tracking, "Retrack an inactive tracking", "PartialTrackingEnvelope", query=AdditionalFieldsQuery),
    *_both_forms("POST", f"{BY_ID}/mark-as-completed", f"{BY_NUMBER}/mark-as-completed", mark_tracking_completed, "Mark a tracking completed", "TrackingEnvelope", query=AdditionalFieldsQuery, body=MarkCompletedBody),
    *_both_forms("GET", f"{LAST_CHECKPOINT}/<tracking_id>", f"{LAST_CHECKPOINT}/<slug>/<tracking_number>", get_last_checkpoint, "Last checkpoint", "LastCheckpointEnvelope", query=LastCheckpointQuery),
    *_both_forms("GET", f"{NOTIFICATIONS}/<tracking_id>", f"{NOTIFICATIONS}/<slug>/<tracking_number>", get_notification_receivers, "Notification receivers", "NotificationEnvelope", query=AdditionalFieldsQuery),
    *_both_forms("POST", f"{NOTIFICATIONS}/<tracking_id>/add", f"{NOTIFICATIONS}/<slug>/<tracking_number>/add", add_notification_receivers, "Add notification receivers", "NotificationEnvelope", query=AdditionalFieldsQuery, body=NotificationBody),
    *_both_forms("POST", f"{NOTIFICATIONS}/<tracking_id>/remove", f"{NOTIFICATIONS}/<slug>/<tracking_number>/remove", remove_notification_receivers, "Remove notification receivers", "NotificationEnvelope", query=AdditionalFieldsQuery, body=NotificationBody),
    *ESTIMATE_ENDPOINTS,  # predict-batch (trackline.api.estimates_routes)
]
