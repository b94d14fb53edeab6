"""The import bucket, queue and functions in template.yaml: private, encrypted, expiring, least
privilege."""

import json

from tests.conftest import TEMPLATE
from trackline_local.template import load_yaml

resources = load_yaml(TEMPLATE)["Resources"]


def _statements(function: str) -> list[dict]:
    return [statement for policy in resources[function]["Properties"]["Policies"] for statement in policy["Statement"]]


def test_the_import_bucket_is_private_encrypted_and_forgets_its_files():
    bucket = resources["ImportBucket"]["Properties"]
    assert bucket["PublicAccessBlockConfiguration"] == dict.fromkeys(
        ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"), True
    )
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
    assert bucket["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    expiring = {rule.get("Prefix") for rule in bucket["LifecycleConfiguration"]["Rules"] if "ExpirationInDays" in rule}
    assert expiring == {"uploads/", "incoming/", "exports/"}
    assert bucket["NotificationConfiguration"]["EventBridgeConfiguration"]["EventBridgeEnabled"] is True
    (deny,) = resources["ImportBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_dropped_files_reach_the_import_queue_which_has_a_dead_letter_queue():
    rule = resources["ImportDropRule"]["Properties"]
    assert rule["EventPattern"]["detail"]["object"]["key"] == [{"prefix": "incoming/"}]
    assert rule["Targets"][0]["Arn"].value == ["ImportQueue", "Arn"]
    queue = resources["ImportQueue"]["Properties"]
    assert queue["RedrivePolicy"]["deadLetterTargetArn"].value == ["ImportDeadLetterQueue", "Arn"]
    assert queue["VisibilityTimeout"] >= 6 * resources["ImportWorkerFunction"]["Properties"]["Timeout"]
    (allow,) = resources["ImportQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert allow["Condition"]["ArnEquals"]["aws:SourceArn"].value == ["ImportDropRule", "Arn"]


def test_the_imports_api_touches_only_imports_and_mappings_and_its_own_prefixes():
    statements = _statements("ImportsApiFunction")
    (table,) = [s for s in statements if "dynamodb:PutItem" in s["Action"]]
    assert table["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"] == ["IMPORT#*", "COURIERMAP"]
    s3 = {json.dumps(s["Resource"].value): s["Action"] for s in statements if s["Action"][0].startswith("s3:")}
    assert s3 == {
        '"${ImportBucket.Arn}/uploads/*"': ["s3:PutObject"],
        '"${ImportBucket.Arn}/exports/*"': ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"],
    }


def test_the_worker_reads_only_the_files_it_imports():
    reads = [s for s in _statements("ImportWorkerFunction") if s["Action"] == ["s3:GetObject"]]
    assert [resource.value for resource in reads[0]["Resource"]] == ["${ImportBucket.Arn}/uploads/*", "${ImportBucket.Arn}/incoming/*"]
    event = resources["ImportWorkerFunction"]["Properties"]["Events"]["ImportQueue"]["Properties"]
    assert event["BatchSize"] == 1 and event["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
