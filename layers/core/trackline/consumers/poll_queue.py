"""Poll queue records: one message, one batch of trackings polled.

A failed record is reported back (partial batch failure) after its visibility is pushed out with
exponential backoff and jitter (or the carrier's Retry-After), so SQS redelivers it later;
after the queue's maxReceiveCount it lands in the dead-letter queue. Nothing is lost: a crash
before the write simply means the next delivery polls again.
"""

import random
from functools import lru_cache

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from trackline.carriers.base import CarrierError
from trackline.consumers.redelivery import delay_redelivery
from trackline.models.polling import PollMessage
from trackline.services.poll_worker import PollWorker
from trackline.settings import get_settings

logger = Logger(child=True)

BASE_DELAY = 30
MAX_DELAY = 900


@lru_cache(maxsize=1)
def _worker() -> PollWorker:
    return PollWorker()


def backoff_seconds(receive_count: int, retry_after: float | None) -> int:
    """Full jitter on an exponential ceiling; never sooner than the carrier asked."""
    ceiling = min(MAX_DELAY, BASE_DELAY * 2 ** max(0, receive_count - 1))
    delay = random.uniform(ceiling / 2, ceiling)
    return int(min(MAX_DELAY, max(delay, retry_after or 0)))


def handle_poll_record(record: SQSRecord) -> None:
    message = PollMessage.model_validate_json(record.body)
    try:
        _worker().poll(message)
    except CarrierError as error:
        receive_count = int(record.attributes.approximate_receive_count or 1)
        delay = backoff_seconds(receive_count, error.retry_after) if error.retryable else MAX_DELAY
        logger.warning(
            "Carrier request failed; the batch will be retried",
            extra={"carrier": message.slug, "retryable": error.retryable, "retry_in_seconds": delay, "receive_count": receive_count},
        )
        delay_redelivery(get_settings().poll_queue_url, record.receipt_handle, delay)
        raise
