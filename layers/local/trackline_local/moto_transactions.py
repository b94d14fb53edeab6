"""TransactWriteItems for the embedded moto at the cost of the items it writes.

moto (5.2) keeps a deep copy of the whole table for every item of a transaction, to restore it if
the transaction is cancelled: a create (3 items) on a table of 10,000 trackings copies 30,000
items three times, and an import's 99-item transactions copy the table 99 times each. That makes
the local stack and the tests slower the more they hold, and it is no property of DynamoDB.

install() replaces moto's method with one of the same behaviour: every item of the transaction
distinct (else ValidationException), every condition checked against the table as it was before
the transaction (DynamoDB's semantics; with distinct items, checking all before writing any is
the same thing), cancelled with one reason per item (ConditionalCheckFailed or None, ALL_OLD items
where asked), else all written. A write that fails half-way (moto refusing an item) restores the
items written before it. Transactions run one at a time, as moto applies requests one at a time.
"""

from __future__ import annotations

import copy
import threading
from typing import Any

_LOCK = threading.RLock()
_MARK = "_trackline_touched_items_only"
_OPERATIONS = ("ConditionCheck", "Put", "Delete", "Update")


def install() -> None:
    from moto.dynamodb.models import DynamoDBBackend

    if getattr(DynamoDBBackend.transact_write_items, _MARK, False):
        return
    setattr(transact_write_items, _MARK, True)
    DynamoDBBackend.transact_write_items = transact_write_items


def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
    from moto.dynamodb.exceptions import (
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )

    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    with _LOCK:
        operations = []
        seen: set[tuple[str, str]] = set()
        for entry in transact_items:
            if len(entry) != 1 or next(iter(entry)) not in _OPERATIONS:
                raise TransactWriteSingleOpException()
            kind, operation = next(iter(entry.items()))
            table_name = operation["TableName"]
            key = _key_of(self, kind, operation)
            identity = (table_name, str(sorted(key.items())))
            if identity in seen:
                raise MultipleTransactionsException()
            seen.add(identity)
            operations.append((kind, operation, table_name, key))

        reasons = [_check(self, table_name, key, operation) for _, operation, table_name, key in operations]
        if any(code is not None for code, _, _ in reasons):
            raise TransactionCanceledException(reasons)

        written: list[tuple[str, dict[str, Any], dict[str, Any] | None]] = []
        try:
            for kind, operation, table_name, key in operations:
                if kind == "ConditionCheck":
                    continue
                before = self.get_item(table_name, key)
                written.append((table_name, key, copy.deepcopy(before.to_json()["Attributes"]) if before else None))
                _apply(self, kind, operation, table_name, key)
        except Exception:
            for table_name, key, attributes in reversed(written):
                if attributes is None:
                    self.delete_item(table_name, key)
                else:
                    self.put_item(table_name, attributes)
            raise


def _key_of(backend: Any, kind: str, operation: dict[str, Any]) -> dict[str, Any]:
    if kind != "Put":
        return operation["Key"]
    table = backend.get_table(operation["TableName"])
    names = [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr else [])
    return {name: operation["Item"][name] for name in names}


def _check(backend: Any, table_name: str, key: dict[str, Any], operation: dict[str, Any]) -> tuple:
    from moto.dynamodb.comparisons import get_filter_expression

    expression = operation.get("ConditionExpression")
    if expression is None:
        return (None, None, None)
    current = backend.get_item(table_name, key)
    condition = get_filter_expression(expression, operation.get("ExpressionAttributeNames"), operation.get("ExpressionAttributeValues"))
    if condition.expr(current):
        return (None, None, None)
    old = current.to_json()["Attributes"] if current and operation.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" else None
    return ("ConditionalCheckFailed", "The conditional request failed", old)


def _apply(backend: Any, kind: str, operation: dict[str, Any], table_name: str, key: dict[str, Any]) -> None:
    if kind == "Put":
        backend.put_item(table_name, operation["Item"])
    elif kind == "Delete":
        backend.delete_item(table_name, key)
    else:
        backend.update_item(
            table_name,
            key,
            update_expression=operation["UpdateExpression"],
            expression_attribute_names=operation.get("ExpressionAttributeNames"),
            expression_attribute_values=operation.get("ExpressionAttributeValues"),
        )
