"""A lane's delivered history: how many deliveries took 0, 1, 2, ... business days."""

from dataclasses import dataclass

# Longer transits are counted as this many days: a parcel lost for weeks and found again says
# nothing useful about the lane, and keeps the stored histogram small.
MAX_TRACKED_DAYS = 40


@dataclass(frozen=True)
class TransitHistogram:
    counts: tuple[int, ...] = ()  # counts[d] = deliveries that took d business days

    @classmethod
    def of(cls, days: dict[int, int]) -> "TransitHistogram":
        if not days:
            return cls()
        top = min(max(days), MAX_TRACKED_DAYS)
        counts = [0] * (top + 1)
        for day, count in days.items():
            counts[min(max(day, 0), MAX_TRACKED_DAYS)] += max(count, 0)
        return cls(tuple(counts))

    @property
    def size(self) -> int:
        return sum(self.counts)

    def quantile(self, share: float) -> int:
        """The smallest day count that at least `share` of the deliveries did not exceed."""
        wanted = share * self.size
        running = 0
        for day, count in enumerate(self.counts):
            running += count
            if running >= wanted and running > 0:
                return day
        return len(self.counts) - 1

    def at_least(self, days: int) -> "TransitHistogram":
        """The deliveries that took `days` or more: what is left to learn from once a parcel
        has been travelling that long without arriving."""
        return TransitHistogram(tuple(count if day >= days else 0 for day, count in enumerate(self.counts)))
