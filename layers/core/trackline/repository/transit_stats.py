"""Transit-time histograms per courier lane, and the once-per-tracking delivery ledger.

| item              | pk                    | sk                                   | attributes |
|-------------------|-----------------------|--------------------------------------|------------|
| lane histogram    | TRANSIT#<slug>        | ROUTE#<from>#<to>#<service or *> / SCOPE#<scope> | `deliveries`, `d0`..`d40` (deliveries that took that many business days), `updated_at` |
| recorded delivery | DELIVERY#<tracking id>| TRANSIT                              | `business_days`, `recorded_at`, `expire_at` |

A delivery is recorded in one transaction: the ledger item, put only if absent, and an atomic
ADD on each bucket of the lane. A redelivered stream record, a later write of the delivered
tracking or a second delivery after a retrack finds the ledger item and changes nothing, so
every tracking counts once. The histograms are read with BatchGetItem, a handful of small items.
"""

import random
import time
from typing import Any

from trackline.estimates.histogram import MAX_TRACKED_DAYS, TransitHistogram
from trackline.estimates.lanes import Bucket, Lane
from trackline.repository.dynamodb import TableRepository, cancellation_reasons

LEDGER_SK = "TRANSIT"
BATCH_GET_LIMIT = 100
MAX_ATTEMPTS = 6


def histogram_key(slug: str, bucket: Bucket) -> dict[str, dict[str, str]]:
    return {"pk": {"S": f"TRANSIT#{slug}"}, "sk": {"S": bucket.name}}


def ledger_key(tracking_id: str) -> dict[str, dict[str, str]]:
    return {"pk": {"S": f"DELIVERY#{tracking_id}"}, "sk": {"S": LEDGER_SK}}


def day_attribute(days: int) -> str:
    return f"d{min(max(days, 0), MAX_TRACKED_DAYS)}"


class TransitStatsRepository(TableRepository):
    def record_delivery(self, tracking_id: str, lane: Lane, business_days: int, *, expire_at: int) -> bool:
        """Count one delivery in every bucket of its lane; False if this tracking was counted before."""
        now = int(time.time())
        ledger = {
            "Put": {
                "TableName": self._table,
                "Item": {
                    **ledger_key(tracking_id),
                    "business_days": {"N": str(business_days)},
                    "recorded_at": {"N": str(now)},
                    "expire_at": {"N": str(expire_at)},
                },
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
        counts = [
            {
                "Update": {
                    "TableName": self._table,
                    "Key": histogram_key(lane.slug, bucket),
                    "UpdateExpression": "ADD deliveries :one, #day :one SET updated_at = :now",
                    "ExpressionAttributeNames": {"#day": day_attribute(business_days)},
                    "ExpressionAttributeValues": {":one": {"N": "1"}, ":now": {"N": str(now)}},
                }
            }
            for bucket in lane.buckets()
        ]
        for attempt in range(MAX_ATTEMPTS):
            try:
                self.client.transact_write_items(TransactItems=[ledger, *counts])
                return True
            except self.client.exceptions.TransactionCanceledException as error:
                reasons = cancellation_reasons(error)
                if reasons[:1] == ["ConditionalCheckFailed"]:
                    return False
                if attempt == MAX_ATTEMPTS - 1:
                    raise
                # Another delivery on the same lane at the same moment: try again shortly.
                time.sleep(random.uniform(0, 0.05 * 2**attempt))
        return False

    def histograms(self, lanes: list[Lane]) -> dict[tuple[str, str], TransitHistogram]:
        """(slug, bucket name) -> histogram, for every bucket of the lanes that has history."""
        wanted = {(lane.slug, bucket.name): histogram_key(lane.slug, bucket) for lane in lanes for bucket in lane.buckets()}
        found: dict[tuple[str, str], TransitHistogram] = {}
        keys = list(wanted.values())
        for start in range(0, len(keys), BATCH_GET_LIMIT):
            for item in self._batch_get(keys[start : start + BATCH_GET_LIMIT]):
                slug = item["pk"]["S"].removeprefix("TRANSIT#")
                found[(slug, item["sk"]["S"])] = _histogram(item)
        return found

    def _batch_get(self, keys: list[dict[str, Any]]) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        request: dict[str, Any] = {self._table: {"Keys": keys}}
        for attempt in range(MAX_ATTEMPTS):
            response = self.client.batch_get_item(RequestItems=request)
            items += response.get("Responses", {}).get(self._table, [])
            request = response.get("UnprocessedKeys") or {}
            if not request:
                return items
            time.sleep(random.uniform(0, 0.05 * 2**attempt))
        return items  # what could be read; a prediction from less history is still a prediction


def _histogram(item: dict[str, Any]) -> TransitHistogram:
    days = {}
    for name, value in item.items():
        if name.startswith("d") and name[1:].isdigit():
            days[int(name[1:])] = int(value["N"])
    return TransitHistogram.of(days)
