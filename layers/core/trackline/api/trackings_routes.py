"""Routes of the trackings function: trackings, last_checkpoint and notifications, each in both
addressing forms (by id, and by slug + tracking number with the additional fields as query)."""

from functools import lru_cache
from typing import Annotated
from urllib.parse import unquote

from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from trackline import API_BASE_PATH
from trackline.api import presenters
from trackline.api.envelope import success
from trackline.api.openapi import documented
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
from trackline.models.responses import (
    LastCheckpointEnvelope,
    NotificationEnvelope,
    PartialTrackingEnvelope,
    TrackingEnvelope,
    TrackingListEnvelope,
)
from trackline.services.listing import filter_from_query
from trackline.services.trackings import TrackingService

router = APIGatewayHttpRouter()

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


Additional = Annotated[AdditionalFieldsQuery, Query()]


# -- trackings ------------------------------------------------------------------------------


@router.post(TRACKINGS, summary="Create a tracking", responses=documented(201, TrackingEnvelope, "Created"))
def create_tracking(body: Annotated[CreateTrackingBody, Body()]):
    return success({"tracking": presenters.tracking(service().create(body.tracking))}, 201)


@router.get(TRACKINGS, summary="List trackings", responses=documented(200, TrackingListEnvelope, "A page"))
def list_trackings(query: Annotated[ListTrackingsQuery, Query()]):
    fields = presenters.requested_fields(query.fields, presenters.LIST_FIELDS)
    tracking_filter = filter_from_query(query)
    page = service().list(tracking_filter, page=query.page, limit=query.limit)
    return success(presenters.tracking_list(page, query, tracking_filter, fields))


def _get(ref: TrackingRef, query: GetTrackingQuery):
    fields = presenters.requested_fields(query.fields, presenters.GET_FIELDS)
    presenters.check_language(query.lang)
    return success({"tracking": presenters.tracking(service().get(ref), fields)})


@router.get(BY_ID, summary="Get a tracking by id", responses=documented(200, TrackingEnvelope, "The tracking", 404))
def get_tracking_by_id(tracking_id: str, query: Annotated[GetTrackingQuery, Query()]):
    return _get(by_id(tracking_id), query)


@router.get(BY_NUMBER, summary="Get a tracking by slug and number", responses=documented(200, TrackingEnvelope, "The tracking", 404))
def get_tracking_by_number(slug: str, tracking_number: str, query: Annotated[GetTrackingQuery, Query()]):
    return _get(by_number(slug, tracking_number, query), query)


@router.put(BY_ID, summary="Update a tracking by id", responses=documented(200, TrackingEnvelope, "Updated", 404))
def update_tracking_by_id(tracking_id: str, body: Annotated[UpdateTrackingBody, Body()]):
    return success({"tracking": presenters.tracking(service().update(by_id(tracking_id), body.tracking))})


@router.put(BY_NUMBER, summary="Update a tracking by slug and number", responses=documented(200, TrackingEnvelope, "Updated", 404))
def update_tracking_by_number(
    slug: str, tracking_number: str, query: Additional, body: Annotated[UpdateTrackingBody, Body()]
):
    record = service().update(by_number(slug, tracking_number, query), body.tracking)
    return success({"tracking": presenters.tracking(record)})


@router.delete(BY_ID, summary="Delete a tracking by id", responses=documented(200, PartialTrackingEnvelope, "Deleted", 404))
def delete_tracking_by_id(tracking_id: str):
    return success({"tracking": presenters.partial_tracking(service().delete(by_id(tracking_id)))})


@router.delete(BY_NUMBER, summary="Delete a tracking by slug and number", responses=documented(200, PartialTrackingEnvelope, "Deleted", 404))
def delete_tracking_by_number(slug: str, tracking_number: str, query: Additional):
    record = service().delete(by_number(slug, tracking_number, query))
    return success({"tracking": presenters.partial_tracking(record)})


@router.post(f"{BY_ID}/retrack", summary="Retrack an inactive tracking", responses=documented(200, PartialTrackingEnvelope, "Retracked", 404))
def retrack_tracking_by_id(tracking_id: str):
    record = service().retrack(by_id(tracking_id))
    return success({"tracking": presenters.partial_tracking(record, with_active=True)})


@router.post(f"{BY_NUMBER}/retrack", summary="Retrack by slug and number", responses=documented(200, PartialTrackingEnvelope, "Retracked", 404))
def retrack_tracking_by_number(slug: str, tracking_number: str, query: Additional):
    record = service().retrack(by_number(slug, tracking_number, query))
    return success({"tracking": presenters.partial_tracking(record, with_active=True)})


@router.post(f"{BY_ID}/mark-as-completed", summary="Mark a tracking completed", responses=documented(200, TrackingEnvelope, "Completed", 404))
def mark_completed_by_id(tracking_id: str, body: Annotated[MarkCompletedBody, Body()]):
    record = service().mark_completed(by_id(tracking_id), body.reason)
    return success({"tracking": presenters.tracking(record)})


@router.post(f"{BY_NUMBER}/mark-as-completed", summary="Mark completed by slug and number", responses=documented(200, TrackingEnvelope, "Completed", 404))
def mark_completed_by_number(
    slug: str, tracking_number: str, query: Additional, body: Annotated[MarkCompletedBody, Body()]
):
    record = service().mark_completed(by_number(slug, tracking_number, query), body.reason)
    return success({"tracking": presenters.tracking(record)})


# -- last checkpoint ------------------------------------------------------------------------


def _last_checkpoint(ref: TrackingRef, query: LastCheckpointQuery):
    fields = presenters.requested_fields(query.fields, presenters.CHECKPOINT_FIELDS.keys())
    presenters.check_language(query.lang)
    return success(presenters.last_checkpoint(service().get(ref), fields))


@router.get(f"{LAST_CHECKPOINT}/<tracking_id>", summary="Last checkpoint by id", responses=documented(200, LastCheckpointEnvelope, "The last checkpoint", 404))
def last_checkpoint_by_id(tracking_id: str, query: Annotated[LastCheckpointQuery, Query()]):
    return _last_checkpoint(by_id(tracking_id), query)


@router.get(f"{LAST_CHECKPOINT}/<slug>/<tracking_number>", summary="Last checkpoint by slug and number", responses=documented(200, LastCheckpointEnvelope, "The last checkpoint", 404))
def last_checkpoint_by_number(slug: str, tracking_number: str, query: Annotated[LastCheckpointQuery, Query()]):
    return _last_checkpoint(by_number(slug, tracking_number, query), query)


# -- notifications --------------------------------------------------------------------------


@router.get(f"{NOTIFICATIONS}/<tracking_id>", summary="Notification receivers by id", responses=documented(200, NotificationEnvelope, "Receivers", 404))
def notifications_by_id(tracking_id: str):
    return success(presenters.notification(service().get(by_id(tracking_id))))


@router.get(f"{NOTIFICATIONS}/<slug>/<tracking_number>", summary="Notification receivers by slug and number", responses=documented(200, NotificationEnvelope, "Receivers", 404))
def notifications_by_number(slug: str, tracking_number: str, query: Additional):
    return success(presenters.notification(service().get(by_number(slug, tracking_number, query))))


@router.post(f"{NOTIFICATIONS}/<tracking_id>/add", summary="Add receivers by id", responses=documented(200, NotificationEnvelope, "Receivers after the change", 404))
def add_notifications_by_id(tracking_id: str, body: Annotated[NotificationBody, Body()]):
    return success(presenters.notification(service().add_receivers(by_id(tracking_id), body.notification)))


@router.post(f"{NOTIFICATIONS}/<slug>/<tracking_number>/add", summary="Add receivers by slug and number", responses=documented(200, NotificationEnvelope, "Receivers after the change", 404))
def add_notifications_by_number(
    slug: str, tracking_number: str, query: Additional, body: Annotated[NotificationBody, Body()]
):
    record = service().add_receivers(by_number(slug, tracking_number, query), body.notification)
    return success(presenters.notification(record))


@router.post(f"{NOTIFICATIONS}/<tracking_id>/remove", summary="Remove receivers by id", responses=documented(200, NotificationEnvelope, "Receivers after the change", 404))
def remove_notifications_by_id(tracking_id: str, body: Annotated[NotificationBody, Body()]):
    return success(presenters.notification(service().remove_receivers(by_id(tracking_id), body.notification)))


@router.post(f"{NOTIFICATIONS}/<slug>/<tracking_number>/remove", summary="Remove receivers by slug and number", responses=documented(200, NotificationEnvelope, "Receivers after the change", 404))
def remove_notifications_by_number(
    slug: str, tracking_number: str, query: Additional, body: Annotated[NotificationBody, Body()]
):
    record = service().remove_receivers(by_number(slug, tracking_number, query), body.notification)
    return success(presenters.notification(record))
