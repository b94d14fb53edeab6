"""No email address, phone number, name or street address in the logs: everything the functions'
Powertools loggers write (at DEBUG, more than production's INFO) is captured while a tracking
with customers' contacts is created, updated, polled and announced by email, SMS and webhook, a
webhook fails once, and requests with invalid contacts are refused."""

import json
import re
import sys
import time
from contextlib import contextmanager

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.ses.models import ses_backends
from moto.sns.models import sns_backends

from tests.conftest import PROJECT_ROOT, TABLE_NAME, TEMPLATE, reset_cached_clients
from tests.security.conftest import captured_logs
from tests.support.handlers import LambdaContext, load_handler
from tests.support.notification_pipeline import REGION, NotificationPipeline
from tests.support.webhook_receiver import WebhookReceiver
from trackline.consumers import redelivery

SENDER = "shipping@shop.example"
EMAILS = ["jane.roe@customer.example", "j.doe+parcels@mail.example"]
PHONES = ["+4915123456789", "+14155550123"]
NAME = "Jane Roe-Personal"
ADDRESS = "742 Evergreen Terrace, Springfield"
PERSONAL = [*EMAILS, *PHONES, NAME, ADDRESS, "jane.roe", "4915123456789", "14155550123", "Evergreen"]
EMAIL_PATTERN = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
PHONE_PATTERN = re.compile(r"\+?\d[\d ()-]{8,}\d")


@pytest.fixture
def receiver():
    with WebhookReceiver(secret="whsec-logs", statuses=[500, 200]) as running:
        yield running


@pytest.fixture
def flows(pipeline, chain, receiver, monkeypatch):
    from trackline_local.email_identities import ensure_email_identities
    from trackline_local.event_rules import ensure_event_rules
    from trackline_local.template import Template

    template = Template.load(TEMPLATE)
    names = {"TracklineTable": TABLE_NAME}
    resolver = template.resolver(names, parameters={"EmailSender": SENDER}, region=REGION)
    resolver.refs.update(pipeline)
    ensure_event_rules(boto3.client("events"), template, names, resolver=resolver)
    ensure_email_identities(boto3.client("ses"), template, names, resolver=resolver)
    for name, value in {
        "EVENT_BUS_NAME": resolver.ref("TracklineEventBus"),
        "EMAIL_SENDER": SENDER,
        "WEBHOOK_URLS": receiver.url,
        "WEBHOOK_SECRET": "whsec-logs",
        "WEBHOOK_ALLOW_LOCAL_HTTP": "true",
        "WEBHOOK_QUEUE_URL": pipeline["WebhookQueue"],
    }.items():
        monkeypatch.setenv(name, value)
    reset_cached_clients()
    scheduler = load_handler("poll_scheduler", "poll_scheduler_handler")
    sys.modules["poll_scheduler_handler"].scheduler.cache_clear()  # made with another test's queue, maybe
    # A refused webhook comes back at once instead of after the contract's 30 s.
    sqs = redelivery._sqs()
    real_change = sqs.change_message_visibility
    monkeypatch.setattr(sqs, "change_message_visibility", lambda **kw: real_change(**{**kw, "VisibilityTimeout": 0}))
    chain.gateway.functions.preload()
    return NotificationPipeline(template, TABLE_NAME, pipeline), scheduler, load_handler("poll_worker", "poll_worker_handler")


def test_no_personal_data_reaches_the_logs(flows, chain, api_key, receiver):
    notifications, scheduler, worker = flows
    base = "/tracking/2024-04"
    scheduled = json.loads((PROJECT_ROOT / "events/poll_scheduler/scheduled_event.json").read_text())
    create = {"tracking": {"tracking_number": "SBX" + str(time.time_ns())[-12:], "slug": "sandbox", "emails": EMAILS[:1],
                           "smses": PHONES[:1], "customer_name": NAME, "destination_raw_location": ADDRESS, "title": "order"}}
    with captured_logs() as logs, store_throttled_once():
        busy = chain.request("POST", f"{base}/trackings", key=api_key, body=create)
        assert busy.status == 503, busy.body  # logged by the API function, with its traceback
        created = chain.request("POST", f"{base}/trackings", key=api_key, body=create)
        assert created.status == 201, created.body
        tracking_id = created.body["data"]["tracking"]["id"]
        updated = chain.request("PUT", f"{base}/trackings/{tracking_id}", key=api_key,
                                body={"tracking": {"emails": EMAILS, "smses": PHONES, "customer_name": NAME}})
        assert updated.status == 200, updated.body
        for action, contacts in (("remove", {"emails": EMAILS[1:]}), ("add", {"emails": EMAILS[1:], "smses": PHONES[1:]})):
            changed = chain.request("POST", f"{base}/notifications/{tracking_id}/{action}", key=api_key, body={"notification": contacts})
            assert changed.status == 200, changed.body
        for refused in (
            chain.request("POST", f"{base}/trackings", key=api_key, body={"tracking": {"tracking_number": "TL00000001", "emails": [f"{NAME} <{EMAILS[0]}"]}}),
            chain.request("PUT", f"{base}/trackings/{tracking_id}", key=api_key, body={"tracking": {"smses": [PHONES[0] + "x"]}}),
            chain.request("POST", f"{base}/notifications/{tracking_id}/add", key=api_key, body={"notification": {"emails": [f"person{n}@customer.example" for n in range(4)]}}),
        ):
            assert refused.status == 400, refused.body

        for _ in range(3):  # the sandbox courier moves one step per poll
            time.sleep(1.1)  # every cadence is capped at one second (the pipeline fixture)
            scheduler(scheduled, LambdaContext())
            notifications.deliver("PollQueue", worker)
        notifications.run_change_stream()
        while notifications.notify() or notifications.count("NotificationQueue"):
            pass
        for _ in range(3):  # the first webhook is refused once, then delivered
            notifications.send_webhooks()

    # The flows really ran: polled, emailed, texted, posted (once refused).
    tracking = chain.request("GET", f"{base}/trackings/{tracking_id}", key=api_key).body["data"]["tracking"]
    assert tracking["checkpoints"] and tracking["tag"] != "Pending"
    assert ses_backends["123456789012"][REGION].sent_messages and sns_backends["123456789012"][REGION].sms_messages
    assert len(receiver.received) >= 2 and receiver.received[-1].payload["msg"]["emails"] == EMAILS

    logged = logs.getvalue()
    assert logged.count('"level"') >= 5, "the functions' log lines were captured"
    assert "DynamoDB request failed" in logged and "Poll scheduler run" in logged and "webhook" in logged.lower()
    for value in PERSONAL:
        assert value not in logged, f"{value!r} was logged"
    assert [m.group(0) for m in EMAIL_PATTERN.finditer(logged) if m.group(0) != SENDER] == []
    assert [number for number in PHONE_PATTERN.findall(logged) if number.startswith("+")] == []



@contextmanager
def store_throttled_once():
    """The next transaction (a create) is throttled by DynamoDB."""
    from trackline.repository.dynamodb import dynamodb_client

    client = dynamodb_client()
    real = client.transact_write_items
    throttled = []

    def transact_write_items(**kwargs):
        if not throttled:
            throttled.append(True)
            raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "Rate exceeded"}},
                              "TransactWriteItems")
        return real(**kwargs)

    client.transact_write_items = transact_write_items
    try:
        yield
    finally:
        del client.transact_write_items
