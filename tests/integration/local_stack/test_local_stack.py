"""LocalStack end to end: moto, tables from the template, real handler files, the gateway."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import httpx
import pytest
from moto.server import ThreadedMotoServer

from trackline_local.stack import LocalStack

STORE_FUNCTION = """\
  StoreFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/store/
      Handler: {store_module}.handler
      Events:
        Store:
          Type: HttpApi
          Properties: { ApiId: !Ref Api, Path: "/store/{id}", Method: ANY }
"""

STORE_HANDLER = """\
import json
import os

import boto3

_client = None


def handler(event, context):
    global _client
    if _client is None:  # created lazily, as the real handlers do
        _client = boto3.client("dynamodb")
    table = os.environ["TABLE_NAME"]
    key = {"pk": {"S": event["pathParameters"]["id"]}, "sk": {"S": "item"}}
    if event["requestContext"]["http"]["method"] == "PUT":
        _client.put_item(TableName=table, Item={**key, "body": {"S": event.get("body", "")}})
        return {"statusCode": 201, "body": ""}
    item = _client.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
    if item is None:
        return {"statusCode": 404, "body": json.dumps({"meta": {"code": 4004}})}
    return {"statusCode": 200, "headers": {"content-type": "application/json"},
            "body": item["body"]["S"]}
"""

TOUCHED = ("TABLE_NAME", "SETTING", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB",
           "AWS_DEFAULT_REGION", "AWS_REGION", "POWERTOOLS_SERVICE_NAME")


@pytest.fixture
def clean_aws_env(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Nothing from the outer environment may send these tests beyond 127.0.0.1."""
    saved = dict(os.environ)
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB",
                 "AWS_ENDPOINT_URL_DYNAMODB_STREAMS", "AWS_PROFILE", "AWS_SESSION_TOKEN",
                 "AWS_DEFAULT_REGION", "AWS_REGION", "TABLE_NAME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    yield
    os.environ.clear()
    os.environ.update(saved)


def _store_project(make_project: Any, base_template: str, root: Path, suffix: str) -> Path:
    template = base_template + STORE_FUNCTION.replace("{store_module}", f"ls_store_{suffix}_handler")
    return make_project(root, suffix, template=template, extra_handlers={
        f"functions/store/ls_store_{suffix}_handler.py": STORE_HANDLER})


def test_local_stack_end_to_end(tmp_path: Path, make_project: Any, base_template: str,
                                stub_api_keys: Any, clean_aws_env: None) -> None:
    template = _store_project(make_project, base_template, tmp_path, "st1")
    before = {name: os.environ.get(name) for name in TOUCHED}
    with LocalStack(port=0, api_key=None, template=template, access_log=False) as stack:
        assert stack.base_url.startswith("http://127.0.0.1:")
        assert stack.dynamodb_endpoint.startswith("http://127.0.0.1:")
        assert stack.endpoint_url == stack.dynamodb_endpoint  # embedded moto serves both
        assert stack.table_name == "DataTable" and stack.table_names == {"DataTable": "DataTable"}
        assert stack.region == "us-east-1"
        # the key is registered through the key service, before serving
        assert stub_api_keys.calls[0] == ("register", ("local", "tl_stub_generated_key_0123456789"))
        assert stack.api_key == "tl_stub_generated_key_0123456789"
        # the handlers' environment: the union of the functions' environments
        assert os.environ["TABLE_NAME"] == "DataTable"
        assert os.environ["SETTING"] == "42"
        assert os.environ["AWS_ENDPOINT_URL_DYNAMODB"] == stack.dynamodb_endpoint
        assert os.environ["POWERTOOLS_SERVICE_NAME"] == "global-service"

        with httpx.Client(base_url=stack.base_url, headers={"x-api-key": stack.api_key}) as c:
            assert c.get("/store/abc").status_code == 404
            assert c.put("/store/abc", json={"n": 1}).status_code == 201
            response = c.get("/store/abc")
            assert response.status_code == 200 and response.json() == {"n": 1}
            echo = c.get("/items/abc").json()
        # the function's own environment applied while its module was imported
        assert echo["service_at_import"] == "echo-service"
        assert echo["env"] == {"TABLE_NAME": "DataTable", "SETTING": "42",
                               "GREETING": "hello-42-us-east-1"}
        # the data really is in the (moto) table created from the template
        item = stack.dynamodb_client().get_item(
            TableName="DataTable", Key={"pk": {"S": "abc"}, "sk": {"S": "item"}})["Item"]
        assert json.loads(item["body"]["S"]) == {"n": 1}
        ttl = stack.dynamodb_client().describe_time_to_live(TableName="DataTable")
        assert ttl["TimeToLiveDescription"]["AttributeName"] == "expire_at"
        # direct invocation, for pumps
        result = stack.invoke("AuthFunction", {"headers": {"x-api-key": "deny"}})
        assert result == {"isAuthorized": False}
        state = stack.state()
        assert {"base_url", "dynamodb_endpoint", "table_name", "region"} <= set(state)
        assert state["base_url"] == stack.base_url
    # stopped: the environment is back as it was, the port is closed
    assert {name: os.environ.get(name) for name in TOUCHED} == before
    with pytest.raises(httpx.TransportError):
        httpx.get(state["base_url"] + "/open", timeout=2)


def test_given_api_key_is_registered(tmp_path: Path, make_project: Any, stub_api_keys: Any,
                                     clean_aws_env: None) -> None:
    template = make_project(tmp_path, "st2")
    with LocalStack(port=0, api_key="my-own-key-0123456789", template=template,
                    access_log=False, preload=False) as stack:
        assert stack.api_key == "my-own-key-0123456789"
        assert stub_api_keys.calls == [("register", ("local", "my-own-key-0123456789"))]


def test_external_dynamodb_endpoint(tmp_path: Path, make_project: Any, stub_api_keys: Any,
                                    clean_aws_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """AWS_ENDPOINT_URL_DYNAMODB: the table is created there (if missing) and used."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    external = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    external.start()
    try:
        host, port = external.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", endpoint)
        template = make_project(tmp_path, "st3")
        with LocalStack(port=0, template=template, access_log=False, preload=False) as stack:
            assert stack.dynamodb_endpoint == endpoint
            assert stack.aws.embedded is False
            assert stack.endpoint_url != endpoint  # moto still serves the other services
            client = stack.dynamodb_client()
            assert client.meta.endpoint_url == endpoint
            assert "DataTable" in client.list_tables()["TableNames"]
        # a second start finds the table and leaves it alone
        with LocalStack(port=0, template=template, access_log=False, preload=False) as stack:
            assert stack.dynamodb_client().describe_table(
                TableName="DataTable")["Table"]["TableStatus"] == "ACTIVE"
        assert os.environ["AWS_ENDPOINT_URL_DYNAMODB"] == endpoint
    finally:
        external.stop()


def test_broken_handler_is_a_500_not_a_failed_start(tmp_path: Path, make_project: Any,
                                                     stub_api_keys: Any, clean_aws_env: None,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    template = make_project(tmp_path, "st4")
    broken = template.parent / "functions" / "echo" / "ls_echo_st4_handler.py"
    broken.write_text("raise ImportError('not written yet')\n")
    with LocalStack(port=0, template=template, access_log=False) as stack:
        assert "not written yet" in capsys.readouterr().err
        response = httpx.get(stack.base_url + "/open")
        assert response.status_code == 500
        broken.write_text("def handler(event, context):\n    return {'fixed': True}\n")
        assert httpx.get(stack.base_url + "/open").json() == {"fixed": True}
