"""How far a parcel has come, as the page's progress bar shows it: four stages, and a tone for
the tags that are not a stage of their own."""

from dataclasses import dataclass
from enum import StrEnum

from trackline.models.enums import Tag

STAGES: tuple[Tag, ...] = (Tag.INFO_RECEIVED, Tag.IN_TRANSIT, Tag.OUT_FOR_DELIVERY, Tag.DELIVERED)


class Tone(StrEnum):
    WAITING = "waiting"  # nothing from the carrier yet
    ONGOING = "ongoing"
    ATTENTION = "attention"  # the customer may need to act
    PROBLEM = "problem"
    DONE = "done"
    STALE = "stale"  # the carrier went silent


@dataclass(frozen=True)
class Stance:
    reached: int | None  # stages reached (0-4); None: as far as the parcel's history got
    tone: Tone
    # The name the last reached stage takes instead of its own (a failed attempt happens where
    # "out for delivery" would be).
    stage_label: Tag | None = None


TAG_STANCES: dict[Tag, Stance] = {
    Tag.PENDING: Stance(0, Tone.WAITING),
    Tag.INFO_RECEIVED: Stance(1, Tone.ONGOING),
    Tag.IN_TRANSIT: Stance(2, Tone.ONGOING),
    Tag.OUT_FOR_DELIVERY: Stance(3, Tone.ONGOING),
    Tag.ATTEMPT_FAIL: Stance(3, Tone.ATTENTION, Tag.ATTEMPT_FAIL),
    Tag.AVAILABLE_FOR_PICKUP: Stance(3, Tone.ATTENTION, Tag.AVAILABLE_FOR_PICKUP),
    Tag.DELIVERED: Stance(4, Tone.DONE),
    Tag.EXCEPTION: Stance(None, Tone.PROBLEM),
    Tag.EXPIRED: Stance(None, Tone.STALE),
}


@dataclass(frozen=True)
class Progress:
    reached: int
    tone: Tone
    labels: tuple[Tag, ...]  # one per stage, in order


def progress_of(tag: str | None, history: list[str | None]) -> Progress:
    """The progress of a parcel under `tag`, whose checkpoints carried the tags `history`."""
    stance = TAG_STANCES.get(tag or "", TAG_STANCES[Tag.PENDING])
    reached = stance.reached
    if reached is None:
        reached = max((TAG_STANCES[past].reached or 0 for past in history if past in TAG_STANCES), default=0)
    labels = list(STAGES)
    if stance.stage_label is not None and reached:
        labels[reached - 1] = stance.stage_label
    return Progress(reached, stance.tone, tuple(labels))
