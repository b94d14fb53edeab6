"""The polling cadence table."""

from datetime import UTC, datetime, timedelta

import pytest

from trackline.services.poll_policy import next_poll_at

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("tag", "interval"),
    [
        ("Pending", timedelta(hours=2)),
        ("InfoReceived", timedelta(hours=4)),
        ("InTransit", timedelta(hours=4)),
        ("OutForDelivery", timedelta(minutes=30)),
        ("AttemptFail", timedelta(hours=2)),
        ("AvailableForPickup", timedelta(hours=4)),
        ("Exception", timedelta(hours=4)),
    ],
)
def test_a_moving_shipment_is_polled_at_its_tag_s_pace(tag, interval):
    assert next_poll_at(tag=tag, now=NOW, last_change=NOW - timedelta(hours=1)) == NOW + interval


def test_nothing_changing_for_a_day_backs_off():
    assert next_poll_at(tag="InTransit", now=NOW, last_change=NOW - timedelta(days=2)) == NOW + timedelta(hours=8)


def test_near_the_expected_delivery_it_is_polled_hourly():
    soon = NOW + timedelta(hours=3)
    assert next_poll_at(tag="InTransit", now=NOW, last_change=NOW, expected_delivery=soon) == NOW + timedelta(hours=1)
    far = NOW + timedelta(days=3)
    assert next_poll_at(tag="InTransit", now=NOW, last_change=NOW, expected_delivery=far) == NOW + timedelta(hours=4)


@pytest.mark.parametrize("tag", ["Delivered", "Expired"])
def test_final_tags_are_polled_no_more(tag):
    assert next_poll_at(tag=tag, now=NOW, last_change=NOW) is None


def test_a_local_cap_shortens_every_interval():
    assert next_poll_at(tag="InTransit", now=NOW, last_change=NOW, cap=timedelta(seconds=5)) == NOW + timedelta(seconds=5)
