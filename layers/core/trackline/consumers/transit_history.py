"""Table stream records of delivered trackings: each counted once in its lane's transit history.

The event source's filter passes only tracking items whose new image is Delivered; the service
tells a new delivery from a later write of a delivered tracking. A failure is reported by
sequence number, so Lambda retries from that record; counting again is harmless (the ledger).
"""

from functools import lru_cache

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from trackline.services.transit_history import TransitHistory


@lru_cache(maxsize=1)
def _history() -> TransitHistory:
    return TransitHistory()


def handle_stream_record(record: DynamoDBRecord) -> None:
    images = record.raw_event.get("dynamodb") or {}
    _history().record_write(images.get("OldImage"), images.get("NewImage"))
