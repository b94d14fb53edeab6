"""Calls the real Lambda handlers with API Gateway HTTP API (payload 2.0) events."""

import importlib.util
import json
import sys
import uuid
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"


@cache
def load_handler(function_dir: str, module_name: str):
    path = FUNCTIONS / function_dir / f"{module_name}.py"
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module.handler


@dataclass
class LambdaContext:
    function_name: str = "test-function"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:test-function"
    aws_request_id: str = "00000000-0000-0000-0000-000000000000"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 10_000


def http_event(method: str, url: str, body: Any = None, *, headers: dict | None = None, authorizer: dict | None = None) -> dict:
    parts = urlsplit(url)
    raw_body = body if isinstance(body, str | None) else json.dumps(body)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    event = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": parts.path,
        "rawQueryString": parts.query,
        "headers": {"content-type": "application/json", **(headers or {})},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": "127.0.0.1",
            "http": {"method": method, "path": parts.path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "tests"},
            "requestId": str(uuid.uuid4()),
            "routeKey": "$default",
            "stage": "$default",
            "time": "01/Apr/2024:00:00:00 +0000",
            "timeEpoch": 1711929600000,
        },
        "body": raw_body,
        "isBase64Encoded": False,
    }
    if query:
        event["queryStringParameters"] = query
    if authorizer is not None:
        event["requestContext"]["authorizer"] = {"lambda": authorizer}
    return event


@dataclass
class Reply:
    status: int
    body: dict
    headers: dict

    @property
    def code(self) -> int:
        return self.body["meta"]["code"]

    @property
    def data(self) -> Any:
        return self.body["data"]


class ApiClient:
    """An API function, called the way API Gateway calls it after the authorizer allowed."""

    AUTHENTICATED = {"authenticated": True, "key_id": "testkey", "key_name": "tests"}

    def __init__(self, authorizer: dict | None = AUTHENTICATED, function: str = "trackings_api") -> None:
        self._handler = load_handler(function, f"{function}_handler")
        self._authorizer = authorizer

    def request(self, method: str, path: str, body: Any = None, **kwargs) -> Reply:
        kwargs.setdefault("authorizer", self._authorizer)
        result = self._handler(http_event(method, f"/tracking/2024-04{path}", body, **kwargs), LambdaContext())
        text = result.get("body") or ""
        return Reply(result["statusCode"], json.loads(text) if text.startswith("{") else {"raw": text}, result.get("headers", {}))

    def get(self, path: str, **kwargs) -> Reply:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs) -> Reply:
        return self.request("POST", path, body, **kwargs)

    def put(self, path: str, body: Any = None, **kwargs) -> Reply:
        return self.request("PUT", path, body, **kwargs)

    def delete(self, path: str, **kwargs) -> Reply:
        return self.request("DELETE", path, **kwargs)

    def create(self, **tracking: Any) -> dict:
        reply = self.post("/trackings", {"tracking": tracking})
        assert reply.status == 201, reply.body
        return reply.data["tracking"]
