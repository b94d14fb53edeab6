"""One message to one recipient, once per change, and never after a newer one.

Streams and queues deliver at least once and in no particular order. Two guards make a send
happen exactly once per (event, channel, recipient):
- Powertools idempotency: a redelivered message finds the delivery completed and sends nothing;
  a delivery that raised is forgotten, so the retry sends it.
- the announcement ledger: a message about an older tracking version than one already announced
  to the recipient is superseded and dropped (a late "In transit" never follows "Delivered").
"""

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function

from trackline.notifications.events import TrackingChange
from trackline.repository.announcements import AnnouncementLedger, audience_key
from trackline.repository.idempotency import idempotency_store
from trackline.settings import Settings

# Longer than a webhook's whole retry schedule and the queues' 14-day retention.
IDEMPOTENCY_SECONDS = 15 * 86400

# Shared by every announcer of a function; the handler registers the Lambda context on it so that
# a delivery cut short by a timeout may be retried once the invocation's time is up.
IDEMPOTENCY_CONFIG = IdempotencyConfig(expires_after_seconds=IDEMPOTENCY_SECONDS, raise_on_no_idempotency_key=True)

SENT = "sent"
SUPERSEDED = "superseded"


class Announcer:
    def __init__(self, settings: Settings, use: str, ledger: AnnouncementLedger | None = None) -> None:
        self._ledger = ledger or AnnouncementLedger(settings.table_name, settings.data_retention_days)
        self._deliver_once = idempotent_function(
            data_keyword_argument="delivery",
            persistence_store=idempotency_store(settings.table_name, use),
            config=IDEMPOTENCY_CONFIG,
        )(self._deliver)

    def announce(self, change: TrackingChange, channel: str, address: str, send: Callable[[], Any]) -> str:
        """Calls `send` unless this delivery already happened or a newer version was announced."""
        delivery = {"event_id": change.event_id, "channel": channel, "address": address}
        return self._deliver_once(delivery=delivery, change=change, send=send)

    def _deliver(self, delivery: dict[str, str], change: TrackingChange, send: Callable[[], Any]) -> str:
        audience = audience_key(delivery["channel"], delivery["address"])
        if not self._ledger.claim(change.tracking_id, audience, change.version):
            return SUPERSEDED
        send()
        return SENT
