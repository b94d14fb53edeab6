"""Trackings in the single table: atomic create, versioned save, lookups and the list query."""

from __future__ import annotations

import base64
import json
import time
import zlib
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ConfigDict

from trackline.errors import TrackingAlreadyExists
from trackline.models.listing import TrackingFilter, TrackingPage
from trackline.models.tracking import TrackingRecord
from trackline.repository import keys
from trackline.repository.dynamodb import (
    TableRepository,
    cancellation_reasons,
    from_item,
    to_item,
    to_value,
)

_INTERNAL_ATTRIBUTES = ("pk", "sk", "list_pk", "list_sk", "poll_pk", "poll_at", "search_text", "checkpoints_z")
_SEARCHABLE = ("tracking_number", "title", "order_id", "customer_name")


class VersionConflict(Exception):
    """The tracking changed since it was read; re-read and apply the change again."""


class TrackingRepository(TableRepository):
    def __init__(self, table_name: str, poll_shards: int, client: Any = None) -> None:
        super().__init__(table_name, client)
        self._poll_shards = poll_shards

    # -- writes ---------------------------------------------------------------------------

    def create(self, record: TrackingRecord) -> None:
        """Store a new tracking, claim its slug + number and schedule its first poll, in one
        transaction (one request)."""
        now = int(time.time())
        items = [
            self._put(self._number_item(record), "attribute_not_exists(pk) OR expire_at < :now", {":now": {"N": str(now)}}),
            self._put(self._tracking_item(record), "attribute_not_exists(pk)"),
        ]
        if _polled(record):
            items.append(self._put(self._poll_item(record)))
        try:
            self.client.transact_write_items(TransactItems=items)
        except self.client.exceptions.TransactionCanceledException as error:
            if cancellation_reasons(error)[:1] == ["ConditionalCheckFailed"]:
                raise TrackingAlreadyExists() from error
            raise

    def save(self, record: TrackingRecord, *, expected_version: int, previous: TrackingRecord) -> None:
        """Replace the tracking if nobody else saved it since `expected_version` was read.

        What must hold together goes in one transaction: a new slug or additional fields move the
        number key, and a tracking that starts being polled gets its poll item. Stopping or
        rescheduling polls follows in a second request: a poll item left behind by a crash only
        leads to one poll that finds the tracking inactive and removes it.
        """
        versioned = self._put(self._tracking_item(record), "version = :expected", {":expected": {"N": str(expected_version)}})
        items = [versioned]
        if keys.number_key(*_identity(record)) != keys.number_key(*_identity(previous)):
            now = int(time.time())
            items.append({
                "Delete": {
                    "TableName": self._table,
                    "Key": keys.number_key(*_identity(previous)),
                    "ConditionExpression": "tracking_id = :id",
                    "ExpressionAttributeValues": {":id": {"S": record.id}},
                }
            })
            items.append(self._put(self._number_item(record), "attribute_not_exists(pk) OR expire_at < :now", {":now": {"N": str(now)}}))
        starts_polling = _polled(record) and not _polled(previous)
        if starts_polling:
            items.append(self._put(self._poll_item(record)))
        self._write(items)
        if not starts_polling and (_polled(record), record.next_poll_at) != (_polled(previous), previous.next_poll_at):
            self.sync_poll_item(record)

    def sync_poll_item(self, record: TrackingRecord) -> None:
        """Make the poll item say what the tracking says: when it is polled next, or not at all."""
        if _polled(record):
            self.client.put_item(TableName=self._table, Item=self._poll_item(record))
        else:
            self.client.delete_item(TableName=self._table, Key=keys.poll_item_key(record.id))

    def delete(self, record: TrackingRecord) -> None:
        items = [
            {
                "Delete": {
                    "TableName": self._table,
                    "Key": keys.tracking_key(record.id),
                    "ConditionExpression": "version = :expected",
                    "ExpressionAttributeValues": {":expected": {"N": str(record.version)}},
                }
            },
            {
                "Delete": {
                    "TableName": self._table,
                    "Key": keys.number_key(*_identity(record)),
                    "ConditionExpression": "attribute_not_exists(pk) OR tracking_id = :id",
                    "ExpressionAttributeValues": {":id": {"S": record.id}},
                }
            },
            {"Delete": {"TableName": self._table, "Key": keys.poll_item_key(record.id)}},
        ]
        try:
            self.client.transact_write_items(TransactItems=items)
        except self.client.exceptions.TransactionCanceledException as error:
            if "ConditionalCheckFailed" in cancellation_reasons(error):
                raise VersionConflict() from error
            raise

    def _put(self, item: dict[str, Any], condition: str | None = None, values: dict | None = None) -> dict[str, Any]:
        put: dict[str, Any] = {"TableName": self._table, "Item": item}
        if condition:
            put["ConditionExpression"] = condition
        if values:
            put["ExpressionAttributeValues"] = values
        return {"Put": put}

    def _write(self, items: list[dict[str, Any]]) -> None:
        """One item: a conditional PutItem; more: one transaction. Conflicts become domain errors:
        the tracking's version (first item) or the old number key (second) → VersionConflict,
        the new number key (third) → TrackingAlreadyExists."""
        if len(items) == 1:
            try:
                self.client.put_item(**items[0]["Put"])
            except self.client.exceptions.ConditionalCheckFailedException as error:
                raise VersionConflict() from error
            return
        try:
            self.client.transact_write_items(TransactItems=items)
        except self.client.exceptions.TransactionCanceledException as error:
            reasons = cancellation_reasons(error)
            if "ConditionalCheckFailed" in reasons[:2]:
                raise VersionConflict() from error
            if reasons[2:3] == ["ConditionalCheckFailed"]:
                raise TrackingAlreadyExists() from error
            raise

    # -- reads ----------------------------------------------------------------------------

    def get(self, tracking_id: str) -> TrackingRecord | None:
        """The tracking with its poll state: one consistent Query over its item collection."""
        response = self.client.query(
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": keys.tracking_key(tracking_id)["pk"]},
            ConsistentRead=True,
        )
        return self._assemble(response.get("Items", []))

    def get_many(self, tracking_ids: list[str]) -> list[TrackingRecord]:
        """The stored trackings among these ids with their poll state (consistent reads)."""
        unique = list(dict.fromkeys(tracking_ids))
        items_by_id: dict[str, list[dict[str, Any]]] = {}
        for start in range(0, len(unique), 50):
            wanted = [key for tid in unique[start : start + 50] for key in (keys.tracking_key(tid), keys.poll_item_key(tid))]
            pending = {self._table: {"Keys": wanted, "ConsistentRead": True}}
            while pending:
                response = self.client.batch_get_item(RequestItems=pending)
                for item in response.get("Responses", {}).get(self._table, []):
                    items_by_id.setdefault(item["pk"]["S"], []).append(item)
                pending = response.get("UnprocessedKeys") or {}
        return [record for items in items_by_id.values() if (record := self._assemble(items))]

    def find_by_number(self, slug: str, tracking_number: str, additional_fields: dict[str, str]) -> TrackingRecord | None:
        """The tracking with this slug + number whose additional fields include the given ones.

        An exact match on the additional fields wins; otherwise the earliest created candidate.
        """
        response = self.client.query(
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": keys.number_pk(slug, tracking_number)}},
            ConsistentRead=True,
        )
        now = time.time()
        candidates = [
            entry
            for entry in map(from_item, response.get("Items", []))
            if entry.get("expire_at", now + 1) > now
            and all(entry.get("additional_fields", {}).get(name) == value for name, value in additional_fields.items())
        ]
        if not candidates:
            return None
        exact = [entry for entry in candidates if entry.get("additional_fields", {}) == additional_fields]
        chosen = (exact or sorted(candidates, key=lambda entry: entry.get("created_at", "")))[0]
        return self.get(chosen["tracking_id"])

    def list(self, tracking_filter: TrackingFilter, *, offset: int, limit: int) -> TrackingPage:
        """One page of the newest-first list, and the total number of matches."""
        request = self._list_request(tracking_filter)
        count = 0
        page: list[TrackingRecord] = []
        while True:
            response = self.client.query(**request)
            for item in response.get("Items", []):
                if offset <= count < offset + limit:
                    page.append(self._record(item))
                count += 1
            if "LastEvaluatedKey" not in response:
                return TrackingPage(count=count, trackings=page)
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def matching(self, tracking_filter: TrackingFilter) -> Iterator[list[TrackingRecord]]:
        """Every match of the list query, newest first, one DynamoDB page at a time (exports)."""
        request = self._list_request(tracking_filter)
        while True:
            response = self.client.query(**request)
            yield [record for item in response.get("Items", []) if (record := self._record(item))]
            if "LastEvaluatedKey" not in response:
                return
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def _list_request(self, tracking_filter: TrackingFilter) -> dict[str, Any]:
        expression = _FilterExpression(tracking_filter, int(time.time()))
        return {
            "TableName": self._table,
            "IndexName": "ByCreatedAt",
            "KeyConditionExpression": "list_pk = :list_pk AND list_sk BETWEEN :created_min AND :created_max",
            "ScanIndexForward": False,
            "ExpressionAttributeValues": {
                ":list_pk": {"S": keys.LIST_PK},
                ":created_min": {"S": tracking_filter.created_at_min},
                ":created_max": {"S": f"{tracking_filter.created_at_max}#~"},
                **expression.values,
            },
            "FilterExpression": expression.text,
            "ExpressionAttributeNames": expression.names,
        }

    # -- item shapes ----------------------------------------------------------------------

    def _tracking_item(self, record: TrackingRecord) -> dict[str, Any]:
        document = record.model_dump(mode="json", exclude_none=True, exclude={"next_poll_at"})
        # The timeline is read and written whole and never queried inside: one compressed
        # attribute costs a fraction of the write units of a list of maps.
        document["checkpoints_z"] = _pack(document.pop("checkpoints", []))
        document.update(
            pk=f"TRACKING#{record.id}",
            sk=keys.TRACKING_SK,
            list_pk=keys.LIST_PK,
            list_sk=keys.list_sk(record.created_at, record.id),
            search_text=_search_text(record),
        )
        return to_item(document)

    def _poll_item(self, record: TrackingRecord) -> dict[str, Any]:
        """The small item the scheduler indexes: written on every poll instead of the tracking."""
        return to_item(
            {
                **keys.poll_item_key_values(record.id),
                "id": record.id,
                "slug": record.slug,
                "tracking_number": record.tracking_number,
                "poll_pk": keys.poll_pk(record.id, self._poll_shards),
                "poll_at": record.next_poll_at,
                "tracked_count": record.tracked_count or 0,
                "expire_at": record.expire_at,
            }
        )

    @staticmethod
    def _number_item(record: TrackingRecord) -> dict[str, Any]:
        item = keys.number_key(*_identity(record))
        item.update(
            tracking_id={"S": record.id},
            created_at={"S": record.created_at},
            additional_fields=to_value(record.additional_fields()),
        )
        if record.expire_at:
            item["expire_at"] = {"N": str(record.expire_at)}
        return item

    def _assemble(self, items: list[dict[str, Any]]) -> TrackingRecord | None:
        """A tracking from its item collection: the tracking item plus, while it is polled, its
        poll item (which holds the latest poll count and the next poll time)."""
        by_kind = {item["sk"]["S"]: item for item in items}
        record = self._record(by_kind[keys.TRACKING_SK]) if keys.TRACKING_SK in by_kind else None
        poll = by_kind.get(keys.POLL_SK)
        if record is not None and poll is not None:
            state = from_item(poll)
            record.next_poll_at = state.get("poll_at")
            record.tracked_count = max(record.tracked_count or 0, state.get("tracked_count", 0))
        return record

    @classmethod
    def record_from_image(cls, image: dict[str, Any] | None) -> TrackingRecord | None:
        """A tracking from a stream record's image (the item in DynamoDB's JSON, as Lambda
        delivers it: binary values base64-encoded)."""
        return cls._record({name: _binary_decoded(value) for name, value in image.items()}) if image else None

    @staticmethod
    def _record(item: dict[str, Any]) -> TrackingRecord | None:
        document = from_item(item)
        if document.get("expire_at") and document["expire_at"] < time.time():
            return None  # past its TTL; DynamoDB deletes it lazily
        if "checkpoints_z" in document:
            document["checkpoints"] = _unpack(document["checkpoints_z"])
        for name in _INTERNAL_ATTRIBUTES:
            document.pop(name, None)
        return TrackingRecord.model_validate(document)


def _binary_decoded(value: dict[str, Any]) -> dict[str, Any]:
    if isinstance(value.get("B"), str):
        return {"B": base64.b64decode(value["B"])}
    if "BS" in value:
        return {"BS": [base64.b64decode(item) if isinstance(item, str) else item for item in value["BS"]]}
    if "L" in value:
        return {"L": [_binary_decoded(item) for item in value["L"]]}
    if "M" in value:
        return {"M": {name: _binary_decoded(item) for name, item in value["M"].items()}}
    return value


def _polled(record: TrackingRecord) -> bool:
    return bool(record.active and record.next_poll_at)


def _pack(checkpoints: list[dict[str, Any]]) -> bytes:
    return zlib.compress(json.dumps(checkpoints, separators=(",", ":")).encode(), 6)


def _unpack(packed: Any) -> list[dict[str, Any]]:
    return json.loads(zlib.decompress(bytes(packed)))


def _identity(record: TrackingRecord) -> tuple[str, str, dict[str, str]]:
    return record.slug, record.tracking_number, record.additional_fields()


def _search_text(record: TrackingRecord) -> str:
    parts = [getattr(record, name) or "" for name in _SEARCHABLE]
    parts += list((record.custom_fields or {}).values()) + record.emails + record.smses
    return "\n".join(part for part in parts if part).lower()


class _FilterExpression:
    """Builds the FilterExpression of the list query from a TrackingFilter."""

    def __init__(self, tracking_filter: TrackingFilter, now: int) -> None:
        self.clauses: list[str] = []
        self.names: dict[str, str] = {}
        self.values: dict[str, Any] = {}
        f = tracking_filter
        # Items past their TTL linger until DynamoDB deletes them; they are gone for clients.
        self.clauses.append(f"(attribute_not_exists({self._name('expire_at')}) OR {self._name('expire_at')} > {self._value(now)})")
        self._any_of("slug", f.slugs)
        self._any_of("tracking_number", f.tracking_numbers)
        self._any_of("origin_country_iso3", f.origins)
        self._any_of("destination_country_iso3", f.destinations)
        self._any_of("courier_destination_country_iso3", f.courier_destination_countries)
        self._any_of("order_id", f.order_ids)
        self._any_of("return_to_sender", f.return_to_sender, missing_means=False)
        if f.tag:
            self._compare("tag", "=", f.tag)
        if f.transit_time is not None:
            self._compare("transit_time", "=", f.transit_time)
        if f.updated_at_min:
            self._compare("updated_at", ">=", f.updated_at_min)
        if f.updated_at_max:
            self._compare("updated_at", "<=", f.updated_at_max)
        if f.keyword:
            self._contains("search_text", f.keyword.lower())
        if f.shipment_tags:
            name = self._name("shipment_tags")
            options = [f"contains({name}, {self._value(tag)})" for tag in f.shipment_tags]
            self.clauses.append(f"({' OR '.join(options)})")

    @property
    def text(self) -> str:
        return " AND ".join(self.clauses)

    def _name(self, attribute: str) -> str:
        placeholder = f"#{attribute}"
        self.names[placeholder] = attribute
        return placeholder

    def _value(self, value: Any) -> str:
        placeholder = f":v{len(self.values)}"
        self.values[placeholder] = to_value(value)
        return placeholder

    def _compare(self, attribute: str, operator: str, value: Any) -> None:
        self.clauses.append(f"{self._name(attribute)} {operator} {self._value(value)}")

    def _contains(self, attribute: str, value: str) -> None:
        self.clauses.append(f"contains({self._name(attribute)}, {self._value(value)})")

    def _any_of(self, attribute: str, options: tuple, missing_means: Any = None) -> None:
        if not options:
            return
        name = self._name(attribute)
        clause = f"{name} IN ({', '.join(self._value(option) for option in options)})"
        if missing_means is not None and missing_means in options:
            clause = f"({clause} OR attribute_not_exists({name}))"
        self.clauses.append(clause)


class DueTracking(BaseModel):
    """What the poll index holds of a due tracking."""

    # Built when the scheduler first reads the index, not in every API function's cold start.
    model_config = ConfigDict(defer_build=True)

    id: str
    slug: str
    tracking_number: str
    poll_at: str


class PollIndex(TableRepository):
    """The sparse DueForPoll index: only active trackings are in it, sharded by id."""

    def due(self, shard: int, now: str, limit: int) -> list[DueTracking]:
        """The due trackings of one shard, most overdue first. Reads only due items."""
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": "DueForPoll",
            "KeyConditionExpression": "poll_pk = :pk AND poll_at <= :now",
            "ExpressionAttributeValues": {":pk": {"S": keys.poll_shard_pk(shard)}, ":now": {"S": now}},
            "Limit": limit,
        }
        found: list[DueTracking] = []
        while len(found) < limit:
            response = self.client.query(**request)
            found += [DueTracking.model_validate(from_item(item)) for item in response.get("Items", [])]
            if "LastEvaluatedKey" not in response:
                break
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
            request["Limit"] = limit - len(found)
        return found[:limit]

    def lease(self, due: DueTracking, until: str) -> bool:
        """Move a queued tracking's poll time ahead so the next scheduler run does not queue it
        again while a worker has it; False if it changed meanwhile (then it is not queued)."""
        try:
            self.client.update_item(
                TableName=self._table,
                Key=keys.poll_item_key(due.id),
                UpdateExpression="SET poll_at = :until",
                ConditionExpression="poll_at = :seen",
                ExpressionAttributeValues={":until": {"S": until}, ":seen": {"S": due.poll_at}},
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def polled_without_news(self, tracking_id: str, next_poll_at: str) -> None:
        """A poll that found nothing new: count it and set the next one on the small poll item;
        the tracking item is not written at all."""
        try:
            self.client.update_item(
                TableName=self._table,
                Key=keys.poll_item_key(tracking_id),
                UpdateExpression="SET poll_at = :next ADD tracked_count :one",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues={":next": {"S": next_poll_at}, ":one": {"N": "1"}},
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            pass  # polling stopped meanwhile (completed or deleted): nothing to reschedule

    def forget(self, tracking_id: str) -> None:
        """Stop polling a tracking found inactive (a poll item left behind by an interrupted write)."""
        self.client.delete_item(TableName=self._table, Key=keys.poll_item_key(tracking_id))
