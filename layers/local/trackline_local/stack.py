"""The whole local stack in one object: embedded AWS, tables, handlers, API key, gateway.

Public interface:
    LocalStack(port=0, api_key=None, *, host="127.0.0.1", api_key_name="local",
               template=None, table_names=None, parameters=None, environment=None,
               region=None, access_log=True, register_api_key=True, preload=True,
               serialize=True, poll_interval=None)
        with LocalStack(port=0, api_key=None) as stack: ...
        .start() -> self, .stop()
        .base_url            "http://127.0.0.1:<port>"
        .api_key             the plaintext key registered under api_key_name
        .dynamodb_endpoint   moto's URL or the AWS_ENDPOINT_URL[_DYNAMODB] given
        .endpoint_url        moto's URL when embedded (all other services), else None
        .table_name          the TABLE_NAME the handlers see
        .table_names         logical id -> table name
        .region, .template, .functions (FunctionRegistry), .gateway, .aws, .environment
        .invoke(function_logical_id, event) -> result  (for pumps and tests)
        .dynamodb_client()
        .state() -> dict     what .local/stack.json holds

os.environ is changed while the stack runs (endpoint, region, credentials, the functions'
environment) and restored by stop().
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path
from typing import Any, Mapping

from .aws import EmbeddedAws
from .gateway import Gateway
from .runtime import FunctionRegistry
from .template import (
    Template,
    apply_environment,
    ensure_tables,
    find_project_root,
    restore_environment,
)


class LocalStack:
    def __init__(
        self,
        port: int = 0,
        api_key: str | None = None,
        *,
        host: str = "127.0.0.1",
        api_key_name: str = "local",
        template: str | os.PathLike[str] | Template | None = None,
        table_names: Mapping[str, str] | None = None,
        parameters: Mapping[str, Any] | None = None,
        environment: Mapping[str, str] | None = None,
        region: str | None = None,
        access_log: bool = True,
        register_api_key: bool = True,
        preload: bool = True,
        serialize: bool = True,
        poll_interval: float | None = None,
    ) -> None:
        self.port = port
        self.host = host
        self.api_key = api_key
        self.api_key_name = api_key_name
        self._template_arg = template
        self.names = dict(table_names or {})
        self.parameters = dict(parameters or {})
        self.environment_overrides = dict(environment or {})
        self._region_arg = region
        self.access_log = access_log
        self.register_api_key = register_api_key
        self.preload = preload
        self.serialize = serialize
        self.poll_interval = poll_interval

        self.template: Template | None = None
        self.resolver: Any = None
        self.aws: EmbeddedAws | None = None
        self.gateway: Gateway | None = None
        self.functions: FunctionRegistry | None = None
        self.table_names: dict[str, str] = {}
        self.environment: dict[str, str] = {}
        self.api_key_id: str | None = None
        self._previous_env: dict[str, str | None] = {}
        self._running = False

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> "LocalStack":
        if self._running:
            return self
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        self._running = True
        return self

    def _start(self) -> None:
        template = self._template_arg
        if template is None:
            template = find_project_root() / "template.yaml"
        self.template = template if isinstance(template, Template) else Template.load(template)

        self.aws = EmbeddedAws(region=self._region_arg).start()
        resolver = self.template.resolver(self.names, parameters=self.parameters,
                                          region=self.aws.region)
        self.resolver = resolver

        # Every handler reads its settings from os.environ: set the union before any import.
        env = self.template.environment(self.names, resolver)
        env.update(self.environment_overrides)
        self.environment = env
        self._previous_env = apply_environment(env)

        self.table_names = ensure_tables(self.dynamodb_client(), self.template, self.names,
                                         resolver=resolver)

        self.functions = FunctionRegistry(self.template.functions(self.names, resolver),
                                          region=self.aws.region, account_id=resolver.account_id,
                                          serialize=self.serialize)
        if self.preload:
            for lid, exc in self.functions.preload().items():
                sys.stderr.write(f"[local] {lid}: handler failed to import; it will be retried "
                                 f"on its first request:\n{_format(exc)}")

        if self.register_api_key:
            self._register_api_key()

        self.gateway = Gateway.from_template(
            self.template, self.functions, resolver, host=self.host, port=self.port,
            access_log=self.access_log)
        self.gateway.start()
        self.port = self.gateway.port

    def _register_api_key(self) -> None:
        try:
            from trackline.services.api_keys import ApiKeyService
        except ImportError as exc:
            sys.stderr.write(f"[local] API key not registered: {exc}\n")
            return
        issued = ApiKeyService().register(self.api_key_name, self.api_key)
        self.api_key = getattr(issued, "plaintext", None) or self.api_key
        self.api_key_id = getattr(issued, "key_id", None)

    def stop(self) -> None:
        gateway, self.gateway = self.gateway, None
        if gateway is not None:
            gateway.stop()
        aws, self.aws = self.aws, None
        if self._previous_env:
            restore_environment(self._previous_env)
            self._previous_env = {}
        if aws is not None:
            aws.stop()
        self._running = False

    def __enter__(self) -> "LocalStack":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what callers need ---------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._running

    @property
    def base_url(self) -> str:
        if self.gateway is None:
            raise RuntimeError("the local stack is not running")
        return self.gateway.base_url

    @property
    def dynamodb_endpoint(self) -> str | None:
        return self.aws.dynamodb_endpoint if self.aws else None

    @property
    def endpoint_url(self) -> str | None:
        return self.aws.endpoint_url if self.aws else None

    @property
    def region(self) -> str:
        if self.aws is not None:
            return self.aws.region
        return self._region_arg or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"

    @property
    def table_name(self) -> str | None:
        if "TABLE_NAME" in self.environment:
            return self.environment["TABLE_NAME"]
        return next(iter(self.table_names.values()), None)

    @property
    def docs_url(self) -> str:
        return f"{self.base_url}/tracking/2024-04/docs"

    def dynamodb_client(self) -> Any:
        if self.aws is None:
            raise RuntimeError("the local stack is not running")
        return self.aws.client("dynamodb")

    def invoke(self, function_id: str, event: Any) -> Any:
        if self.functions is None:
            raise RuntimeError("the local stack is not running")
        return self.functions[function_id].invoke(event)

    def state(self) -> dict[str, Any]:
        return {
            "base_url": self.base_url,
            "dynamodb_endpoint": self.dynamodb_endpoint,
            "endpoint_url": self.endpoint_url,
            "table_name": self.table_name,
            "region": self.region,
            "pid": os.getpid(),
        }


def _format(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc))


def project_root() -> Path:
    return find_project_root()
