"""Creating many trackings at once, for imports: the create endpoint's items, batched.

Each tracking is written exactly as TrackingRepository.create writes it (the number key only if
absent or expired, the tracking, its poll item), so a duplicate is refused atomically here too,
even against a concurrent API create. Only the batching differs: up to 33 trackings (99 items)
per TransactWriteItems instead of one each. A transaction is all or nothing, so when DynamoDB
cancels it the reasons name the rows whose number was taken meanwhile; those are duplicates and
the rest is written again.

Before writing, one consistent BatchGetItem per 100 rows finds the numbers that are taken
already, so that transactions are rarely cancelled, and tells a number this import took itself
(a retried import, whose tracking ids are derived from the file) from one taken by another.
"""

from __future__ import annotations

import random
import time
from functools import cache
from typing import Any

from botocore.config import Config

from trackline.models.tracking import TrackingRecord
from trackline.repository import keys
from trackline.repository.dynamodb import cancellation_reasons, from_item
from trackline.repository.trackings import TrackingRepository

ROWS_PER_TRANSACTION = 33  # up to 3 items each, within DynamoDB's 100 per transaction
KEYS_PER_BATCH_GET = 100
MAX_ATTEMPTS = 8
_RETRYABLE = frozenset({"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded"})


@cache
def _bulk_client() -> Any:
    """The import's own DynamoDB client: a connection for each parallel writer, and no client-side
    check of every attribute of 99-item requests (DynamoDB checks them anyway; checking costs the
    worker about a tenth of its CPU)."""
    import boto3

    return boto3.client(
        "dynamodb",
        config=Config(retries={"mode": "standard", "max_attempts": 3}, max_pool_connections=64, parameter_validation=False, read_timeout=10),
    )


class BulkTrackingWriter(TrackingRepository):
    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = _bulk_client()
        return self._client

    def taken_numbers(self, records: list[TrackingRecord]) -> dict[int, str]:
        """Position in `records` -> the id of the tracking holding its number, for the numbers
        taken already."""
        now = time.time()
        positions: dict[tuple[str, str], list[int]] = {}
        for position, record in enumerate(records):
            key = keys.number_key(record.slug, record.tracking_number, record.additional_fields())
            positions.setdefault((key["pk"]["S"], key["sk"]["S"]), []).append(position)
        wanted = [{"pk": {"S": pk}, "sk": {"S": sk}} for pk, sk in positions]
        taken: dict[int, str] = {}
        for start in range(0, len(wanted), KEYS_PER_BATCH_GET):
            pending: dict[str, Any] = {self._table: {"Keys": wanted[start : start + KEYS_PER_BATCH_GET], "ConsistentRead": True}}
            for attempt in range(MAX_ATTEMPTS):
                response = self.client.batch_get_item(RequestItems=pending)
                for item in response.get("Responses", {}).get(self._table, []):
                    entry = from_item(item)
                    if entry.get("expire_at", now + 1) > now:
                        for position in positions[(entry["pk"], entry["sk"])]:
                            taken[position] = entry["tracking_id"]
                pending = response.get("UnprocessedKeys") or {}
                if not pending:
                    break
                _back_off(attempt)
        return taken

    def create_many(self, records: list[TrackingRecord]) -> list[bool]:
        """Store the trackings; for each, True if stored, False if its number was taken (4003).
        No two records may share a number key."""
        stored = [False] * len(records)
        remaining = list(range(len(records)))
        for attempt in range(MAX_ATTEMPTS):
            if not remaining:
                break
            retry: list[int] = []
            contended = False
            for start in range(0, len(remaining), ROWS_PER_TRANSACTION):
                batch = remaining[start : start + ROWS_PER_TRANSACTION]
                written, again, busy = self._write_batch([records[position] for position in batch])
                for index in written:
                    stored[batch[index]] = True
                retry += [batch[index] for index in again]
                contended = contended or busy
            if contended:
                _back_off(attempt)
            remaining = retry
        if remaining:
            raise RuntimeError(f"{len(remaining)} trackings could not be written: DynamoDB kept refusing the transaction")
        return stored

    def _write_batch(self, batch: list[TrackingRecord]) -> tuple[list[int], list[int], bool]:
        """(indexes written, indexes to try again, whether DynamoDB was busy); the others were
        duplicates."""
        now = int(time.time())
        items: list[dict[str, Any]] = []
        owners: list[int] = []
        for index, record in enumerate(batch):
            record_items = [
                self._put(self._number_item(record), "attribute_not_exists(pk) OR expire_at < :now", {":now": {"N": str(now)}}),
                self._put(self._tracking_item(record), "attribute_not_exists(pk)"),
            ]
            if record.active and record.next_poll_at:
                record_items.append(self._put(self._poll_item(record)))
            items += record_items
            owners += [index] * len(record_items)
        try:
            self.client.transact_write_items(TransactItems=items)
        except self.client.exceptions.TransactionCanceledException as error:
            reasons = cancellation_reasons(error)
            duplicates = {owners[position] for position, reason in enumerate(reasons) if reason == "ConditionalCheckFailed"}
            if not duplicates and not any(reason in _RETRYABLE for reason in reasons):
                raise
            # Whatever was not a duplicate was cancelled with them: all of it goes again.
            busy = any(reason in _RETRYABLE for reason in reasons)
            return [], [index for index in range(len(batch)) if index not in duplicates], busy
        return list(range(len(batch))), [], False


def _back_off(attempt: int) -> None:
    time.sleep(random.uniform(0, min(1.0, 0.02 * 2**attempt)))
