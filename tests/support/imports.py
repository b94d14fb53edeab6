"""The import stack in the in-process moto: the table, the template's queues and bucket, the
imports API and the import worker, called as Lambda calls them."""

import base64
import json
from dataclasses import dataclass
from pathlib import Path

import boto3

from tests.support.handlers import ApiClient, LambdaContext, Reply, http_event, load_handler

DATA = Path(__file__).resolve().parents[1] / "data" / "imports"


@dataclass
class ImportStack:
    api: ApiClient  # the imports function
    trackings: ApiClient  # the trackings function
    couriers: ApiClient
    queue_url: str
    bucket: str

    def upload(self, content: bytes | str, content_type: str = "text/csv") -> Reply:
        raw = content.encode() if isinstance(content, str) else content
        event = http_event("POST", "/tracking/2024-04/imports", None, headers={"content-type": content_type}, authorizer=ApiClient.AUTHENTICATED)
        event["body"] = base64.b64encode(raw).decode()
        event["isBase64Encoded"] = True
        result = load_handler("imports_api", "imports_api_handler")(event, LambdaContext())
        return Reply(result["statusCode"], json.loads(result["body"]), result.get("headers", {}))

    def run_worker(self) -> int:
        """Deliver every queued import message to the worker; the number of messages."""
        sqs = boto3.client("sqs")
        handler = load_handler("import_worker", "import_worker_handler")
        delivered = 0
        while messages := sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10, AttributeNames=["All"]).get("Messages", []):
            for message in messages:
                record = {
                    "messageId": message["MessageId"],
                    "receiptHandle": message["ReceiptHandle"],
                    "body": message["Body"],
                    "attributes": message.get("Attributes", {}),
                    "messageAttributes": {},
                    "md5OfBody": message["MD5OfBody"],
                    "eventSource": "aws:sqs",
                    "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:ImportQueue",
                    "awsRegion": "us-east-1",
                }
                result = handler({"Records": [record]}, LambdaContext())
                assert result == {"batchItemFailures": []}, result
                sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
                delivered += 1
        return delivered

    def report(self, import_id: str, **query) -> dict:
        suffix = "&".join(f"{name}={value}" for name, value in query.items())
        reply = self.api.get(f"/imports/{import_id}" + (f"?{suffix}" if suffix else ""))
        assert reply.status == 200, reply.body
        return reply.data["import"]

    def import_file(self, content: bytes | str) -> dict:
        """Upload, run the worker, return the whole report."""
        reply = self.upload(content)
        assert reply.status in (200, 202), reply.body
        self.run_worker()
        return self.report(reply.data["import"]["id"], limit=5000)


    def tracking_count(self) -> int:
        """Every tracking item the table holds, counted in the in-process moto itself: the test's
        oracle (a Scan, like the list endpoint, re-reads the table for every page in moto, which
        takes a minute for 10,000 trackings)."""
        from moto.dynamodb.models import dynamodb_backends

        table = dynamodb_backends["123456789012"]["us-east-1"].get_table("TracklineTable")
        return sum(1 for partition in table.items.values() for item in partition.values() if item.range_key.value == "TRACKING")

    def queued(self) -> list[dict]:
        """The messages waiting in the import queue (left there)."""
        sqs = boto3.client("sqs")
        messages = sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10, VisibilityTimeout=0).get("Messages", [])
        return [json.loads(message["Body"]) for message in messages]


def data_file(name: str) -> bytes:
    return (DATA / name).read_bytes()
