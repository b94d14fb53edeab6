"""Emails and texts to the people a tracking names, when a change concerns them.

Customers hear about a parcel twice at most per stage: once it can be tracked (the first
checkpoint; not before, so no link ever leads to "no information yet") and the first time it
reaches each configured tag. Every address gets its message once (see `announcing`).
"""

from aws_lambda_powertools import Logger

from trackline.models.tracking import TrackingRecord
from trackline.notifications.events import ChangeKind, TrackingChange, WebhookEvent
from trackline.notifications.messages import MessageFacts, email_for, sms_for
from trackline.outbound.email import SesEmailSender
from trackline.outbound.sms import SnsSmsSender
from trackline.repository.trackings import TrackingRepository
from trackline.services.announcing import Announcer
from trackline.services.courier_resolution import catalog
from trackline.services.tracking_snapshots import tracking_of
from trackline.settings import Settings, get_settings

logger = Logger(child=True)

TRACKABLE = "trackable"
MAX_RECIPIENTS = 3  # per channel, as the contract allows


class NotificationFailed(RuntimeError):
    """Some messages of a change could not be sent; the message is retried (the sent ones are not resent)."""


def occasion_for(change: TrackingChange, notify_tags: frozenset[str]) -> str | None:
    """Which message a change calls for, if any."""
    if change.event != WebhookEvent.TRACKING_UPDATE:
        return None
    if ChangeKind.TAG in change.kinds and change.is_tracking_first_tag and change.tag in notify_tags:
        return change.tag
    if ChangeKind.FIRST_CHECKPOINT in change.kinds:
        return TRACKABLE
    return None


def recipients(*lists: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for address in (address for addresses in lists for address in addresses):
        seen.setdefault(address.strip().lower(), address.strip())
    return list(seen.values())[:MAX_RECIPIENTS]


def facts_for(tracking: TrackingRecord, brand_name: str) -> MessageFacts:
    latest = tracking.checkpoints[-1] if tracking.checkpoints else None
    courier = catalog().get_courier(tracking.slug) if tracking.slug else None
    place = ", ".join(part for part in (latest.city, latest.country_name or latest.country_iso3) if part) if latest else None
    return MessageFacts(
        tracking_number=tracking.tracking_number or "-",
        courier_name=courier.name if courier else (tracking.slug or "-"),
        tag=tracking.tag,
        status=tracking.subtag_message,
        latest_event=latest.message if latest else None,
        latest_place=place or None,
        expected_delivery=_expected_delivery(tracking),
        # The tracking page follows every leg in the customer's language; the courier's own
        # page only for a tracking stored before tracking pages existed.
        tracking_link=tracking.aftership_tracking_url or tracking.courier_tracking_link,
        brand_name=brand_name,
    )


def _expected_delivery(tracking: TrackingRecord) -> str | None:
    for estimate in (tracking.latest_estimated_delivery, tracking.custom_estimated_delivery_date):
        if estimate is not None and estimate.datetime:
            return estimate.datetime
    if tracking.aftership_estimated_delivery_date is not None and tracking.aftership_estimated_delivery_date.estimated_delivery_date:
        return tracking.aftership_estimated_delivery_date.estimated_delivery_date
    return tracking.expected_delivery


class CustomerNotifier:
    def __init__(
        self,
        settings: Settings | None = None,
        repository: TrackingRepository | None = None,
        announcer: Announcer | None = None,
        email: SesEmailSender | None = None,
        sms: SnsSmsSender | None = None,
    ) -> None:
        self._settings = settings or get_settings()
        self._repository = repository or TrackingRepository(self._settings.table_name, self._settings.poll_shards)
        self._announcer = announcer or Announcer(self._settings, "notifications")
        sender = self._settings.email_sender
        self._email = email or (SesEmailSender(sender) if sender else None)
        self._sms = sms or (SnsSmsSender() if self._settings.sms_enabled else None)

    def notify(self, change: TrackingChange) -> dict[str, int]:
        """Sends what the change calls for; returns how many messages per outcome."""
        occasion = occasion_for(change, self._settings.notify_tags)
        tracking = tracking_of(change, self._repository) if occasion else None
        if tracking is None:
            return {}
        facts = facts_for(tracking, self._settings.brand_name)
        outcomes: dict[str, int] = {}
        if self._email is not None:
            content = email_for(occasion, tracking.language, facts)
            for address in recipients(tracking.emails, tracking.subscribed_emails):
                self._announce(change, "email", address, lambda to=address: self._email.send(to, content), outcomes)
        if self._sms is not None:
            text = sms_for(occasion, tracking.language, facts)
            for number in recipients(tracking.smses, tracking.subscribed_smses):
                self._announce(change, "sms", number, lambda to=number: self._sms.send(to, text), outcomes)
        if outcomes.get("failed"):
            raise NotificationFailed(f"{outcomes['failed']} customer messages failed for event {change.event_id}")
        return outcomes

    def _announce(self, change: TrackingChange, channel: str, address: str, send, outcomes: dict[str, int]) -> None:
        try:
            outcome = self._announcer.announce(change, channel, address, send)
        except Exception as error:  # noqa: BLE001 - one recipient's failure must not stop the others
            # The error text may hold the address; only its type and code are logged.
            logger.warning(
                "A customer message failed; it will be retried",
                extra={"channel": channel, "event_id": change.event_id, "error": type(error).__name__, "code": _error_code(error)},
            )
            outcome = "failed"
        outcomes[outcome] = outcomes.get(outcome, 0) + 1


def _error_code(error: Exception) -> str | None:
    return getattr(error, "response", {}).get("Error", {}).get("Code")
