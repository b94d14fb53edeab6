"""Table stream records: each write of a tracking item becomes its change events on the bus.

Records are handled in order; a failure is reported by sequence number, so Lambda retries from
that record on. Re-publishing a record is harmless: its events carry the same ids.
"""

from functools import lru_cache

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from trackline.services.change_events import ChangeEventPublisher


@lru_cache(maxsize=1)
def _publisher() -> ChangeEventPublisher:
    return ChangeEventPublisher()


def handle_stream_record(record: DynamoDBRecord) -> None:
    # The raw images, in DynamoDB's JSON, are what the repository reads.
    images = record.raw_event.get("dynamodb") or {}
    _publisher().publish_write(images.get("OldImage"), images.get("NewImage"))
