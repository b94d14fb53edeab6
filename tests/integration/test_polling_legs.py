"""Multi-leg shipments: every leg is polled and all checkpoints merge into one timeline."""

from datetime import UTC, datetime, timedelta

import pytest

from trackline.carriers import registry
from trackline.carriers.base import ShipmentUpdate, checkpoint
from trackline.models.polling import PollMessage
from trackline.services.poll_worker import PollWorker

S10_NUMBER = "RB123456785GB"


class ScriptedCarrier:
    """A carrier that answers with fixed checkpoints for any number."""

    max_batch = 10

    def __init__(self, slug: str, steps: list[tuple[str, str, str, str]]) -> None:
        self.slug = slug
        self.steps = steps
        self.asked: list[list[str]] = []

    def fetch(self, tracking_numbers, known_checkpoints=None):
        self.asked.append(list(tracking_numbers))
        return {
            number: ShipmentUpdate(
                tracking_number=number,
                checkpoints=[
                    checkpoint(subtag=subtag, raw_tag=subtag, checkpoint_time=when, message=message, country=country)
                    for subtag, when, message, country in self.steps
                ],
            )
            for number in tracking_numbers
        }


@pytest.fixture
def carriers(monkeypatch):
    origin = ScriptedCarrier("royal-mail", [
        ("InTransit_002", "2026-03-01T09:00:00+00:00", "Accepted", "GB"),
        ("InTransit_007", "2026-03-02T09:00:00+00:00", "Departed the UK", "GB"),
        ("InTransit_004", "2026-03-04T06:00:00-05:00", "Arrived in the USA", "US"),
    ])
    destination = ScriptedCarrier("usps", [
        ("InTransit_003", "2026-03-04T08:00:00-05:00", "Arrived at USPS facility", "US"),
        ("OutForDelivery_001", "2026-03-06T07:00:00-05:00", "Out for delivery", "US"),
    ])
    adapters = {"royal-mail": origin, "usps": destination}
    monkeypatch.setattr(registry, "adapter_for", lambda slug, **_: adapters.get(slug))
    return adapters


def test_an_s10_item_is_handed_to_the_destination_post_and_both_legs_merge(api, pipeline, carriers):
    created = api.create(tracking_number=S10_NUMBER, slug="royal-mail", destination_country_iso3="USA")
    worker = PollWorker()
    now = datetime.now(UTC) + timedelta(minutes=1)
    worker.poll(PollMessage(slug="royal-mail", tracking_ids=[created["id"]]), now)
    tracking = api.get(f"/trackings/{created['id']}").data["tracking"]
    assert [(leg["slug"], leg["tracking_number"], leg["source"]) for leg in tracking["next_couriers"]] == [("usps", S10_NUMBER, "s10-handover")]
    assert carriers["usps"].asked == []

    worker.poll(PollMessage(slug="royal-mail", tracking_ids=[created["id"]]), now + timedelta(hours=2))
    tracking = api.get(f"/trackings/{created['id']}").data["tracking"]
    assert carriers["usps"].asked == [[S10_NUMBER]]
    assert [c["message"] for c in tracking["checkpoints"]] == [
        "Accepted", "Departed the UK", "Arrived in the USA", "Arrived at USPS facility", "Out for delivery",
    ]
    assert [c["slug"] for c in tracking["checkpoints"]] == ["royal-mail"] * 3 + ["usps"] * 2
    assert tracking["tag"] == "OutForDelivery"


def test_a_merchant_named_next_courier_is_polled_from_the_start(api, pipeline, carriers):
    created = api.create(
        tracking_number="RR123456785GB", slug="royal-mail", next_couriers=[{"slug": "usps", "tracking_number": "9400111206206406260787"}]
    )
    PollWorker().poll(PollMessage(slug="royal-mail", tracking_ids=[created["id"]]), datetime.now(UTC) + timedelta(minutes=1))
    assert carriers["usps"].asked == [["9400111206206406260787"]]
    tracking = api.get(f"/trackings/{created['id']}").data["tracking"]
    assert {c["slug"] for c in tracking["checkpoints"]} == {"royal-mail", "usps"}


def test_no_handover_before_the_item_reaches_its_destination(api, pipeline, carriers):
    carriers["royal-mail"].steps = carriers["royal-mail"].steps[:2]
    created = api.create(tracking_number=S10_NUMBER, slug="royal-mail", destination_country_iso3="USA")
    PollWorker().poll(PollMessage(slug="royal-mail", tracking_ids=[created["id"]]), datetime.now(UTC) + timedelta(minutes=1))
    assert api.get(f"/trackings/{created['id']}").data["tracking"]["next_couriers"] == []
