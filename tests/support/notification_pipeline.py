"""The notification functions driven in the test's own thread against in-process moto, with the
events Lambda's event sources would send: table stream records (filtered as the template says)
to the change stream function, queue messages to the notifier and the webhook sender."""

from dataclasses import dataclass, field
from typing import Any

import boto3

from tests.support.handlers import LambdaContext, load_handler
from trackline_local.events import failed_message_ids, sqs_record
from trackline_local.filters import load_filter_criteria, passes_filters
from trackline_local.streams import lambda_stream_record, without_phantom_records
from trackline_local.template import Template

REGION = "us-east-1"


def change_stream_filters(template: Template) -> list[dict[str, Any]]:
    function = template.resources["ChangeStreamFunction"]["Properties"]
    return load_filter_criteria(function["Events"]["TableStream"]["Properties"]["FilterCriteria"])


@dataclass
class NotificationPipeline:
    template: Template
    table_name: str
    queue_urls: dict[str, str]
    _iterators: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.stream_arn = boto3.client("dynamodb").describe_table(TableName=self.table_name)["Table"]["LatestStreamArn"]
        self._streams = boto3.client("dynamodbstreams")
        self._sqs = boto3.client("sqs")
        self._filters = change_stream_filters(self.template)
        self.change_stream = load_handler("change_stream", "change_stream_handler")
        self.notifier = load_handler("notifier", "notifier_handler")
        self.webhook_sender = load_handler("webhook_sender", "webhook_sender_handler")
        for shard in self._streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]["Shards"]:
            self._iterators[shard["ShardId"]] = self._streams.get_shard_iterator(
                StreamArn=self.stream_arn, ShardId=shard["ShardId"], ShardIteratorType="LATEST"
            )["ShardIterator"]

    # -- the stream --------------------------------------------------------------------------
    def stream_records(self) -> list[dict[str, Any]]:
        """The tracking writes since the last call, as the change stream function receives them."""
        records = []
        for shard_id, iterator in self._iterators.items():
            response = self._streams.get_records(ShardIterator=iterator)
            self._iterators[shard_id] = response["NextShardIterator"]
            records += without_phantom_records(response["Records"])
        events = [lambda_stream_record(raw, stream_arn=self.stream_arn, region=REGION) for raw in records]
        return [event for event in events if passes_filters(event, self._filters)]

    def run_change_stream(self, records: list[dict[str, Any]] | None = None) -> dict:
        """Lambda never invokes with an empty batch; neither does this."""
        records = self.stream_records() if records is None else records
        return self.change_stream({"Records": records}, LambdaContext()) if records else {"batchItemFailures": []}

    # -- the queues ----------------------------------------------------------------------------
    def messages(self, queue: str, *, visible_only: bool = True) -> list[dict[str, Any]]:
        """Receives what is visible in a queue (each becomes invisible for its visibility timeout)."""
        return self._sqs.receive_message(
            QueueUrl=self.queue_urls[queue], MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"]
        ).get("Messages", [])

    def count(self, queue: str) -> int:
        attributes = self._sqs.get_queue_attributes(
            QueueUrl=self.queue_urls[queue],
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])

    def deliver(self, queue: str, handler, messages: list[dict[str, Any]] | None = None) -> set[str]:
        """One SQS batch to a function, as Lambda's SQS integration: the records it does not
        report as failed are deleted. Returns the failed message ids."""
        messages = self.messages(queue) if messages is None else messages
        if not messages:
            return set()
        arn = f"arn:aws:sqs:{REGION}:123456789012:{queue}"
        records = [sqs_record(message, queue_arn=arn, region=REGION) for message in messages]
        response = handler({"Records": records}, LambdaContext())
        failed = failed_message_ids(response, [r["messageId"] for r in records], True)
        for record in records:
            if record["messageId"] not in failed:
                self._sqs.delete_message(QueueUrl=self.queue_urls[queue], ReceiptHandle=record["receiptHandle"])
        return failed

    def notify(self) -> set[str]:
        return self.deliver("NotificationQueue", self.notifier)

    def send_webhooks(self) -> set[str]:
        return self.deliver("WebhookQueue", self.webhook_sender)
