"""template.yaml -> tables, functions, environment, routes, authorizer (trackline_local.template)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from trackline_local.template import (
    Intrinsic,
    Template,
    ensure_tables,
    load_yaml,
)


def test_short_tags_become_small_objects() -> None:
    data = load_yaml(
        "A: !Ref Thing\n"
        "B: !GetAtt Table.StreamArn\n"
        "C: !Sub 'x-${Thing}'\n"
        "D: !Join [',', [a, !Ref Thing]]\n"
        "E: !If [IsProd, 1, 2]\n"
        "F: {'Fn::GetAtt': [Fn, Arn]}\n"
        "G: {Ref: Other}\n")
    assert data["A"] == Intrinsic("Ref", "Thing")
    assert data["B"] == Intrinsic("Fn::GetAtt", ["Table", "StreamArn"])
    assert data["C"] == Intrinsic("Fn::Sub", "x-${Thing}")
    assert data["D"] == Intrinsic("Fn::Join", [",", ["a", Intrinsic("Ref", "Thing")]])
    assert data["E"] == Intrinsic("Fn::If", ["IsProd", 1, 2])
    assert data["F"] == Intrinsic("Fn::GetAtt", ["Fn", "Arn"])
    assert data["G"] == Intrinsic("Ref", "Other")


def test_intrinsics_resolve_against_local_names(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        "Parameters:\n"
        "  Stage: {Type: String, Default: prod}\n"
        "  Days: {Type: Number, Default: 120}\n"
        "Conditions:\n"
        "  IsProd: !Equals [!Ref Stage, prod]\n"
        "  IsDev: !Not [!Condition IsProd]\n"
        "Mappings:\n"
        "  Sizes: {prod: {mem: 1024}}\n"
        "Resources:\n"
        "  Table: {Type: AWS::DynamoDB::Table, Properties: {}}\n"
        "  Fn: {Type: AWS::Serverless::Function, Properties: {CodeUri: f/, Handler: m.h}}\n"
        "Outputs:\n"
        "  A: {Value: !Ref Table}\n"
        "  B: {Value: !GetAtt Table.Arn}\n"
        "  C: {Value: !Sub '${Table}-${Days}-${AWS::Region}-${!Literal}'}\n"
        "  D: {Value: !Sub ['${X}/${Fn.Arn}', {X: !Ref Stage}]}\n"
        "  E: {Value: !If [IsProd, big, small]}\n"
        "  F: {Value: !If [IsDev, yes, !Ref AWS::NoValue]}\n"
        "  G: {Value: !Select [1, !Split [',', 'a,b,c']]}\n"
        "  H: {Value: !FindInMap [Sizes, !Ref Stage, mem]}\n"
        "  I: {Value: !Join ['', [!Ref Days, '-', !Ref AWS::AccountId]]}\n")
    template = Template.load(path)
    resolver = template.resolver({"Table": "local-table"}, region="eu-west-1")
    out = {k: v.get("Value") for k, v in resolver.resolve(template.data["Outputs"]).items()}
    assert out == {
        "A": "local-table",
        "B": "arn:aws:dynamodb:eu-west-1:123456789012:table/local-table",
        "C": "local-table-120-eu-west-1-${Literal}",
        "D": "prod/arn:aws:lambda:eu-west-1:123456789012:function:Fn",
        "E": "big",
        "F": None,
        "G": "b",
        "H": 1024,
        "I": "120-123456789012",
    }


def test_functions_environment_events_from_template(project: Path) -> None:
    template = Template.load(project)
    functions = template.functions()
    assert set(functions) == {"AuthFunction", "EchoFunction"}
    echo = functions["EchoFunction"]
    assert echo.code_uri == (project.parent / "functions" / "echo").resolve()
    assert echo.module_name == "ls_echo_gw_handler" and echo.handler_name == "handler"
    assert echo.module_path.is_file()
    assert echo.timeout == 7 and echo.memory_size == 256
    assert echo.environment == {
        "TABLE_NAME": "DataTable",
        "SETTING": "42",
        "POWERTOOLS_SERVICE_NAME": "echo-service",
        "TABLE_ARN": "arn:aws:dynamodb:us-east-1:123456789012:table/DataTable",
        "GREETING": "hello-42-us-east-1",
    }
    assert functions["AuthFunction"].environment["POWERTOOLS_SERVICE_NAME"] == "auth-service"
    # non-HTTP events are kept as data for the pumps
    (poll,) = echo.events_of_type("Schedule")
    assert poll.properties == {"Schedule": "rate(1 minute)"}
    (work,) = echo.events_of_type("SQS")
    assert work.properties == {"Queue": "arn:aws:sqs:us-east-1:123456789012:WorkQueue",
                               "BatchSize": 5}
    assert work.referenced_resource("Queue") == "WorkQueue"
    # the union: the global value for names the functions disagree on
    env = template.environment()
    assert env["POWERTOOLS_SERVICE_NAME"] == "global-service"
    assert env["TABLE_NAME"] == "DataTable"
    # a local name override reaches !Ref and !GetAtt
    renamed = template.functions({"DataTable": "other"})["EchoFunction"].environment
    assert renamed["TABLE_NAME"] == "other" and renamed["TABLE_ARN"].endswith(":table/other")


def test_routes_and_authorizer_from_template(project: Path) -> None:
    template = Template.load(project)
    routes = {r.event_name: r for r in template.http_routes()}
    assert routes["Item"].route_key == "ANY /items/{id}"
    assert routes["Item"].authorizer == "KeyAuth"
    assert routes["Open"].route_key == "GET /open" and routes["Open"].authorizer is None
    assert "Poll" not in routes
    (auth,) = template.authorizers().values()
    assert auth.name == "KeyAuth" and auth.function_id == "AuthFunction"
    assert auth.simple_responses is True and auth.payload_format_version == "2.0"
    assert auth.identity_source == ()


def test_real_template_functions_and_routes(repo_root: Path) -> None:
    """The real template parses, and what is derived agrees with its raw data."""
    template = Template.load(repo_root / "template.yaml")
    raw_functions = template.resources_of_type("AWS::Serverless::Function")
    functions = template.functions()
    assert set(functions) == set(raw_functions)
    for lid, fn in functions.items():
        assert fn.handler == raw_functions[lid]["Properties"]["Handler"]
        assert fn.code_uri.is_relative_to(repo_root / "functions")
        for name, value in fn.environment.items():
            assert isinstance(value, str), (lid, name)
        assert "TABLE_NAME" in fn.environment
    table_ids = template.table_ids()
    assert template.environment()["TABLE_NAME"] in table_ids
    http_events = [(lid, name) for lid, r in raw_functions.items()
                   for name, e in (r["Properties"].get("Events") or {}).items()
                   if e["Type"] == "HttpApi"]
    assert sorted((r.function_id, r.event_name) for r in template.http_routes()) == \
        sorted(http_events)
    for api in template.http_apis().values():
        for authorizer in api.authorizers.values():
            assert authorizer.function_id in functions


# -- tables from the REAL template.yaml, against moto ------------------------------------------


@pytest.fixture(scope="module")
def moto_dynamodb() -> Any:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    client = boto3.session.Session().client(
        "dynamodb", endpoint_url=f"http://{host}:{port}", region_name="us-east-1",
        aws_access_key_id="testing", aws_secret_access_key="testing")
    yield client
    server.stop()


def test_ensure_tables_from_real_template(repo_root: Path, moto_dynamodb: Any) -> None:
    template = Template.load(repo_root / "template.yaml")
    created = ensure_tables(moto_dynamodb, template)
    assert set(created) == set(template.table_ids())
    assert created, "the template defines at least one table"
    for lid, name in created.items():
        assert name == lid  # the local physical name is the logical id
        props = template.resources[lid]["Properties"]
        table = moto_dynamodb.describe_table(TableName=name)["Table"]
        assert table["TableStatus"] == "ACTIVE"
        assert table["KeySchema"] == props["KeySchema"]
        assert sorted(table["AttributeDefinitions"], key=lambda a: a["AttributeName"]) == \
            sorted(props["AttributeDefinitions"], key=lambda a: a["AttributeName"])
        if "BillingMode" in props:
            assert table["BillingModeSummary"]["BillingMode"] == props["BillingMode"]
        wanted_indexes = {i["IndexName"]: i for i in props.get("GlobalSecondaryIndexes", [])}
        got_indexes = {i["IndexName"]: i for i in table.get("GlobalSecondaryIndexes", [])}
        assert set(got_indexes) == set(wanted_indexes)
        for index_name, wanted in wanted_indexes.items():
            got = got_indexes[index_name]
            assert got["KeySchema"] == wanted["KeySchema"]
            assert got["Projection"]["ProjectionType"] == wanted["Projection"]["ProjectionType"]
            assert sorted(got["Projection"].get("NonKeyAttributes", [])) == \
                sorted(wanted["Projection"].get("NonKeyAttributes", []))
        if "StreamSpecification" in props:
            assert table["StreamSpecification"] == {
                "StreamEnabled": True,
                "StreamViewType": props["StreamSpecification"]["StreamViewType"]}
            assert table["LatestStreamArn"]
        if props.get("SSESpecification", {}).get("SSEEnabled"):
            assert table["SSEDescription"]["Status"] == "ENABLED"
        ttl = props.get("TimeToLiveSpecification")
        if ttl:
            described = moto_dynamodb.describe_time_to_live(TableName=name)
            assert described["TimeToLiveDescription"] == {
                "TimeToLiveStatus": "ENABLED", "AttributeName": ttl["AttributeName"]}
        if props.get("PointInTimeRecoverySpecification", {}).get("PointInTimeRecoveryEnabled"):
            backups = moto_dynamodb.describe_continuous_backups(TableName=name)
            pitr = backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
            assert pitr["PointInTimeRecoveryStatus"] == "ENABLED"

    # Idempotent: a second run succeeds and leaves the existing tables (and data) alone.
    name = next(iter(created.values()))
    key_schema = template.resources[next(iter(created))]["Properties"]["KeySchema"]
    item = {k["AttributeName"]: {"S": f"kept-{k['AttributeName']}"} for k in key_schema}
    moto_dynamodb.put_item(TableName=name, Item=item)
    assert ensure_tables(moto_dynamodb, template) == created
    assert moto_dynamodb.get_item(TableName=name, Key=item).get("Item") == item


def test_ensure_tables_honours_name_override(project: Path, moto_dynamodb: Any) -> None:
    template = Template.load(project)
    assert ensure_tables(moto_dynamodb, template, {"DataTable": "renamed-table"}) == \
        {"DataTable": "renamed-table"}
    table = moto_dynamodb.describe_table(TableName="renamed-table")["Table"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert not table.get("GlobalSecondaryIndexes")
