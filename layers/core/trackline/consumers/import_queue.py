"""Import queue records: one message, one file imported.

A message comes from POST /imports ({import_id, key}) or, for a file dropped under incoming/ in
the import bucket, from the S3 "Object Created" event that EventBridge forwards. A failure is
reported back for that record alone; SQS redelivers it and the import starts again, recognising
the rows it created already (their tracking ids are derived from the file). After the queue's
maxReceiveCount the message lands in ImportDeadLetterQueue.
"""

import json
from functools import lru_cache

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from trackline.services.imports import ImportService


@lru_cache(maxsize=1)
def _worker() -> ImportService:
    return ImportService()


def handle_import_record(record: SQSRecord) -> None:
    message = json.loads(record.body)
    if isinstance(message, dict) and message.get("Event") == "s3:TestEvent":
        return  # S3 checks a new notification target with this message
    _worker().process_message(message if isinstance(message, dict) else {})
