"""`python -m trackline_local` (make run) and `python -m trackline_local.apikeys` (make apikey)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from trackline_local import apikeys


@pytest.fixture
def local_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """configure_target changes os.environ (as the CLI should): restore all of it afterwards."""
    saved = dict(os.environ)
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_PROFILE", "TABLE_NAME",
                 "TABLE", "AWS_DEFAULT_REGION", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("TRACKLINE_ROOT", str(tmp_path))
    yield tmp_path
    os.environ.clear()
    os.environ.update(saved)


def _write_state(root: Path, **overrides: Any) -> None:
    (root / ".local").mkdir(exist_ok=True)
    state = {"base_url": "http://127.0.0.1:3999", "dynamodb_endpoint": "http://127.0.0.1:4999",
             "endpoint_url": "http://127.0.0.1:4999", "table_name": "TracklineTable",
             "region": "eu-central-1", "pid": os.getpid(), **overrides}
    (root / ".local" / "stack.json").write_text(json.dumps(state))


def test_target_is_the_running_local_stack(local_env: Path) -> None:
    _write_state(local_env)
    description = apikeys.configure_target(None)
    assert "TracklineTable" in description
    assert os.environ["TABLE_NAME"] == "TracklineTable"
    assert os.environ["AWS_ENDPOINT_URL_DYNAMODB"] == "http://127.0.0.1:4999"
    assert os.environ["AWS_DEFAULT_REGION"] == "eu-central-1"


def test_target_is_a_given_table(local_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert apikeys.configure_target("prod-table") == "table prod-table"
    assert os.environ["TABLE_NAME"] == "prod-table"
    assert "AWS_ENDPOINT_URL_DYNAMODB" not in os.environ
    monkeypatch.setenv("TABLE_NAME", "from-env")
    assert apikeys.configure_target(None) == "table from-env"


def test_no_stack_and_no_table_is_a_clear_error(local_env: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert apikeys.main(["list"]) == 1
    assert "make run" in capsys.readouterr().err
    _write_state(local_env, pid=2**22 + 12345)  # no such process
    assert apikeys.main(["list"]) == 1
    assert "not running" in capsys.readouterr().err


def test_create_list_revoke(local_env: Path, stub_api_keys: Any,
                           capsys: pytest.CaptureFixture[str]) -> None:
    _write_state(local_env)
    assert apikeys.main(["create", "cartrover"]) == 0
    out = capsys.readouterr().out
    assert "tl_stub_generated_key_0123456789" in out  # shown once, on create
    assert apikeys.main(["list"]) == 0
    out = capsys.readouterr().out
    assert "cartrover" in out and "id1" in out
    assert "tl_stub_generated_key_0123456789" not in out
    assert apikeys.main(["revoke", "cartrover"]) == 0
    assert "Revoked API key id1" in capsys.readouterr().out
    assert apikeys.main(["revoke", "nobody"]) == 1
    assert "no key nobody" in capsys.readouterr().err
    assert apikeys.main(["create", ""]) == 2


def test_make_run_entry_point(tmp_path: Path, make_project: Any, stub_module_source: str) -> None:
    """python -m trackline_local: banner, stack.json, outbox, serves, SIGTERM stops it cleanly."""
    make_project(tmp_path, "main")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "CARRIER_"))
           and k not in ("TABLE_NAME", "API_KEY", "SANDBOX_ENABLED")}
    env.update({"TRACKLINE_ROOT": str(tmp_path), "PORT": "0", "POLL_INTERVAL": "5",
                "API_KEY": "local-key-0123456789", "PYTHONUNBUFFERED": "1",
                "CARRIER_DHL_API_KEY": "dhl-key-never-shown",
                "CARRIER_UPS_CLIENT_ID": "ups-id-never-shown"})  # UPS: no secret, no credentials
    code = stub_module_source + "\nimport runpy\nrunpy.run_module('trackline_local', " \
                                "run_name='__main__', alter_sys=True)\n"
    process = subprocess.Popen([sys.executable, "-c", code], env=env, cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith("Press Ctrl-C"):
                break
        banner = "".join(lines)
        assert "Press Ctrl-C" in banner, banner + process.stderr.read()
        base_url = next(l.split()[-1] for l in lines if "API base URL" in l)
        assert base_url.startswith("http://127.0.0.1:")
        assert "local-key-0123456789" in banner
        assert f"{base_url}/tracking/2024-04/docs" in banner
        assert "poll interval      5s" in banner
        carriers = next(l for l in lines if l.strip().startswith("carriers"))
        assert "dhl" in carriers and "ups" not in carriers
        assert "never-shown" not in banner  # names only, never credentials
        sandbox = next(l for l in lines if "sandbox courier" in l)
        assert " on " in sandbox and "SBXAF" in sandbox and "SBXNF" in sandbox
        state = json.loads((tmp_path / ".local" / "stack.json").read_text())
        assert state["base_url"] == base_url
        assert state["table_name"] == "DataTable" and state["region"] == "us-east-1"
        assert state["dynamodb_endpoint"].startswith("http://127.0.0.1:")
        assert state["poll_interval"] == 5
        assert (tmp_path / ".local" / "outbox").is_dir()
        response = httpx.get(base_url + "/items/abc", headers={"x-api-key": "k"}, timeout=5)
        assert response.status_code == 200
        assert response.json()["event"]["routeKey"] == "ANY /items/{id}"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        stderr = process.stderr.read()
        assert "GET /items/abc 200" in stderr  # one access-log line
        assert not (tmp_path / ".local" / "stack.json").exists()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_banner_helpers(monkeypatch: pytest.MonkeyPatch) -> None:
    from trackline_local.__main__ import carriers_with_credentials, sandbox_patterns

    assert carriers_with_credentials({}) == []
    assert carriers_with_credentials({"CARRIER_FEDEX_CLIENT_ID": "a",
                                      "CARRIER_FEDEX_CLIENT_SECRET": "b",
                                      "CARRIER_USPS_CLIENT_ID": "only-half",
                                      "CARRIER_UPS_API_KEY": "k"}) == ["ups", "fedex"]
    patterns = sandbox_patterns()
    for marker in ("SBXAF", "SBXPU", "SBXEX", "SBXRT", "SBXNF"):
        assert marker in patterns
