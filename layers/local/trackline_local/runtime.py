"""Runs the real handlers in-process, the way Lambda would call them.

Public interface:
    LambdaContext(function, request_id=None, region=..., account_id=...)
        function_name, function_version, memory_limit_in_mb, invoked_function_arn,
        aws_request_id, log_group_name, log_stream_name, identity, client_context, tenant_id,
        get_remaining_time_in_millis()
    FunctionRuntime(spec, region=..., account_id=..., serialize=True)
        .load()                  imports the handler module (lazily on first invoke otherwise)
        .invoke(event, context=None) -> result   (raises what the handler raises)
    FunctionRegistry(specs, ...)  Mapping[logical_id, FunctionRuntime] with .preload()

Like Lambda's single-invocation-per-environment model, a function serves one event at a time by
default (serialize=True): Powertools resolvers keep the current event on a module-level object, so
two concurrent requests in one process would otherwise see each other's event. Different functions
still run in parallel. A module that fails to import is retried on the next invocation, as Lambda
retries a failed init.
"""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any, Callable, Iterator, Mapping

from .template import DEFAULT_ACCOUNT_ID, DEFAULT_REGION, FunctionSpec, load_handler


class LambdaContext:
    """Enough of the Lambda context object for handlers and Powertools."""

    function_version = "$LATEST"

    def __init__(
        self,
        function: FunctionSpec,
        request_id: str | None = None,
        *,
        region: str = DEFAULT_REGION,
        account_id: str = DEFAULT_ACCOUNT_ID,
    ) -> None:
        self.function_name = function.name or function.logical_id
        self.memory_limit_in_mb = int(function.memory_size)
        self.invoked_function_arn = (
            f"arn:aws:lambda:{region}:{account_id}:function:{self.function_name}")
        self.aws_request_id = request_id or str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = time.strftime("%Y/%m/%d/[$LATEST]", time.gmtime()) + \
            uuid.uuid4().hex
        self.identity = None
        self.client_context = None
        self.tenant_id = None
        self._deadline = time.monotonic() + float(function.timeout)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))

    def __repr__(self) -> str:
        return f"LambdaContext({self.function_name!r}, {self.aws_request_id!r})"


class FunctionRuntime:
    def __init__(
        self,
        spec: FunctionSpec,
        *,
        region: str = DEFAULT_REGION,
        account_id: str = DEFAULT_ACCOUNT_ID,
        serialize: bool = True,
    ) -> None:
        self.spec = spec
        self.region = region
        self.account_id = account_id
        self._handler: Callable[[Any, Any], Any] | None = None
        self._load_lock = threading.Lock()
        self._invoke_lock = threading.Lock() if serialize else None

    @property
    def logical_id(self) -> str:
        return self.spec.logical_id

    def load(self) -> Callable[[Any, Any], Any]:
        if self._handler is None:
            with self._load_lock:
                if self._handler is None:
                    self._handler = load_handler(self.spec)
        return self._handler

    def context(self, request_id: str | None = None) -> LambdaContext:
        return LambdaContext(self.spec, request_id, region=self.region,
                             account_id=self.account_id)

    def invoke(self, event: Any, context: LambdaContext | None = None) -> Any:
        handler = self.load()
        context = context or self.context()
        if self._invoke_lock is None:
            return handler(event, context)
        with self._invoke_lock:
            return handler(event, context)


class FunctionRegistry(Mapping[str, FunctionRuntime]):
    def __init__(
        self,
        specs: Mapping[str, FunctionSpec],
        *,
        region: str = DEFAULT_REGION,
        account_id: str = DEFAULT_ACCOUNT_ID,
        serialize: bool = True,
    ) -> None:
        self._functions = {
            lid: FunctionRuntime(spec, region=region, account_id=account_id, serialize=serialize)
            for lid, spec in specs.items()
        }

    def __getitem__(self, key: str) -> FunctionRuntime:
        return self._functions[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._functions)

    def __len__(self) -> int:
        return len(self._functions)

    def preload(self) -> dict[str, BaseException]:
        """Import every handler now; returns the failures (they are retried on first invoke)."""
        failures = {}
        for lid, fn in self._functions.items():
            try:
                fn.load()
            except Exception as exc:  # noqa: BLE001 - reported, retried later
                failures[lid] = exc
        return failures
