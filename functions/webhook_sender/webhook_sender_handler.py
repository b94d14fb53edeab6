"""Webhook sender: change events from the queue -> signed POSTs to every webhook URL, once each."""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

from trackline.consumers.webhook_queue import handle_webhook_record
from trackline.services.announcing import IDEMPOTENCY_CONFIG

logger = Logger()
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: Any) -> dict:
    IDEMPOTENCY_CONFIG.register_lambda_context(context)
    return process_partial_response(event=event, record_handler=handle_webhook_record, processor=processor, context=context)
