"""Per-carrier request counters (a minute window and a day window), shared by every scheduler run."""

from datetime import datetime

from trackline.repository import keys
from trackline.repository.dynamodb import TableRepository


class BudgetRepository(TableRepository):
    def reserve(self, slug: str, now: datetime, wanted: int, *, per_minute: int, per_day: int) -> int:
        """Reserve up to `wanted` requests within both limits; returns how many were granted.

        Both counters move in one transaction, each only if it stays within its limit, so
        concurrent schedulers can never overspend a carrier's quota.
        """
        minute = keys.budget_key(slug, f"MINUTE#{now:%Y%m%d%H%M}")
        day = keys.budget_key(slug, f"DAY#{now:%Y%m%d}")
        for _ in range(5):
            used_minute, used_day = self._used(minute), self._used(day)
            granted = min(wanted, per_minute - used_minute, per_day - used_day)
            if granted <= 0:
                return 0
            expire = int(now.timestamp()) + 2 * 86400
            try:
                self.client.transact_write_items(
                    TransactItems=[self._add(minute, granted, per_minute, expire), self._add(day, granted, per_day, expire)]
                )
                return granted
            except self.client.exceptions.TransactionCanceledException:
                continue  # another scheduler spent some meanwhile: look again
        return 0

    def _used(self, key: dict) -> int:
        item = self.client.get_item(TableName=self._table, Key=key, ConsistentRead=True).get("Item")
        return int(item["used"]["N"]) if item else 0

    def _add(self, key: dict, amount: int, limit: int, expire: int) -> dict:
        return {
            "Update": {
                "TableName": self._table,
                "Key": key,
                "UpdateExpression": "ADD used :amount SET expire_at = :expire",
                "ConditionExpression": "attribute_not_exists(used) OR used <= :room",
                "ExpressionAttributeValues": {
                    ":amount": {"N": str(amount)},
                    ":room": {"N": str(limit - amount)},
                    ":expire": {"N": str(expire)},
                },
            }
        }
