"""Four of moto's costs that DynamoDB does not have, removed for the local stack and the tests.

1. TransactWriteItems. moto (5.2) keeps a deep copy of the whole table for every item of a
transaction, to restore it if the transaction is cancelled: a create (3 items) on a table of
10,000 trackings copies 30,000 items three times, an import's 99-item transaction 99 times. The
replacement behaves the same: every item of the transaction distinct (else ValidationException),
every condition checked against the table as it was before the transaction (DynamoDB's semantics;
with distinct items, checking all before writing any is the same thing), cancelled with one reason
per item (ConditionalCheckFailed or None, the ALL_OLD item where asked), else all written. A write
that fails half-way (moto refusing an item) restores the items written before it. Transactions
run one at a time, as moto applies requests one at a time.

2. Building an item. moto checks the 400 KB item limit after every attribute it adds, summing the
sizes of all attributes so far: quadratic in the attributes (a tracking has 40). The replacement
adds them all, then checks the same limit once.

3. A Query of the table itself (not of an index). moto lists and sorts every item of the table,
then keeps those of the queried partition; here it is given the partition's items only, sorted
the same way. Everything after (key conditions, filters, order, pages) is moto's own.

4. Answering with items. moto writes every response through its generic serializer, which looks
each attribute value up member by member in the service model: about 3 ms per item of a tracking's
size, so a BatchGetItem of 100 items cost 300 ms. An attribute value (DynamoDB's and its stream's
AttributeValue: S, N, B, SS, NS, BS, M, L, NULL, BOOL) is written directly instead, to the same
JSON (binary values base64-encoded, as the serializer does).
"""

from __future__ import annotations

import copy
import threading
from typing import Any

_LOCK = threading.RLock()
_MARK = "_trackline_touched_items_only"
_OPERATIONS = ("ConditionCheck", "Put", "Delete", "Update")
_ITEM_LIMIT = 405_000  # moto's limit (DynamoDB refuses items between 409 and 410 KB)


def install() -> None:
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import Item

    if getattr(DynamoDBBackend.transact_write_items, _MARK, False):
        return
    from moto.dynamodb.models.table import Table

    setattr(transact_write_items, _MARK, True)
    DynamoDBBackend.transact_write_items = transact_write_items
    Item.__init__ = _item_init
    _table_query = Table.query

    def query(self: Any, hash_key: Any, range_comparison: Any, range_objs: Any, limit: Any, exclusive_start_key: Any,
              scan_index_forward: Any, projection_expressions: Any, index_name: Any = None, *args: Any, **kwargs: Any) -> Any:
        call = (self, hash_key, range_comparison, range_objs, limit, exclusive_start_key, scan_index_forward, projection_expressions, index_name)
        if index_name or hash_key is None:
            return _table_query(*call, *args, **kwargs)
        with _LOCK:
            self.all_items = lambda: _partition(self, hash_key)
            try:
                return _table_query(*call, *args, **kwargs)
            finally:
                del self.all_items

    Table.query = query
    _answer_attribute_values_directly()


def _answer_attribute_values_directly() -> None:
    from moto.core.serialize import BaseJSONSerializer

    serialize = BaseJSONSerializer._serialize

    def _serialize(self: Any, serialized: Any, value: Any, shape: Any, key: str) -> None:
        if key and getattr(shape, "name", None) == "AttributeValue":
            plain = _attribute_value(value)
            if plain is not None:
                self._default_serialize(serialized, plain, shape, key)
                return
        serialize(self, serialized, value, shape, key)

    _serialize.original = serialize  # type: ignore[attr-defined] - for the test of sameness
    BaseJSONSerializer._serialize = _serialize


def _attribute_value(value: Any) -> dict[str, Any] | None:
    """The JSON of one AttributeValue, or None for anything the serializer should see itself."""
    if not isinstance(value, dict):
        return None
    plain: dict[str, Any] = {}
    for kind, content in value.items():
        if content is None:
            continue  # the serializer leaves out members that are None
        if kind in ("S", "N"):
            plain[kind] = content
        elif kind in ("NULL", "BOOL"):
            plain[kind] = bool(content)
        elif kind in ("SS", "NS"):
            plain[kind] = list(content)
        elif kind == "B":
            plain[kind] = _base64(content)
        elif kind == "BS":
            plain[kind] = [_base64(member) for member in content]
        elif kind == "M":
            members = {name: _attribute_value(member) for name, member in content.items()}
            if any(member is None for member in members.values()):
                return None
            plain[kind] = members
        elif kind == "L":
            elements = [_attribute_value(element) for element in content]
            if any(element is None for element in elements):
                return None
            plain[kind] = elements
        else:
            return None
    return plain


def _base64(content: str | bytes) -> str:
    import base64

    return base64.b64encode(content.encode("utf-8") if isinstance(content, str) else content).decode("utf-8")


def _partition(table: Any, hash_key: Any) -> list[Any]:
    stored = table.items.get(hash_key)
    if stored is None:
        return []
    if not table.range_key_attr:
        return [stored]
    return sorted(stored.values(), key=lambda item: (item.hash_key, item.range_key) if item.range_key else item.hash_key)


def _item_init(self: Any, hash_key: Any, range_key: Any, attrs: dict[str, Any]) -> None:
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models.dynamo_type import DynamoType, LimitedSizeDict
    from moto.dynamodb.models.utilities import bytesize

    self.hash_key = hash_key
    self.range_key = range_key
    self.attrs = LimitedSizeDict()
    for key, value in attrs.items():
        dict.__setitem__(self.attrs, key, DynamoType(value))
    if sum(bytesize(key) + value.size() for key, value in self.attrs.items()) > _ITEM_LIMIT:
        raise ItemSizeTooLarge


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

        parsed: dict = {}
        reasons = [_check(self, table_name, key, operation, parsed) for _, operation, table_name, key in operations]
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


def _check(backend: Any, table_name: str, key: dict[str, Any], operation: dict[str, Any], parsed: dict) -> tuple:
    from moto.dynamodb.comparisons import get_filter_expression

    expression = operation.get("ConditionExpression")
    if expression is None:
        return (None, None, None)
    current = backend.get_item(table_name, key)
    names, values = operation.get("ExpressionAttributeNames"), operation.get("ExpressionAttributeValues")
    # The items of an import's transaction share their conditions: each is parsed once.
    cache_key = (expression, repr(names), repr(values))
    if cache_key not in parsed:
        parsed[cache_key] = get_filter_expression(expression, names, values)
    if parsed[cache_key].expr(current):
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
