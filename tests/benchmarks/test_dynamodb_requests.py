"""DynamoDB requests and consumed capacity per API operation, counted at the boto3 level.

Targets: create = one write request (a transaction counts as one); get by id or by slug + number
= at most two reads, all strongly consistent; a list page = one Query; no Scan anywhere.
"""

from collections import Counter

import pytest

from trackline.repository.dynamodb import dynamodb_client

UPS_NUMBER = "1Z5R89390357567127"
READS = {"GetItem", "Query", "BatchGetItem", "Scan"}
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"}


class RequestMeter:
    """Counts every DynamoDB call the client makes, and the capacity DynamoDB says it used."""

    def __init__(self, client) -> None:
        self.calls: Counter[str] = Counter()
        self.capacity = 0.0
        self.inconsistent_reads = 0
        events = client.meta.events
        events.register("provide-client-params.dynamodb.*", self._before)
        events.register("after-call.dynamodb.*", self._after)

    def _before(self, params, model, **_):
        self.calls[model.name] += 1
        params.setdefault("ReturnConsumedCapacity", "TOTAL")
        if model.name in ("GetItem", "Query") and not params.get("ConsistentRead") and "IndexName" not in params:
            self.inconsistent_reads += 1

    def _after(self, parsed, **_):
        consumed = parsed.get("ConsumedCapacity")
        for entry in consumed if isinstance(consumed, list) else [consumed] if consumed else []:
            self.capacity += float(entry.get("CapacityUnits", 0))

    def measure(self, action):
        self.calls.clear()
        self.capacity = 0.0
        self.inconsistent_reads = 0
        result = action()
        return result, dict(self.calls), self.capacity, self.inconsistent_reads


@pytest.fixture
def meter(api):
    return RequestMeter(dynamodb_client())


def test_requests_per_operation(api, meter):
    for index in range(20):
        api.create(tracking_number=f"TLBENCH{index:04d}", title=f"bench {index}")
    results = {"create": meter.measure(lambda: api.create(tracking_number=UPS_NUMBER, slug="ups"))}
    created = results["create"][0]
    operations = {
        "get by id": lambda: api.get(f"/trackings/{created['id']}"),
        "get by slug + number": lambda: api.get(f"/trackings/ups/{UPS_NUMBER}"),
        "update": lambda: api.put(f"/trackings/{created['id']}", {"tracking": {"title": "changed"}}),
        "list page (limit 10 of 21)": lambda: api.get("/trackings?limit=10"),
    }
    for name, action in operations.items():
        results[name] = meter.measure(action)

    print("\nDynamoDB requests per API operation (boto3 level, moto):")
    for name, (_, calls, capacity, inconsistent) in results.items():
        reads = sum(n for op, n in calls.items() if op in READS)
        writes = sum(n for op, n in calls.items() if op in WRITES)
        print(f"  {name:28s} reads {reads}  writes {writes}  capacity {capacity:4.1f}  calls {calls}")
        assert "Scan" not in calls and inconsistent == 0

    def count(name, kinds):
        return sum(n for op, n in results[name][1].items() if op in kinds)

    assert results["create"][1] == {"TransactWriteItems": 1}, "with a slug, create is one transaction and no read"
    # one consistent read of the tracking's item collection (the tracking and its poll state)
    assert count("get by id", READS) == 1 and count("get by id", WRITES) == 0
    assert count("get by slug + number", READS) <= 2 and count("get by slug + number", WRITES) == 0
    assert results["list page (limit 10 of 21)"][1] == {"Query": 1}
