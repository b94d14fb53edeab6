"""EventBridge on a real LocalStack: the template's bus and rules live in the embedded moto, and
PutEvents on the bus reaches the rules' queues per pattern; `!Ref`/`!GetAtt` of the bus and rules
name the real ones. Also the template's SES identity (Condition) and generated secrets."""

from __future__ import annotations

import json
import string
import uuid
from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.integration.local_stack.conftest import isolated_aws_environment
from trackline_local.event_rules import ensure_event_rules
from trackline_local.stack import DEFAULT_PARAMETERS, LocalStack
from trackline_local.template import Template

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  EmailSender: {Type: String, Default: ""}
  UseArchiveRule: {Type: String, Default: "false"}
Conditions:
  HasEmailSender: !Not [!Equals [!Ref EmailSender, ""]]
  WantsArchiveRule: !Equals [!Ref UseArchiveRule, "true"]
Globals:
  Function:
    Environment:
      Variables:
        TABLE_NAME: !Ref DataTable
        BUS_NAME: !Ref Bus
        BUS_ARN: !GetAtt Bus.Arn
        BUS_NAME_ATTR: !GetAtt Bus.Name
        KIND_RULE_ARN: !GetAtt KindRule.Arn
        KIND_RULE_REF: !Ref KindRule
        SECRET_ARN: !Ref SigningSecret
        EMAIL_SENDER: !Ref EmailSender
Resources:
  DataTable:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
  Bus:
    Type: AWS::Events::EventBus
    Properties:
      Name: !Sub "${AWS::StackName}-changes"
  KindRule:
    Type: AWS::Events::Rule
    Properties:
      Description: Only kind a.
      EventBusName: !Ref Bus
      EventPattern:
        source: [app]
        detail-type: [Thing Changed]
        detail:
          kind: [a]
      Targets:
        - Id: KindQueue
          Arn: !GetAtt KindQueue.Arn
          DeadLetterConfig: {Arn: !GetAtt DeadQueue.Arn}
  AnyRule:
    Type: AWS::Events::Rule
    Properties:
      EventBusName: !GetAtt Bus.Arn
      EventPattern: '{"source": ["app"], "detail": {"kind": [{"prefix": ""}]}}'
      Targets:
        - {Id: AnyQueue, Arn: !GetAtt AnyQueue.Arn}
        - {Id: SomeFunction, Arn: !GetAtt Fn.Arn}
  OffRule:
    Type: AWS::Events::Rule
    Properties:
      EventBusName: !Ref Bus
      State: DISABLED
      EventPattern: {source: [app]}
      Targets: [{Id: OffQueue, Arn: !GetAtt OffQueue.Arn}]
  ArchiveRule:
    Type: AWS::Events::Rule
    Condition: WantsArchiveRule
    Properties:
      EventBusName: !Ref Bus
      EventPattern: {source: [app]}
      Targets: [{Id: OffQueue, Arn: !GetAtt OffQueue.Arn}]
  KindQueue: {Type: AWS::SQS::Queue}
  AnyQueue: {Type: AWS::SQS::Queue}
  OffQueue: {Type: AWS::SQS::Queue}
  DeadQueue: {Type: AWS::SQS::Queue}
  SenderIdentity:
    Type: AWS::SES::EmailIdentity
    Condition: HasEmailSender
    Properties:
      EmailIdentity: !Ref EmailSender
  SigningSecret:
    Type: AWS::SecretsManager::Secret
    Properties:
      GenerateSecretString: {PasswordLength: 48, ExcludePunctuation: true}
  TemplatedSecret:
    Type: AWS::SecretsManager::Secret
    Properties:
      GenerateSecretString:
        SecretStringTemplate: '{"username": "svc"}'
        GenerateStringKey: password
        PasswordLength: 20
        ExcludeCharacters: "abc"
  PlainSecret:
    Type: AWS::SecretsManager::Secret
    Properties: {SecretString: "{}"}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/none/
      Handler: nothing.handler
"""

RESOURCES = ("DataTable", "KindQueue", "AnyQueue", "OffQueue", "DeadQueue", "SigningSecret",
             "TemplatedSecret", "PlainSecret")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    root = tmp_path_factory.mktemp("rules_project")
    (root / "template.yaml").write_text(TEMPLATE)
    suffix = uuid.uuid4().hex[:8]
    names = {lid: f"{lid}-{suffix}" for lid in RESOURCES}
    names["Bus"] = f"changes-{suffix}"
    with isolated_aws_environment():
        with LocalStack(port=0, template=root / "template.yaml", table_names=names,
                        access_log=False, register_api_key=False, preload=False,
                        event_sources=False) as local:
            yield local


def _put(stack: LocalStack, source: str, kind: str) -> None:
    response = stack.client("events").put_events(Entries=[{
        "Source": source, "DetailType": "Thing Changed", "Detail": json.dumps({"kind": kind}),
        "EventBusName": stack.environment["BUS_NAME"]}])
    assert response["FailedEntryCount"] == 0


def _drain(stack: LocalStack, queue: str) -> list[dict[str, Any]]:
    sqs, bodies = stack.sqs_client(), []
    while True:
        messages = sqs.receive_message(QueueUrl=stack.queue_urls[queue], MaxNumberOfMessages=10,
                                       WaitTimeSeconds=0).get("Messages", [])
        if not messages:
            return bodies
        for message in messages:
            bodies.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=stack.queue_urls[queue],
                               ReceiptHandle=message["ReceiptHandle"])


def test_refs_and_attributes_name_the_real_bus_and_rules(stack: LocalStack) -> None:
    env, events = stack.environment, stack.client("events")
    bus = events.describe_event_bus(Name=env["BUS_NAME"])
    assert env["BUS_NAME"] == env["BUS_NAME_ATTR"] == bus["Name"]
    assert env["BUS_ARN"] == bus["Arn"]
    rule = events.describe_rule(Name="KindRule", EventBusName=env["BUS_NAME"])
    assert env["KIND_RULE_ARN"] == rule["Arn"] == stack.event_rules["KindRule"]
    assert env["KIND_RULE_REF"] == f"{env['BUS_NAME']}|KindRule"
    assert rule["Description"] == "Only kind a." and rule["State"] == "ENABLED"
    assert set(stack.event_rules) == {"KindRule", "AnyRule", "OffRule"}  # ArchiveRule: Condition
    # a Lambda target is not delivered locally; the queue target is kept with its DLQ
    targets = events.list_targets_by_rule(Rule="AnyRule", EventBusName=env["BUS_NAME"])["Targets"]
    assert [t["Id"] for t in targets] == ["AnyQueue"]
    (kind_target,) = events.list_targets_by_rule(Rule="KindRule",
                                                 EventBusName=env["BUS_NAME"])["Targets"]
    assert kind_target["DeadLetterConfig"]["Arn"].endswith(":" + stack.resolver.physical_name(
        "DeadQueue"))


def test_put_events_reach_the_queues_whose_rules_match(stack: LocalStack) -> None:
    _put(stack, "app", "a")
    _put(stack, "app", "b")
    _put(stack, "elsewhere", "a")
    kind, any_, off = (_drain(stack, q) for q in ("KindQueue", "AnyQueue", "OffQueue"))
    assert [b["detail"] for b in kind] == [{"kind": "a"}]
    assert sorted(b["detail"]["kind"] for b in any_) == ["a", "b"]
    assert off == []  # a DISABLED rule delivers nothing
    body = kind[0]
    # EventBridge's envelope, as moto sends it (moto leaves out "account")
    assert {"version", "id", "detail-type", "source", "time", "region", "resources",
            "detail"} <= set(body)
    assert (body["version"], body["source"], body["detail-type"], body["region"]) == \
        ("0", "app", "Thing Changed", stack.region)
    assert body["time"].endswith("Z")


def test_ensure_event_rules_is_idempotent(stack: LocalStack) -> None:
    again = ensure_event_rules(stack.client("events"), stack.template, stack.names,
                               resolver=stack.resolver)
    assert again == stack.event_rules
    _put(stack, "app", "a")
    assert len(_drain(stack, "KindQueue")) == 1  # still one target, not two


def test_email_identity_of_the_default_sender_is_verified(stack: LocalStack) -> None:
    sender = DEFAULT_PARAMETERS["EmailSender"]
    assert stack.environment["EMAIL_SENDER"] == sender
    assert stack.email_identities == [sender]
    ses = stack.client("ses")
    assert sender in ses.list_identities(IdentityType="EmailAddress")["Identities"]
    ses.send_email(Source=sender, Destination={"ToAddresses": ["someone@example.com"]},
                   Message={"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "t"}}})


def test_secrets_with_generate_secret_string_are_random(stack: LocalStack) -> None:
    signing = stack.secret_value("SigningSecret")
    assert stack.secret_value(stack.environment["SECRET_ARN"]) == signing
    assert len(signing) == 48 and signing != "{}"
    assert set(signing) <= set(string.ascii_letters + string.digits)  # ExcludePunctuation
    assert any(c.isdigit() for c in signing) and any(c.isupper() for c in signing)
    templated = json.loads(stack.secret_value("TemplatedSecret"))
    assert templated["username"] == "svc" and len(templated["password"]) == 20
    assert not set("abc") & set(templated["password"])
    assert stack.secret_value("PlainSecret") == "{}"


def test_no_identity_without_a_sender(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    suffix = uuid.uuid4().hex[:8]
    names = {lid: f"{lid}-{suffix}" for lid in RESOURCES}
    names["Bus"] = f"changes-{suffix}"
    with isolated_aws_environment():
        with LocalStack(port=0, template=tmp_path / "template.yaml", table_names=names,
                        parameters={"EmailSender": "", "UseArchiveRule": "true"},
                        access_log=False, register_api_key=False, preload=False,
                        event_sources=False) as local:
            assert local.email_identities == []
            assert "ArchiveRule" in local.event_rules  # its Condition holds now


def test_resolver_names_without_a_stack(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    resolver = Template.load(tmp_path / "template.yaml").resolver(region="eu-west-1")
    assert resolver.ref("Bus") == "trackline-local-changes"  # its Name, resolved
    assert resolver.get_att("Bus", "Arn") == \
        "arn:aws:events:eu-west-1:123456789012:event-bus/trackline-local-changes"
    assert resolver.get_att("AnyRule", "Arn") == \
        "arn:aws:events:eu-west-1:123456789012:rule/trackline-local-changes/AnyRule"
