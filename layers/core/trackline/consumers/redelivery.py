"""Delaying the redelivery of an SQS message that failed, by pushing out its visibility."""

from functools import lru_cache
from typing import Any

from aws_lambda_powertools import Logger

logger = Logger(child=True)

MAX_VISIBILITY_SECONDS = 43_200  # SQS's ceiling (12 hours)


@lru_cache(maxsize=1)
def _sqs() -> Any:
    import boto3

    return boto3.client("sqs")


def delay_redelivery(queue_url: str | None, receipt_handle: str, seconds: int) -> None:
    """Best effort: without it the queue's own visibility timeout still brings the message back."""
    if not queue_url:
        return
    try:
        _sqs().change_message_visibility(
            QueueUrl=queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=min(MAX_VISIBILITY_SECONDS, max(0, int(seconds)))
        )
    except Exception:  # noqa: BLE001
        logger.exception("Could not delay the redelivery")
