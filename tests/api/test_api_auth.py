"""API keys: as-api-key (what the SDK sends), the legacy aftership-api-key header, wrong, missing
and revoked keys."""

import pytest
from tracking.exceptions import ErrorCodeEnum, UnauthorizedError

pytestmark = pytest.mark.api

UNAUTHORIZED = {"meta": {"code": 401, "message": "Invalid API key.", "type": "Unauthorized"}, "data": {}}


def assert_unauthorized(excinfo) -> None:
    error = excinfo.value
    assert type(error) is UnauthorizedError, error
    assert (error.status_code, error.meta_code) == (401, 401)
    assert error.code == str(ErrorCodeEnum.API_KEY_INVALID)
    assert error.message == "Invalid API key."


def test_the_registered_key_works_with_the_sdk(client, create, new_number):
    created = create(tracking_number=new_number())
    assert client.tracking.get_tracking_by_id(created.id) == created


def test_a_wrong_key_is_unauthorized_for_every_kind_of_call(make_client, create, new_number):
    created = create(tracking_number=new_number())
    intruder = make_client("tl_this-key-was-never-issued-0123456789")
    calls = [
        lambda: intruder.tracking.get_trackings(),
        lambda: intruder.tracking.create_tracking({"tracking_number": new_number()}),
        lambda: intruder.tracking.get_tracking_by_id(created.id),
        lambda: intruder.tracking.update_tracking_by_id(created.id, {"title": "hijacked"}),
        lambda: intruder.tracking.delete_tracking_by_id(created.id),
        lambda: intruder.tracking.mark_tracking_completed_by_id(created.id, {"reason": "LOST"}),
        lambda: intruder.last_checkpoint.get_checkpoint_by_tracking_id(created.id),
        lambda: intruder.notification.add_notification_by_tracking_id(created.id, {"emails": ["x@example.com"]}),
        # refused before routing or validation: even a malformed id is a 401
        lambda: intruder.tracking.get_tracking_by_id("NOT-AN-ID"),
    ]
    for call in calls:
        with pytest.raises(UnauthorizedError) as excinfo:
            call()
        assert_unauthorized(excinfo)


def test_nothing_changes_with_a_wrong_key(client, make_client, create, new_number):
    created = create(tracking_number=new_number(), title="mine")
    intruder = make_client("tl_this-key-was-never-issued-0123456789")
    with pytest.raises(UnauthorizedError):
        intruder.tracking.update_tracking_by_id(created.id, {"title": "hijacked"})
    with pytest.raises(UnauthorizedError):
        intruder.tracking.delete_tracking_by_id(created.id)
    assert client.tracking.get_tracking_by_id(created.id) == created


def test_a_missing_or_empty_key_is_a_401_envelope(http):
    for headers in ({}, {"as-api-key": ""}, {"aftership-api-key": ""}):
        reply = http.get("/tracking/2024-04/trackings", headers=headers)
        assert (reply.status_code, reply.json()) == (401, UNAUTHORIZED), headers


def test_the_legacy_aftership_api_key_header_works(http, stack, create, new_number):
    created = create(tracking_number=new_number(), title="legacy")

    reply = http.get(f"/tracking/2024-04/trackings/{created.id}", headers={"aftership-api-key": stack.api_key})

    assert reply.status_code == 200, reply.text
    assert reply.json()["meta"] == {"code": 200}
    assert (reply.json()["data"]["tracking"]["id"], reply.json()["data"]["tracking"]["title"]) == (created.id, "legacy")

    number = new_number()
    made = http.post("/tracking/2024-04/trackings", json={"tracking": {"tracking_number": number}},
                     headers={"aftership-api-key": stack.api_key})
    assert made.status_code == 201 and made.json()["data"]["tracking"]["tracking_number"] == number

    wrong = http.get(f"/tracking/2024-04/trackings/{created.id}",
                     headers={"aftership-api-key": "tl_this-key-was-never-issued-0123456789"})
    assert (wrong.status_code, wrong.json()) == (401, UNAUTHORIZED)


def test_a_revoked_key_is_refused(stack, client, make_client, create, new_number):
    from trackline.services.api_keys import ApiKeyService

    service = ApiKeyService()  # in the stack's environment: its table, its DynamoDB endpoint
    issued = service.register("api-test-revoked")
    integration = make_client(issued.plaintext)
    created = integration.tracking.create_tracking({"tracking_number": new_number()})
    assert integration.tracking.get_tracking_by_id(created.id) == created

    revoked = service.revoke(issued.key_id)
    assert revoked.revoked_at

    for call in (lambda: integration.tracking.get_tracking_by_id(created.id),
                 lambda: integration.tracking.create_tracking({"tracking_number": new_number()})):
        with pytest.raises(UnauthorizedError) as excinfo:
            call()
        assert_unauthorized(excinfo)
    assert client.tracking.get_tracking_by_id(created.id) == created, "other keys are unaffected"
    assert issued.key_id not in {key.key_id for key in service.list() if key.revoked_at is None}


def test_the_openapi_document_is_public(http):
    reply = http.get("/tracking/2024-04/openapi.json")
    assert reply.status_code == 200
    assert "/tracking/2024-04/trackings" in reply.json()["paths"]
