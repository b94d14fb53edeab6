"""Notification queue records: one change event, the customer messages it calls for.

A record whose messages partly failed is reported back and comes again after the queue's
visibility timeout; the messages already sent are not sent again. After the queue's
maxReceiveCount it lands in the dead-letter queue.
"""

from functools import lru_cache

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from trackline.notifications.events import change_from_queue_body
from trackline.services.customer_notifications import CustomerNotifier


@lru_cache(maxsize=1)
def _notifier() -> CustomerNotifier:
    return CustomerNotifier()


def handle_notification_record(record: SQSRecord) -> None:
    _notifier().notify(change_from_queue_body(record.body))
