"""The whole local stack in one object: embedded AWS, tables, queues, secrets, handlers, API key,
gateway, and the event sources (schedule timers, SQS pumps) that drive the functions.

Public interface:
    LocalStack(port=0, api_key=None, *, host="127.0.0.1", api_key_name="local",
               template=None, table_names=None, parameters=None, environment=None,
               region=None, access_log=True, register_api_key=True, preload=True,
               serialize=True, poll_interval=None, event_sources=True, outbox_dir=None,
               check_settings=True, api_secret=None)
        with LocalStack(port=0, api_key=None) as stack: ...
        .start() -> self, .stop()
        .base_url            "http://127.0.0.1:<port>"
        .api_key             the plaintext key registered under api_key_name
        .api_secret          its AES secret when given: then every request must be signed
        .dynamodb_endpoint   moto's URL or the AWS_ENDPOINT_URL[_DYNAMODB] given
        .endpoint_url        moto's URL when embedded (all other services), else None
        .table_name          the TABLE_NAME the handlers see
        .table_names         logical id -> table name
        .queue_urls          logical id -> URL of every AWS::SQS::Queue (always in moto)
        .secret_arns         logical id -> ARN of every AWS::SecretsManager::Secret (in moto;
                             GenerateSecretString gives a random one)
        .stream_arns         logical id -> stream ARN of every table with a stream
        .event_rules         logical id -> ARN of every AWS::Events::Rule (in moto, on its bus)
        .buckets             logical id -> name of every AWS::S3::Bucket (in moto; see buckets.py)
        .email_identities    the AWS::SES::EmailIdentity identities verified (in moto)
        .poll_interval       seconds between runs of every Schedule/ScheduleV2 function (60)
        .timers, .pumps      the ScheduleTimer / SqsPump threads (see events.py)
        .stream_pumps        the StreamPump threads, one per DynamoDB event (see streams.py)
        .outbox              the Outbox thread (outbox.py) when outbox_dir is given, else None
        .region, .template, .functions (FunctionRegistry), .gateway, .aws, .environment
        .invoke(function_logical_id, event) -> result  (for pumps and tests)
        .dynamodb_client(), .sqs_client(), .secrets_client(), .client(service)
        .secret_value(logical_id_or_arn) -> str
        .state() -> dict     what .local/stack.json holds

The functions' environment is the template's, resolved against the local resources (`!Ref
PollQueue` is the local queue's URL, `!Ref` of a secret its ARN); CARRIER_* variables the
developer has set are left as they are (they win over the template's); `environment` wins over
both. With poll_interval given, POLL_INTERVAL=<that, whole seconds> caps every poll cadence (unless
`environment` sets it). event_sources=False starts no timer and no pump. The parameters default
to DEFAULT_PARAMETERS (an EmailSender, so that e-mail works locally) under the caller's.

Before anything serves, start() refuses an environment the functions would refuse:
trackline.settings.settings_from raises SettingsError (check_settings=False skips this).

The template's event buses and rules, SES identities and `DynamoDB` events are live too: a write
to a table with a stream reaches its function through a StreamPump, PutEvents on a bus reaches
the rules' queues (moto delivers), and with outbox_dir every e-mail and SMS moto accepted is
written there (outbox.py).

os.environ is changed while the stack runs (endpoint, region, credentials, the functions'
environment) and restored by stop(), which first stops the timers and pumps.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import sys
import threading
import traceback
from pathlib import Path
from typing import Any, Callable, Mapping

from .aws import EmbeddedAws
from .buckets import ensure_buckets
from .email_identities import ensure_email_identities
from .event_rules import ensure_event_rules
from .events import SCHEDULE_EVENT_TYPES, SQS_EVENT_TYPE, ScheduleTimer, SqsPump
from .gateway import Gateway
from .outbox import Outbox, SentEmailTap
from .runtime import FunctionRegistry, FunctionRuntime
from .streams import (
    DYNAMODB_EVENT_TYPE,
    StreamPump,
    forget_spent_moto_iterators,
    table_stream_arns,
)
from .template import (
    Intrinsic,
    Template,
    apply_environment,
    ensure_queues,
    ensure_secrets,
    ensure_tables,
    find_project_root,
    restore_environment,
    secret_arns,
)

DEFAULT_POLL_INTERVAL = 60.0
# Template parameters the local stack sets unless the caller does.
DEFAULT_PARAMETERS = {"EmailSender": "notifications@trackline.localhost"}
# Names of the developer's environment that the template's values never replace.
PASS_THROUGH_PREFIXES = ("CARRIER_",)


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
        event_sources: bool = True,
        outbox_dir: str | os.PathLike[str] | None = None,
        check_settings: bool = True,
        api_secret: str | None = None,
    ) -> None:
        self.port = port
        self.host = host
        self.api_key = api_key
        self.api_secret = api_secret  # given: the key must sign its requests with it (AES)
        self.api_key_name = api_key_name
        self._template_arg = template
        self.names = dict(table_names or {})
        self.parameters = {**DEFAULT_PARAMETERS, **(parameters or {})}
        self.environment_overrides = dict(environment or {})
        self._region_arg = region
        self.access_log = access_log
        self.register_api_key = register_api_key
        self.preload = preload
        self.serialize = serialize
        if poll_interval is not None and not poll_interval > 0:
            raise ValueError(f"poll_interval must be a positive number of seconds, got "
                             f"{poll_interval!r}")
        self._poll_interval_arg = poll_interval
        self.poll_interval = float(poll_interval or DEFAULT_POLL_INTERVAL)
        self.event_sources = event_sources
        self.outbox_dir = Path(outbox_dir) if outbox_dir is not None else None
        self.check_settings = check_settings

        self.template: Template | None = None
        self.resolver: Any = None
        self.aws: EmbeddedAws | None = None
        self.gateway: Gateway | None = None
        self.functions: FunctionRegistry | None = None
        self.table_names: dict[str, str] = {}
        self.queue_urls: dict[str, str] = {}
        self.secret_arns: dict[str, str] = {}
        self.stream_arns: dict[str, str] = {}
        self.event_rules: dict[str, str] = {}
        self.buckets: dict[str, str] = {}
        self.email_identities: list[str] = []
        self.timers: list[ScheduleTimer] = []
        self.pumps: list[SqsPump] = []
        self.stream_pumps: list[StreamPump] = []
        self.outbox: Outbox | None = None
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
        if self.outbox_dir is not None:  # first: it must see every message
            tap = SentEmailTap()
            self.aws.observe_requests(tap)
            self.outbox = Outbox(self.outbox_dir, tap=tap, lock=self.aws.lock)
            self.outbox.start()

        # Tables first: `!GetAtt Table.StreamArn` is the real stream's ARN.
        dynamodb = self.dynamodb_client()
        self.table_names = ensure_tables(dynamodb, self.template, self.names, resolver=resolver)
        self.stream_arns = table_stream_arns(dynamodb, self.table_names)
        for lid, arn in self.stream_arns.items():
            resolver.attrs[(lid, "StreamArn")] = arn

        # Queues, secrets, buses, rules and e-mail identities are always moto's, whatever serves
        # DynamoDB; the functions' environment then names the real ones (a queue's URL, ...).
        sqs, secrets = self.sqs_client(), self.secrets_client()
        self.queue_urls = ensure_queues(sqs, self.template, self.names, resolver=resolver)
        ensure_secrets(secrets, self.template, self.names, resolver=resolver)
        self.secret_arns = secret_arns(secrets, self.template, self.names, resolver=resolver)
        resolver.refs.update(self.queue_urls)
        resolver.refs.update(self.secret_arns)
        # Buckets before rules: a rule's pattern may name a bucket (`!Ref ImportBucket`).
        self.buckets = ensure_buckets(self.client("s3"), self.template, self.names, resolver=resolver)
        self.event_rules = ensure_event_rules(self.client("events"), self.template, self.names,
                                              resolver=resolver)
        self.email_identities = ensure_email_identities(self.client("ses"), self.template,
                                                        self.names, resolver=resolver)

        # Every handler reads its settings from os.environ: set the union before any import.
        env = self.template.environment(self.names, resolver)
        for key in list(env):
            if key.startswith(PASS_THROUGH_PREFIXES) and key in os.environ:
                env[key] = os.environ[key]
        if self._poll_interval_arg is not None:
            env["POLL_INTERVAL"] = str(max(1, math.ceil(self.poll_interval)))
        env.update(self.environment_overrides)
        if self.check_settings:
            check_function_settings({**os.environ, **env})
        self.environment = env
        self._previous_env = apply_environment(env)

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
        self._name_tracking_pages()

        if self.event_sources:
            self._start_event_sources()

    def _name_tracking_pages(self) -> None:
        """Tracking page links (TRACKING_PAGE_BASE_URL) name the gateway, whose port is known
        only once it listens, unless the caller's environment names another base. Settings read
        before now (registering the API key) are forgotten: functions read them on first use."""
        if "TRACKING_PAGE_BASE_URL" in self.environment_overrides:
            return
        previous = apply_environment({"TRACKING_PAGE_BASE_URL": self.base_url})
        for key, value in previous.items():
            self._previous_env.setdefault(key, value)
        self.environment["TRACKING_PAGE_BASE_URL"] = self.base_url
        settings = sys.modules.get("trackline.settings")
        if settings is not None:
            settings.get_settings.cache_clear()

    # -- event sources -------------------------------------------------------------------------
    def _start_event_sources(self) -> None:
        assert self.functions is not None and self.template is not None
        queue_by_arn = {self.resolver.get_att(lid, "Arn"): url
                        for lid, url in self.queue_urls.items()}
        for lid, runtime in self.functions.items():
            run_lock = threading.Lock()  # one scheduled run of a function at a time
            on_failure = self._on_failure_destination(lid, queue_by_arn)
            for event in runtime.spec.events_of_type(*SCHEDULE_EVENT_TYPES):
                if not _enabled(event.properties):
                    continue
                self.timers.append(ScheduleTimer(
                    runtime, event, self.poll_interval, region=self.region,
                    account_id=self.resolver.account_id, run_lock=run_lock,
                    on_failure=on_failure))
            for event in runtime.spec.events_of_type(SQS_EVENT_TYPE):
                pump = self._sqs_pump(runtime, event)
                if pump is not None:
                    self.pumps.append(pump)
            for event in runtime.spec.events_of_type(DYNAMODB_EVENT_TYPE):
                stream_pump = self._stream_pump(runtime, event, queue_by_arn)
                if stream_pump is not None:
                    self.stream_pumps.append(stream_pump)
        for source in (*self.timers, *self.pumps, *self.stream_pumps):
            source.start()

    def _sqs_pump(self, runtime: FunctionRuntime, event: Any) -> SqsPump | None:
        if not _enabled(event.properties):
            return None
        queue_id = event.referenced_resource("Queue")
        if queue_id not in self.queue_urls:
            sys.stderr.write(f"[local] {runtime.logical_id}.{event.name}: the queue "
                             f"{event.properties.get('Queue')!r} is not one of the template's; "
                             "nothing delivers its messages\n")
            return None
        return SqsPump(runtime, event, self.queue_urls[queue_id],
                       self.resolver.get_att(queue_id, "Arn"), self.sqs_client(),
                       region=self.region)

    def _stream_pump(self, runtime: FunctionRuntime, event: Any,
                     queue_by_arn: Mapping[str, str]) -> StreamPump | None:
        if not _enabled(event.properties):
            return None
        table_id = event.referenced_resource("Stream")
        stream_arn = self.stream_arns.get(table_id or "")
        if stream_arn is None and event.properties.get("Stream") in self.stream_arns.values():
            stream_arn = event.properties["Stream"]  # the ARN written out
        if stream_arn is None:
            sys.stderr.write(f"[local] {runtime.logical_id}.{event.name}: the stream "
                             f"{event.raw_properties.get('Stream')!r} is not one of the "
                             "template's tables' streams; nothing delivers its records\n")
            return None
        on_failure = self._queue_destination(
            (event.raw_properties.get("DestinationConfig") or {}).get("OnFailure") or {},
            queue_by_arn)
        assert self.aws is not None
        after_read = forget_spent_moto_iterators(self.aws.lock) if self.aws.embedded else None
        return StreamPump(runtime, event, stream_arn, self.client("dynamodbstreams"),
                          region=self.region, account_id=self.resolver.account_id,
                          on_failure=on_failure, after_read=after_read)

    def _on_failure_destination(
        self, function_id: str, queue_by_arn: Mapping[str, str]
    ) -> Callable[[dict[str, Any]], None] | None:
        """Where a failed asynchronous (scheduled) invocation is recorded: the function's
        EventInvokeConfig OnFailure destination, when it is one of the template's queues."""
        props = (self.template.resources.get(function_id) or {}).get("Properties") or {}
        raw = ((props.get("EventInvokeConfig") or {}).get("DestinationConfig") or {}) \
            .get("OnFailure") or {}
        if raw.get("Type") != "SQS":
            return None
        return self._queue_destination(raw, queue_by_arn)

    def _queue_destination(
        self, raw: Mapping[str, Any], queue_by_arn: Mapping[str, str]
    ) -> Callable[[dict[str, Any]], None] | None:
        """A sender of records to an OnFailure destination, when it is one of the template's
        queues (an SNS destination is not delivered locally)."""
        destination = raw.get("Destination")
        if raw.get("Type") not in (None, "SQS") or not destination:
            return None
        try:
            arn = self.resolver.resolve(destination)
        except Exception:  # noqa: BLE001 - an intrinsic with no local value
            arn = None
        url = queue_by_arn.get(arn)
        if url is None and isinstance(destination, Intrinsic) and \
                destination.name == "Fn::GetAtt":
            url = self.queue_urls.get(str(destination.value[0]))
        if url is None:
            return None
        client = self.sqs_client()
        return lambda record: client.send_message(QueueUrl=url, MessageBody=json.dumps(
            record, default=str))

    def _stop_event_sources(self) -> None:
        sources = [*self.timers, *self.pumps, *self.stream_pumps]
        for source in sources:
            source.request_stop()
        for source in sources:
            source.stop()
        self.timers, self.pumps, self.stream_pumps = [], [], []

    def _register_api_key(self) -> None:
        try:
            from trackline.services.api_keys import ApiKeyService
        except ImportError as exc:
            sys.stderr.write(f"[local] API key not registered: {exc}\n")
            return
        issued = ApiKeyService().register(self.api_key_name, self.api_key, aes_secret=self.api_secret)
        self.api_key = getattr(issued, "plaintext", None) or self.api_key
        self.api_key_id = getattr(issued, "key_id", None)

    def stop(self) -> None:
        self._stop_event_sources()
        gateway, self.gateway = self.gateway, None
        if gateway is not None:
            gateway.stop()
        outbox, self.outbox = self.outbox, None
        if outbox is not None:  # after the functions stopped: it writes what they sent last
            outbox.stop()
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

    def sqs_client(self) -> Any:
        if self.aws is None:
            raise RuntimeError("the local stack is not running")
        return self.aws.client("sqs")

    def secrets_client(self) -> Any:
        return self.client("secretsmanager")

    def client(self, service: str) -> Any:
        """A boto3 client at this stack's endpoint for that service (e.g. "events", "ses")."""
        if self.aws is None:
            raise RuntimeError("the local stack is not running")
        return self.aws.client(service)

    def secret_value(self, secret: str) -> str:
        """The SecretString of a template secret, by logical id or ARN."""
        arn = self.secret_arns.get(secret, secret)
        return self.secrets_client().get_secret_value(SecretId=arn)["SecretString"]

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
            "queue_urls": dict(self.queue_urls),
            "poll_interval": self.poll_interval,
            "outbox_dir": str(self.outbox_dir) if self.outbox_dir is not None else None,
            "pid": os.getpid(),
        }


def check_function_settings(environment: Mapping[str, str]) -> None:
    """Refuse what the functions would refuse at their first request: trackline.settings raises
    SettingsError for a missing TABLE_NAME, a webhook URL to a private address, and so on."""
    if importlib.util.find_spec("trackline") is None:  # a project without the core package
        return
    from trackline.settings import settings_from

    settings_from(dict(environment))


def _enabled(properties: Mapping[str, Any]) -> bool:
    """An event source switched off in the template (Enabled: false, State: DISABLED) is not
    run locally either."""
    if properties.get("Enabled") in (False, "false", "False"):
        return False
    return str(properties.get("State", "ENABLED")).upper() != "DISABLED"


def _format(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc))


def project_root() -> Path:
    return find_project_root()
