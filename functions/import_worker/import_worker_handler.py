"""Import worker: each SQS record is one CSV file, imported row by row; failures per record."""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

from trackline.consumers.import_queue import handle_import_record

logger = Logger()
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: Any) -> dict:
    return process_partial_response(event=event, record_handler=handle_import_record, processor=processor, context=context)
