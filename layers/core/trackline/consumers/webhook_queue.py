"""Webhook queue records: one change event, posted to every webhook URL.

A record that some URL did not take comes back on the contract's schedule, 2^retry x 30 s
(30 s, 60 s, 120 s, ...; SQS caps a single delay at 12 hours), for 14 attempts in all; then
the queue's redrive policy moves it to the dead-letter queue.
"""

from functools import lru_cache

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from trackline.consumers.redelivery import delay_redelivery
from trackline.notifications.events import change_from_queue_body
from trackline.services.webhook_delivery import WebhookDelivery, WebhookDeliveryFailed
from trackline.settings import get_settings

logger = Logger(child=True)

FIRST_RETRY_SECONDS = 30


@lru_cache(maxsize=1)
def _delivery() -> WebhookDelivery:
    return WebhookDelivery()


def retry_delay_seconds(attempts_made: int) -> int:
    """The wait after the given number of attempts: 30 s after the first, doubling after each."""
    return FIRST_RETRY_SECONDS * 2 ** max(0, attempts_made - 1)


def handle_webhook_record(record: SQSRecord) -> None:
    change = change_from_queue_body(record.body)
    try:
        _delivery().deliver(change)
    except WebhookDeliveryFailed:
        attempts = int(record.attributes.approximate_receive_count or 1)
        delay = retry_delay_seconds(attempts)
        logger.warning("Webhook delivery will be retried", extra={"event_id": change.event_id, "attempt": attempts, "retry_in_seconds": delay})
        delay_redelivery(get_settings().webhook_queue_url, record.receipt_handle, delay)
        raise
