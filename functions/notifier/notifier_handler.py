"""Notifier: change events from the queue -> customer emails (SES) and texts (SNS), once each."""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

from trackline.consumers.notification_queue import handle_notification_record
from trackline.services.announcing import IDEMPOTENCY_CONFIG

logger = Logger()
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: Any) -> dict:
    IDEMPOTENCY_CONFIG.register_lambda_context(context)
    return process_partial_response(event=event, record_handler=handle_notification_record, processor=processor, context=context)
