"""Import state in the single table: a summary item per import, and its row report in chunks.

The summary (`IMPORT#<id>` / `IMPORT`) holds the status and counts and is listed newest first
through the ByCreatedAt index under its own partition (`list_pk = IMPORTS`). The row report is
written once per chunk of rows (`ROWS#<chunk>`), its outcomes as one zlib-compressed JSON
attribute: a 10,000-row file is 20 small items, read back with one Query.
"""

import json
import time
import zlib
from typing import Any

from trackline.models.imports import ImportSummary, RowOutcome
from trackline.repository import keys
from trackline.repository.dynamodb import TableRepository, from_item, to_item

_INTERNAL = ("pk", "sk", "list_pk", "list_sk")


class ImportRepository(TableRepository):
    def create(self, summary: ImportSummary) -> bool:
        """Store a new import; False when an import of the same file exists already."""
        try:
            self.client.put_item(TableName=self._table, Item=self._summary_item(summary), ConditionExpression="attribute_not_exists(pk)")
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def save(self, summary: ImportSummary) -> None:
        self.client.put_item(TableName=self._table, Item=self._summary_item(summary))

    def get(self, import_id: str) -> ImportSummary | None:
        response = self.client.get_item(
            TableName=self._table,
            Key={"pk": {"S": keys.import_pk(import_id)}, "sk": {"S": keys.IMPORT_SUMMARY_SK}},
            ConsistentRead=True,
        )
        summary = _summary(response["Item"]) if "Item" in response else None
        # Past its TTL it is gone, whenever DynamoDB gets round to deleting it.
        return None if summary is None or (summary.expire_at and summary.expire_at < time.time()) else summary

    def recent(self, limit: int) -> list[ImportSummary]:
        response = self.client.query(
            TableName=self._table,
            IndexName="ByCreatedAt",
            KeyConditionExpression="list_pk = :pk",
            ExpressionAttributeValues={":pk": {"S": keys.IMPORTS_LIST_PK}},
            ScanIndexForward=False,
            Limit=limit,
        )
        return [_summary(item) for item in response.get("Items", [])]

    def save_rows(self, import_id: str, chunk: int, outcomes: list[RowOutcome], expire_at: int | None) -> None:
        document = [outcome.model_dump(mode="json", exclude_none=True) for outcome in outcomes]
        item = {
            "pk": {"S": keys.import_pk(import_id)},
            "sk": {"S": keys.import_rows_sk(chunk)},
            "rows_z": {"B": zlib.compress(json.dumps(document, separators=(",", ":")).encode(), 6)},
            "row_count": {"N": str(len(outcomes))},
        }
        if expire_at:
            item["expire_at"] = {"N": str(expire_at)}
        self.client.put_item(TableName=self._table, Item=item)

    def rows(self, import_id: str) -> list[RowOutcome]:
        """The whole row report, in row order."""
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :rows)",
            "ExpressionAttributeValues": {":pk": {"S": keys.import_pk(import_id)}, ":rows": {"S": "ROWS#"}},
            "ConsistentRead": True,
        }
        outcomes: list[RowOutcome] = []
        while True:
            response = self.client.query(**request)
            for item in response.get("Items", []):
                outcomes += [RowOutcome.model_validate(row) for row in json.loads(zlib.decompress(bytes(item["rows_z"]["B"])))]
            if "LastEvaluatedKey" not in response:
                return sorted(outcomes, key=lambda outcome: outcome.row)
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def _summary_item(self, summary: ImportSummary) -> dict[str, Any]:
        document = summary.model_dump(mode="json", exclude_none=True)
        document.update(
            pk=keys.import_pk(summary.id),
            sk=keys.IMPORT_SUMMARY_SK,
            list_pk=keys.IMPORTS_LIST_PK,
            list_sk=f"{summary.created_at}#{summary.id}",
        )
        return to_item(document)


def _summary(item: dict[str, Any]) -> ImportSummary:
    document = from_item(item)
    for name in _INTERNAL:
        document.pop(name, None)
    return ImportSummary.model_validate(document)
