"""Fixtures for the local stack tests: a tiny template and tiny handlers written to tmp dirs.

These tests never depend on the real handlers; only the table test reads the real template.yaml.
Everything listens on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import textwrap
import types
from pathlib import Path
from typing import Any, Iterator

import pytest

from trackline_local.gateway import Gateway
from trackline_local.runtime import FunctionRegistry
from trackline_local.template import Template

REPO_ROOT = Path(__file__).resolve().parents[3]

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  Setting:
    Type: String
    Default: "42"
Globals:
  Function:
    Runtime: python3.13
    Timeout: 7
    MemorySize: 256
    Environment:
      Variables:
        TABLE_NAME: !Ref DataTable
        SETTING: !Ref Setting
        POWERTOOLS_SERVICE_NAME: global-service
        TABLE_ARN: !GetAtt DataTable.Arn
        GREETING: !Sub "hello-${Setting}-${AWS::Region}"
Resources:
  DataTable:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions:
        - { AttributeName: pk, AttributeType: S }
        - { AttributeName: sk, AttributeType: S }
      KeySchema:
        - { AttributeName: pk, KeyType: HASH }
        - { AttributeName: sk, KeyType: RANGE }
      StreamSpecification: { StreamViewType: NEW_AND_OLD_IMAGES }
      TimeToLiveSpecification: { AttributeName: expire_at, Enabled: true }
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      Auth:
        DefaultAuthorizer: KeyAuth
        Authorizers:
          KeyAuth:
            FunctionArn: !GetAtt AuthFunction.Arn
            AuthorizerPayloadFormatVersion: "2.0"
            EnableSimpleResponses: true
  AuthFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/auth/
      Handler: {auth_module}.handler
      Environment:
        Variables:
          POWERTOOLS_SERVICE_NAME: auth-service
  EchoFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/echo/
      Handler: {echo_module}.handler
      Environment:
        Variables:
          POWERTOOLS_SERVICE_NAME: echo-service
      Events:
        SpecialGet:
          Type: HttpApi
          Properties: { ApiId: !Ref Api, Path: /items/special, Method: GET }
        SpecialAny:
          Type: HttpApi
          Properties: { ApiId: !Ref Api, Path: /items/special, Method: ANY }
        Item:
          Type: HttpApi
          Properties: { ApiId: !Ref Api, Path: "/items/{id}", Method: ANY }
        ItemsNested:
          Type: HttpApi
          Properties: { ApiId: !Ref Api, Path: "/items/{proxy+}", Method: ANY }
        Things:
          Type: HttpApi
          Properties: { ApiId: !Ref Api, Path: "/things/{a}/x/{b}", Method: ANY }
        Open:
          Type: HttpApi
          Properties: { ApiId: !Ref Api, Path: /open, Method: GET, Auth: { Authorizer: NONE } }
        Everything:
          Type: HttpApi
          Properties: { ApiId: !Ref Api, Path: "/{proxy+}", Method: GET }
        Poll:
          Type: Schedule
          Properties: { Schedule: rate(1 minute) }
        Work:
          Type: SQS
          Properties: { Queue: !GetAtt WorkQueue.Arn, BatchSize: 5 }
  WorkQueue:
    Type: AWS::SQS::Queue
"""

AUTH_HANDLER = """\
import os

SERVICE_AT_IMPORT = os.environ.get("POWERTOOLS_SERVICE_NAME")


def handler(event, context):
    key = event["headers"].get("x-api-key", "")
    if key == "boom":
        raise RuntimeError("authorizer exploded")
    if key == "garbage":
        return {"allowed": "yes"}
    if key == "deny":
        return {"isAuthorized": False}
    return {
        "isAuthorized": True,
        "context": {
            "key": key,
            "seen": {
                "version": event["version"],
                "type": event["type"],
                "routeArn": event["routeArn"],
                "routeKey": event["routeKey"],
                "rawPath": event["rawPath"],
                "rawQueryString": event["rawQueryString"],
                "cookies": event["cookies"],
                "identitySource": event["identitySource"],
                "pathParameters": event["pathParameters"],
                "queryStringParameters": event["queryStringParameters"],
                "stage": event["requestContext"]["stage"],
                "function": context.function_name,
            },
        },
    }
"""

ECHO_HANDLER = """\
import base64
import json
import os

SERVICE_AT_IMPORT = os.environ.get("POWERTOOLS_SERVICE_NAME")


def handler(event, context):
    path = event["rawPath"]
    if path.endswith("/boom"):
        raise RuntimeError("handler exploded")
    if path.endswith("/plain"):
        return "plain text"
    if path.endswith("/dict"):
        return {"hello": "world"}
    if path.endswith("/binary"):
        return {"statusCode": 201, "headers": {"content-type": "application/octet-stream"},
                "body": base64.b64encode(bytes(range(256))).decode(), "isBase64Encoded": True}
    if path.endswith("/cookies"):
        return {"statusCode": 200, "cookies": ["a=1; Path=/", "b=2; Path=/"],
                "multiValueHeaders": {"x-multi": ["one", "two"]},
                "headers": {"x-single": "yes"}, "body": ""}
    if path.endswith("/nocontent"):
        return {"statusCode": 204}
    body = event.get("body")
    if body is not None and len(body) > 1000:
        event["body"] = "<%d chars>" % len(body)
    payload = {
        "event": event,
        "context": {
            "function_name": context.function_name,
            "function_version": context.function_version,
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "invoked_function_arn": context.invoked_function_arn,
            "aws_request_id": context.aws_request_id,
            "log_group_name": context.log_group_name,
            "log_stream_name": context.log_stream_name,
            "remaining_ms": context.get_remaining_time_in_millis(),
        },
        "service_at_import": SERVICE_AT_IMPORT,
        "env": {k: os.environ.get(k) for k in ("TABLE_NAME", "SETTING", "GREETING")},
    }
    return {"statusCode": 200, "headers": {"content-type": "application/json",
                                           "x-route": event["routeKey"]},
            "body": json.dumps(payload)}
"""


def write_project(root: Path, suffix: str, template: str = TEMPLATE,
                  extra_handlers: dict[str, str] | None = None) -> Path:
    """A throwaway project: template.yaml + functions/{auth,echo}/<unique module>.py."""
    auth_module = f"ls_auth_{suffix}_handler"
    echo_module = f"ls_echo_{suffix}_handler"
    (root / "functions" / "auth").mkdir(parents=True, exist_ok=True)
    (root / "functions" / "echo").mkdir(parents=True, exist_ok=True)
    (root / "functions" / "auth" / f"{auth_module}.py").write_text(AUTH_HANDLER)
    (root / "functions" / "echo" / f"{echo_module}.py").write_text(ECHO_HANDLER)
    for relative, text in (extra_handlers or {}).items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    path = root / "template.yaml"
    path.write_text(template.replace("{auth_module}", auth_module)
                    .replace("{echo_module}", echo_module))
    return path


@pytest.fixture(scope="session")
def make_project() -> Any:
    return write_project


@pytest.fixture(scope="session")
def base_template() -> str:
    return TEMPLATE


@pytest.fixture(scope="session")
def stub_module_source() -> str:
    return STUB_MODULE_SOURCE


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_project(tmp_path_factory.mktemp("gateway_project"), "gw")


class GatewayUnderTest:
    def __init__(self, gateway: Gateway, log: io.StringIO) -> None:
        self.gateway = gateway
        self.log = log
        self.base_url = gateway.base_url


@pytest.fixture(scope="session")
def gateway(project: Path) -> Any:
    """The gateway alone (no AWS needed): tmp template, tmp handlers, on a free port."""
    template = Template.load(project)
    resolver = template.resolver()
    functions = FunctionRegistry(template.functions(resolver=resolver))
    log = io.StringIO()
    gw = Gateway.from_template(template, functions, resolver, port=0, log_stream=log)
    gw.start()
    yield GatewayUnderTest(gw, log)
    gw.stop()


class StubApiKeyService:
    """Stands in for trackline.services.api_keys.ApiKeyService in these tests only."""

    keys: dict[str, dict[str, Any]] = {}
    calls: list[tuple[str, Any]] = []

    def register(self, name: str, plaintext: str | None = None, *, aes_secret: str | bool | None = None,
                 rsa_public_key: str | None = None) -> Any:
        plaintext = plaintext or "tl_stub_generated_key_0123456789"
        StubApiKeyService.calls.append(("register", (name, plaintext)))
        key_id = f"id{len(self.keys) + 1}"
        signature = "aes" if aes_secret else "rsa" if rsa_public_key else None
        info = {"key_id": key_id, "name": name, "created_at": "2026-01-01T00:00:00Z",
                "revoked_at": None, "signature": signature}
        self.keys[key_id] = info
        secret = ("tl_stub_generated_aes_secret" if aes_secret is True else aes_secret) or None
        return types.SimpleNamespace(plaintext=plaintext, secret=secret, **info)

    def list(self) -> list[Any]:
        StubApiKeyService.calls.append(("list", None))
        return [types.SimpleNamespace(**info) for info in self.keys.values()]

    def revoke(self, key_id_or_name: str) -> Any:
        StubApiKeyService.calls.append(("revoke", key_id_or_name))
        for info in self.keys.values():
            if key_id_or_name in (info["key_id"], info["name"]):
                info["revoked_at"] = "2026-01-02T00:00:00Z"
                return types.SimpleNamespace(**info)
        raise LookupError(f"no key {key_id_or_name}")


@pytest.fixture
def stub_api_keys(monkeypatch: pytest.MonkeyPatch) -> type[StubApiKeyService]:
    module = types.ModuleType("trackline.services.api_keys")
    module.ApiKeyService = StubApiKeyService  # type: ignore[attr-defined]
    StubApiKeyService.keys = {}
    StubApiKeyService.calls = []
    monkeypatch.setitem(sys.modules, "trackline.services.api_keys", module)
    return StubApiKeyService


STUB_MODULE_SOURCE = '''
import sys, types
class ApiKeyService:
    def register(self, name, plaintext=None, *, aes_secret=None, rsa_public_key=None):
        return types.SimpleNamespace(key_id="id1", name=name, created_at="2026-01-01T00:00:00Z",
                                     revoked_at=None, plaintext=plaintext or "tl_generated_in_stub",
                                     signature="aes" if aes_secret else None, secret=None)
module = types.ModuleType("trackline.services.api_keys")
module.ApiKeyService = ApiKeyService
sys.modules["trackline.services.api_keys"] = module
'''


@contextlib.contextmanager
def isolated_aws_environment(**extra: str) -> Iterator[None]:
    """Nothing from the outer environment may send a stack beyond 127.0.0.1; os.environ comes
    back exactly as it was. For module-scoped stacks (monkeypatch is per test)."""
    saved = dict(os.environ)
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB",
                 "AWS_ENDPOINT_URL_DYNAMODB_STREAMS", "AWS_PROFILE", "AWS_SESSION_TOKEN",
                 "AWS_DEFAULT_REGION", "AWS_REGION", "TABLE_NAME"):
        os.environ.pop(name, None)
    os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       **extra})
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
