"""The repository against the template's table: atomic uniqueness, versioned saves, lookups, TTL."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest

from tests.conftest import TABLE_NAME
from tests.support.moto_server import serial_moto_table
from trackline.errors import TrackingAlreadyExists
from trackline.ids import new_tracking_id
from trackline.models.listing import TrackingFilter
from trackline.models.tracking import TrackingRecord
from trackline.repository.trackings import TrackingRepository, VersionConflict

NOW = "2024-04-01T08:00:00+00:00"


def record(number: str = "TL00000001", slug: str = "ups", **fields) -> TrackingRecord:
    values = dict(
        id=new_tracking_id(), slug=slug, tracking_number=number, created_at=NOW, updated_at=NOW,
        tag="Pending", subtag="Pending_001", active=True, version=1, expire_at=int(time.time()) + 86400,
    )
    values.update(fields)
    return TrackingRecord(**values)


@pytest.fixture
def repository(table):
    return TrackingRepository(TABLE_NAME, poll_shards=4)


def test_fifty_concurrent_creates_of_one_number_store_exactly_one():
    with serial_moto_table("RaceTable") as endpoint:
        _race_fifty_creates(boto3.client("dynamodb", endpoint_url=endpoint))


def _race_fifty_creates(client) -> None:
    barrier = threading.Barrier(50)

    def attempt(_):
        candidate = record("TLRACE0001")
        barrier.wait()
        try:
            TrackingRepository("RaceTable", 4, client=client).create(candidate)
            return candidate.id
        except TrackingAlreadyExists:
            return None

    with ThreadPoolExecutor(max_workers=50) as pool:
        outcomes = list(pool.map(attempt, range(50)))
    winners = [outcome for outcome in outcomes if outcome]
    assert len(winners) == 1 and outcomes.count(None) == 49
    repository = TrackingRepository("RaceTable", 4, client=client)
    assert repository.find_by_number("ups", "TLRACE0001", {}).id == winners[0]
    assert repository.list(TrackingFilter(created_at_min="2024-01-01", created_at_max="2025-01-01"), offset=0, limit=100).count == 1


def test_a_refused_duplicate_leaves_no_half_written_tracking(repository):
    first = record()
    repository.create(first)
    second = record()
    with pytest.raises(TrackingAlreadyExists):
        repository.create(second)
    assert repository.get(second.id) is None


def test_a_stale_version_is_refused_so_no_writer_overwrites_another(repository):
    original = record()
    repository.create(original)
    poll_view = repository.get(original.id)
    api_view = repository.get(original.id)
    repository.save(api_view.model_copy(update={"title": "from the API", "version": 2}), expected_version=1, previous=api_view)
    with pytest.raises(VersionConflict):
        repository.save(poll_view.model_copy(update={"tag": "InTransit", "version": 2}), expected_version=1, previous=poll_view)
    stored = repository.get(original.id)
    assert (stored.title, stored.tag, stored.version) == ("from the API", "Pending", 2)


def test_moving_to_a_taken_slug_and_number_is_refused_atomically(repository):
    taken = record("TLTAKEN001", slug="aramex")
    mover = record("TLTAKEN001", slug="ups")
    repository.create(taken)
    repository.create(mover)
    with pytest.raises(TrackingAlreadyExists):
        repository.save(mover.model_copy(update={"slug": "aramex", "version": 2}), expected_version=1, previous=mover)
    assert repository.get(mover.id).slug == "ups"
    assert repository.find_by_number("ups", "TLTAKEN001", {}).id == mover.id


def test_lookup_by_number_prefers_the_exact_additional_fields(repository):
    plain = record("TLADDL0001", slug="ups", created_at="2024-04-01T08:00:00+00:00")
    coded = record("TLADDL0001", slug="ups", tracking_postal_code="10001", created_at="2024-04-01T09:00:00+00:00")
    repository.create(plain)
    repository.create(coded)
    assert repository.find_by_number("ups", "TLADDL0001", {}).id == plain.id
    assert repository.find_by_number("ups", "TLADDL0001", {"tracking_postal_code": "10001"}).id == coded.id
    assert repository.find_by_number("ups", "TLADDL0001", {"tracking_postal_code": "99999"}) is None


def test_expired_items_are_gone_for_reads_and_free_their_number(repository):
    expired = record("TLEXPIRED1", expire_at=int(time.time()) - 10)
    repository.create(expired)
    assert repository.get(expired.id) is None
    assert repository.find_by_number("ups", "TLEXPIRED1", {}) is None
    assert repository.list(TrackingFilter(created_at_min="2024-01-01", created_at_max="2025-01-01"), offset=0, limit=10).count == 0
    fresh = record("TLEXPIRED1")
    repository.create(fresh)
    assert repository.find_by_number("ups", "TLEXPIRED1", {}).id == fresh.id


def test_only_active_trackings_enter_the_due_for_poll_index(repository, table):
    active = record("TLPOLL0001", next_poll_at=NOW)
    done = record("TLPOLL0002", active=False, next_poll_at=None)
    repository.create(active)
    repository.create(done)
    client = boto3.client("dynamodb")
    indexed = []
    for shard in range(4):
        response = client.query(
            TableName=table, IndexName="DueForPoll",
            KeyConditionExpression="poll_pk = :pk AND poll_at <= :now",
            ExpressionAttributeValues={":pk": {"S": f"POLL#{shard:03d}"}, ":now": {"S": "2030-01-01"}},
        )
        indexed += [item["id"]["S"] for item in response["Items"]]
    assert indexed == [active.id]


def test_twenty_concurrent_updates_of_different_fields_all_land():
    from trackline.models.refs import TrackingById
    from trackline.services.trackings import TrackingService
    from trackline.settings import Settings

    with serial_moto_table("UpdateRace") as endpoint:
        client = boto3.client("dynamodb", endpoint_url=endpoint)
        repository = TrackingRepository("UpdateRace", 4, client=client)
        service = TrackingService(repository, Settings(table_name="UpdateRace"))
        original = record("TLUPDATE01")
        repository.create(original)
        barrier = threading.Barrier(20)

        def update(index: int) -> None:
            barrier.wait()
            service.update(TrackingById(original.id), _one_field(index))

        with ThreadPoolExecutor(max_workers=20) as pool:
            list(pool.map(update, range(20)))
        stored = repository.get(original.id)
    for name, value in ONE_FIELD_EACH:
        assert getattr(stored, name) == value, name
    assert stored.version == 21


# One field each, so that a lost update shows as a field that is missing afterwards (also the
# concurrency tests' table).
ONE_FIELD_EACH = [
    ("title", "t"), ("note", "n"), ("order_id", "o"), ("order_number", "on"), ("customer_name", "c"),
    ("origin_city", "oc"), ("origin_state", "os"), ("origin_postal_code", "op"), ("destination_city", "dc"),
    ("destination_state", "ds"), ("destination_postal_code", "dp"), ("pickup_location", "pl"),
    ("pickup_note", "pn"), ("shipment_type", "st"), ("shipping_method", "sm"), ("order_id_path", "oi"),
    ("origin_raw_location", "or"), ("destination_raw_location", "dr"), ("language", "fr"), ("tracking_key", "tk"),
]


def _one_field(index: int):
    from trackline.models.requests import UpdateTracking

    name, value = ONE_FIELD_EACH[index]
    return UpdateTracking(**{name: value})
