"""API keys in the single table, under one partition so that listing is a Query."""

from typing import Any

from trackline.models.api_key import ApiKeyInfo
from trackline.repository import keys
from trackline.repository.dynamodb import TableRepository, from_item, to_item


class ApiKeyRepository(TableRepository):
    def put_if_absent(self, key_hash: str, info: ApiKeyInfo) -> bool:
        """Store a key; False when this hash is already stored."""
        item = to_item({"pk": keys.API_KEYS_PK, "sk": keys.api_key_sk(key_hash), **info.model_dump()})
        try:
            self.client.put_item(TableName=self._table, Item=item, ConditionExpression="attribute_not_exists(pk)")
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def get(self, key_hash: str) -> ApiKeyInfo | None:
        response = self.client.get_item(
            TableName=self._table,
            Key={"pk": {"S": keys.API_KEYS_PK}, "sk": {"S": keys.api_key_sk(key_hash)}},
            ConsistentRead=True,
        )
        item = response.get("Item")
        return _info(item) if item else None

    def list(self) -> list[tuple[str, ApiKeyInfo]]:
        """Every key as (hash, info), oldest first."""
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": keys.API_KEYS_PK}},
            "ConsistentRead": True,
        }
        found: list[tuple[str, ApiKeyInfo]] = []
        while True:
            response = self.client.query(**request)
            found += [(item["sk"]["S"].removeprefix("APIKEY#"), _info(item)) for item in response.get("Items", [])]
            if "LastEvaluatedKey" not in response:
                return sorted(found, key=lambda pair: pair[1].created_at)
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    @property
    def table_name(self) -> str:
        return self._table

    def set_signing(self, key_hash: str, signature: str, credential_arn: str) -> None:
        """Give a stored key a signing scheme and the reference of its credential."""
        self.client.update_item(
            TableName=self._table,
            Key={"pk": {"S": keys.API_KEYS_PK}, "sk": {"S": keys.api_key_sk(key_hash)}},
            UpdateExpression="SET #signature = :signature, credential_arn = :arn",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeNames={"#signature": "signature"},
            ExpressionAttributeValues={":signature": {"S": signature}, ":arn": {"S": credential_arn}},
        )

    def mark_revoked(self, key_hash: str, revoked_at: str) -> None:
        self.client.update_item(
            TableName=self._table,
            Key={"pk": {"S": keys.API_KEYS_PK}, "sk": {"S": keys.api_key_sk(key_hash)}},
            UpdateExpression="SET revoked_at = if_not_exists(revoked_at, :at)",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":at": {"S": revoked_at}},
        )


def _info(item: dict[str, Any]) -> ApiKeyInfo:
    document = from_item(item)
    return ApiKeyInfo.model_validate({name: document.get(name) for name in ApiKeyInfo.model_fields})
