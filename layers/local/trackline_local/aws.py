"""The embedded AWS: moto's server on 127.0.0.1, or a DynamoDB-compatible endpoint you give.

Public interface:
    EmbeddedAws(host="127.0.0.1", port=0, region=None, environ=os.environ)
        .start() -> self        starts moto and sets os.environ
        .stop()                 stops moto and restores os.environ
        .endpoint_url           moto's URL (queues, secrets, topics, e-mail: always moto)
        .dynamodb_endpoint      where DynamoDB is (moto, or AWS_ENDPOINT_URL[_DYNAMODB])
        .embedded               True when DynamoDB is moto's
        .region
        .client(service)        a boto3 client for that service at the right endpoint
        .observe_requests(observer)  observer.wants(environ) -> bool, then
                                observer.observe(environ, body, status, response) for each
                                request it wants, while moto still holds its lock
        .lock                   held while moto applies a request (read moto's state under it)
    has_configured_credentials(environ) -> bool

Environment it sets (boto3 honours AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> natively):
    AWS_ENDPOINT_URL               moto, unless set (then it names the DynamoDB to use)
    AWS_ENDPOINT_URL_SQS, _SECRETS_MANAGER, _SNS, _SES, _SESV2, _EVENTBRIDGE, _S3   moto, always
    AWS_ENDPOINT_URL_DYNAMODB      the DynamoDB endpoint
    AWS_ENDPOINT_URL_DYNAMODB_STREAMS  same endpoint as DynamoDB, unless already set
    AWS_DEFAULT_REGION, AWS_REGION us-east-1 unless set
    AWS_ACCESS_KEY_ID/SECRET       fake ones, only when no credentials are configured
"""

from __future__ import annotations

import io
import logging
import threading
import os
from pathlib import Path
from typing import Any, MutableMapping, Protocol

from .template import DEFAULT_REGION, apply_environment, restore_environment

log = logging.getLogger("trackline_local.aws")

# boto3's AWS_ENDPOINT_URL_<SERVICE> names of what the embedded moto always serves.
EMBEDDED_SERVICES = ("SQS", "SECRETS_MANAGER", "SNS", "SES", "SESV2", "EVENTBRIDGE", "S3")


class RequestObserver(Protocol):
    def wants(self, environ: dict[str, Any]) -> bool: ...

    def observe(self, environ: dict[str, Any], body: bytes, status: int,
                response: bytes) -> None: ...


FAKE_ACCESS_KEY_ID = "testing"
FAKE_SECRET_ACCESS_KEY = "testing"  # noqa: S105 - moto accepts anything; never a real secret


def has_configured_credentials(environ: MutableMapping[str, str] | None = None) -> bool:
    """Credentials in the environment or in the shared files (never asks instance metadata)."""
    environ = os.environ if environ is None else environ
    if environ.get("AWS_ACCESS_KEY_ID") or environ.get("AWS_PROFILE"):
        return True
    if environ.get("AWS_WEB_IDENTITY_TOKEN_FILE") or environ.get(
            "AWS_CONTAINER_CREDENTIALS_FULL_URI") or environ.get(
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"):
        return True
    home = Path(environ.get("HOME") or Path.home())
    for path in (environ.get("AWS_SHARED_CREDENTIALS_FILE") or home / ".aws" / "credentials",
                 environ.get("AWS_CONFIG_FILE") or home / ".aws" / "config"):
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError:
            continue
        if "aws_access_key_id" in text or "sso_" in text or "credential_process" in text:
            return True
    return False


class EmbeddedAws:
    """moto's ThreadedMotoServer on 127.0.0.1 (free port by default), plus perhaps an external
    DynamoDB.

    moto always runs and always serves the queues, secrets, topics, e-mail and event buses
    (their AWS_ENDPOINT_URL_<SERVICE> point at it), so that they exist whatever serves DynamoDB:
    - AWS_ENDPOINT_URL_DYNAMODB (or AWS_ENDPOINT_URL) set: DynamoDB is there;
    - neither: moto serves DynamoDB too, and AWS_ENDPOINT_URL points at it.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        region: str | None = None,
        environ: MutableMapping[str, str] | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self._environ = os.environ if environ is None else environ
        self.region = (region or self._environ.get("AWS_DEFAULT_REGION")
                       or self._environ.get("AWS_REGION") or DEFAULT_REGION)
        self._server: Any = None
        self._previous_env: dict[str, str | None] = {}
        self.endpoint_url: str | None = None
        self.dynamodb_endpoint: str | None = None
        self.embedded = False
        self.started = False

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> "EmbeddedAws":
        if self.started:
            return self
        env = self._environ
        external_all = env.get("AWS_ENDPOINT_URL")
        external_ddb = env.get("AWS_ENDPOINT_URL_DYNAMODB")
        updates: dict[str, str] = {}
        self.endpoint_url = self._start_moto()
        if not external_all:
            updates["AWS_ENDPOINT_URL"] = self.endpoint_url
        for service in EMBEDDED_SERVICES:
            updates[f"AWS_ENDPOINT_URL_{service}"] = self.endpoint_url
        self.dynamodb_endpoint = external_ddb or external_all or self.endpoint_url
        self.embedded = not (external_ddb or external_all)
        updates["AWS_ENDPOINT_URL_DYNAMODB"] = self.dynamodb_endpoint  # type: ignore[assignment]
        if not env.get("AWS_ENDPOINT_URL_DYNAMODB_STREAMS"):
            updates["AWS_ENDPOINT_URL_DYNAMODB_STREAMS"] = self.dynamodb_endpoint  # type: ignore
        if not env.get("AWS_DEFAULT_REGION"):
            updates["AWS_DEFAULT_REGION"] = self.region
        if not env.get("AWS_REGION"):
            updates["AWS_REGION"] = env.get("AWS_DEFAULT_REGION") or self.region
        if not has_configured_credentials(env):
            updates["AWS_ACCESS_KEY_ID"] = FAKE_ACCESS_KEY_ID
            updates["AWS_SECRET_ACCESS_KEY"] = FAKE_SECRET_ACCESS_KEY
        self._previous_env = apply_environment(updates, env)
        self.region = env.get("AWS_DEFAULT_REGION", self.region)
        self.started = True
        return self

    def _start_moto(self) -> str:
        # werkzeug logs every request at INFO; the local stack keeps quiet.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        from .moto_speedups import install

        install()  # transactions cost what they write, not a copy of the table per item
        self._server = SerialMotoServer(self.host, self.port)
        self._server.start()
        self.port = self._server.port
        return self._server.endpoint

    def stop(self) -> None:
        if self._server is not None:
            try:
                self._server.stop()
            finally:
                self._server = None
        if self._previous_env:
            restore_environment(self._previous_env, self._environ)
            self._previous_env = {}
        self.started = False

    def __enter__(self) -> "EmbeddedAws":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the embedded moto ---------------------------------------------------------------------
    def observe_requests(self, observer: RequestObserver) -> None:
        if self._server is None:
            raise RuntimeError("the embedded AWS is not running")
        self._server.app.observers.append(observer)

    @property
    def lock(self) -> Any:
        if self._server is None:
            raise RuntimeError("the embedded AWS is not running")
        return self._server.app.lock

    # -- clients -------------------------------------------------------------------------------
    def client(self, service: str, **kwargs: Any) -> Any:
        """A boto3 client at this stack's endpoint for that service."""
        import boto3

        if service in ("dynamodb", "dynamodbstreams"):
            endpoint = self.dynamodb_endpoint
        else:  # everything else is moto's
            endpoint = self.endpoint_url or self._environ.get("AWS_ENDPOINT_URL")
        kwargs.setdefault("region_name", self.region)
        if endpoint:
            kwargs.setdefault("endpoint_url", endpoint)
        return boto3.session.Session().client(service, **kwargs)


class SerialMotoServer:
    """moto over HTTP, applying one request at a time.

    moto's backends are not thread-safe, while DynamoDB applies the conditional writes on an item
    one after the other. Applying requests one at a time gives concurrent callers (the poll
    worker writes in parallel) that same guarantee instead of races inside moto. SQS long polls
    are the exception: they wait for messages, and must not hold everyone else up meanwhile.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
        from werkzeug.serving import make_server

        self.app = _OneAtATime(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(host, port, self.app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto", daemon=True)
        self.port = self._server.server_port
        self.endpoint = f"http://{host}:{self.port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class _OneAtATime:
    """WSGI wrapper: every request but an SQS long poll runs under one lock; the requests an
    observer wants are buffered, so that it sees both the request and moto's answer."""

    def __init__(self, app: Any) -> None:
        self._app = app
        self.lock = threading.Lock()
        self.observers: list[RequestObserver] = []

    def __call__(self, environ: dict, start_response: Any) -> Any:
        if environ.get("HTTP_X_AMZ_TARGET", "").endswith("ReceiveMessage"):
            return self._app(environ, start_response)
        watching = [o for o in list(self.observers) if o.wants(environ)]
        if watching:
            return self._observed(environ, start_response, watching)
        with self.lock:
            return self._app(environ, start_response)

    def _observed(self, environ: dict, start_response: Any,
                  observers: list[RequestObserver]) -> list[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        status: list[str] = []

        def capture(line: str, headers: list, exc_info: Any = None) -> Any:
            status.append(line)
            return start_response(line, headers, exc_info)

        with self.lock:
            result = self._app(environ, capture)
            try:
                response = b"".join(result)
            finally:
                getattr(result, "close", lambda: None)()
            code = int(status[0].split()[0]) if status else 500
            for observer in observers:
                try:
                    observer.observe(environ, body, code, response)
                except Exception:  # noqa: BLE001 - an observer never breaks the request
                    log.exception("request observer failed")
        return [response]
