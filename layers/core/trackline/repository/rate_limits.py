"""Per-key request counters, one small item per key and second, shared by every authorizer
instance (so the limit holds however many Lambda environments serve the API)."""

from trackline.repository import keys
from trackline.repository.dynamodb import TableRepository

# Long enough that no instance with a skewed clock still counts in it; TTL removes the rest.
COUNTER_LIFETIME_SECONDS = 120


class RateLimitRepository(TableRepository):
    def take(self, key_id: str, epoch_second: int, limit: int) -> int | None:
        """Count one request in this second's window; returns the window's count, or None
        (nothing counted) when the window already holds `limit` requests."""
        try:
            response = self.client.update_item(
                TableName=self._table,
                Key=keys.rate_counter_key(key_id, epoch_second),
                UpdateExpression="ADD used :one SET expire_at = if_not_exists(expire_at, :expire)",
                ConditionExpression="attribute_not_exists(used) OR used < :limit",
                ExpressionAttributeValues={
                    ":one": {"N": "1"},
                    ":limit": {"N": str(limit)},
                    ":expire": {"N": str(epoch_second + COUNTER_LIFETIME_SECONDS)},
                },
                ReturnValues="UPDATED_NEW",
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return None
        return int(response["Attributes"]["used"]["N"])
