"""The poll pipeline under moto: scheduler -> queue -> worker -> table, with the sandbox courier."""

from datetime import UTC, datetime, timedelta

import boto3
import pytest

from trackline.models.polling import PollMessage
from trackline.services.poll_scheduler import PollScheduler
from trackline.services.poll_worker import PollWorker

def soon() -> datetime:
    """A test clock just ahead of the real one, so freshly created trackings are due."""
    return datetime.now(UTC) + timedelta(minutes=1)


def drain(queue_url: str) -> list[PollMessage]:
    sqs = boto3.client("sqs")
    messages = []
    while True:
        received = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
        if not received:
            return messages
        for message in received:
            messages.append(PollMessage.model_validate_json(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def cycle(now: datetime, queue_url: str) -> tuple[int, list[PollMessage]]:
    report = PollScheduler().run(now)
    messages = drain(queue_url)
    worker = PollWorker()
    for message in messages:
        worker.poll(message, now)
    return report.due, messages


@pytest.mark.parametrize(
    ("number", "final_tag", "final_subtag", "steps"),
    [
        ("SBX00000001", "Delivered", "Delivered_003", 6),
        ("SBXAF0000001", "Delivered", "Delivered_001", 8),
        ("SBXPU0000001", "Delivered", "Delivered_002", 6),
        ("SBXEX0000001", "Exception", "Exception_012", 6),
        ("SBXRT0000001", "Exception", "Exception_011", 8),
    ],
)
def test_a_sandbox_shipment_walks_its_script_one_step_per_poll(api, pipeline, number, final_tag, final_subtag, steps):
    created = api.create(tracking_number=number, slug="sandbox")
    seen_tags = []
    now = soon()
    for _ in range(steps + 3):
        now += timedelta(seconds=2)
        cycle(now, pipeline["PollQueue"])
        tracking = api.get(f"/trackings/{created['id']}").data["tracking"]
        seen_tags.append(tracking["tag"])
        if not tracking["active"]:
            break
    assert (tracking["tag"], tracking["subtag"]) == (final_tag, final_subtag)
    assert len(tracking["checkpoints"]) == steps
    assert [c["subtag"] for c in tracking["checkpoints"]][0] == "InfoReceived_001"
    assert seen_tags[0] == "InfoReceived", "label created is InfoReceived, not InTransit"
    if final_tag == "Delivered":
        assert tracking["tracked_count"] == steps and tracking["active"] is False
    else:
        # An exception can still be resolved: the tracking stays in the poll cycle.
        assert tracking["tracked_count"] > steps and tracking["active"] is True


def test_a_delivered_tracking_is_polled_no_more(api, pipeline):
    created = api.create(tracking_number="SBX00000002", slug="sandbox")
    now = soon()
    for _ in range(8):
        now += timedelta(seconds=2)
        cycle(now, pipeline["PollQueue"])
    tracking = api.get(f"/trackings/{created['id']}").data["tracking"]
    assert tracking["tag"] == "Delivered" and tracking["active"] is False
    assert tracking["signed_by"] == "J. DOE" and tracking["shipment_delivery_date"]
    assert tracking["courier_destination_country_iso3"] == "USA"
    due, messages = cycle(now + timedelta(days=3), pipeline["PollQueue"])
    assert (due, messages) == (0, [])
    assert api.get(f"/trackings/{created['id']}").data["tracking"]["tracked_count"] == 6


def test_checkpoints_keep_their_carrier_time_zones_and_order(api, pipeline):
    created = api.create(tracking_number="SBX00000003", slug="sandbox")
    now = soon()
    for _ in range(4):
        now += timedelta(seconds=2)
        cycle(now, pipeline["PollQueue"])
    checkpoints = api.get(f"/trackings/{created['id']}").data["tracking"]["checkpoints"]
    assert checkpoints[0]["checkpoint_time"].endswith("+08:00") and checkpoints[-1]["checkpoint_time"].endswith("-08:00")
    assert all(c["created_at"] and c["slug"] == "sandbox" for c in checkpoints)


def test_a_never_found_tracking_expires_after_the_pending_window(api, pipeline):
    created = api.create(tracking_number="SBXNF0000001", slug="sandbox")
    cycle(soon(), pipeline["PollQueue"])
    assert api.get(f"/trackings/{created['id']}").data["tracking"]["tag"] == "Pending"
    later = datetime.now(UTC) + timedelta(days=31)
    cycle(later, pipeline["PollQueue"])
    tracking = api.get(f"/trackings/{created['id']}").data["tracking"]
    assert (tracking["tag"], tracking["subtag"], tracking["active"]) == ("Expired", "Expired_001", False)


def test_retrack_brings_a_delivered_tracking_back_into_the_poll_cycle(api, pipeline):
    created = api.create(tracking_number="SBX00000004", slug="sandbox")
    api.post(f"/trackings/{created['id']}/mark-as-completed", {"reason": "DELIVERED"})
    assert cycle(soon(), pipeline["PollQueue"])[1] == []
    api.post(f"/trackings/{created['id']}/retrack")
    due, messages = cycle(datetime.now(UTC) + timedelta(seconds=5), pipeline["PollQueue"])
    assert [m.tracking_ids for m in messages] == [[created["id"]]]


def test_trackings_of_an_unconfigured_carrier_stay_pending_and_are_not_reread_every_run(api, pipeline):
    created = api.create(tracking_number="1Z5R89390357567127", slug="ups")
    now = datetime.now(UTC) + timedelta(seconds=5)
    first, messages = cycle(now, pipeline["PollQueue"])
    assert (first, messages) == (1, [])
    again, _ = cycle(now + timedelta(minutes=5), pipeline["PollQueue"])
    assert again == 0
    assert api.get(f"/trackings/{created['id']}").data["tracking"]["tag"] == "Pending"


def test_the_scheduler_reads_only_due_trackings(api, pipeline):
    for index in range(30):
        api.create(tracking_number=f"SBX1{index:07d}", slug="sandbox")
    now = datetime.now(UTC) + timedelta(seconds=5)
    report = PollScheduler().run(now)
    assert report.items_read == report.due == 30 and report.queued == 30
    drain(pipeline["PollQueue"])
    assert PollScheduler().run(now + timedelta(seconds=1)).items_read == 0, "leased work is not read again"
