"""Transit times used while a lane's own history is too thin, per courier and scope.

Business days from pickup to delivery as (fastest, typical, slowest). These are deliberately
rough, conservative figures for the service levels most parcels use, not carrier promises; the
deployment's own delivered history replaces them as soon as a lane has enough deliveries
(trackline.estimates.prediction.MIN_HISTORY). Edit the table to suit your shipping.
"""

DOMESTIC = "domestic"
INTERNATIONAL = "international"
UNKNOWN = "unknown"  # origin or destination country not known (yet)

DEFAULT_TRANSIT: dict[str, dict[str, tuple[int, int, int]]] = {
    "ups": {DOMESTIC: (1, 3, 5), INTERNATIONAL: (2, 5, 8), UNKNOWN: (1, 4, 8)},
    "fedex": {DOMESTIC: (1, 3, 5), INTERNATIONAL: (2, 4, 7), UNKNOWN: (1, 4, 7)},
    "usps": {DOMESTIC: (2, 3, 6), INTERNATIONAL: (6, 10, 20), UNKNOWN: (2, 5, 20)},
    "dhl": {DOMESTIC: (1, 2, 4), INTERNATIONAL: (2, 4, 7), UNKNOWN: (1, 4, 7)},
    "sandbox": {DOMESTIC: (1, 2, 3), INTERNATIONAL: (1, 3, 5), UNKNOWN: (1, 3, 5)},
}
# Any other courier.
FALLBACK_TRANSIT: dict[str, tuple[int, int, int]] = {DOMESTIC: (1, 3, 6), INTERNATIONAL: (4, 8, 15), UNKNOWN: (1, 5, 15)}


def default_transit(slug: str, scope: str) -> tuple[int, int, int]:
    return DEFAULT_TRANSIT.get(slug, FALLBACK_TRANSIT).get(scope, FALLBACK_TRANSIT[UNKNOWN])
