"""template.yaml is the single source of truth: these checks hold it to the design's rules."""

import json
import re

from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT, TEMPLATE
from trackline_local.template import Template, load_yaml

template = load_yaml(TEMPLATE)
resources = template["Resources"]
functions = {name: r for name, r in resources.items() if r["Type"] == "AWS::Serverless::Function"}
PUBLIC_PATHS = {"/tracking/2024-04/openapi.json", "/tracking/2024-04/docs", "/t/{token}"}  # the last: tracking pages


def test_globals_pin_runtime_architecture_and_tracing():
    function_globals = template["Globals"]["Function"]
    assert function_globals["Runtime"] == "python3.13"
    assert function_globals["Architectures"] == ["arm64"]
    assert function_globals["Tracing"] == "Active"


def test_the_table_has_recovery_streams_ttl_and_encryption():
    table = resources["TracklineTable"]["Properties"]
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert table["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expire_at", "Enabled": True}
    assert table["SSESpecification"]["SSEEnabled"] is True
    assert {index["IndexName"] for index in table["GlobalSecondaryIndexes"]} == {"ByCreatedAt", "DueForPoll"}


@pytest.mark.parametrize("name", sorted(functions))
def test_each_function_has_one_uniquely_named_handler_file(name):
    properties = functions[name]["Properties"]
    module, _, function = properties["Handler"].partition(".")
    code_dir = PROJECT_ROOT / properties["CodeUri"]
    assert (code_dir / f"{module}.py").is_file()
    assert module == f"{code_dir.name}_handler" and function == "handler"
    assert not (code_dir / "app.py").exists()


def test_handler_module_names_are_unique():
    modules = [f["Properties"]["Handler"].split(".")[0] for f in functions.values()]
    assert len(modules) == len(set(modules))


@pytest.mark.parametrize("name", sorted(functions))
def test_each_function_has_a_log_group_with_retention(name):
    groups = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::Logs::LogGroup"]
    named = [g for g in groups if getattr(g.get("LogGroupName"), "value", "") == f"/aws/lambda/${{{name}}}"]
    assert len(named) == 1 and "RetentionInDays" in named[0]


def _statements():
    for name, function in functions.items():
        for policy in function["Properties"].get("Policies", []):
            assert isinstance(policy, dict) and "Statement" in policy, f"{name}: only inline least-privilege policies"
            for statement in policy["Statement"]:
                yield name, statement


def test_iam_policies_name_actions_and_resources_explicitly():
    for name, statement in _statements():
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert all("*" not in action for action in actions), f"{name}: wildcard action"
        if "NotResource" in statement:
            # Only SMS, which has no ARN: every resource except the SNS topics.
            assert actions == ["sns:Publish"], f"{name}: NotResource is for SMS only"
            assert getattr(statement["NotResource"], "value", "") == "arn:${AWS::Partition}:sns:*:*:*"
            continue
        resources_ = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        assert all(resource != "*" for resource in resources_), f"{name}: wildcard resource"


def test_the_notification_functions_write_only_their_own_bookkeeping():
    for function in ("NotifierFunction", "WebhookSenderFunction"):
        for statement in (s for n, s in _statements() if n == function and any(a.startswith("dynamodb:") for a in s["Action"])):
            leading = statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
            writes = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"} & set(statement["Action"])
            assert leading == (["IDEMPOTENCY#*", "ANNOUNCED#*"] if writes else ["TRACKING#*"]), function
    sends = [s for n, s in _statements() if n == "NotifierFunction" and s["Action"] == ["ses:SendEmail"]]
    assert sends[0]["Condition"]["StringEquals"]["ses:FromAddress"].value == "EmailSender"


def test_the_change_stream_reads_only_tracking_items():
    event = functions["ChangeStreamFunction"]["Properties"]["Events"]["TableStream"]["Properties"]
    assert json.loads(event["FilterCriteria"]["Filters"][0]["Pattern"]) == {"dynamodb": {"Keys": {"sk": {"S": ["TRACKING"]}}}}
    assert event["FunctionResponseTypes"] == ["ReportBatchItemFailures"] and event["BisectBatchOnFunctionError"] is True
    assert resources["WebhookQueue"]["Properties"]["RedrivePolicy"]["maxReceiveCount"] == 14


def test_the_authorizer_reads_only_api_keys_and_counts_only_rate_windows():
    statements = [s for n, s in _statements() if n == "AuthorizerFunction"]
    assert [s["Action"] for s in statements] == [["dynamodb:GetItem"], ["dynamodb:UpdateItem"]]
    assert statements[0]["Condition"]["ForAllValues:StringEquals"]["dynamodb:LeadingKeys"] == ["APIKEYS"]
    assert statements[1]["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"] == ["RATELIMIT#*"]


# What each function may reach, and nothing else: a new function, or a function that reaches
# something new, is declared here on purpose. "api-key secrets" are the signing credentials of
# API keys (<table>/api-keys/*), which every function behind the authorizer verifies.
REACHES = {
    "AuthorizerFunction": {"TracklineTable"},
    "TrackingsApiFunction": {"TracklineTable", "api-key secrets"},
    "CouriersApiFunction": {"TracklineTable", "api-key secrets"},
    "ImportsApiFunction": {"TracklineTable", "ImportBucket", "ImportQueue", "api-key secrets"},
    "TrackingPageFunction": {"TracklineTable"},
    "PollSchedulerFunction": {"TracklineTable", "PollQueue", "UpsCarrierSecret", "FedexCarrierSecret", "UspsCarrierSecret", "DhlCarrierSecret"},
    "PollWorkerFunction": {"TracklineTable", "PollQueue", "UpsCarrierSecret", "FedexCarrierSecret", "UspsCarrierSecret", "DhlCarrierSecret"},
    "ImportWorkerFunction": {"TracklineTable", "ImportBucket"},
    "ChangeStreamFunction": {"TracklineTable", "TracklineEventBus", "ChangeFailureQueue"},
    "TransitHistoryFunction": {"TracklineTable", "TransitHistoryFailureQueue"},
    "NotifierFunction": {"TracklineTable", "SES identities", "SMS"},
    "WebhookSenderFunction": {"TracklineTable", "WebhookSecret", "WebhookQueue"},
}


def _reached(resource) -> str:
    """The template resource (logical id) or kind of AWS resource an IAM Resource names."""
    kind, value = getattr(resource, "name", None), getattr(resource, "value", resource)
    if kind == "Fn::GetAtt":
        return value[0]
    if kind == "Ref":
        return value
    text = value if isinstance(value, str) else value[0]
    if ":secretsmanager:" in text and text.endswith(":secret:${TracklineTable}/api-keys/*"):
        return "api-key secrets"
    if ":ses:" in text and text.endswith(":identity/*"):
        return "SES identities"
    if text == "arn:${AWS::Partition}:sns:*:*:*":
        return "SMS"  # as NotResource: every SNS resource but the topics
    named = [name.split(".")[0] for name in re.findall(r"\$\{([A-Za-z0-9.]+)\}", text)]
    assert len(named) == 1 and named[0] in resources, f"an IAM resource of no known kind: {text}"
    return named[0]


@pytest.mark.parametrize("name", sorted(functions))
def test_each_function_reaches_only_the_resources_it_needs(name):
    assert name in REACHES, f"{name}: declare in REACHES what it needs to reach"
    reached = set()
    for function, statement in _statements():
        if function == name:
            listed = statement.get("Resource", statement.get("NotResource"))
            reached |= {_reached(resource) for resource in (listed if isinstance(listed, list) else [listed])}
    assert reached <= REACHES[name], f"{name} reaches {sorted(reached - REACHES[name])} beyond what it needs"


def test_every_function_behind_the_authorizer_can_read_the_api_key_secrets_and_no_other_can():
    guarded = {name for name, function in functions.items() for event in function["Properties"].get("Events", {}).values()
               if event["Type"] == "HttpApi" and event["Properties"].get("Auth", {}).get("Authorizer") != "NONE"}
    readers = set()
    for name, statement in _statements():
        listed = statement.get("Resource", [])
        if "api-key secrets" in {_reached(resource) for resource in (listed if isinstance(listed, list) else [listed])}:
            assert statement["Action"] == ["secretsmanager:GetSecretValue"], name
            readers.add(name)
    assert {"TrackingsApiFunction", "CouriersApiFunction"} <= guarded
    assert readers == guarded, "the guard of every API function verifies signatures with these secrets"


def test_every_api_route_is_behind_the_authorizer_except_the_public_documents():
    api = resources["HttpApi"]["Properties"]
    assert api["Auth"]["DefaultAuthorizer"] == "ApiKeyAuthorizer"
    for function in functions.values():
        for event in function["Properties"].get("Events", {}).values():
            if event["Type"] != "HttpApi":
                continue
            authorizer = event["Properties"].get("Auth", {}).get("Authorizer")
            assert authorizer is None or (authorizer == "NONE" and event["Properties"]["Path"] in PUBLIC_PATHS)


def test_the_core_layer_is_built_by_sam_from_its_requirements():
    layer = resources["CoreLayer"]
    assert layer["Metadata"]["BuildMethod"] == "python3.13"
    content = PROJECT_ROOT / layer["Properties"]["ContentUri"]
    assert (content / "requirements.txt").is_file() and (content / "trackline").is_dir()
    assert not (content / "python").exists()


def test_layer_requirements_match_the_project_pins():
    pins = (PROJECT_ROOT / "layers/core/requirements.txt").read_text().split()
    pyproject = (PROJECT_ROOT / "pyproject.toml").read_text()
    assert pins and all(f'"{pin}"' in pyproject for pin in pins)


def test_the_local_stack_reads_its_functions_from_the_template():
    names = set(Template.load(TEMPLATE).functions())
    assert names == set(functions)


def test_no_resource_name_is_hard_coded_in_the_domain_package():
    for path in Path(PROJECT_ROOT / "layers/core/trackline").rglob("*.py"):
        assert "TracklineTable" not in path.read_text(), path


def test_the_authorizer_sees_every_request_uncached():
    """With an identity source API Gateway would refuse keyless requests itself (bare 401, no
    envelope); with caching a revoked key would keep working until the cache expired."""
    authorizer = resources["HttpApi"]["Properties"]["Auth"]["Authorizers"]["ApiKeyAuthorizer"]
    assert authorizer["Identity"] == {"ReauthorizeEvery": 0}
    assert authorizer["EnableSimpleResponses"] is True and authorizer["AuthorizerPayloadFormatVersion"] == "2.0"
