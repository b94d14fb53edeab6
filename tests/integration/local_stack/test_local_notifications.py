"""Notifications on a real LocalStack, driven over HTTP: a sandbox parcel polled to Delivered
tells its customer by email and SMS (files in the outbox) and posts signed webhooks to a receiver
on 127.0.0.1, each once; all through the template's stream, bus, queues and functions."""

from __future__ import annotations

import email
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import httpx
import pytest

from tests.conftest import reset_cached_clients
from tests.integration.local_stack.conftest import isolated_aws_environment
from tests.support.webhook_receiver import WebhookReceiver
from trackline_local.stack import LocalStack

SECRET = "local-webhook-secret"
API = "/tracking/2024-04"


def wait_for(condition: Callable[[], Any], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := condition()) and time.monotonic() < deadline:
        time.sleep(0.25)
    return value


@pytest.fixture(scope="module")
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver(secret=SECRET) as running:
        yield running


@pytest.fixture(scope="module")
def outbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("outbox")


@pytest.fixture(scope="module")
def stack(receiver: WebhookReceiver, outbox: Path) -> Iterator[LocalStack]:
    environment = {
        "SANDBOX_ENABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "ERROR",
        "WEBHOOK_URLS": receiver.url,
        "WEBHOOK_SECRET": SECRET,
        "WEBHOOK_ALLOW_LOCAL_HTTP": "true",
    }
    with isolated_aws_environment():
        reset_cached_clients()
        local = LocalStack(port=0, poll_interval=1, access_log=False, environment=environment, outbox_dir=outbox)
        local.start()
        try:
            yield local
        finally:
            local.stop()
            reset_cached_clients()


def test_a_parcel_to_delivered_emails_texts_and_posts_each_stage_once(stack: LocalStack, receiver: WebhookReceiver, outbox: Path):
    with httpx.Client(base_url=stack.base_url + API, headers={"as-api-key": stack.api_key}, trust_env=False, timeout=10) as http:
        created = http.post("/trackings", json={"tracking": {
            "tracking_number": "SBX20261121NOTE", "slug": "sandbox", "language": "fr",
            "emails": ["client@example.com"], "smses": ["+33 6 12 34 56 78"]}})
        assert created.status_code == 201, created.text
        tracking_id = created.json()["data"]["tracking"]["id"]
        delivered = wait_for(lambda: http.get(f"/trackings/{tracking_id}").json()["data"]["tracking"]["tag"] == "Delivered", 240)
        assert delivered

    # Webhooks: every update, signed, the tags in the order they happened, Delivered last.
    hooks = wait_for(lambda: [h for h in receiver.received if h.payload["msg"]["tag"] == "Delivered"] and receiver.received)
    tags = [hook.payload["msg"]["tag"] for hook in hooks]
    assert tags[-1] == "Delivered" and tags[0] == "InfoReceived", tags
    assert all(hook.signature_valid for hook in hooks)
    assert all(hook.headers["as-webhook-version"] == "2024-04" for hook in hooks)
    assert len({hook.payload["event_id"] for hook in hooks}) == len(hooks), "no webhook twice"
    order = ["InfoReceived", "InTransit", "OutForDelivery", "Delivered"]
    assert [order.index(tag) for tag in tags] == sorted(order.index(tag) for tag in tags)

    # The customer: trackable, then the first InTransit, OutForDelivery, Delivered; in French.
    def files(kind):
        # A message being written has a hidden temporary name until it is complete.
        return sorted(path for path in outbox.glob(f"*-{kind}-*") if not path.name.startswith("."))

    emails = wait_for(lambda: len(files("email")) >= 4 and files("email"), 90)
    messages = [email.message_from_bytes(path.read_bytes()) for path in emails]
    assert len(messages) == 4 and all(message["To"] == "client@example.com" for message in messages)
    assert any("livré" in str(email.header.make_header(email.header.decode_header(m["Subject"]))).lower() for m in messages)
    texts = wait_for(lambda: len(files("sms")) >= 4 and files("sms"), 90)
    assert len(texts) == 4 and all("+33612345678" in path.read_text() for path in texts)
