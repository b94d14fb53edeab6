"""Which writes are news: change detection between two stored versions of a tracking."""

import uuid

from trackline.models.tracking import AftershipEstimatedDeliveryDate, Checkpoint, TrackingRecord
from trackline.notifications.changes import MAX_SNAPSHOT_BYTES, detect_changes
from trackline.notifications.events import ChangeKind, WebhookEvent, event_id_for


def record(version=1, tag="Pending", checkpoints=(), **fields):
    return TrackingRecord(
        id="abc123def456ghi789jkl0mn", slug="ups", tracking_number="1Z999AA10123456784", version=version, tag=tag,
        updated_at="2026-11-21T10:00:00+00:00", checkpoints=list(checkpoints), **fields,
    )


def checkpoint(tag, message, at):
    return Checkpoint(tag=tag, message=message, checkpoint_time=at, slug="ups")


PICKED_UP = checkpoint("InTransit", "Picked up", "2026-11-20T09:00:00+00:00")
ARRIVED = checkpoint("InTransit", "Arrived at facility", "2026-11-20T18:00:00+00:00")
OUT = checkpoint("OutForDelivery", "Out for delivery", "2026-11-21T07:00:00+00:00")


def test_a_new_pending_tracking_is_not_news():
    assert detect_changes(None, record()) == []


def test_a_delete_is_not_news():
    assert detect_changes(record(), None) == []


def test_an_edit_of_other_fields_is_not_news():
    assert detect_changes(record(1, title="old"), record(2, title="new", note="x")) == []


def test_the_first_checkpoint_is_a_tag_change_and_makes_the_parcel_trackable():
    [change] = detect_changes(record(1), record(2, "InTransit", [PICKED_UP]))
    assert change.event == WebhookEvent.TRACKING_UPDATE
    assert set(change.kinds) == {ChangeKind.TAG, ChangeKind.FIRST_CHECKPOINT, ChangeKind.CHECKPOINTS}
    assert change.is_tracking_first_tag and change.previous_tag == "Pending" and change.tag == "InTransit"
    assert change.version == 2 and change.tracking["checkpoints"][0]["message"] == "Picked up"


def test_new_checkpoints_under_the_same_tag_are_an_update_but_not_a_first_tag():
    [change] = detect_changes(record(2, "InTransit", [PICKED_UP]), record(3, "InTransit", [PICKED_UP, ARRIVED]))
    assert change.kinds == (ChangeKind.CHECKPOINTS,)
    assert not change.is_tracking_first_tag


def test_returning_to_a_tag_held_before_is_not_a_first_tag():
    old = record(4, "AttemptFail", [PICKED_UP, OUT, checkpoint("AttemptFail", "No one home", "2026-11-21T12:00:00+00:00")])
    back_out = checkpoint("OutForDelivery", "Out for delivery again", "2026-11-22T07:00:00+00:00")
    [change] = detect_changes(old, record(5, "OutForDelivery", [*old.checkpoints, back_out]))
    assert ChangeKind.TAG in change.kinds and not change.is_tracking_first_tag


def test_a_tag_change_without_checkpoints_is_news():
    [change] = detect_changes(record(2, "InTransit", [PICKED_UP]), record(3, "Delivered", [PICKED_UP]))
    assert change.kinds == (ChangeKind.TAG,) and change.is_tracking_first_tag


def test_an_estimated_delivery_change_is_an_edd_revise_of_its_own():
    old = record(2, "InTransit", [PICKED_UP], expected_delivery="2026-11-24")
    new = record(3, "InTransit", [PICKED_UP], expected_delivery="2026-11-25")
    [change] = detect_changes(old, new)
    assert change.event == WebhookEvent.EDD_REVISE and change.kinds == (ChangeKind.ESTIMATED_DELIVERY,)
    assert not change.is_tracking_first_tag


def test_one_write_may_be_both_an_update_and_an_edd_revise_with_distinct_ids():
    old = record(2, "InTransit", [PICKED_UP])
    new = record(3, "InTransit", [PICKED_UP, ARRIVED],
                 aftership_estimated_delivery_date=AftershipEstimatedDeliveryDate(estimated_delivery_date="2026-11-25"))
    update, revise = detect_changes(old, new)
    assert (update.event, revise.event) == (WebhookEvent.TRACKING_UPDATE, WebhookEvent.EDD_REVISE)
    assert update.event_id != revise.event_id


def test_event_ids_are_stable_uuid4_strings():
    first = event_id_for("abc", 3, WebhookEvent.TRACKING_UPDATE)
    assert first == event_id_for("abc", 3, WebhookEvent.TRACKING_UPDATE)
    assert first != event_id_for("abc", 4, WebhookEvent.TRACKING_UPDATE)
    assert uuid.UUID(first).version == 4


def test_a_tracking_too_large_for_the_bus_travels_by_reference():
    many = [checkpoint("InTransit", "x" * 1000, f"2026-11-20T{i % 24:02d}:{i % 60:02d}:00+00:00") for i in range(MAX_SNAPSHOT_BYTES // 1000 + 10)]
    [change] = detect_changes(record(1), record(2, "InTransit", many))
    assert change.tracking is None and change.version == 2
