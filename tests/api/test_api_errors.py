"""Errors as the official SDK surfaces them: the exception class (from meta.type), the SDK's
error code (from meta.code), the HTTP status and the message; plus what only raw HTTP can send."""

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from tracking.exceptions import BadRequestError, ErrorCodeEnum
from tracking.models import (
    MarkTrackingCompletedByIdRequest,
    TrackingCreateTrackingRequest,
    TrackingUpdateTrackingByIdRequest,
)

pytestmark = pytest.mark.api

UNKNOWN_ID = "abcdefghijklmnopqrstuvwx"  # well-formed, never issued


def sdk_error(excinfo, meta_code: int, status: int, code: ErrorCodeEnum) -> BadRequestError:
    """The SDK's BadRequestError with every part the contract fixes, and the envelope behind it."""
    error = excinfo.value
    assert type(error) is BadRequestError, error
    assert (error.meta_code, error.status_code) == (meta_code, status), error.response_body
    assert error.code == str(code)
    body = json.loads(error.response_body)
    assert body == {"meta": {"code": meta_code, "message": error.message, "type": "BadRequest"}, "data": {}}
    return error


def by_id_calls(client, tracking_id):
    return {
        "get": lambda: client.tracking.get_tracking_by_id(tracking_id),
        "update": lambda: client.tracking.update_tracking_by_id(
            tracking_id, TrackingUpdateTrackingByIdRequest(title="x")),
        "delete": lambda: client.tracking.delete_tracking_by_id(tracking_id),
        "retrack": lambda: client.tracking.retrack_tracking_by_id(tracking_id),
        "mark-as-completed": lambda: client.tracking.mark_tracking_completed_by_id(
            tracking_id, MarkTrackingCompletedByIdRequest(reason="DELIVERED")),
        "last_checkpoint": lambda: client.last_checkpoint.get_checkpoint_by_tracking_id(tracking_id),
        "notifications": lambda: client.notification.get_notification_by_tracking_id(tracking_id),
        "notifications add": lambda: client.notification.add_notification_by_tracking_id(
            tracking_id, {"emails": ["a@example.com"]}),
        "notifications remove": lambda: client.notification.delete_notification_by_tracking_id(
            tracking_id, {"emails": ["a@example.com"]}),
    }


def by_number_calls(client, slug, number):
    return {
        "get": lambda: client.tracking.get_tracking_by_slug_tracking_number(slug, number),
        "update": lambda: client.tracking.update_tracking_by_slug_tracking_number(slug, number, {"title": "x"}),
        "delete": lambda: client.tracking.delete_tracking_by_slug_tracking_number(slug, number),
        "retrack": lambda: client.tracking.retrack_tracking_by_slug_tracking_number(slug, number),
        "mark-as-completed": lambda: client.tracking.mark_tracking_completed_by_slug_tracking_number(
            slug, number, {"reason": "LOST"}),
        "last_checkpoint": lambda: client.last_checkpoint.get_checkpoint_by_slug_tracking_number(slug, number),
        "notifications": lambda: client.notification.get_notification_by_slug_tracking_number(slug, number),
        "notifications add": lambda: client.notification.add_notification_by_slug_tracking_number(
            slug, number, {"smses": ["+85291234567"]}),
        "notifications remove": lambda: client.notification.delete_notification_by_slug_tracking_number(
            slug, number, {"smses": ["+85291234567"]}),
    }


# -- create ------------------------------------------------------------------------------------


def test_a_duplicate_create_is_tracking_already_exist(client, create, ups_number):
    number = ups_number()
    first = create(tracking_number=number, slug="ups")

    for duplicate in ({"tracking_number": number, "slug": "ups"},
                      TrackingCreateTrackingRequest(tracking_number=number.lower(), slug="UPS"),
                      {"tracking_number": number}):  # detected as ups: the same tracking
        with pytest.raises(BadRequestError) as excinfo:
            client.tracking.create_tracking(duplicate)
        error = sdk_error(excinfo, 4003, 400, ErrorCodeEnum.TRACKING_ALREADY_EXIST)
        assert error.message == "Tracking already exists."

    assert client.tracking.get_trackings(tracking_numbers=number).trackings == [first]


def test_concurrent_duplicate_creates_make_exactly_one_tracking(client, sandbox_number):
    number = sandbox_number()

    def attempt(_):
        try:
            return client.tracking.create_tracking({"tracking_number": number, "slug": "sandbox"})
        except BadRequestError as error:
            return error

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(attempt, range(6)))

    created = [r for r in results if not isinstance(r, BadRequestError)]
    refused = [r for r in results if isinstance(r, BadRequestError)]
    assert len(created) == 1, results
    assert {(e.meta_code, e.status_code) for e in refused} == {(4003, 400)} and len(refused) == 5
    listed = client.tracking.get_trackings(tracking_numbers=number)
    assert listed.pagination.total == 1 and listed.trackings[0].id == created[0].id


def test_missing_tracking_number_is_4007(client):
    for body in ({"title": "no number"}, TrackingCreateTrackingRequest(title="no number")):
        with pytest.raises(BadRequestError) as excinfo:
            client.tracking.create_tracking(body)
        error = sdk_error(excinfo, 4007, 400, ErrorCodeEnum.TRACKING_NUMBER_REQUIRED)
        assert error.message == "tracking_number is required."


@pytest.mark.parametrize("number", ["AB/12345", "AB 12345", "ÅBC12345", "X" * 101, "ABC"])
def test_an_invalid_tracking_number_is_4005(client, number):
    with pytest.raises(BadRequestError) as excinfo:
        client.tracking.create_tracking({"tracking_number": number})
    assert "tracking_number" in sdk_error(excinfo, 4005, 400, ErrorCodeEnum.TRACKING_NUMBER_INVALID).message


def test_a_number_the_courier_cannot_have_is_4017(client, new_number):
    number = new_number()
    with pytest.raises(BadRequestError) as excinfo:
        client.tracking.create_tracking({"tracking_number": number, "slug": "sandbox"})
    sdk_error(excinfo, 4017, 400, ErrorCodeEnum.TRACKING_NUMBER_FORMAT_INVALID)
    assert client.tracking.get_trackings(tracking_numbers=number).pagination.total == 0


def test_an_unknown_slug_is_4010(client, new_number):
    number = new_number()
    with pytest.raises(BadRequestError) as excinfo:
        client.tracking.create_tracking(TrackingCreateTrackingRequest(tracking_number=number, slug="no-such-courier"))
    assert "slug" in sdk_error(excinfo, 4010, 400, ErrorCodeEnum.SLUG_INVALID).message
    for name, call in by_number_calls(client, "no-such-courier", number).items():
        with pytest.raises(BadRequestError) as excinfo:
            call()
        assert excinfo.value.meta_code == 4010, name
        sdk_error(excinfo, 4010, 400, ErrorCodeEnum.SLUG_INVALID)


@pytest.mark.parametrize(
    ("fields", "name"),
    [
        ({"emails": ["not-an-email"]}, "emails"),
        ({"emails": ["a@x.io", "b@x.io", "c@x.io", "d@x.io"]}, "emails"),
        ({"smses": ["555-1234"]}, "smses"),
        ({"delivery_type": "drone"}, "delivery_type"),
        ({"order_promised_delivery_date": "2024-13-01"}, "order_promised_delivery_date"),
        ({"custom_fields": {"a": 1}}, "custom_fields"),
        ({"slug": "ups", "slug_group": "fedex-group"}, "slug_group"),
    ],
)
def test_an_invalid_value_is_4008_naming_the_field_and_stores_nothing(client, new_number, fields, name):
    number = new_number()
    with pytest.raises(BadRequestError) as excinfo:
        client.tracking.create_tracking({"tracking_number": number, **fields})
    error = sdk_error(excinfo, 4008, 400, ErrorCodeEnum.VALUE_INVALID)
    assert name in error.message
    assert client.tracking.get_trackings(tracking_numbers=number).pagination.total == 0


# -- addressing --------------------------------------------------------------------------------


def test_an_unknown_id_is_404_with_4004_in_every_by_id_endpoint(client):
    for name, call in by_id_calls(client, UNKNOWN_ID).items():
        with pytest.raises(BadRequestError) as excinfo:
            call()
        assert excinfo.value.status_code == 404, name
        error = sdk_error(excinfo, 4004, 404, ErrorCodeEnum.TRACKING_DOES_NOT_EXIST)
        assert error.message == "Tracking does not exist."


def test_an_unknown_slug_and_number_is_404_with_4004_in_every_by_number_endpoint(client, ups_number):
    for name, call in by_number_calls(client, "ups", ups_number()).items():
        with pytest.raises(BadRequestError) as excinfo:
            call()
        assert excinfo.value.status_code == 404, name
        sdk_error(excinfo, 4004, 404, ErrorCodeEnum.TRACKING_DOES_NOT_EXIST)


def test_a_malformed_id_is_4015_in_every_by_id_endpoint(client):
    for name, call in by_id_calls(client, "NOT-AN-ID").items():
        with pytest.raises(BadRequestError) as excinfo:
            call()
        assert excinfo.value.meta_code == 4015, name
        error = sdk_error(excinfo, 4015, 400, ErrorCodeEnum.ID_INVALID)
        assert error.message == "The value of id is invalid."


@pytest.mark.parametrize(
    "malformed", ["short", "ABCDEFGHIJKLMNOPQRSTUVWX", "abcdefghijklmnopqrstuvwxyz", "abcdefghijklmnopqrstuvw_"])
def test_ids_not_of_24_lowercase_alphanumerics_are_4015(client, malformed):
    with pytest.raises(BadRequestError) as excinfo:
        client.tracking.get_tracking_by_id(malformed)
    sdk_error(excinfo, 4015, 400, ErrorCodeEnum.ID_INVALID)


def test_a_deleted_tracking_is_gone_for_every_endpoint(client, create, new_number):
    created = create(tracking_number=new_number())
    client.tracking.delete_tracking_by_id(created.id)
    for name, call in by_id_calls(client, created.id).items():
        with pytest.raises(BadRequestError) as excinfo:
            call()
        assert excinfo.value.meta_code == 4004, name


# -- what only raw HTTP can send -----------------------------------------------------------------


def test_bodies_the_sdk_cannot_send(http, stack, create, new_number):
    created = create(tracking_number=new_number())
    headers = {"as-api-key": stack.api_key, "content-type": "application/json"}
    cases = [
        ("POST", "/tracking/2024-04/trackings", "{not json", 4001),
        ("POST", "/tracking/2024-04/trackings", '{"title": "no wrapper"}', 4006),
        ("PUT", f"/tracking/2024-04/trackings/{created.id}", '{"title": "no wrapper"}', 4006),
        ("POST", f"/tracking/2024-04/notifications/{created.id}/add", '{"emails": ["a@example.com"]}', 4014),
        ("POST", f"/tracking/2024-04/trackings/{created.id}/mark-as-completed", "", 4009),
    ]
    for method, path, body, code in cases:
        reply = http.request(method, path, content=body, headers=headers)
        assert (reply.status_code, reply.json()["meta"]["code"], reply.json()["meta"]["type"]) == \
            (400, code, "BadRequest"), (method, path, reply.text)
        assert reply.json()["data"] == {}


def test_an_unknown_route_is_a_404_envelope(http, stack):
    headers = {"as-api-key": stack.api_key}
    for method, path in [("GET", "/tracking/2024-04/nothing-here"), ("GET", "/nothing"),
                         ("PATCH", "/tracking/2024-04/trackings"), ("GET", "/tracking/2023-10/trackings")]:
        reply = http.request(method, path, headers=headers)
        assert reply.status_code == 404, (method, path)
        assert reply.json() == {
            "meta": {"code": 404, "type": "NotFound",
                     "message": "The URI requested is invalid or the resource requested does not exist."},
            "data": {},
        }, (method, path)


def test_a_body_over_one_megabyte_is_413(http, stack, new_number):
    body = json.dumps({"tracking": {"tracking_number": new_number(), "note": "x" * 1_100_000}})
    reply = http.post("/tracking/2024-04/trackings", content=body,
                      headers={"as-api-key": stack.api_key, "content-type": "application/json"})
    assert (reply.status_code, reply.json()["meta"]["code"]) == (413, 413)
