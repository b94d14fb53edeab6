"""Notifications end to end against moto: table stream -> change events on the bus -> customer
emails (SES) and texts (SNS) and signed webhooks, each exactly once and never out of order."""

import json
import logging

import boto3
import pytest
from moto.ses.models import ses_backends
from moto.sns.models import sns_backends

from tests.conftest import TABLE_NAME, TEMPLATE, reset_cached_clients
from tests.support.notification_pipeline import REGION, NotificationPipeline
from tests.support.webhook_receiver import WebhookReceiver
from trackline.consumers import redelivery
from trackline.models.refs import TrackingById
from trackline.models.requests import CreateTracking
from trackline.models.tracking import AftershipEstimatedDeliveryDate, Checkpoint
from trackline.services.trackings import TrackingService
from trackline_local.email_identities import ensure_email_identities
from trackline_local.event_rules import ensure_event_rules
from trackline_local.template import Template, ensure_queues

ACCOUNT = "123456789012"
SENDER = "shipping@shop.example"
SECRET = "whsec-test-secret"
CUSTOMER_EMAILS = ["ann@example.com", "bob@example.org"]
CUSTOMER_PHONES = ["+4915123456789"]


@pytest.fixture
def receiver():
    with WebhookReceiver(secret=SECRET) as running:
        yield running


@pytest.fixture
def notifications(table, monkeypatch, receiver):
    template = Template.load(TEMPLATE)
    names = {"TracklineTable": TABLE_NAME}
    resolver = template.resolver(names, parameters={"EmailSender": SENDER}, region=REGION)
    queue_urls = ensure_queues(boto3.client("sqs"), template, names, resolver=resolver)
    resolver.refs.update(queue_urls)
    ensure_event_rules(boto3.client("events"), template, names, resolver=resolver)
    ensure_email_identities(boto3.client("ses"), template, names, resolver=resolver)
    environment = {
        "EVENT_BUS_NAME": resolver.ref("TracklineEventBus"),
        "EMAIL_SENDER": SENDER,
        "WEBHOOK_URLS": receiver.url,
        "WEBHOOK_SECRET": SECRET,
        "WEBHOOK_ALLOW_LOCAL_HTTP": "true",
        "WEBHOOK_QUEUE_URL": queue_urls["WebhookQueue"],
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    reset_cached_clients()
    return NotificationPipeline(template, TABLE_NAME, queue_urls)


def sent_emails():
    return ses_backends[ACCOUNT][REGION].sent_messages


def sent_sms():
    return list(sns_backends[ACCOUNT][REGION].sms_messages.values())


def create_tracking(language="de", **fields):
    request = CreateTracking.model_validate(
        {"tracking_number": "1Z999AA10123456784", "slug": "ups", "emails": CUSTOMER_EMAILS, "smses": CUSTOMER_PHONES,
         "language": language, **fields}
    )
    return TrackingService().create(request)


def advance(tracking_id, tag, message, at, **fields):
    def apply(record):
        record.checkpoints.append(Checkpoint(tag=tag, message=message, checkpoint_time=at, slug="ups", city="Leipzig", country_iso3="DEU"))
        record.tag = tag
        for name, value in fields.items():
            setattr(record, name, value)

    return TrackingService().change(TrackingById(tracking_id=tracking_id), apply)


def run_everything(notifications):
    notifications.run_change_stream()
    while notifications.notify() or notifications.count("NotificationQueue"):
        pass
    while notifications.send_webhooks() or notifications.count("WebhookQueue"):
        pass


def test_a_journey_tells_customers_once_per_stage_and_posts_every_update(notifications, receiver, capsys):
    tracking = create_tracking()
    run_everything(notifications)
    assert sent_emails() == [] and receiver.received == [], "a Pending tracking has nothing to tell"

    advance(tracking.id, "InfoReceived", "Shipment information received", "2026-11-20T08:00:00+00:00")
    run_everything(notifications)
    advance(tracking.id, "InTransit", "Picked up", "2026-11-20T18:00:00+00:00")
    run_everything(notifications)
    advance(tracking.id, "InTransit", "Arrived at facility", "2026-11-21T03:00:00+00:00")
    run_everything(notifications)
    advance(tracking.id, "Delivered", "Delivered, front door", "2026-11-21T14:00:00+00:00")
    run_everything(notifications)

    # Customers: trackable (first checkpoint), first InTransit, Delivered; in German; to each address.
    emails = sent_emails()
    assert len(emails) == 3 * len(CUSTOMER_EMAILS)
    assert sorted({tuple(email.destinations["ToAddresses"]) for email in emails}) == [(a,) for a in sorted(CUSTOMER_EMAILS)]
    assert all(email.source == SENDER for email in emails)
    subjects = [email.subject for email in emails if email.destinations["ToAddresses"] == [CUSTOMER_EMAILS[0]]]
    assert len(set(subjects)) == 3
    assert any("zugestellt" in subject.lower() for subject in subjects), subjects
    assert "1Z999AA10123456784" in emails[-1].body
    texts = sent_sms()
    assert len(texts) == 3 and {phone for phone, _ in texts} == set(CUSTOMER_PHONES)

    # Systems: every update, signed, in order, with the contract's payload.
    hooks = receiver.received
    assert [hook.payload["msg"]["tag"] for hook in hooks] == ["InfoReceived", "InTransit", "InTransit", "Delivered"]
    assert [hook.payload["is_tracking_first_tag"] for hook in hooks] == [True, True, False, True]
    assert all(hook.signature_valid for hook in hooks)
    assert all(hook.headers["as-webhook-version"] == "2024-04" for hook in hooks)
    assert {hook.payload["event"] for hook in hooks} == {"tracking_update"}
    assert len({hook.payload["event_id"] for hook in hooks}) == 4
    first = hooks[0].payload
    assert set(first) == {"event", "event_id", "is_tracking_first_tag", "msg", "ts"} and isinstance(first["ts"], int)
    assert first["msg"]["id"] == tracking.id and first["msg"]["tracking_number"] == "1Z999AA10123456784"

    # Nothing personal in the logs.
    logged = capsys.readouterr()
    for address in (*CUSTOMER_EMAILS, *CUSTOMER_PHONES):
        assert address not in logged.out + logged.err


def test_redelivered_stream_records_and_messages_send_nothing_twice(notifications, receiver):
    tracking = create_tracking()
    notifications.run_change_stream()
    advance(tracking.id, "InTransit", "Picked up", "2026-11-20T18:00:00+00:00")
    records = notifications.stream_records()
    notifications.run_change_stream(records)
    notifications.run_change_stream(records)  # Lambda retried the batch
    assert notifications.count("NotificationQueue") == 2 and notifications.count("WebhookQueue") == 2

    while notifications.notify() or notifications.count("NotificationQueue"):
        pass
    while notifications.send_webhooks() or notifications.count("WebhookQueue"):
        pass
    assert len(sent_emails()) == len(CUSTOMER_EMAILS) and len(sent_sms()) == len(CUSTOMER_PHONES)
    assert len(receiver.received) == 1


def test_a_late_older_change_is_never_announced_after_a_newer_one(notifications, receiver):
    tracking = create_tracking(language="en")
    notifications.run_change_stream()
    advance(tracking.id, "InTransit", "Picked up", "2026-11-20T18:00:00+00:00")
    advance(tracking.id, "Delivered", "Delivered", "2026-11-21T14:00:00+00:00")
    notifications.run_change_stream()

    for queue, handler in (("NotificationQueue", notifications.notifier), ("WebhookQueue", notifications.webhook_sender)):
        messages = notifications.messages(queue)
        by_version = sorted(messages, key=lambda m: json.loads(m["Body"])["detail"]["version"], reverse=True)
        for message in by_version:  # the newer change arrives first
            notifications.deliver(queue, handler, [message])

    subjects = [email.subject for email in sent_emails()]
    assert len(subjects) == len(CUSTOMER_EMAILS) and all("delivered" in s.lower() for s in subjects), subjects
    assert [hook.payload["msg"]["tag"] for hook in receiver.received] == ["Delivered"]


def test_a_failing_receiver_gets_the_contract_schedule_then_the_dead_letter_queue(notifications, receiver, monkeypatch):
    receiver.statuses = [500]
    delays = []
    sqs = redelivery._sqs()
    real_change = sqs.change_message_visibility

    def record_delay(**kwargs):
        delays.append(kwargs["VisibilityTimeout"])
        return real_change(**{**kwargs, "VisibilityTimeout": 0})  # the test does not wait

    monkeypatch.setattr(sqs, "change_message_visibility", record_delay)
    tracking = create_tracking()
    notifications.run_change_stream()
    advance(tracking.id, "InTransit", "Picked up", "2026-11-20T18:00:00+00:00")
    notifications.run_change_stream()

    for _ in range(20):
        notifications.send_webhooks()
    assert len(receiver.received) == 14
    assert delays == [min(43_200, 30 * 2**n) for n in range(14)]
    assert notifications.count("WebhookQueue") == 0 and notifications.count("WebhookDeadLetterQueue") == 1
    assert all(hook.payload["event_id"] == receiver.received[0].payload["event_id"] for hook in receiver.received)


def test_a_receiver_that_recovers_gets_the_webhook_once(notifications, receiver, monkeypatch):
    receiver.statuses = [503, 502, 204]
    sqs = redelivery._sqs()
    real_change = sqs.change_message_visibility
    monkeypatch.setattr(sqs, "change_message_visibility", lambda **kw: real_change(**{**kw, "VisibilityTimeout": 0}))
    tracking = create_tracking()
    notifications.run_change_stream()
    advance(tracking.id, "InTransit", "Picked up", "2026-11-20T18:00:00+00:00")
    notifications.run_change_stream()
    for _ in range(5):
        notifications.send_webhooks()
    assert len(receiver.received) == 3 and notifications.count("WebhookQueue") == 0
    assert notifications.count("WebhookDeadLetterQueue") == 0


def test_one_failing_url_does_not_repeat_the_webhook_at_the_others(notifications, receiver, monkeypatch):
    with WebhookReceiver(secret=SECRET, statuses=[500, 500, 200]) as flaky:
        monkeypatch.setenv("WEBHOOK_URLS", f"{receiver.url},{flaky.url}")
        reset_cached_clients()
        sqs = redelivery._sqs()
        real_change = sqs.change_message_visibility
        monkeypatch.setattr(sqs, "change_message_visibility", lambda **kw: real_change(**{**kw, "VisibilityTimeout": 0}))
        tracking = create_tracking()
        notifications.run_change_stream()
        advance(tracking.id, "InTransit", "Picked up", "2026-11-20T18:00:00+00:00")
        notifications.run_change_stream()
        for _ in range(5):
            notifications.send_webhooks()
        assert len(receiver.received) == 1 and len(flaky.received) == 3
        assert receiver.received[0].body == flaky.received[-1].body


def test_an_estimated_delivery_change_posts_edd_revise_and_emails_nobody(notifications, receiver):
    tracking = create_tracking()
    advance(tracking.id, "InTransit", "Picked up", "2026-11-20T18:00:00+00:00")
    notifications.run_change_stream()
    run_everything(notifications)
    emails_before, hooks_before = len(sent_emails()), len(receiver.received)

    def revise(record):
        record.aftership_estimated_delivery_date = AftershipEstimatedDeliveryDate(estimated_delivery_date="2026-11-26")

    TrackingService().change(TrackingById(tracking_id=tracking.id), revise)
    run_everything(notifications)
    assert len(sent_emails()) == emails_before
    [revision] = receiver.received[hooks_before:]
    assert revision.payload["event"] == "edd_revise" and revision.signature_valid
    assert revision.payload["msg"]["aftership_estimated_delivery_date"]["estimated_delivery_date"] == "2026-11-26"


def test_an_unknown_language_gets_english_and_no_sender_means_no_email(notifications, monkeypatch):
    tracking = create_tracking(language="ko")  # no Korean templates
    notifications.run_change_stream()
    advance(tracking.id, "InTransit", "Picked up", "2026-11-20T18:00:00+00:00")
    run_everything(notifications)
    assert all("on its way" in email.subject.lower() or "on the way" in email.subject.lower() for email in sent_emails()), [e.subject for e in sent_emails()]

    monkeypatch.delenv("EMAIL_SENDER")
    reset_cached_clients()
    other = create_tracking(tracking_number="1ZE0G4UG5588872383")
    notifications.run_change_stream()
    count = len(sent_emails())
    advance(other.id, "InTransit", "Picked up", "2026-11-20T18:00:00+00:00")
    run_everything(notifications)
    assert len(sent_emails()) == count and len(sent_sms()) == 2 * len(CUSTOMER_PHONES)


def test_a_ses_failure_for_one_address_retries_only_that_address(notifications, monkeypatch, caplog):
    from trackline.outbound.aws_clients import aws_client

    ses = aws_client("ses")
    real_send = ses.send_email
    failures = {"left": 1}

    def flaky_send(**kwargs):
        if kwargs["Destination"]["ToAddresses"] == [CUSTOMER_EMAILS[1]] and failures["left"]:
            failures["left"] -= 1
            raise ses.exceptions.MessageRejected({"Error": {"Code": "Throttling", "Message": f"throttled {CUSTOMER_EMAILS[1]}"}}, "SendEmail")
        return real_send(**kwargs)

    monkeypatch.setattr(ses, "send_email", flaky_send)
    sqs = boto3.client("sqs")
    tracking = create_tracking()
    notifications.run_change_stream()
    advance(tracking.id, "InTransit", "Picked up", "2026-11-20T18:00:00+00:00")
    notifications.run_change_stream()
    [message] = notifications.messages("NotificationQueue")
    assert notifications.deliver("NotificationQueue", notifications.notifier, [message]) == {message["MessageId"]}
    sqs.change_message_visibility(QueueUrl=notifications.queue_urls["NotificationQueue"], ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
    assert notifications.notify() == set()
    destinations = [email.destinations["ToAddresses"][0] for email in sent_emails()]
    assert sorted(destinations) == sorted(CUSTOMER_EMAILS)
    assert len(sent_sms()) == len(CUSTOMER_PHONES)
