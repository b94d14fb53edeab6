"""Fault drills on the polling and notification pipeline: SQS redelivers, a Lambda times out in
the middle of a batch, a worker dies between the carrier's answer and the write. Afterwards
every checkpoint is stored once, and every customer and webhook receiver heard once."""

import boto3
import pytest
from moto.ses.models import ses_backends

from tests.conftest import TABLE_NAME, TEMPLATE, reset_cached_clients
from tests.support.handlers import load_handler
from tests.support.notification_pipeline import REGION, NotificationPipeline
from tests.support.webhook_receiver import WebhookReceiver
from trackline.carriers import registry
from trackline.carriers.base import ShipmentUpdate, checkpoint
from trackline.models.requests import CreateTracking
from trackline.services.trackings import TrackingService
from trackline_local.email_identities import ensure_email_identities
from trackline_local.event_rules import ensure_event_rules
from trackline_local.template import Template, ensure_queues

SECRET = "whsec-fault-drills"
SLUG = "aramex"  # served here by FixedHistoryCarrier


class LambdaTimeout(BaseException):
    """The invocation ends where it is: nothing after this line runs, nothing is reported."""


class FixedHistoryCarrier:
    """A real carrier's behaviour: every answer is the whole history so far."""

    slug, max_batch = SLUG, 1

    def __init__(self) -> None:
        self.asked = 0

    def fetch(self, tracking_numbers, known_checkpoints=None):
        self.asked += 1
        history = [
            checkpoint(subtag="InfoReceived_001", raw_tag="MP", checkpoint_time="2026-11-20T08:00:00+01:00", message="Label created"),
            checkpoint(subtag="InTransit_002", raw_tag="PU", checkpoint_time="2026-11-20T18:00:00+01:00", message="Picked up", city="Leipzig"),
        ]
        return {number: ShipmentUpdate(tracking_number=number, checkpoints=history) for number in tracking_numbers}


@pytest.fixture
def drill(pipeline, monkeypatch):
    """The table, the queues, the bus and its rules, SES, a webhook receiver, the stub carrier."""
    with WebhookReceiver(secret=SECRET) as receiver:
        template = Template.load(TEMPLATE)
        names = {"TracklineTable": TABLE_NAME}
        resolver = template.resolver(names, parameters={"EmailSender": "shipping@shop.example"}, region=REGION)
        queue_urls = ensure_queues(boto3.client("sqs"), template, names, resolver=resolver)
        resolver.refs.update(queue_urls)
        ensure_event_rules(boto3.client("events"), template, names, resolver=resolver)
        ensure_email_identities(boto3.client("ses"), template, names, resolver=resolver)
        environment = {
            "EVENT_BUS_NAME": resolver.ref("TracklineEventBus"), "EMAIL_SENDER": "shipping@shop.example",
            "WEBHOOK_URLS": receiver.url, "WEBHOOK_SECRET": SECRET, "WEBHOOK_ALLOW_LOCAL_HTTP": "true",
            "WEBHOOK_QUEUE_URL": queue_urls["WebhookQueue"], "POLL_QUEUE_URL": queue_urls["PollQueue"],
        }
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        reset_cached_clients()
        carrier = FixedHistoryCarrier()
        real_adapter_for = registry.adapter_for
        monkeypatch.setattr(registry, "adapter_for", lambda slug, **kw: carrier if slug == SLUG else real_adapter_for(slug, **kw))
        flow = NotificationPipeline(template, TABLE_NAME, queue_urls)
        flow.receiver, flow.carrier = receiver, carrier
        flow.poll_worker = load_handler("poll_worker", "poll_worker_handler")
        yield flow


def create_trackings(drill, count: int) -> list:
    service = TrackingService()
    created = [
        service.create(CreateTracking(slug=SLUG, tracking_number=f"TLDRILL{index:05d}", emails=[f"customer{index}@example.com"]))
        for index in range(count)
    ]
    drill.run_change_stream()  # the creations: Pending, nothing to tell
    return created


def queue_polls(drill, trackings) -> None:
    sqs = boto3.client("sqs")
    for tracking in trackings:
        sqs.send_message(QueueUrl=drill.queue_urls["PollQueue"], MessageBody=f'{{"slug": "{SLUG}", "tracking_ids": ["{tracking.id}"]}}')


def invocation_dies(drill, queue: str, handler) -> None:
    """One batch whose invocation never returns: no record is deleted, and once the visibility
    timeout is over (here: at once) every message of the batch is delivered again."""
    messages = drill.messages(queue)
    assert messages
    with pytest.raises(LambdaTimeout):
        drill.deliver(queue, handler, messages)
    sqs = boto3.client("sqs")
    for message in messages:
        sqs.change_message_visibility(QueueUrl=drill.queue_urls[queue], ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)


def drain(drill) -> None:
    while drill.deliver("PollQueue", drill.poll_worker) or drill.count("PollQueue"):
        pass
    drill.run_change_stream()
    while drill.notify() or drill.count("NotificationQueue"):
        pass
    while drill.send_webhooks() or drill.count("WebhookQueue"):
        pass


def assert_everything_once(drill, trackings) -> None:
    service = TrackingService()
    for tracking in trackings:
        stored = service.get_many([tracking.id])[0]
        assert [point.message for point in stored.checkpoints] == ["Label created", "Picked up"], "a checkpoint was lost or doubled"
        assert stored.tag == "InTransit"
    emails = [email.destinations["ToAddresses"][0] for email in ses_backends["123456789012"][REGION].sent_messages]
    assert sorted(emails) == sorted(address for tracking in trackings for address in tracking.emails), "an email was lost or sent twice"
    events = [hook.payload["event_id"] for hook in drill.receiver.received]
    assert len(events) == len(set(events)), "a webhook was sent twice"
    updates = [hook.payload["msg"]["id"] for hook in drill.receiver.received if hook.payload["event"] == "tracking_update"]
    assert sorted(updates) == sorted(tracking.id for tracking in trackings), "a tracking_update was lost or sent twice"
    assert all(hook.signature_valid for hook in drill.receiver.received)


def test_a_redelivered_poll_message_stores_and_tells_nothing_twice(drill):
    trackings = create_trackings(drill, 2)
    queue_polls(drill, trackings)
    queue_polls(drill, trackings)  # SQS delivers at least once: the same work arrives again
    drain(drill)
    assert drill.carrier.asked == 4
    assert_everything_once(drill, trackings)


def test_a_lambda_timeout_in_the_middle_of_a_batch_loses_and_repeats_nothing(drill, monkeypatch):
    trackings = create_trackings(drill, 3)
    queue_polls(drill, trackings)
    real_change = TrackingService.change
    saved = []

    def change_until_the_time_is_up(self, *args, **kwargs):
        if len(saved) == 1:
            raise LambdaTimeout()  # the first tracking is written, the rest never
        saved.append(real_change(self, *args, **kwargs))
        return saved[-1]

    monkeypatch.setattr(TrackingService, "change", change_until_the_time_is_up)
    invocation_dies(drill, "PollQueue", drill.poll_worker)
    monkeypatch.setattr(TrackingService, "change", real_change)
    assert len(saved) == 1
    drain(drill)
    assert_everything_once(drill, trackings)


def test_a_crash_between_the_carrier_answer_and_the_write_loses_nothing(drill, monkeypatch):
    from trackline.repository.trackings import TrackingRepository

    trackings = create_trackings(drill, 1)
    queue_polls(drill, trackings)
    real_save = TrackingRepository.save

    def crash(self, *args, **kwargs):
        raise LambdaTimeout()

    monkeypatch.setattr(TrackingRepository, "save", crash)
    invocation_dies(drill, "PollQueue", drill.poll_worker)
    monkeypatch.setattr(TrackingRepository, "save", real_save)
    assert drill.carrier.asked == 1
    assert TrackingService().get_many([trackings[0].id])[0].checkpoints == [], "the crash came before the write"
    drain(drill)
    assert drill.carrier.asked == 2
    assert_everything_once(drill, trackings)


def test_notifier_and_webhook_invocations_that_die_after_their_work_send_nothing_twice(drill):
    trackings = create_trackings(drill, 2)
    queue_polls(drill, trackings)
    while drill.deliver("PollQueue", drill.poll_worker) or drill.count("PollQueue"):
        pass
    drill.run_change_stream()
    for queue, handler in (("NotificationQueue", drill.notifier), ("WebhookQueue", drill.webhook_sender)):
        messages = drill.messages(queue)
        assert messages
        handler({"Records": [_record(drill, queue, message) for message in messages]}, _context())  # done, but never acknowledged
        sqs = boto3.client("sqs")
        for message in messages:
            sqs.change_message_visibility(QueueUrl=drill.queue_urls[queue], ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
    drain(drill)
    assert_everything_once(drill, trackings)


def _record(drill, queue: str, message: dict) -> dict:
    from trackline_local.events import sqs_record

    return sqs_record(message, queue_arn=f"arn:aws:sqs:{REGION}:123456789012:{queue}", region=REGION)


def _context():
    from tests.support.handlers import LambdaContext

    return LambdaContext()
