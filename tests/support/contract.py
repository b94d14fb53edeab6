"""Facts of the contract that tests check the code against (spec §4.8)."""

# Each checkpoint event code and the tag it belongs to.
EVENT_TAGS = {
    "rerouted": "InTransit",
    "picked_up": "InTransit",
    "dropped_off_at_collection_point": "AvailableForPickup",
    "delivery_attempt_failed": "AttemptFail",
    "redelivery_scheduled": "AttemptFail",
    "delivered_to_a_location": "Delivered",
    "delivered_to_neighbor": "Delivered",
    "signed_by_customer": "Delivered",
    **dict.fromkeys(
        [
            "held_by_customs", "misrouted", "rejected_by_customer", "return_to_sender_requested",
            "returned_to_sender", "shipment_lost", "canceled", "shipment_damaged",
        ],
        "Exception",
    ),
}
