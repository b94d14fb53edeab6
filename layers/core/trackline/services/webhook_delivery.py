"""Signed webhooks for tracking changes, in the contract's 2024-04 shape.

Each change becomes one body, signed once, posted to every configured URL. A URL that fails
keeps the message in the queue for the next attempt of the contract's schedule; the URLs that
already took it are not posted to again (see `announcing`).
"""

import json

from aws_lambda_powertools import Logger

from trackline.notifications.events import ChangeKind, TrackingChange, WebhookEvent
from trackline.outbound.webhook_client import WebhookClient, WebhookTransportError, webhook_signature
from trackline.outbound.webhook_secret import webhook_secret
from trackline.repository.trackings import TrackingRepository
from trackline.services.announcing import Announcer
from trackline.services.tracking_snapshots import document_of
from trackline.settings import Settings, get_settings

logger = Logger(child=True)

WEBHOOK_VERSION = "2024-04"


class WebhookRejected(RuntimeError):
    def __init__(self, status: int) -> None:
        super().__init__(f"the receiver answered HTTP {status}")
        self.status = status


class WebhookDeliveryFailed(RuntimeError):
    """Some URLs did not take the webhook; the message is retried on the contract's schedule."""


def webhook_body(change: TrackingChange, tracking: dict) -> bytes:
    payload = {
        "event": change.event,
        "event_id": change.event_id,
        "is_tracking_first_tag": change.is_tracking_first_tag,
        "msg": tracking,
        "ts": change.changed_at_epoch,
    }
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


class WebhookDelivery:
    def __init__(
        self,
        settings: Settings | None = None,
        repository: TrackingRepository | None = None,
        announcer: Announcer | None = None,
        client: WebhookClient | None = None,
    ) -> None:
        self._settings = settings or get_settings()
        self._repository = repository or TrackingRepository(self._settings.table_name, self._settings.poll_shards)
        self._announcer = announcer or Announcer(self._settings, "webhooks")
        self._client = client or WebhookClient(allow_local_http=self._settings.webhook_allow_local_http)

    def wanted(self, change: TrackingChange) -> bool:
        if not self._settings.webhook_urls:
            return False
        if change.event == WebhookEvent.EDD_REVISE:
            return True
        news = ChangeKind.TAG in change.kinds or ChangeKind.CHECKPOINTS in change.kinds
        return news and change.tag in self._settings.webhook_tags

    def deliver(self, change: TrackingChange) -> dict[str, int]:
        """Posts the change to every URL that has not taken it yet; returns counts per outcome."""
        tracking = document_of(change, self._repository) if self.wanted(change) else None
        if tracking is None:
            return {}
        body = webhook_body(change, tracking)
        headers = {
            "aftership-hmac-sha256": webhook_signature(body, webhook_secret(self._settings)),
            "as-webhook-version": WEBHOOK_VERSION,
        }
        outcomes: dict[str, int] = {}
        for index, url in enumerate(self._settings.webhook_urls):
            try:
                outcome = self._announcer.announce(change, "webhook", url, lambda to=url: self._post(to, body, headers))
            except (WebhookRejected, WebhookTransportError) as error:
                # The URL index, not the URL: its path or query may hold a receiver's token.
                logger.warning("A webhook was not taken", extra={"webhook": index, "event_id": change.event_id, "reason": str(error)})
                outcome = "failed"
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        if outcomes.get("failed"):
            raise WebhookDeliveryFailed(f"{outcomes['failed']} webhook URLs did not take event {change.event_id}")
        return outcomes

    def _post(self, url: str, body: bytes, headers: dict[str, str]) -> None:
        status = self._client.post(url, body, headers)
        if not 200 <= status < 300:
            raise WebhookRejected(status)
