"""Poll worker: SQS batches of due trackings, each polled at its carrier; failures reported per record."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from typing import Any

from trackline.consumers.poll_queue import handle_poll_record

logger = Logger()
# A batch whose every record failed is still a per-record report, not a function error.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: Any) -> dict:
    return process_partial_response(event=event, record_handler=handle_poll_record, processor=processor, context=context)
