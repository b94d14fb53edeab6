"""The outbox: every e-mail the embedded SES accepted and every SMS the embedded SNS accepted is
written once, as a readable file, to LocalStack(outbox_dir=...)."""

from __future__ import annotations

import re
import time
import uuid
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Iterator

import pytest

from tests.integration.local_stack.conftest import isolated_aws_environment
from trackline_local.stack import DEFAULT_PARAMETERS, LocalStack

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  EmailSender: {Type: String, Default: ""}
Conditions:
  HasEmailSender: !Not [!Equals [!Ref EmailSender, ""]]
Globals:
  Function:
    Environment:
      Variables:
        TABLE_NAME: !Ref DataTable
        EMAIL_SENDER: !Ref EmailSender
Resources:
  DataTable:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
  SenderIdentity:
    Type: AWS::SES::EmailIdentity
    Condition: HasEmailSender
    Properties:
      EmailIdentity: !Ref EmailSender
"""

SENDER = DEFAULT_PARAMETERS["EmailSender"]
NAME = re.compile(r"^\d{8}T\d{6}\.\d{6}Z-(email|sms)-[A-Za-z0-9._-]+\.(eml|txt)$")


def _start(root: Path, outbox: Path) -> LocalStack:
    root.mkdir(parents=True, exist_ok=True)
    (root / "template.yaml").write_text(TEMPLATE)
    return LocalStack(port=0, template=root / "template.yaml", outbox_dir=outbox,
                      table_names={"DataTable": f"outbox-{uuid.uuid4().hex[:8]}"},
                      access_log=False, register_api_key=False, preload=False,
                      event_sources=False).start()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    root = tmp_path_factory.mktemp("outbox_project")
    with isolated_aws_environment():
        local = _start(root, root / "outbox")
        try:
            yield local
        finally:
            local.stop()


def _wait_for_files(folder: Path, count: int, timeout: float = 5.0) -> list[Path]:
    deadline = time.monotonic() + timeout
    while True:
        files = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
        if len(files) >= count or time.monotonic() > deadline:
            return files
        time.sleep(0.05)


def _parse(path: Path) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    assert isinstance(message, EmailMessage)
    return message


def test_emails_and_texts_land_in_the_outbox_once(stack: LocalStack) -> None:
    assert stack.outbox is not None
    folder = stack.outbox.directory
    ses, sesv2, sns = stack.client("ses"), stack.client("sesv2"), stack.client("sns")
    first = ses.send_email(
        Source=SENDER,
        Destination={"ToAddresses": ["ada@example.com"], "CcAddresses": ["bob@example.com"]},
        ReplyToAddresses=["help@trackline.localhost"],
        Message={"Subject": {"Data": "Your parcel is out for delivery"},
                 "Body": {"Text": {"Data": "It arrives today. Ünïcode too."},
                          "Html": {"Data": "<p>It arrives <b>today</b>.</p>"}}})["MessageId"]
    time.sleep(0.01)
    second = sesv2.send_email(
        FromEmailAddress=SENDER, Destination={"ToAddresses": ["cy@example.com"]},
        Content={"Simple": {"Subject": {"Data": "Delivered"},
                            "Body": {"Text": {"Data": "Left at the door."},
                                     "Html": {"Data": "<p>Left at the door.</p>"}}}})["MessageId"]
    time.sleep(0.01)
    text = sns.publish(PhoneNumber="+15555550123", Message="Parcel 1Z999 delivered.")["MessageId"]
    with pytest.raises(Exception, match="not verified"):  # moto refuses, so nothing is written
        ses.send_email(Source="stranger@example.com", Destination={"ToAddresses": ["a@b.co"]},
                       Message={"Subject": {"Data": "x"}, "Body": {"Text": {"Data": "x"}}})

    files = _wait_for_files(folder, 3)
    assert [p.name for p in files] == sorted(p.name for p in files)
    assert len(files) == 3 and all(NAME.match(p.name) for p in files), files
    # names sort in sending order and carry the message id
    assert [p.name.split("-", 2)[1] for p in files] == ["email", "email", "sms"]
    assert first in files[0].name and second in files[1].name and text in files[2].name

    email = _parse(files[0])
    assert (email["From"], email["To"], email["Cc"], email["Reply-To"], email["Subject"]) == \
        (SENDER, "ada@example.com", "bob@example.com", "help@trackline.localhost",
         "Your parcel is out for delivery")
    assert email["Date"] is not None and first in email["Message-ID"]
    assert email.get_content_type() == "multipart/alternative"
    assert email.get_body(("plain",)).get_content().strip() == "It arrives today. Ünïcode too."
    assert email.get_body(("html",)).get_content().strip() == "<p>It arrives <b>today</b>.</p>"
    v2 = _parse(files[1])
    assert (v2["To"], v2["Subject"]) == ("cy@example.com", "Delivered")
    assert v2.get_body(("plain",)).get_content().strip() == "Left at the door."
    assert v2.get_body(("html",)).get_content().strip() == "<p>Left at the door.</p>"
    sms = files[2].read_text(encoding="utf-8")
    assert sms.startswith("To: +15555550123\nSent: ") and "Parcel 1Z999 delivered." in sms
    assert f"Message-Id: {text}" in sms

    # each message once; nothing half-written is left behind
    assert stack.outbox.flush() == []
    assert sorted(folder.iterdir()) == files


def test_a_raw_email_is_written_as_sent(stack: LocalStack) -> None:
    folder = stack.outbox.directory
    before = set(folder.iterdir())
    raw = (f"From: {SENDER}\r\nTo: dee@example.com\r\nSubject: Raw one\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n\r\nAs it was sent.\r\n")
    message_id = stack.client("ses").send_raw_email(
        Source=SENDER, Destinations=["dee@example.com"],
        RawMessage={"Data": raw.encode()})["MessageId"]
    stack.outbox.flush()
    (path,) = set(folder.iterdir()) - before
    assert message_id in path.name and path.suffix == ".eml"
    message = _parse(path)
    assert message["Subject"] == "Raw one" and "As it was sent." in message.get_content()


def test_messages_from_before_the_stack_are_not_written(tmp_path: Path) -> None:
    """moto keeps what it accepted for the whole process: a new stack writes only its own."""
    with isolated_aws_environment():
        earlier = _start(tmp_path / "a", tmp_path / "a" / "outbox")
        try:
            earlier.client("sns").publish(PhoneNumber="+15555550100", Message="earlier")
            assert len(_wait_for_files(tmp_path / "a" / "outbox", 1)) == 1
        finally:
            earlier.stop()
        later = _start(tmp_path / "b", tmp_path / "b" / "outbox")
        try:
            later.client("sns").publish(PhoneNumber="+15555550101", Message="later")
        finally:
            later.stop()  # writes what is left
        (path,) = (tmp_path / "b" / "outbox").iterdir()
        assert "later" in path.read_text() and "earlier" not in path.read_text()


def test_an_email_the_tap_missed_is_written_from_what_moto_kept(stack: LocalStack) -> None:
    """Only the HTML body survives in moto: it is written as HTML, never lost."""
    assert stack.outbox is not None and stack.outbox.tap is not None
    folder = stack.outbox.directory
    before = set(folder.iterdir())
    tap, stack.outbox.tap = stack.outbox.tap, None
    try:
        stack.client("ses").send_email(
            Source=SENDER, Destination={"ToAddresses": ["eve@example.com"]},
            Message={"Subject": {"Data": "Untapped"},
                     "Body": {"Html": {"Data": "<p>Only HTML</p>"}}})
        stack.outbox.flush()
    finally:
        stack.outbox.tap = tap
    (path,) = set(folder.iterdir()) - before
    message = _parse(path)
    assert message["Subject"] == "Untapped" and message.get_content_type() == "text/html"
