"""The merchant's carrier-name mappings: one item each under one partition, keyed by the name
normalised, so that "Hermes/EVRI" and "hermes / evri" are one mapping."""

from typing import Any

from trackline.models.imports import CourierMapping
from trackline.repository import keys
from trackline.repository.dynamodb import TableRepository, from_item, to_item


class CourierMappingRepository(TableRepository):
    def get(self, normalised_name: str) -> CourierMapping | None:
        response = self.client.get_item(TableName=self._table, Key=keys.courier_mapping_key(normalised_name), ConsistentRead=True)
        return _mapping(response["Item"]) if "Item" in response else None

    def all(self) -> dict[str, CourierMapping]:
        """normalised name -> mapping, every one (a Query of one partition)."""
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": keys.COURIER_MAPPINGS_PK}},
            "ConsistentRead": True,
        }
        found: dict[str, CourierMapping] = {}
        while True:
            response = self.client.query(**request)
            for item in response.get("Items", []):
                found[item["sk"]["S"].removeprefix("NAME#")] = _mapping(item)
            if "LastEvaluatedKey" not in response:
                return found
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def put(self, normalised_name: str, mapping: CourierMapping) -> None:
        item = {**keys.courier_mapping_key(normalised_name), **to_item(mapping.model_dump(mode="json", exclude={"source"}))}
        self.client.put_item(TableName=self._table, Item=item)

    def delete(self, normalised_name: str) -> CourierMapping | None:
        response = self.client.delete_item(TableName=self._table, Key=keys.courier_mapping_key(normalised_name), ReturnValues="ALL_OLD")
        return _mapping(response["Attributes"]) if response.get("Attributes") else None


def _mapping(item: dict[str, Any]) -> CourierMapping:
    return CourierMapping.model_validate(from_item(item))
