"""The merchant's activated couriers: one item each, under one partition so listing is a Query."""

from typing import Any

from trackline.repository import keys
from trackline.repository.dynamodb import TableRepository


class ActivatedCourierRepository(TableRepository):
    def slugs(self) -> frozenset[str]:
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": keys.COURIERS_PK}},
            "ProjectionExpression": "sk",
            "ConsistentRead": True,
        }
        found: set[str] = set()
        while True:
            response = self.client.query(**request)
            found.update(item["sk"]["S"].removeprefix("ACTIVE#") for item in response.get("Items", []))
            if "LastEvaluatedKey" not in response:
                return frozenset(found)
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def activate(self, slug: str, activated_at: str) -> None:
        item = {**keys.active_courier_key(slug), "activated_at": {"S": activated_at}}
        self.client.put_item(TableName=self._table, Item=item)

    def deactivate(self, slug: str) -> None:
        self.client.delete_item(TableName=self._table, Key=keys.active_courier_key(slug))
