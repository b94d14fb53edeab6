"""The contract's enumerations, and the sub-status table (subtag -> tag, message)."""

from enum import StrEnum


class Tag(StrEnum):
    PENDING = "Pending"
    INFO_RECEIVED = "InfoReceived"
    IN_TRANSIT = "InTransit"
    OUT_FOR_DELIVERY = "OutForDelivery"
    ATTEMPT_FAIL = "AttemptFail"
    DELIVERED = "Delivered"
    AVAILABLE_FOR_PICKUP = "AvailableForPickup"
    EXCEPTION = "Exception"
    EXPIRED = "Expired"


# The 2024-04 sub-statuses and their messages. Pending_002..006 exist upstream but their
# messages are not confirmed, so Trackline never emits them.
SUBTAG_MESSAGES: dict[str, str] = {
    "Pending_001": "Pending",
    "InfoReceived_001": "Info Received",
    "InTransit_001": "In Transit",
    "InTransit_002": "Acceptance scan",
    "InTransit_003": "Arrival scan",
    "InTransit_004": "Arrived at the destination country",
    "InTransit_005": "Customs clearance completed",
    "InTransit_006": "Customs clearance started",
    "InTransit_007": "Departure Scan",
    "InTransit_008": "Problem resolved",
    "InTransit_009": "Forwarded to a different delivery address",
    "OutForDelivery_001": "Out for Delivery",
    "OutForDelivery_003": "Customer contacted",
    "OutForDelivery_004": "Delivery appointment scheduled",
    "AttemptFail_001": "Failed Attempt",
    "AttemptFail_002": "Addressee not available",
    "AttemptFail_003": "Business Closed",
    "Delivered_001": "Delivered",
    "Delivered_002": "Picked up by the customer",
    "Delivered_003": "Sign by customer",
    "Delivered_004": "Delivered and received cash on delivery",
    "AvailableForPickup_001": "Available for pickup",
    "Exception_001": "Exception",
    "Exception_002": "Customer moved",
    "Exception_003": "Customer refused delivery",
    "Exception_004": "Delayed (Customs clearance)",
    "Exception_005": "Delayed (External factors)",
    "Exception_006": "Held for payment",
    "Exception_007": "Incorrect Address",
    "Exception_008": "Pick up missed",
    "Exception_009": "Rejected by carrier",
    "Exception_010": "Returning to sender",
    "Exception_011": "Returned to sender",
    "Exception_012": "Shipment damage",
    "Exception_013": "Shipment lost",
    "Expired_001": "Expired",
}

# The contract's checkpoint event codes (spec §4.8) that a sub-status implies.
SUBTAG_EVENTS: dict[str, str] = {
    "InTransit_002": "picked_up",
    "InTransit_009": "rerouted",
    "AvailableForPickup_001": "dropped_off_at_collection_point",
    "AttemptFail_001": "delivery_attempt_failed",
    "AttemptFail_002": "delivery_attempt_failed",
    "AttemptFail_003": "delivery_attempt_failed",
    "Delivered_003": "signed_by_customer",
    "Exception_003": "rejected_by_customer",
    "Exception_004": "held_by_customs",
    "Exception_011": "returned_to_sender",
    "Exception_012": "shipment_damaged",
}

RETURN_TO_SENDER_SUBTAGS = frozenset({"Exception_010", "Exception_011"})


def tag_of_subtag(subtag: str) -> Tag:
    return Tag(subtag.split("_", 1)[0])


class SlugGroup(StrEnum):
    AMAZON = "amazon-group"
    FEDEX = "fedex-group"
    TOLL = "toll-group"
    TAQBIN = "taqbin-group"
    TNT = "tnt-group"
    CJ = "cj-group"
    HERMES = "hermes-group"
    DPD = "dpd-group"
    GLS = "gls-group"
    DHL = "dhl-group"
    FASTWAY = "fastway-group"
    ASENDIA = "asendia-group"


class DeliveryType(StrEnum):
    PICKUP_AT_STORE = "pickup_at_store"
    PICKUP_AT_COURIER = "pickup_at_courier"
    DOOR_TO_DOOR = "door_to_door"


class CompletionReason(StrEnum):
    """Mark-as-completed reasons and the status each one sets."""

    DELIVERED = "DELIVERED"
    LOST = "LOST"
    RETURNED_TO_SENDER = "RETURNED_TO_SENDER"

    @property
    def subtag(self) -> str:
        return _COMPLETION_SUBTAGS[self]


_COMPLETION_SUBTAGS = {
    CompletionReason.DELIVERED: "Delivered_001",
    CompletionReason.LOST: "Exception_013",
    CompletionReason.RETURNED_TO_SENDER: "Exception_011",
}

# The additional fields that, with slug + tracking_number, identify a tracking.
ADDITIONAL_FIELDS: tuple[str, ...] = (
    "tracking_account_number",
    "tracking_postal_code",
    "tracking_ship_date",
    "tracking_key",
    "tracking_origin_country",
    "tracking_destination_country",
    "tracking_state",
)

class HasAdditionalFields:
    """Models that carry the additional fields: the ones that are set, by name."""

    def additional_fields(self) -> dict[str, str]:
        return {name: value for name in ADDITIONAL_FIELDS if (value := getattr(self, name, None))}


# Languages the by-id GET accepts for `lang`.
CHECKPOINT_LANGUAGES = frozenset(
    "en fr fr-CA ar bg ca hr cs da nl et tl fi de el he hi hu id it ja ko lv lt ms pl pt ro ru "
    "sr sk sl es sv th tr uk vi zh-Hans zh-Hant nb".split()
)
