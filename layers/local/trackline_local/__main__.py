"""`python -m trackline_local` (what `make run` runs): the whole stack on this machine.

Configuration by environment, each with a default:
    PORT           3000
    HOST           127.0.0.1
    API_KEY        registered under the name "local"; generated when unset
    API_SECRET     gives that key an AES secret: every request must then be signed with it
                   (as-signature-hmac-sha256; the SDK's authentication_type "AES")
    RATE_LIMIT_PER_SECOND  requests per second per API key (the template's RateLimitPerSecond, 10)
    POLL_INTERVAL  seconds between poll scheduler runs (60); also caps every poll cadence
    SANDBOX_ENABLED  "true" unless set: the scripted sandbox courier is polled
    CARRIER_<SLUG>_BASE_URL / _API_KEY / _CLIENT_ID / _CLIENT_SECRET  carrier access, as they are
    POWERTOOLS_LOG_LEVEL  overrides the template's LogLevel default when set
    AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL  use that DynamoDB instead of the embedded one
      (queues, secrets, event buses, e-mail and SMS stay in the embedded moto)
    WEBHOOK_URL    one URL or several, comma separated, that receive the webhooks (the functions'
                   WEBHOOK_URLS); http to 127.0.0.1 is allowed locally (WEBHOOK_ALLOW_LOCAL_HTTP)
    WEBHOOK_SECRET the signing secret (WEBHOOK_SECRET); unset: the template's generated
                   WebhookSecret, printed at start so that a receiver can verify signatures
    EMAIL_SENDER   the EmailSender parameter (notifications@trackline.localhost)

A configuration the functions would refuse (trackline.settings) stops the start: the reason is
printed and the exit status is 2.

While it runs, .local/stack.json (base_url, dynamodb_endpoint, table_name, region, ...) tells other
commands (`make apikey`) where the stack is; .local/outbox/ receives every e-mail and SMS sent.
"""

from __future__ import annotations

import json
import math
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from .stack import LocalStack
from .template import find_project_root

DEFAULT_PORT = 3000
DEFAULT_HOST = "127.0.0.1"
DEFAULT_POLL_INTERVAL = 60.0
DEFAULT_SANDBOX_ENABLED = "true"
EXIT_BAD_CONFIGURATION = 2
_TRUE = {"1", "true", "t", "yes", "y", "on"}  # what the core settings read as true


def local_dir(root: Path | None = None) -> Path:
    return (root or find_project_root()) / ".local"


def _env_number(name: str, default: float, kind: type = float) -> Any:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return kind(default)
    try:
        return kind(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a number, got {raw!r}") from None


def carriers_with_credentials(environ: Any = None) -> list[str]:
    """The pollable carriers that have credentials in the environment (names only)."""
    from trackline.carriers.registry import ADAPTERS

    environ = os.environ if environ is None else environ
    found = []
    for slug in ADAPTERS:
        prefix = f"CARRIER_{slug.upper().replace('-', '_')}_"
        api_key = environ.get(prefix + "API_KEY")
        client = environ.get(prefix + "CLIENT_ID") and environ.get(prefix + "CLIENT_SECRET")
        if api_key or client:
            found.append(slug)
    return found


def sandbox_patterns() -> str:
    """The sandbox courier's tracking number patterns, from its own table of paths."""
    from trackline.carriers.sandbox import PATHS

    described = ", ".join(f"SBX{marker}... {path.replace('_', ' ')}"
                          for marker, path in PATHS.items())
    return f"SBX + 6-30 letters/digits: {described}, SBXNF... never found, other delivered"


def webhook_urls(raw: str) -> str:
    """WEBHOOK_URL as the functions' WEBHOOK_URLS: comma separated, no blanks."""
    return ",".join(part.strip() for part in raw.split(",") if part.strip())


def _webhook_line(stack: LocalStack) -> str:
    urls = stack.environment.get("WEBHOOK_URLS", "")
    if not urls:
        return "none (set WEBHOOK_URL to receive them)"
    if stack.environment.get("WEBHOOK_SECRET"):
        return f"{urls}  (secret from WEBHOOK_SECRET)"
    secret_arn = stack.environment.get("WEBHOOK_SECRET_ARN")
    try:
        secret = stack.secret_value(secret_arn) if secret_arn else None
    except Exception:  # noqa: BLE001 - the banner still shows the rest
        secret = None
    return f"{urls}  (signing secret {secret})" if secret else urls


def _signing_line(stack: LocalStack) -> str:
    # The secret is the developer's own API_SECRET: named, never printed.
    if getattr(stack, "api_secret", None):
        return "AES: every request must be signed with API_SECRET (authentication_type AES)"
    return "none (set API_SECRET to require AES-signed requests)"


def _is_settings_error(exc: BaseException) -> bool:
    try:
        from trackline.settings import SettingsError
    except ImportError:
        return False
    return isinstance(exc, SettingsError)


def _banner_lines(stack: LocalStack, poll_interval: float, sandbox: str,
                  state_dir: Path) -> list[str]:
    try:
        carriers = carriers_with_credentials()
    except ImportError:  # a project without the core package
        carriers = []
    sandbox_on = sandbox.strip().lower() in _TRUE
    try:
        sandbox_line = f"on ({sandbox_patterns()})" if sandbox_on else \
            "off (SANDBOX_ENABLED=true to poll it)"
    except ImportError:
        sandbox_line = "on" if sandbox_on else "off"
    cap = max(1, math.ceil(poll_interval))
    carrier_line = f"{', '.join(carriers)} (credentials set)" if carriers else \
        "none with credentials (set CARRIER_<SLUG>_API_KEY or _CLIENT_ID/_CLIENT_SECRET)"
    return [
        "Trackline local stack",
        f"  API base URL       {stack.base_url}",
        f"  API key            {stack.api_key or '(not registered)'}",
        f"  request signing    {_signing_line(stack)}",
        f"  rate limit         {stack.environment.get('RATE_LIMIT_PER_SECOND', '?')} requests per second per key "
        "(RATE_LIMIT_PER_SECOND)",
        f"  DynamoDB endpoint  {stack.dynamodb_endpoint}  (table {stack.table_name})",
        f"  API docs           {stack.docs_url}",
        f"  poll interval      {poll_interval:g}s (scheduler runs; every poll cadence capped at "
        f"{cap}s)",
        f"  carriers           {carrier_line}",
        f"  sandbox courier    {sandbox_line}",
        f"  webhooks           {_webhook_line(stack)}",
        f"  email sender       {stack.environment.get('EMAIL_SENDER') or 'none (EMAIL_SENDER)'}",
        f"  outbox             {state_dir / 'outbox'}  (every e-mail and SMS sent)",
        "Press Ctrl-C to stop.",
    ]


def _write_json_atomically(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def main() -> int:
    port = _env_number("PORT", DEFAULT_PORT, int)
    host = os.environ.get("HOST", "").strip() or DEFAULT_HOST
    api_key = os.environ.get("API_KEY", "").strip() or None
    api_secret = os.environ.get("API_SECRET", "").strip() or None
    poll_interval = _env_number("POLL_INTERVAL", DEFAULT_POLL_INTERVAL, float)
    if not poll_interval > 0:
        raise SystemExit(f"POLL_INTERVAL must be a positive number of seconds, got "
                         f"{poll_interval:g}")
    overrides = {k: os.environ[k] for k in ("POWERTOOLS_LOG_LEVEL",) if os.environ.get(k)}
    sandbox = os.environ.get("SANDBOX_ENABLED", "").strip() or DEFAULT_SANDBOX_ENABLED
    overrides["SANDBOX_ENABLED"] = sandbox
    overrides["WEBHOOK_ALLOW_LOCAL_HTTP"] = "true"  # a receiver on this machine
    if os.environ.get("WEBHOOK_URL", "").strip():
        overrides["WEBHOOK_URLS"] = webhook_urls(os.environ["WEBHOOK_URL"])
    if os.environ.get("WEBHOOK_SECRET"):
        overrides["WEBHOOK_SECRET"] = os.environ["WEBHOOK_SECRET"]
    parameters: dict[str, str] = {}
    if os.environ.get("EMAIL_SENDER", "").strip():
        parameters["EmailSender"] = os.environ["EMAIL_SENDER"].strip()
    if os.environ.get("RATE_LIMIT_PER_SECOND", "").strip():
        parameters["RateLimitPerSecond"] = str(_env_number("RATE_LIMIT_PER_SECOND", 10, int))

    root = find_project_root()
    state_dir = local_dir(root)
    (state_dir / "outbox").mkdir(parents=True, exist_ok=True)
    state_file = state_dir / "stack.json"

    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        if stop.is_set():  # a second Ctrl-C: leave now
            raise SystemExit(130)
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    stack = LocalStack(port=port, host=host, api_key=api_key, api_secret=api_secret,
                       template=root / "template.yaml",
                       environment=overrides, parameters=parameters,
                       poll_interval=poll_interval, outbox_dir=state_dir / "outbox")
    try:
        stack.start()
    except OSError as exc:
        sys.stderr.write(f"cannot start the local stack on {host}:{port}: {exc}\n"
                         "(is another `make run` running? set PORT to use another port)\n")
        return 1
    except Exception as exc:  # noqa: BLE001 - e.g. an API_KEY the key service refuses
        if _is_settings_error(exc):
            sys.stderr.write(f"the local stack refuses this configuration: {exc}\n")
            return EXIT_BAD_CONFIGURATION
        sys.stderr.write(f"cannot start the local stack: {type(exc).__name__}: {exc}\n")
        return 1
    try:
        state = stack.state()
        state["poll_interval"] = poll_interval
        _write_json_atomically(state_file, state)
        print("\n".join(_banner_lines(stack, poll_interval, sandbox, state_dir)), flush=True)
        while not stop.wait(0.5):
            pass
        print("stopping...", file=sys.stderr, flush=True)
    finally:
        stack.stop()
        try:
            if json.loads(state_file.read_text(encoding="utf-8")).get("pid") == os.getpid():
                state_file.unlink()
        except (OSError, ValueError):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
