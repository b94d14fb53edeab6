"""GET /last_checkpoint in both forms, through the official SDK's typed responses."""

import pytest
from tracking.exceptions import BadRequestError
from tracking.models import (
    Checkpoint,
    CoordinateCheckpoint,
    GetCheckpointBySlugTrackingNumberResponse,
    GetCheckpointByTrackingIdResponse,
    TagV1,
)

pytestmark = pytest.mark.api

CHECKPOINTS = [
    {
        "created_at": "2024-04-01T08:00:00+00:00",
        "slug": "sandbox",
        "checkpoint_time": "2024-04-01T09:00:00",
        "city": "Hong Kong",
        "country_iso3": "HKG",
        "country_name": "Hong Kong",
        "message": "Shipment information received",
        "tag": "InfoReceived",
        "subtag": "InfoReceived_001",
        "subtag_message": "Info Received",
    },
    {
        "created_at": "2024-04-02T10:30:00+00:00",
        "slug": "sandbox",
        "checkpoint_time": "2024-04-02T18:30:00+08:00",
        "location": "Kowloon Hub",
        "city": "Kowloon",
        "state": "KLN",
        "zip": "999077",
        "coordinate": {"latitude": 22.3, "longitude": 114.2},
        "country_iso3": "HKG",
        "country_name": "Hong Kong",
        "message": "Departed facility",
        "tag": "InTransit",
        "subtag": "InTransit_007",
        "subtag_message": "Departure Scan",
        "raw_tag": "DEP",
    },
]


@pytest.fixture
def seed_checkpoints(stack):
    """Stores checkpoints on a tracking as the carrier poller will (it has not landed yet)."""
    from trackline.models.tracking import Checkpoint as StoredCheckpoint
    from trackline.repository.trackings import TrackingRepository
    from trackline.settings import get_settings

    def seed(tracking_id: str, checkpoints: list[dict]) -> None:
        settings = get_settings()
        assert settings.table_name == stack.table_name
        repository = TrackingRepository(settings.table_name, settings.poll_shards)
        current = repository.get(tracking_id)
        changed = current.model_copy(deep=True)
        changed.checkpoints = [StoredCheckpoint.model_validate(c) for c in checkpoints]
        last = changed.checkpoints[-1]
        changed.tag, changed.subtag, changed.subtag_message = last.tag, last.subtag, last.subtag_message
        changed.version = current.version + 1
        repository.save(changed, expected_version=current.version, previous=current)

    return seed


def test_a_new_tracking_has_no_last_checkpoint_in_either_form(client, create, sandbox_number, http, stack):
    number = sandbox_number()
    created = create(tracking_number=number, slug="sandbox")

    by_id = client.last_checkpoint.get_checkpoint_by_tracking_id(created.id)
    by_number = client.last_checkpoint.get_checkpoint_by_slug_tracking_number("sandbox", number)

    assert isinstance(by_id, GetCheckpointByTrackingIdResponse)
    assert isinstance(by_number, GetCheckpointBySlugTrackingNumberResponse)
    for result in (by_id, by_number):
        assert (result.id, result.tracking_number, result.slug) == (created.id, number, "sandbox")
        assert result.tag == TagV1.PENDING
        assert (result.subtag, result.subtag_message) == ("Pending_001", "Pending")
        assert result.checkpoint is None
    raw = http.get(f"/tracking/2024-04/last_checkpoint/{created.id}", headers={"as-api-key": stack.api_key})
    assert raw.json()["data"]["checkpoint"] is None and "checkpoint" in raw.json()["data"], \
        "checkpoint: null, not omitted (README)"


def test_last_checkpoint_follows_the_status_and_takes_fields(client, create, new_number):
    created = create(tracking_number=new_number())
    client.tracking.mark_tracking_completed_by_id(created.id, {"reason": "LOST"})

    result = client.last_checkpoint.get_checkpoint_by_tracking_id(created.id, fields="message,tag", lang="en")

    assert (result.id, result.tag, result.subtag, result.subtag_message) == \
        (created.id, TagV1.EXCEPTION, "Exception_013", "Shipment lost")
    assert result.checkpoint is None


def test_last_checkpoint_is_the_newest_checkpoint_typed(client, create, sandbox_number, seed_checkpoints):
    number = sandbox_number()
    created = create(tracking_number=number, slug="sandbox", tracking_postal_code="10001")
    seed_checkpoints(created.id, CHECKPOINTS)

    by_id = client.last_checkpoint.get_checkpoint_by_tracking_id(created.id)
    by_number = client.last_checkpoint.get_checkpoint_by_slug_tracking_number(
        "sandbox", number, tracking_postal_code="10001")

    assert by_id.model_dump() == by_number.model_dump()
    assert (by_id.tag, by_id.subtag) == (TagV1.INTRANSIT, "InTransit_007")
    checkpoint = by_id.checkpoint
    assert isinstance(checkpoint, Checkpoint)
    assert checkpoint.tag == TagV1.INTRANSIT and checkpoint.subtag == "InTransit_007"
    assert (checkpoint.message, checkpoint.city, checkpoint.zip) == ("Departed facility", "Kowloon", "999077")
    assert checkpoint.checkpoint_time == "2024-04-02T18:30:00+08:00"
    assert isinstance(checkpoint.coordinate, CoordinateCheckpoint)
    assert (checkpoint.coordinate.latitude, checkpoint.coordinate.longitude) == (22.3, 114.2)

    full = client.tracking.get_tracking_by_id(created.id)
    assert [c.message for c in full.checkpoints] == [c["message"] for c in CHECKPOINTS]
    assert all(isinstance(c, Checkpoint) for c in full.checkpoints)
    assert full.checkpoints[-1] == checkpoint


def test_last_checkpoint_fields_restrict_the_checkpoint(bad_request, client, create, sandbox_number, seed_checkpoints):
    number = sandbox_number()
    created = create(tracking_number=number, slug="sandbox")
    seed_checkpoints(created.id, CHECKPOINTS)

    result = client.last_checkpoint.get_checkpoint_by_slug_tracking_number(
        "sandbox", number, fields="message,city,coordinates")

    assert result.checkpoint.model_fields_set == {"message", "city", "coordinate"}
    assert (result.checkpoint.message, result.checkpoint.city) == ("Departed facility", "Kowloon")
    assert result.checkpoint.coordinate.latitude == 22.3
    assert result.checkpoint.tag is None and result.checkpoint.zip is None
    assert (result.id, result.tag) == (created.id, TagV1.INTRANSIT), "the tracking part is never cut"

    with pytest.raises(BadRequestError) as excinfo:
        client.last_checkpoint.get_checkpoint_by_tracking_id(created.id, fields="message,nonsense")
    assert "fields" in bad_request(excinfo, 4008).message


def test_last_checkpoint_errors(bad_request, client, new_number):
    with pytest.raises(BadRequestError) as excinfo:
        client.last_checkpoint.get_checkpoint_by_tracking_id("abcdefghijklmnopqrstuvwx")
    bad_request(excinfo, 4004, 404)
    with pytest.raises(BadRequestError) as excinfo:
        client.last_checkpoint.get_checkpoint_by_tracking_id("NOT-AN-ID")
    bad_request(excinfo, 4015)
    with pytest.raises(BadRequestError) as excinfo:
        client.last_checkpoint.get_checkpoint_by_slug_tracking_number("sandbox", "SBX" + new_number())
    bad_request(excinfo, 4004, 404)
    with pytest.raises(BadRequestError) as excinfo:
        client.last_checkpoint.get_checkpoint_by_slug_tracking_number("no-such-courier", new_number())
    bad_request(excinfo, 4010)
