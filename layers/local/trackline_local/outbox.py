"""The outbox: every email the embedded SES accepted and every SMS the embedded SNS accepted,
written to a folder as one readable file each, so a developer sees what customers would get.

moto keeps what it accepted in this process (ses_backends[account][region].sent_messages,
sns_backends[account][region].sms_messages); a background thread looks there a few times a second
and writes each new message once:
    <UTC time>-email-<message id>.eml   a MIME message: From, To, Cc, Bcc, Reply-To, Subject,
                                        Date, Message-ID, the text and the HTML bodies
    <UTC time>-sms-<message id>.txt     To, Sent, Message-Id, then the text
The time (20260101T120000.123456Z) makes the names sort in sending order. Files are written to a
temporary name and renamed, so a reader never sees half a message.

moto keeps only one body of an email that has both (the HTML one), so SentEmailTap, an observer
of the embedded moto's requests (EmbeddedAws.observe_requests), keeps each accepted SendEmail's
full content (SES v1 and v2) by message id. moto records no sending time: it is the tap's, else
the moment the outbox first saw the message. Messages that were in moto before the outbox started
(an earlier stack in the same process) are not written.

Public interface:
    SentEmailTap()                 .wants(environ), .observe(environ, body, status, response)
    Outbox(directory, *, tap=None, lock=None, interval=0.25, log=None)
        .start(), .stop() (writes what is left), .flush() -> list[Path], .written
    email_bytes(...), sms_text(...)
"""

from __future__ import annotations

import json
import os
import re
import sys
import threading
import traceback
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any, Iterator, TextIO
from urllib.parse import parse_qs

DEFAULT_INTERVAL = 0.25
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
_HTML_TAG = re.compile(r"<\s*(html|body|p|div|br|table|a|span|h[1-6])\b", re.IGNORECASE)
_V1_MESSAGE_ID = re.compile(r"<MessageId>\s*([^<\s]+)\s*</MessageId>")


@dataclass
class CapturedEmail:
    source: str
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    bcc: list[str] = field(default_factory=list)
    reply_to: list[str] = field(default_factory=list)
    subject: str = ""
    text: str | None = None
    html: str | None = None
    sent_at: datetime = field(default_factory=lambda: datetime.now(UTC))


# ---------------------------------------------------------------------------------------------
# The request tap
# ---------------------------------------------------------------------------------------------


class SentEmailTap:
    """Keeps the content of every SendEmail request SES (moto) answered with 200, by message id."""

    def __init__(self) -> None:
        self._emails: dict[str, CapturedEmail] = {}
        self._lock = threading.Lock()

    def wants(self, environ: dict[str, Any]) -> bool:
        # SES v1 and v2 both sign with the service name "ses".
        return environ.get("REQUEST_METHOD") == "POST" and \
            "/ses/aws4_request" in environ.get("HTTP_AUTHORIZATION", "")

    def observe(self, environ: dict[str, Any], body: bytes, status: int, response: bytes) -> None:
        if status != 200:
            return
        if environ.get("PATH_INFO", "").rstrip("/").endswith("/v2/email/outbound-emails"):
            parsed = _v2_email(body, response)
        else:
            parsed = _v1_email(body, response)
        if parsed is not None:
            message_id, email = parsed
            with self._lock:
                self._emails[message_id] = email

    def pop(self, message_id: str) -> CapturedEmail | None:
        with self._lock:
            return self._emails.pop(message_id, None)


def _members(form: dict[str, list[str]], prefix: str) -> list[str]:
    numbered = []
    for key, values in form.items():
        if key.startswith(prefix + ".member."):
            suffix = key.removeprefix(prefix + ".member.")
            if suffix.isdigit():
                numbered.append((int(suffix), values[0]))
    return [value for _, value in sorted(numbered)]


def _v1_email(body: bytes, response: bytes) -> tuple[str, CapturedEmail] | None:
    form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    if form.get("Action", [""])[0] != "SendEmail":
        return None
    match = _V1_MESSAGE_ID.search(response.decode("utf-8", "replace"))
    if match is None:
        return None

    def first(key: str) -> str | None:
        return form[key][0] if key in form else None

    return match.group(1), CapturedEmail(
        source=first("Source") or "",
        to=_members(form, "Destination.ToAddresses"),
        cc=_members(form, "Destination.CcAddresses"),
        bcc=_members(form, "Destination.BccAddresses"),
        reply_to=_members(form, "ReplyToAddresses"),
        subject=first("Message.Subject.Data") or "",
        text=first("Message.Body.Text.Data"),
        html=first("Message.Body.Html.Data"),
    )


def _v2_email(body: bytes, response: bytes) -> tuple[str, CapturedEmail] | None:
    try:
        request, answer = json.loads(body or b"{}"), json.loads(response or b"{}")
    except ValueError:
        return None
    simple = (request.get("Content") or {}).get("Simple")
    message_id = answer.get("MessageId")
    if not simple or not message_id:
        return None  # raw and templated mails: moto keeps them whole
    destination = request.get("Destination") or {}
    content = simple.get("Body") or {}
    return message_id, CapturedEmail(
        source=request.get("FromEmailAddress") or "",
        to=list(destination.get("ToAddresses") or []),
        cc=list(destination.get("CcAddresses") or []),
        bcc=list(destination.get("BccAddresses") or []),
        reply_to=list(request.get("ReplyToAddresses") or []),
        subject=(simple.get("Subject") or {}).get("Data") or "",
        text=(content.get("Text") or {}).get("Data"),
        html=(content.get("Html") or {}).get("Data"),
    )


# ---------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------


# Bodies stay plain text in the file (8bit) unless a line is longer than SMTP allows.
_READABLE = policy.default.clone(max_line_length=998)


def email_bytes(email: CapturedEmail, message_id: str) -> bytes:
    message = EmailMessage(policy=_READABLE)
    message["From"] = email.source
    for header, addresses in (("To", email.to), ("Cc", email.cc), ("Bcc", email.bcc),
                              ("Reply-To", email.reply_to)):
        if addresses:
            message[header] = ", ".join(addresses)
    message["Subject"] = email.subject
    message["Date"] = format_datetime(email.sent_at)
    message["Message-ID"] = f"<{message_id}@email.amazonses.com>"
    if email.text is not None:
        message.set_content(email.text)
        if email.html is not None:
            message.add_alternative(email.html, subtype="html")
    elif email.html is not None:
        message.set_content(email.html, subtype="html")
    else:
        message.set_content("")
    return bytes(message)


def sms_text(phone_number: str, text: str, message_id: str, sent_at: datetime) -> str:
    return (f"To: {phone_number}\n"
            f"Sent: {sent_at.isoformat(timespec='seconds').replace('+00:00', 'Z')}\n"
            f"Message-Id: {message_id}\n\n{text}\n")


def _file_name(sent_at: datetime, kind: str, message_id: str, suffix: str) -> str:
    stamp = sent_at.astimezone(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    return f"{stamp}-{kind}-{_SAFE_NAME.sub('_', message_id)}{suffix}"


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def _moto_email(message: Any, backend: Any, sent_at: datetime) -> CapturedEmail | bytes:
    """An email as moto kept it, when the tap did not see it: raw mails are whole, templated
    ones are rendered with moto's template, simple ones have one body."""
    if hasattr(message, "raw_data"):
        raw = message.raw_data
        return raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
    destinations = getattr(message, "destinations", None) or {}
    if isinstance(destinations, list):  # bulk templated mail: a list of destinations
        destinations = {"ToAddresses": [a for d in destinations
                                        for a in (d.get("Destination") or {})
                                        .get("ToAddresses", [])]}
    email = CapturedEmail(
        source=message.source,
        to=list(destinations.get("ToAddresses") or []),
        cc=list(destinations.get("CcAddresses") or []),
        bcc=list(destinations.get("BccAddresses") or []),
        sent_at=sent_at,
    )
    if hasattr(message, "template"):
        _render_template(email, message, backend)
    else:
        body = message.body or ""
        email.subject = message.subject or ""
        if _HTML_TAG.search(body):
            email.html = body
        else:
            email.text = body
    return email


def _render_template(email: CapturedEmail, message: Any, backend: Any) -> None:
    template = (getattr(backend, "templates", None) or {}).get(message.template)
    try:
        from moto.ses.template import parse_template

        data = json.loads(message.template_data or "{}")
        email.subject = parse_template(str(template["subject_part"]), data)
        email.text = parse_template(str(template["text_part"]), data)
        email.html = parse_template(str(template["html_part"]), data)
    except Exception:  # noqa: BLE001 - show what was asked for instead
        email.subject = f"(template {message.template})"
        email.text = f"Template: {message.template}\nData: {message.template_data}\n"


# ---------------------------------------------------------------------------------------------
# The thread
# ---------------------------------------------------------------------------------------------


def _ses_messages() -> Iterator[tuple[str, Any, Any]]:
    from moto.ses.models import ses_backends

    for account_id, regions in list(ses_backends.items()):
        for region, backend in list(regions.items()):
            for message in list(backend.sent_messages):
                yield f"email:{account_id}:{region}:{message.id}", message, backend


def _sms_messages() -> Iterator[tuple[str, str, str, str]]:
    from moto.sns.models import sns_backends

    for account_id, regions in list(sns_backends.items()):
        for region, backend in list(regions.items()):
            for message_id, (phone, text) in list(backend.sms_messages.items()):
                yield f"sms:{account_id}:{region}:{message_id}", message_id, phone, text


class Outbox(threading.Thread):
    def __init__(self, directory: str | os.PathLike[str], *, tap: SentEmailTap | None = None,
                 lock: Any = None, interval: float = DEFAULT_INTERVAL,
                 log: TextIO | None = None) -> None:
        super().__init__(name="outbox", daemon=True)
        self.directory = Path(directory)
        self.tap = tap
        self.lock = lock  # the embedded moto's: its lists are not read while it writes them
        self.interval = float(interval)
        self._log = log
        self._seen: set[str] = set()
        self._flush_lock = threading.Lock()
        self._stopping = threading.Event()
        self.written: list[Path] = []

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._seen = {key for key, *_ in self._collect()}  # an earlier stack's messages
        super().start()

    def run(self) -> None:
        while not self._stopping.wait(self.interval):
            try:
                self.flush()
            except Exception as exc:  # noqa: BLE001 - the outbox never dies
                self._report("could not write the outbox", exc)

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout)
        try:
            self.flush()
        except Exception as exc:  # noqa: BLE001
            self._report("could not write the outbox", exc)

    def flush(self) -> list[Path]:
        """Write every message not written yet; returns the new files."""
        with self._flush_lock:
            new = []
            for key, *details in self._collect():
                if key in self._seen:
                    continue
                self._seen.add(key)
                new.append(self._write(key, details))
            self.written += new
            return new

    def _collect(self) -> list[tuple[Any, ...]]:
        if self.lock is None:
            return [*_ses_messages(), *_sms_messages()]
        with self.lock:
            return [*_ses_messages(), *_sms_messages()]

    def _write(self, key: str, details: list[Any]) -> Path:
        now = datetime.now(UTC)
        if key.startswith("sms:"):
            message_id, phone, text = details
            path = self.directory / _file_name(now, "sms", message_id, ".txt")
            _write_atomically(path, sms_text(phone, text, message_id, now).encode("utf-8"))
            return path
        message, backend = details
        email = self.tap.pop(message.id) if self.tap is not None else None
        content = email if email is not None else _moto_email(message, backend, now)
        sent_at = content.sent_at if isinstance(content, CapturedEmail) else now
        path = self.directory / _file_name(sent_at, "email", message.id, ".eml")
        data = email_bytes(content, message.id) if isinstance(content, CapturedEmail) \
            else content
        _write_atomically(path, data)
        return path

    def _report(self, message: str, exc: BaseException) -> None:
        try:
            stream = self._log or sys.stderr
            stream.write(f"[local] outbox: {message}\n" + "".join(traceback.format_exception(exc)))
            stream.flush()
        except (OSError, ValueError):
            pass

