"""Trackings addressed by slug + tracking number (with the additional fields as query
parameters), through the official SDK."""

import pytest
from tracking.exceptions import BadRequestError, ErrorCodeEnum
from tracking.models import (
    CustomFieldsTrackingUpdateTrackingBySlugTrackingNumberRequest,
    MarkTrackingCompletedBySlugTrackingNumberRequest,
    PartialDeleteTracking,
    PartialUpdateTracking,
    TagV1,
    Tracking,
    TrackingUpdateTrackingBySlugTrackingNumberRequest,
)

pytestmark = pytest.mark.api

IDENTITY = {"id", "tracking_number", "slug"}


def test_get_by_slug_and_number_is_the_tracking_of_that_id(client, create, ups_number):
    number = ups_number()
    created = create(tracking_number=number, slug="ups", title="by number")

    fetched = client.tracking.get_tracking_by_slug_tracking_number("ups", number)

    assert isinstance(fetched, Tracking)
    assert fetched == created == client.tracking.get_tracking_by_id(created.id)
    assert client.tracking.get_tracking_by_slug_tracking_number("ups", number.lower()) == created, \
        "the number in the path is upper-cased like on create"


def test_get_by_slug_and_number_with_fields(client, create, sandbox_number):
    number = sandbox_number()
    created = create(tracking_number=number, slug="sandbox", title="T", order_id="O-2",
                     tracking_account_number="ACC-1")

    partial = client.tracking.get_tracking_by_slug_tracking_number(
        "sandbox", number, fields="order_id,tracking_account_number")

    assert partial.model_fields_set == IDENTITY | {"order_id", "tracking_account_number"}
    assert (partial.id, partial.order_id, partial.tracking_account_number) == (created.id, "O-2", "ACC-1")
    assert partial.title is None


def test_additional_fields_in_the_query_pick_the_tracking(bad_request, client, create, ups_number):
    number = ups_number()
    north = create(tracking_number=number, slug="ups", tracking_postal_code="10001", title="north")
    south = create(tracking_number=number, slug="ups", tracking_postal_code="94105", title="south")
    assert north.id != south.id, "the same number with other additional fields is another tracking"

    get = client.tracking.get_tracking_by_slug_tracking_number
    assert get("ups", number, tracking_postal_code="94105") == south
    assert get("ups", number, tracking_postal_code="10001") == north
    assert get("ups", number).id == north.id, "without additional fields: the oldest"
    picked = get("ups", number, tracking_postal_code="94105", fields="title,tracking_postal_code")
    assert (picked.id, picked.title, picked.tracking_postal_code) == (south.id, "south", "94105")

    with pytest.raises(BadRequestError) as excinfo:
        get("ups", number, tracking_postal_code="75001")
    bad_request(excinfo, 4004, 404)

    updated = client.tracking.update_tracking_by_slug_tracking_number(
        "ups", number, {"title": "south, renamed"}, tracking_postal_code="94105")
    assert (updated.id, updated.title) == (south.id, "south, renamed")
    assert client.tracking.get_tracking_by_id(north.id).title == "north"

    deleted = client.tracking.delete_tracking_by_slug_tracking_number("ups", number, tracking_postal_code="10001")
    assert isinstance(deleted, PartialDeleteTracking)
    assert (deleted.id, deleted.tracking_postal_code) == (north.id, "10001")
    assert get("ups", number) == updated, "only the other one is left"


def test_update_by_slug_and_number_with_the_model_keeps_custom_fields(client, create, ups_number):
    number = ups_number()
    created = create(tracking_number=number, slug="ups", title="Before", note="keep",
                     custom_fields={"store": "north"})
    request = TrackingUpdateTrackingBySlugTrackingNumberRequest(
        title="After", custom_fields=CustomFieldsTrackingUpdateTrackingBySlugTrackingNumberRequest())
    assert request.model_dump(exclude_none=True)["custom_fields"] == {}, "what the SDK sends"

    updated = client.tracking.update_tracking_by_slug_tracking_number("ups", number, request)

    assert isinstance(updated, Tracking) and updated.id == created.id
    assert updated.title == "After" and updated.note == "keep"
    assert updated.custom_fields == {"store": "north"}, "the model's empty custom_fields must not wipe"
    assert client.tracking.get_tracking_by_slug_tracking_number("ups", number) == updated


def test_update_by_slug_and_number_can_move_the_tracking_to_another_courier(
        bad_request, client, create, sandbox_number):
    number = sandbox_number()
    created = create(tracking_number=number, slug="sandbox")

    moved = client.tracking.update_tracking_by_slug_tracking_number(
        "sandbox", number, {"slug": "aramex", "title": "moved"})

    assert (moved.id, moved.slug, moved.title) == (created.id, "aramex", "moved")
    with pytest.raises(BadRequestError) as excinfo:
        client.tracking.get_tracking_by_slug_tracking_number("sandbox", number)
    bad_request(excinfo, 4004, 404)
    assert client.tracking.get_tracking_by_slug_tracking_number("aramex", number) == moved
    again = create(tracking_number=number, slug="sandbox")
    assert again.id != created.id, "the old slug + number is free again"


def test_delete_by_slug_and_number(bad_request, client, create, sandbox_number):
    number = sandbox_number()
    created = create(tracking_number=number, slug="sandbox", tracking_key="K-1")

    deleted = client.tracking.delete_tracking_by_slug_tracking_number("sandbox", number)

    assert isinstance(deleted, PartialDeleteTracking)
    assert (deleted.id, deleted.tracking_number, deleted.slug, deleted.tracking_key) == \
        (created.id, number, "sandbox", "K-1")
    for fetch in (lambda: client.tracking.get_tracking_by_id(created.id),
                  lambda: client.tracking.delete_tracking_by_slug_tracking_number("sandbox", number)):
        with pytest.raises(BadRequestError) as excinfo:
            fetch()
        bad_request(excinfo, 4004, 404)


def test_retrack_by_slug_and_number_only_when_inactive_and_only_once(bad_request, client, create, ups_number):
    number = ups_number()
    created = create(tracking_number=number, slug="ups")

    with pytest.raises(BadRequestError) as excinfo:
        client.tracking.retrack_tracking_by_slug_tracking_number("ups", number)
    assert bad_request(excinfo, 4013).code == str(ErrorCodeEnum.INACTIVE_RETRACK_NOT_ALLOWED)

    client.tracking.mark_tracking_completed_by_slug_tracking_number(
        "ups", number, MarkTrackingCompletedBySlugTrackingNumberRequest(reason="RETURNED_TO_SENDER"))
    retracked = client.tracking.retrack_tracking_by_slug_tracking_number("ups", number)

    assert isinstance(retracked, PartialUpdateTracking)
    assert (retracked.id, retracked.tracking_number, retracked.slug, retracked.active) == \
        (created.id, number, "ups", True)

    client.tracking.mark_tracking_completed_by_slug_tracking_number("ups", number, {"reason": "LOST"})
    with pytest.raises(BadRequestError) as excinfo:
        client.tracking.retrack_tracking_by_slug_tracking_number("ups", number)
    assert bad_request(excinfo, 4016).code == str(ErrorCodeEnum.RETRACK_ONCE_ALLOWED)


def test_retrack_by_slug_and_number_with_additional_fields(client, create, ups_number):
    number = ups_number()
    create(tracking_number=number, slug="ups", tracking_postal_code="10001")
    second = create(tracking_number=number, slug="ups", tracking_postal_code="94105")
    client.tracking.mark_tracking_completed_by_slug_tracking_number(
        "ups", number, {"reason": "DELIVERED"}, tracking_postal_code="94105")

    retracked = client.tracking.retrack_tracking_by_slug_tracking_number("ups", number, tracking_postal_code="94105")

    assert (retracked.id, retracked.tracking_postal_code, retracked.active) == (second.id, "94105", True)


@pytest.mark.parametrize(
    ("reason", "tag", "subtag", "message", "returned"),
    [
        ("DELIVERED", TagV1.DELIVERED, "Delivered_001", "Delivered", False),
        ("LOST", TagV1.EXCEPTION, "Exception_013", "Shipment lost", False),
        ("RETURNED_TO_SENDER", TagV1.EXCEPTION, "Exception_011", "Returned to sender", True),
    ],
)
def test_mark_as_completed_by_slug_and_number(client, create, sandbox_number, reason, tag, subtag, message, returned):
    number = sandbox_number()
    created = create(tracking_number=number, slug="sandbox")

    completed = client.tracking.mark_tracking_completed_by_slug_tracking_number("sandbox", number, {"reason": reason})

    assert isinstance(completed, Tracking) and completed.id == created.id
    assert (completed.tag, completed.subtag, completed.subtag_message) == (tag, subtag, message)
    assert completed.active is False and completed.return_to_sender is returned
    assert client.tracking.get_tracking_by_slug_tracking_number("sandbox", number) == completed


def test_unknown_slug_and_number(bad_request, client, new_number):
    number = new_number()
    with pytest.raises(BadRequestError) as excinfo:
        client.tracking.get_tracking_by_slug_tracking_number("ups", number)
    error = bad_request(excinfo, 4004, 404)
    assert error.code == str(ErrorCodeEnum.TRACKING_DOES_NOT_EXIST)
    with pytest.raises(BadRequestError) as excinfo:
        client.tracking.get_tracking_by_slug_tracking_number("no-such-courier", number)
    assert bad_request(excinfo, 4010).code == str(ErrorCodeEnum.SLUG_INVALID)
