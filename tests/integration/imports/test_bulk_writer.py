"""Batched creates keep create's guarantee: a number is tracked once, even against writers racing
for it between the import's check and its write."""

import threading
from concurrent.futures import ThreadPoolExecutor

import boto3

from tests.conftest import TABLE_NAME
from tests.integration.test_repository import record
from tests.support.moto_server import serial_moto_table
from trackline.repository.bulk_trackings import BulkTrackingWriter
from trackline.repository.trackings import TrackingRepository


def test_a_number_taken_after_the_check_is_a_duplicate_and_the_rest_of_the_batch_is_written(imports):
    writer = BulkTrackingWriter(TABLE_NAME, 16)
    batch = [record(f"TLBATCH{index:04d}", next_poll_at="2024-04-01T08:00:00+00:00") for index in range(40)]
    assert writer.taken_numbers(batch) == {}
    TrackingRepository(TABLE_NAME, 16).create(record("TLBATCH0005"))  # another writer, meanwhile
    stored = writer.create_many(batch)
    assert stored == [index != 5 for index in range(40)]
    assert writer.get(batch[5].id) is None and writer.get(batch[6].id).tracking_number == "TLBATCH0006"
    assert writer.get(batch[6].id).next_poll_at == "2024-04-01T08:00:00+00:00"  # its poll item too
    taken = writer.taken_numbers(batch)
    assert len(taken) == 40 and taken[6] == batch[6].id and taken[5] != batch[5].id


def test_writers_racing_for_the_same_numbers_store_each_once():
    from trackline_local.moto_speedups import install

    install()
    with serial_moto_table("BulkRace") as endpoint:
        client = boto3.client("dynamodb", endpoint_url=endpoint)
        numbers = [f"TLRACE{index:04d}" for index in range(30)]
        barrier = threading.Barrier(4)

        def writer(_):
            batch = [record(number) for number in numbers]
            barrier.wait()
            stored = BulkTrackingWriter("BulkRace", 16, client=client).create_many(batch)
            return [item.id for item, ok in zip(batch, stored) if ok]

        with ThreadPoolExecutor(max_workers=4) as pool:
            winners = [tracking_id for ids in pool.map(writer, range(4)) for tracking_id in ids]
        repository = TrackingRepository("BulkRace", 16, client=client)
        assert len(winners) == 30
        assert sorted(repository.find_by_number("ups", number, {}).id for number in numbers) == sorted(winners)
