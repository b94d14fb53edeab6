"""The notification settings of `make run` (WEBHOOK_URL, WEBHOOK_SECRET, EMAIL_SENDER) and the
start refusing a configuration the functions would refuse (trackline.settings)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.integration.local_stack.conftest import isolated_aws_environment
from trackline.settings import SettingsError
from trackline_local.stack import LocalStack

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  WebhookUrls: {Type: String, Default: ""}
  EmailSender: {Type: String, Default: ""}
Conditions:
  HasEmailSender: !Not [!Equals [!Ref EmailSender, ""]]
Globals:
  Function:
    Environment:
      Variables:
        TABLE_NAME: !Ref DataTable
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
    Properties: {EmailIdentity: !Ref EmailSender}
  WebhookSecret:
    Type: AWS::SecretsManager::Secret
    Properties:
      GenerateSecretString: {PasswordLength: 48, ExcludePunctuation: true}
  SenderFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/sender/
      Handler: ls_run_config_sender.handler
      Environment:
        Variables:
          WEBHOOK_URLS: !Ref WebhookUrls
          WEBHOOK_SECRET_ARN: !Ref WebhookSecret
          EMAIL_SENDER: !Ref EmailSender
"""


def _project(root: Path) -> Path:
    (root / "functions" / "sender").mkdir(parents=True, exist_ok=True)
    (root / "functions" / "sender" / "ls_run_config_sender.py").write_text(
        "def handler(event, context):\n    return None\n")
    (root / "template.yaml").write_text(TEMPLATE)
    return root / "template.yaml"


def _stack(template: Path, **kwargs: Any) -> LocalStack:
    return LocalStack(port=0, template=template, access_log=False, register_api_key=False,
                      event_sources=False,
                      table_names={"DataTable": f"config-{uuid.uuid4().hex[:8]}"}, **kwargs)


@pytest.mark.parametrize("urls", ["https://10.0.0.1/hook", "http://example.com/hook",
                                  "http://127.0.0.1:9/hook"])
def test_a_disallowed_webhook_url_refuses_the_start(tmp_path: Path, urls: str) -> None:
    """Private addresses, and plain http unless local http is allowed (and then only loopback)."""
    template = _project(tmp_path)
    with isolated_aws_environment():
        before = dict(os.environ)
        stack = _stack(template, environment={"WEBHOOK_URLS": urls})
        with pytest.raises(SettingsError, match="WEBHOOK_URLS"):
            stack.start()
        assert not stack.running and stack.gateway is None and stack.aws is None
        assert dict(os.environ) == before


def test_another_bad_setting_refuses_the_start(tmp_path: Path) -> None:
    template = _project(tmp_path)
    with isolated_aws_environment():
        with pytest.raises(SettingsError, match="EMAIL_SENDER"):
            _stack(template, parameters={"EmailSender": "not-an-address"}).start()


def test_a_loopback_receiver_is_allowed_with_local_http(tmp_path: Path) -> None:
    template = _project(tmp_path)
    with isolated_aws_environment():
        with _stack(template, environment={"WEBHOOK_URLS": "http://127.0.0.1:9/hook",
                                           "WEBHOOK_ALLOW_LOCAL_HTTP": "true"}) as stack:
            assert stack.running
            assert os.environ["WEBHOOK_URLS"] == "http://127.0.0.1:9/hook"
            assert os.environ["WEBHOOK_SECRET_ARN"] == stack.secret_arns["WebhookSecret"]


# -- make run ----------------------------------------------------------------------------------


def _run(root: Path, stub_module_source: str, **env: str) -> tuple[subprocess.Popen[str], str]:
    """Starts `python -m trackline_local`; returns it and what it printed until the banner ended
    (or it exited)."""
    environ = {k: v for k, v in os.environ.items()
               if not k.startswith(("AWS_", "CARRIER_", "WEBHOOK_"))
               and k not in ("TABLE_NAME", "API_KEY", "EMAIL_SENDER")}
    environ.update({"TRACKLINE_ROOT": str(root), "PORT": "0", "API_KEY": "local-key-0123456789",
                    "PYTHONUNBUFFERED": "1", **env})
    code = stub_module_source + "\nimport runpy\nrunpy.run_module('trackline_local', " \
                                "run_name='__main__', alter_sys=True)\n"
    process = subprocess.Popen([sys.executable, "-c", code], env=environ, cwd=root,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if line.startswith("Press Ctrl-C"):
            break
    return process, "".join(lines)


def test_make_run_passes_webhooks_and_sender_and_prints_the_secret(
        tmp_path: Path, stub_module_source: str) -> None:
    _project(tmp_path)
    process, banner = _run(tmp_path, stub_module_source,
                           WEBHOOK_URL=" http://127.0.0.1:9/a , http://127.0.0.1:9/b",
                           EMAIL_SENDER="shop@example.com")
    try:
        assert "Press Ctrl-C" in banner, banner + process.stderr.read()
        webhooks = next(line for line in banner.splitlines() if "webhooks" in line)
        assert "http://127.0.0.1:9/a,http://127.0.0.1:9/b" in webhooks
        secret = re.search(r"signing secret (\S+)\)", webhooks)
        assert secret and re.fullmatch(r"[A-Za-z0-9]{48}", secret.group(1)), webhooks
        assert "shop@example.com" in next(l for l in banner.splitlines() if "email sender" in l)
        assert str(tmp_path / ".local" / "outbox") in banner
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_make_run_with_a_given_secret_does_not_print_it(
        tmp_path: Path, stub_module_source: str) -> None:
    _project(tmp_path)
    process, banner = _run(tmp_path, stub_module_source, WEBHOOK_URL="http://127.0.0.1:9/a",
                           WEBHOOK_SECRET="my-own-signing-secret")
    try:
        assert "Press Ctrl-C" in banner, banner + process.stderr.read()
        assert "secret from WEBHOOK_SECRET" in banner and "my-own-signing-secret" not in banner
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_make_run_refuses_a_bad_configuration_with_status_2(
        tmp_path: Path, stub_module_source: str) -> None:
    _project(tmp_path)
    process, banner = _run(tmp_path, stub_module_source, WEBHOOK_URL="https://10.0.0.1/hook")
    try:
        assert process.wait(timeout=30) == 2
        stderr = process.stderr.read()
        assert "refuses this configuration" in stderr and "WEBHOOK_URLS" in stderr
        assert "Traceback" not in stderr and "Press Ctrl-C" not in banner
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
