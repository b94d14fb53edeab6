"""Parsing of the list query, settings, keys and ids."""

from datetime import timedelta

import pytest

from trackline.clock import iso_seconds, utc_now
from trackline.errors import InvalidValue
from trackline.ids import is_tracking_id, new_tracking_id
from trackline.models.requests import ListTrackingsQuery
from trackline.repository import keys
from trackline.services.listing import filter_from_query
from trackline.settings import SettingsError, settings_from


def test_the_default_window_is_the_last_thirty_days():
    tracking_filter = filter_from_query(ListTrackingsQuery())
    assert tracking_filter.created_at_min == iso_seconds(utc_now() - timedelta(days=30))


def test_times_with_offsets_become_utc_and_bad_times_fall_back():
    tracking_filter = filter_from_query(ListTrackingsQuery(created_at_min="2024-01-01T08:00:00+08:00", created_at_max="nonsense"))
    assert tracking_filter.created_at_min == "2024-01-01T00:00:00+00:00"
    assert tracking_filter.created_at_max <= iso_seconds(utc_now())


def test_a_raw_plus_decoded_as_a_space_is_understood():
    assert filter_from_query(ListTrackingsQuery(created_at_min="2024-01-01T08:00:00 08:00")).created_at_min == "2024-01-01T00:00:00+00:00"


def test_lists_are_split_normalised_and_deduplicated():
    tracking_filter = filter_from_query(ListTrackingsQuery(slug="UPS,ups, fedex", origin="usa,HKG", return_to_sender="true,false", tracking_numbers="tl123456,TL123456"))
    assert tracking_filter.slugs == ("ups", "fedex")
    assert tracking_filter.origins == ("USA", "HKG")
    assert tracking_filter.return_to_sender == (True, False)
    assert tracking_filter.tracking_numbers == ("TL123456",)


def test_at_most_fifty_tracking_numbers():
    with pytest.raises(InvalidValue):
        filter_from_query(ListTrackingsQuery(tracking_numbers=",".join(f"TL{index:06d}" for index in range(51))))


def test_settings_need_a_table_name_and_validate_numbers():
    assert settings_from({"TABLE_NAME": "trackline-Table-1"}).data_retention_days == 120
    with pytest.raises(SettingsError, match="TABLE_NAME"):
        settings_from({})
    with pytest.raises(SettingsError, match="DATA_RETENTION_DAYS"):
        settings_from({"TABLE_NAME": "t-1", "DATA_RETENTION_DAYS": "0"})


def test_ids_have_the_2024_04_shape():
    ids = {new_tracking_id() for _ in range(200)}
    assert len(ids) == 200 and all(is_tracking_id(value) for value in ids)
    assert not is_tracking_id("ABCDEFGHIJKLMNOPQRSTUVWX") and not is_tracking_id("short")


def test_additional_fields_key_is_canonical():
    assert keys.additional_fields_sk({"b": "2", "a": "x&y"}) == keys.additional_fields_sk({"a": "x&y", "b": "2"}) == "ADDL#a=x%26y&b=2"
    assert keys.additional_fields_sk({}) == "ADDL#"


def test_poll_shards_spread_and_stay_in_range():
    shards = {keys.poll_pk(new_tracking_id(), 16) for _ in range(500)}
    assert len(shards) == 16 and all(shard.startswith("POLL#0") for shard in shards)
