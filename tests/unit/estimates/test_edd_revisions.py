"""The poll worker's estimate keeper: when it re-estimates, what it reads, and how it fails."""

from botocore.exceptions import ClientError

from trackline.estimates.histogram import TransitHistogram
from trackline.models.tracking import AftershipEstimatedDeliveryDate, Checkpoint, TrackingRecord
from trackline.services.tracking_estimates import TrackingEstimates

KEPT = AftershipEstimatedDeliveryDate(estimated_delivery_date="2024-04-30", confidence_code=20001)


class CountingStats:
    def __init__(self, fail: bool = False) -> None:
        self.reads, self.fail = 0, fail

    def histograms(self, lanes):
        self.reads += 1
        if self.fail:
            raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException"}}, "BatchGetItem")
        return {("ups", "ROUTE#USA#USA#*"): TransitHistogram.of({1: 30})}


def in_transit(estimate=None) -> TrackingRecord:
    return TrackingRecord(
        slug="ups", tag="InTransit", origin_country_iso3="USA", destination_country_iso3="USA",
        shipment_pickup_date="2024-04-01T10:00:00-07:00", aftership_estimated_delivery_date=estimate,
        checkpoints=[Checkpoint(checkpoint_time="2024-04-01T10:00:00-07:00", tag="InTransit")],
    )


def test_it_re_estimates_when_the_parcel_moved_or_has_no_estimate_and_reads_each_lane_once():
    stats = CountingStats()
    keeper = TrackingEstimates(stats)
    keeper.prefetch([in_transit(), in_transit()])
    moved, unmoved, fresh = in_transit(KEPT), in_transit(KEPT), in_transit()
    keeper.revise(moved, moved=True)
    keeper.revise(unmoved, moved=False)
    keeper.revise(fresh, moved=False)
    assert moved.aftership_estimated_delivery_date.estimated_delivery_date == "2024-04-02"
    assert unmoved.aftership_estimated_delivery_date == KEPT
    assert fresh.aftership_estimated_delivery_date == moved.aftership_estimated_delivery_date
    assert stats.reads == 1, "one read for the batch, then the cache"


def test_nothing_is_read_for_a_tracking_without_checkpoints():
    stats = CountingStats()
    pending = TrackingRecord(slug="ups", tag="Pending")
    TrackingEstimates(stats).revise(pending, moved=False)
    assert stats.reads == 0 and pending.aftership_estimated_delivery_date is None


def test_an_unreadable_history_leaves_the_estimate_as_it_was():
    stats = CountingStats(fail=True)
    keeper = TrackingEstimates(stats)
    keeper.prefetch([in_transit()])
    moved = in_transit(KEPT)
    keeper.revise(moved, moved=True)
    assert moved.aftership_estimated_delivery_date == KEPT and stats.reads == 2
