"""Faults injected into the DynamoDB client through botocore's event hooks: the Nth call of a
request is throttled, fails inside DynamoDB, loses its connection, or is applied but its
answer never arrives. botocore's own retries are behind us: these are the faults that remain."""

import json
from dataclasses import dataclass, field
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError

ENDPOINT = "https://dynamodb.us-east-1.amazonaws.com"
# kind -> what DynamoDB (or the network) does to the call
THROTTLING = ("ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded")
TRANSIENT = ("InternalServerError", "TransactionConflict", "connection refused", "answer lost")
KINDS = THROTTLING + TRANSIENT


@dataclass
class DynamoDBFaults:
    """Counts the calls made through a client and fails the one planned."""

    calls: list[str] = field(default_factory=list)
    planned: tuple[int, str] | None = None  # (1-based call number, kind)
    fired: str | None = None

    def attach(self, client: Any) -> "DynamoDBFaults":
        client.meta.events.register("before-call.dynamodb", self._before)
        client.meta.events.register("after-call.dynamodb", self._after)
        return self

    def plan(self, call_number: int | None, kind: str | None = None) -> None:
        self.calls, self.fired = [], None
        self.planned = (call_number, kind) if call_number else None

    def _due(self) -> str | None:
        if self.planned and len(self.calls) == self.planned[0] and self.fired is None:
            return self.planned[1]
        return None

    def _before(self, model: Any, params: dict, **_: Any) -> Any:
        self.calls.append(model.name)
        kind = self._due()
        if kind is None or kind == "answer lost":
            return None
        self.fired = kind
        if kind == "connection refused":
            raise EndpointConnectionError(endpoint_url=ENDPOINT)
        if kind == "TransactionConflict":
            if model.name == "TransactWriteItems":
                items = json.loads(params["body"])["TransactItems"]  # params: the serialised request
                reasons = [{"Code": "None"} for _ in items]
                reasons[-1] = {"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}
                return _error(400, "TransactionCanceledException", cancellation_reasons=reasons)
            return _error(400, "TransactionConflictException")
        return _error(500 if kind == "InternalServerError" else 400, kind)

    def _after(self, model: Any, **_: Any) -> None:
        if self._due() == "answer lost":
            self.fired = "answer lost"
            raise ReadTimeoutError(endpoint_url=ENDPOINT)  # DynamoDB applied it; we never heard


def _error(status: int, code: str, cancellation_reasons: list | None = None) -> tuple[AWSResponse, dict]:
    parsed: dict[str, Any] = {"Error": {"Code": code, "Message": f"injected {code}"}, "ResponseMetadata": {"HTTPStatusCode": status}}
    if cancellation_reasons is not None:
        parsed["CancellationReasons"] = cancellation_reasons
    return AWSResponse(ENDPOINT, status, {}, None), parsed
