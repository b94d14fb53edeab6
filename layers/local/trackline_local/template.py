"""Read template.yaml (the single source of truth) and derive the local stack from it.

Nothing here is a hand copy of the infrastructure: tables, functions, their environment, routes
and the authorizer all come from the SAM template, so a change to template.yaml changes the local
stack too.

Public interface:
    Intrinsic                     a CloudFormation intrinsic function kept as a small object
    load_yaml(path_or_text)       YAML with the CloudFormation short tags (!Ref, !GetAtt, !Sub, ...)
    Template.load(path)           the parsed template with helpers below
    Resolver                      resolves intrinsics against local names; .named(lid) (a Name
                                  property or the logical id), .creates(resource) (its Condition)
    ensure_tables(client, template, names=None) -> dict[logical_id, table_name]
    ensure_queues(sqs_client, template, names=None) -> dict[logical_id, queue_url]
    ensure_secrets(secrets_client, template, names=None) -> list of created secret names
                                  (SecretString, or GenerateSecretString: see secret_values.py)
    secret_arns(secrets_client, template, names=None) -> dict[logical_id, secret_arn]
    FunctionSpec / EventSpec / HttpRoute / AuthorizerSpec / HttpApiSpec
    apply_environment(env, environ=os.environ) -> dict of previous values
    load_handler(function, environ=os.environ) -> callable
"""

from __future__ import annotations

import base64
import copy
import importlib.util
import json
import logging
import os
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, MutableMapping

import yaml

from .secret_values import secret_string

log = logging.getLogger("trackline_local.template")

DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT_ID = "123456789012"
DEFAULT_STACK_NAME = "trackline-local"

# ---------------------------------------------------------------------------------------------
# YAML with CloudFormation short tags
# ---------------------------------------------------------------------------------------------

# Short tag -> long (JSON) intrinsic name.
_SHORT_TAGS = {
    "Ref": "Ref",
    "Condition": "Condition",
    "GetAtt": "Fn::GetAtt",
    "Sub": "Fn::Sub",
    "Join": "Fn::Join",
    "If": "Fn::If",
    "Equals": "Fn::Equals",
    "Not": "Fn::Not",
    "And": "Fn::And",
    "Or": "Fn::Or",
    "Select": "Fn::Select",
    "Split": "Fn::Split",
    "FindInMap": "Fn::FindInMap",
    "Base64": "Fn::Base64",
    "Cidr": "Fn::Cidr",
    "GetAZs": "Fn::GetAZs",
    "ImportValue": "Fn::ImportValue",
    "Transform": "Fn::Transform",
    "Length": "Fn::Length",
    "ToJsonString": "Fn::ToJsonString",
}
_LONG_NAMES = set(_SHORT_TAGS.values())


@dataclass(frozen=True)
class Intrinsic:
    """One CloudFormation intrinsic, e.g. Intrinsic("Ref", "TracklineTable")."""

    name: str  # long form: "Ref", "Fn::GetAtt", "Fn::Sub", ...
    value: Any

    def __repr__(self) -> str:
        short = self.name.removeprefix("Fn::")
        return f"!{short} {self.value!r}"


class CfnLoader(yaml.SafeLoader):
    """SafeLoader that turns !Ref/!GetAtt/!Sub/... into Intrinsic objects."""


def _construct_intrinsic(loader: CfnLoader, tag_suffix: str, node: yaml.Node) -> Intrinsic:
    name = _SHORT_TAGS.get(tag_suffix)
    if name is None:
        raise yaml.constructor.ConstructorError(
            None, None, f"unknown CloudFormation tag !{tag_suffix}", node.start_mark
        )
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if name == "Fn::GetAtt" and isinstance(value, str):
        logical_id, _, attribute = value.partition(".")
        value = [logical_id, attribute]
    return Intrinsic(name, value)


CfnLoader.add_multi_constructor("!", _construct_intrinsic)


def _to_intrinsics(node: Any) -> Any:
    """Turn the long JSON forms ({"Ref": x}, {"Fn::Sub": ...}) into Intrinsic objects too."""
    if isinstance(node, dict):
        if len(node) == 1:
            (key, value), = node.items()
            if key in _LONG_NAMES:
                value = _to_intrinsics(value)
                if key == "Fn::GetAtt" and isinstance(value, str):
                    value = value.split(".", 1)
                return Intrinsic(key, value)
        return {k: _to_intrinsics(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_to_intrinsics(v) for v in node]
    if isinstance(node, Intrinsic):
        return Intrinsic(node.name, _to_intrinsics(node.value))
    return node


def load_yaml(source: str | os.PathLike[str]) -> Any:
    """Parse a CloudFormation/SAM YAML (a path or the text itself)."""
    if isinstance(source, os.PathLike) or (isinstance(source, str) and "\n" not in source
                                            and Path(source).is_file()):
        text = Path(source).read_text(encoding="utf-8")
    else:
        text = str(source)
    return _to_intrinsics(yaml.load(text, Loader=CfnLoader))  # noqa: S506 - SafeLoader subclass


# ---------------------------------------------------------------------------------------------
# Intrinsic resolution
# ---------------------------------------------------------------------------------------------


class UnresolvableIntrinsic(ValueError):
    """An intrinsic that has no meaning locally (e.g. Fn::ImportValue)."""


_NO_VALUE = object()  # AWS::NoValue
_SUB_VAR = re.compile(r"\$\{([^}]*)\}")


class Resolver:
    """Resolves intrinsics the way CloudFormation would, against local names.

    refs:   logical id -> value of !Ref (defaults: table/function/queue name = logical id)
    attrs:  (logical id, attribute) -> value of !GetAtt (defaults: ARNs built from the names)
    """

    def __init__(
        self,
        template: "Template",
        names: Mapping[str, str] | None = None,
        *,
        parameters: Mapping[str, Any] | None = None,
        region: str | None = None,
        account_id: str = DEFAULT_ACCOUNT_ID,
        stack_name: str = DEFAULT_STACK_NAME,
        refs: Mapping[str, Any] | None = None,
        attrs: Mapping[tuple[str, str], Any] | None = None,
    ) -> None:
        self.template = template
        self.names = dict(names or {})
        self.parameters = dict(parameters or {})
        self.region = region or os.environ.get("AWS_DEFAULT_REGION") or os.environ.get(
            "AWS_REGION") or DEFAULT_REGION
        self.account_id = account_id
        self.stack_name = stack_name
        self.refs = dict(refs or {})
        self.attrs = dict(attrs or {})
        self._conditions: dict[str, bool] = {}

    # -- names ---------------------------------------------------------------------------------
    def physical_name(self, logical_id: str) -> str:
        """The local physical name of a resource: its logical id unless overridden."""
        return self.names.get(logical_id, logical_id)

    def parameter_value(self, name: str) -> Any:
        if name in self.parameters:
            return self.parameters[name]
        spec = self.template.parameters.get(name)
        if spec is None:
            raise UnresolvableIntrinsic(f"unknown parameter {name}")
        if "Default" not in spec:
            raise UnresolvableIntrinsic(f"parameter {name} has no Default")
        value = spec["Default"]
        if isinstance(value, list):  # CommaDelimitedList given as a YAML list
            return ",".join(str(v) for v in value)
        return value

    def _arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.region}:{self.account_id}:{resource}"

    def ref(self, logical_id: str) -> Any:
        pseudo = {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::StackName": self.stack_name,
            "AWS::StackId": self._arn("cloudformation", f"stack/{self.stack_name}/local"),
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NotificationARNs": [],
        }
        if logical_id == "AWS::NoValue":
            return _NO_VALUE
        if logical_id in pseudo:
            return pseudo[logical_id]
        if logical_id in self.refs:
            return self.refs[logical_id]
        if logical_id in self.template.parameters:
            return self.parameter_value(logical_id)
        resource = self.template.resources.get(logical_id)
        if resource is None:
            raise UnresolvableIntrinsic(f"!Ref to unknown {logical_id}")
        name = self.physical_name(logical_id)
        rtype = resource.get("Type", "")
        if rtype == "AWS::SQS::Queue":
            endpoint = os.environ.get("AWS_ENDPOINT_URL_SQS") or os.environ.get("AWS_ENDPOINT_URL")
            base = endpoint.rstrip("/") if endpoint else f"https://sqs.{self.region}.amazonaws.com"
            return f"{base}/{self.account_id}/{name}"
        if rtype == "AWS::SNS::Topic":
            return self._arn("sns", name)
        if rtype == "AWS::Events::EventBus":
            return self.named(logical_id)
        if rtype == "AWS::Events::Rule":
            bus = self.rule_bus_name(logical_id)
            return self.named(logical_id) if bus == "default" else f"{bus}|{self.named(logical_id)}"
        return name

    def named(self, logical_id: str) -> str:
        """A resource's name: a local override, else its own Name property, else its logical id
        (where CloudFormation would generate one)."""
        if logical_id in self.names:
            return self.names[logical_id]
        given = ((self.template.resources.get(logical_id) or {}).get("Properties") or {}) \
            .get("Name")
        return str(self.resolve(given)) if given is not None else logical_id

    def rule_bus_name(self, logical_id: str) -> str:
        """The name of the event bus an AWS::Events::Rule is on (EventBusName: a name or an ARN)."""
        raw = ((self.template.resources.get(logical_id) or {}).get("Properties") or {}) \
            .get("EventBusName")
        bus = self.resolve(raw) if raw is not None else None
        return str(bus).rsplit("event-bus/", 1)[-1] if bus else "default"

    def get_att(self, logical_id: str, attribute: str) -> Any:
        if (logical_id, attribute) in self.attrs:
            return self.attrs[(logical_id, attribute)]
        resource = self.template.resources.get(logical_id)
        if resource is None:
            raise UnresolvableIntrinsic(f"!GetAtt to unknown {logical_id}")
        rtype = resource.get("Type", "")
        name = self.physical_name(logical_id)
        if rtype == "AWS::DynamoDB::Table":
            table_arn = self._arn("dynamodb", f"table/{name}")
            if attribute == "Arn":
                return table_arn
            if attribute == "StreamArn":
                return f"{table_arn}/stream/local"
        if rtype in ("AWS::Serverless::Function", "AWS::Lambda::Function") and attribute == "Arn":
            return self._arn("lambda", f"function:{name}")
        if rtype == "AWS::SQS::Queue":
            if attribute == "Arn":
                return self._arn("sqs", name)
            if attribute == "QueueName":
                return name
            if attribute == "QueueUrl":
                return self.ref(logical_id)
        if rtype == "AWS::SNS::Topic":
            if attribute == "TopicArn":
                return self._arn("sns", name)
            if attribute == "TopicName":
                return name
        if rtype == "AWS::Logs::LogGroup" and attribute == "Arn":
            return self._arn("logs", f"log-group:{name}:*")
        if rtype == "AWS::Events::EventBus" and attribute in ("Arn", "Name"):
            bus = self.named(logical_id)
            return self._arn("events", f"event-bus/{bus}") if attribute == "Arn" else bus
        if rtype == "AWS::Events::Rule" and attribute == "Arn":
            bus = self.rule_bus_name(logical_id)
            prefix = "" if bus == "default" else f"{bus}/"
            return self._arn("events", f"rule/{prefix}{self.named(logical_id)}")
        if attribute == "Arn":
            service = rtype.split("::")[1].lower() if rtype.count("::") >= 2 else "local"
            return self._arn(service, name)
        raise UnresolvableIntrinsic(f"!GetAtt {logical_id}.{attribute} has no local value")

    # -- conditions ----------------------------------------------------------------------------
    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            spec = self.template.conditions.get(name)
            if spec is None:
                raise UnresolvableIntrinsic(f"unknown condition {name}")
            self._conditions[name] = bool(self.resolve(spec))
        return self._conditions[name]

    def creates(self, resource: Mapping[str, Any]) -> bool:
        """Whether CloudFormation would create this resource: its Condition, if any, holds."""
        condition = resource.get("Condition")
        return condition is None or self.condition(str(condition))

    # -- resolve -------------------------------------------------------------------------------
    def resolve(self, node: Any) -> Any:
        """Resolve every intrinsic in node; AWS::NoValue removes the key or list item."""
        result = self._resolve(node)
        return None if result is _NO_VALUE else result

    def _resolve(self, node: Any) -> Any:
        if isinstance(node, Intrinsic):
            return self._intrinsic(node)
        if isinstance(node, dict):
            out = {}
            for key, value in node.items():
                resolved = self._resolve(value)
                if resolved is not _NO_VALUE:
                    out[key] = resolved
            return out
        if isinstance(node, list):
            return [v for v in (self._resolve(item) for item in node) if v is not _NO_VALUE]
        return node

    def _intrinsic(self, fn: Intrinsic) -> Any:
        name, value = fn.name, fn.value
        if name == "Ref":
            return self.ref(self._resolve(value))
        if name == "Fn::GetAtt":
            logical_id, attribute = (self._resolve(value) + [""])[:2] if isinstance(value, list) \
                else str(value).split(".", 1)
            return self.get_att(logical_id, attribute)
        if name == "Fn::Sub":
            return self._sub(value)
        if name == "Fn::Join":
            delimiter, items = value
            items = self._resolve(items)
            return str(delimiter).join(_scalar_str(i) for i in items)
        if name == "Fn::If":
            cond, when_true, when_false = value
            return self._resolve(when_true if self.condition(cond) else when_false)
        if name == "Condition":
            return self.condition(value)
        if name == "Fn::Equals":
            left, right = (self._resolve(v) for v in value)
            return _scalar_str(left) == _scalar_str(right)
        if name == "Fn::Not":
            return not self._truth(value[0])
        if name == "Fn::And":
            return all(self._truth(v) for v in value)
        if name == "Fn::Or":
            return any(self._truth(v) for v in value)
        if name == "Fn::Select":
            index, items = value
            items = self._resolve(items)
            return items[int(self._resolve(index))]
        if name == "Fn::Split":
            delimiter, text = value
            return str(self._resolve(text)).split(delimiter)
        if name == "Fn::FindInMap":
            map_name, top, second = (self._resolve(v) for v in value[:3])
            return self.template.mappings[map_name][top][second]
        if name == "Fn::Base64":
            return base64.b64encode(str(self._resolve(value)).encode()).decode()
        if name == "Fn::GetAZs":
            return [f"{self.region}{suffix}" for suffix in "abc"]
        if name == "Fn::Length":
            return len(self._resolve(value))
        if name == "Fn::ToJsonString":
            import json

            return json.dumps(self._resolve(value), separators=(",", ":"))
        raise UnresolvableIntrinsic(f"{name} has no local value")

    def _truth(self, node: Any) -> bool:
        if isinstance(node, dict) and set(node) == {"Condition"}:
            return self.condition(node["Condition"])
        return bool(self._resolve(node))

    def _sub(self, value: Any) -> str:
        if isinstance(value, list):
            text, variables = value[0], self._resolve(value[1] if len(value) > 1 else {})
        else:
            text, variables = value, {}

        def replace(match: re.Match[str]) -> str:
            expr = match.group(1)
            if expr.startswith("!"):
                return "${" + expr[1:] + "}"
            if expr in variables:
                return _scalar_str(variables[expr])
            if "." in expr and not expr.startswith("AWS::"):
                logical_id, attribute = expr.split(".", 1)
                return _scalar_str(self.get_att(logical_id, attribute))
            return _scalar_str(self.ref(expr))

        return _SUB_VAR.sub(replace, str(text))


def _scalar_str(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# ---------------------------------------------------------------------------------------------
# The template and what the local stack derives from it
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventSpec:
    """A function's event source as written in the template (intrinsics resolved where possible).

    raw_properties keeps the intrinsics, so a pump can tell which resource an event reads from:
    referenced_resource("Queue") -> "PollQueue" for Queue: !GetAtt PollQueue.Arn.
    """

    name: str
    type: str  # HttpApi, Schedule, ScheduleV2, SQS, DynamoDB, ...
    properties: dict[str, Any]
    raw_properties: dict[str, Any] = field(default_factory=dict)

    def referenced_resource(self, prop: str) -> str | None:
        value = self.raw_properties.get(prop)
        if isinstance(value, Intrinsic):
            if value.name == "Ref":
                return str(value.value)
            if value.name == "Fn::GetAtt":
                return str(value.value[0])
        return None


@dataclass(frozen=True)
class HttpRoute:
    """One HttpApi event: METHOD path -> function, with the authorizer that protects it."""

    function_id: str
    event_name: str
    method: str  # upper case; "ANY" matches every method
    path: str  # "/tracking/2024-04/trackings/{proxy+}" or "$default"
    authorizer: str | None  # authorizer name, or None for no authorizer
    api_id: str | None = None  # logical id of the HttpApi resource (None: the implicit API)
    payload_format_version: str = "2.0"

    @property
    def route_key(self) -> str:
        return "$default" if self.path == "$default" else f"{self.method} {self.path}"


@dataclass(frozen=True)
class AuthorizerSpec:
    name: str
    function_id: str | None  # logical id of the authorizer function (None: not a Lambda one)
    payload_format_version: str = "2.0"
    simple_responses: bool = False
    identity_source: tuple[str, ...] = ()  # "$request.header.x", "$request.querystring.y", ...
    ttl_seconds: int = 0


@dataclass(frozen=True)
class HttpApiSpec:
    logical_id: str
    default_authorizer: str | None
    authorizers: dict[str, AuthorizerSpec]


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    code_uri: Path  # absolute folder
    handler: str  # "module.func"
    environment: dict[str, str]  # Globals + the function's own, resolved
    events: tuple[EventSpec, ...]
    timeout: int = 3
    memory_size: int = 128
    runtime: str = "python3.13"
    name: str = ""  # local function name (FunctionName or the logical id)

    @property
    def module_name(self) -> str:
        return self.handler.rsplit(".", 1)[0]

    @property
    def handler_name(self) -> str:
        return self.handler.rsplit(".", 1)[1]

    @property
    def module_path(self) -> Path:
        return self.code_uri / (self.module_name.replace(".", "/") + ".py")

    def events_of_type(self, *types: str) -> list[EventSpec]:
        return [e for e in self.events if e.type in types]


@dataclass
class Template:
    path: Path
    data: dict[str, Any]
    root: Path = field(init=False)

    def __post_init__(self) -> None:
        self.root = self.path.resolve().parent

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> "Template":
        path = Path(path)
        data = load_yaml(path)
        if not isinstance(data, dict) or "Resources" not in data:
            raise ValueError(f"{path} is not a CloudFormation template (no Resources)")
        return cls(path=path, data=data)

    # -- sections ------------------------------------------------------------------------------
    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return self.data.get("Resources") or {}

    @property
    def parameters(self) -> dict[str, dict[str, Any]]:
        return self.data.get("Parameters") or {}

    @property
    def conditions(self) -> dict[str, Any]:
        return self.data.get("Conditions") or {}

    @property
    def mappings(self) -> dict[str, Any]:
        return self.data.get("Mappings") or {}

    @property
    def globals(self) -> dict[str, Any]:
        return self.data.get("Globals") or {}

    def resources_of_type(self, *types: str) -> dict[str, dict[str, Any]]:
        return {lid: r for lid, r in self.resources.items() if r.get("Type") in types}

    def resolver(self, names: Mapping[str, str] | None = None, **kwargs: Any) -> Resolver:
        return Resolver(self, names, **kwargs)

    # -- tables --------------------------------------------------------------------------------
    def table_ids(self) -> list[str]:
        return list(self.resources_of_type("AWS::DynamoDB::Table"))

    def table_names(self, names: Mapping[str, str] | None = None) -> dict[str, str]:
        """logical id -> local table name (the logical id unless overridden by names)."""
        names = names or {}
        return {lid: names.get(lid, lid) for lid in self.table_ids()}

    # -- functions -----------------------------------------------------------------------------
    def functions(
        self, names: Mapping[str, str] | None = None, resolver: Resolver | None = None
    ) -> dict[str, FunctionSpec]:
        resolver = resolver or self.resolver(names)
        global_fn = self.globals.get("Function") or {}
        out: dict[str, FunctionSpec] = {}
        for lid, resource in self.resources_of_type("AWS::Serverless::Function").items():
            props = resource.get("Properties") or {}
            merged = {**global_fn, **props}
            env: dict[str, str] = {}
            for source in (global_fn, props):
                variables = ((source.get("Environment") or {}).get("Variables")) or {}
                for key, raw in variables.items():
                    try:
                        value = resolver.resolve(raw)
                    except (UnresolvableIntrinsic, KeyError, IndexError, TypeError) as exc:
                        log.warning("%s: environment %s left unset (%s)", lid, key, exc)
                        env.pop(key, None)
                        continue
                    if value is None:
                        env.pop(key, None)
                    else:
                        env[key] = _scalar_str(value)
            code_uri = merged.get("CodeUri")
            if not isinstance(code_uri, str):
                raise ValueError(f"{lid}: CodeUri must be a local folder, got {code_uri!r}")
            handler = merged.get("Handler")
            if not isinstance(handler, str) or "." not in handler:
                raise ValueError(f"{lid}: Handler must be 'module.function', got {handler!r}")
            events = []
            for event_name, event in (props.get("Events") or {}).items():
                try:
                    properties = resolver.resolve(event.get("Properties") or {})
                except (UnresolvableIntrinsic, KeyError, IndexError, TypeError):
                    properties = copy.deepcopy(event.get("Properties") or {})
                events.append(EventSpec(event_name, event.get("Type", ""), properties,
                                        copy.deepcopy(event.get("Properties") or {})))
            function_name = props.get("FunctionName")
            out[lid] = FunctionSpec(
                logical_id=lid,
                code_uri=(self.root / code_uri).resolve(),
                handler=handler,
                environment=env,
                events=tuple(events),
                timeout=int(_maybe(resolver, merged.get("Timeout"), 3)),
                memory_size=int(_maybe(resolver, merged.get("MemorySize"), 128)),
                runtime=str(_maybe(resolver, merged.get("Runtime"), "python3.13")),
                name=str(_maybe(resolver, function_name, None) or resolver.physical_name(lid)),
            )
        return out

    # -- HTTP API ------------------------------------------------------------------------------
    def http_apis(self, resolver: Resolver | None = None) -> dict[str, HttpApiSpec]:
        resolver = resolver or self.resolver()
        global_api = self.globals.get("HttpApi") or {}
        out = {}
        for lid, resource in self.resources_of_type("AWS::Serverless::HttpApi").items():
            props = {**global_api, **(resource.get("Properties") or {})}
            auth = props.get("Auth") or {}
            authorizers = {}
            for name, spec in (auth.get("Authorizers") or {}).items():
                authorizers[name] = _authorizer_spec(name, spec, resolver)
            out[lid] = HttpApiSpec(lid, auth.get("DefaultAuthorizer"), authorizers)
        return out

    def http_routes(self, resolver: Resolver | None = None) -> list[HttpRoute]:
        """Every HttpApi event of every function, with its effective authorizer."""
        resolver = resolver or self.resolver()
        apis = self.http_apis(resolver)
        routes = []
        for lid, resource in self.resources_of_type("AWS::Serverless::Function").items():
            props = resource.get("Properties") or {}
            for event_name, event in (props.get("Events") or {}).items():
                if event.get("Type") != "HttpApi":
                    continue
                ev = event.get("Properties") or {}
                api_ref = ev.get("ApiId")
                api_id = api_ref.value if isinstance(api_ref, Intrinsic) and api_ref.name == "Ref" \
                    else None
                if api_id is None and len(apis) == 1:
                    api_id = next(iter(apis))
                api = apis.get(api_id) if api_id else None
                path = ev.get("Path")
                method = ev.get("Method")
                if path is None and method is None:
                    path, method = "$default", "ANY"
                method = str(method or "ANY").upper()
                if method == "X-AMAZON-APIGATEWAY-ANY-METHOD":
                    method = "ANY"
                authorizer = api.default_authorizer if api else None
                event_auth = (ev.get("Auth") or {}).get("Authorizer")
                if event_auth is not None:
                    authorizer = None if event_auth == "NONE" else event_auth
                routes.append(HttpRoute(
                    function_id=lid,
                    event_name=event_name,
                    method=method,
                    path=str(path),
                    authorizer=authorizer,
                    api_id=api_id,
                    payload_format_version=str(ev.get("PayloadFormatVersion", "2.0")),
                ))
        return routes

    def authorizers(self, resolver: Resolver | None = None) -> dict[str, AuthorizerSpec]:
        out: dict[str, AuthorizerSpec] = {}
        for api in self.http_apis(resolver).values():
            out.update(api.authorizers)
        return out

    # -- environment ---------------------------------------------------------------------------
    def environment(
        self, names: Mapping[str, str] | None = None, resolver: Resolver | None = None
    ) -> dict[str, str]:
        """The union of every function's environment.

        Where two functions disagree on a value (POWERTOOLS_SERVICE_NAME), the Globals value wins,
        then the first function's.
        """
        resolver = resolver or self.resolver(names)
        global_vars = (((self.globals.get("Function") or {}).get("Environment") or {})
                       .get("Variables") or {})
        union: dict[str, str] = {}
        for fn in self.functions(names, resolver).values():
            for key, value in fn.environment.items():
                union.setdefault(key, value)
        # The Globals value for names that functions override (e.g. POWERTOOLS_SERVICE_NAME).
        for key, raw in global_vars.items():
            try:
                value = resolver.resolve(raw)
            except (UnresolvableIntrinsic, KeyError, IndexError, TypeError):
                continue
            if value is not None:
                union[key] = _scalar_str(value)
        return union


def resources_to_create(
    template: "Template | str | os.PathLike[str]",
    resource_type: str,
    names: Mapping[str, str] | None = None,
    resolver: Resolver | None = None,
) -> tuple[Resolver, dict[str, dict[str, Any]]]:
    """What the ensure_* functions of one resource type start from: the template's resolver and
    the resources of that type that the template's conditions create, by logical id."""
    template = template if isinstance(template, Template) else Template.load(template)
    resolver = resolver or template.resolver(names)
    wanted = template.resources_of_type(resource_type)
    return resolver, {lid: resource for lid, resource in wanted.items() if resolver.creates(resource)}


def _maybe(resolver: Resolver, value: Any, default: Any) -> Any:
    if value is None:
        return default
    try:
        resolved = resolver.resolve(value)
    except (UnresolvableIntrinsic, KeyError, IndexError, TypeError):
        return default
    return default if resolved is None else resolved


def _authorizer_spec(name: str, spec: dict[str, Any], resolver: Resolver) -> AuthorizerSpec:
    function_arn = spec.get("FunctionArn")
    function_id = None
    if isinstance(function_arn, Intrinsic):
        if function_arn.name == "Fn::GetAtt":
            function_id = function_arn.value[0]
        elif function_arn.name == "Ref":
            function_id = function_arn.value
    identity = spec.get("Identity") or {}
    sources: list[str] = []
    for prefix, key in (("$request.header.", "Headers"), ("$request.querystring.", "QueryStrings"),
                        ("$stageVariables.", "StageVariables"), ("$context.", "Context")):
        sources += [prefix + str(v) for v in identity.get(key) or []]
    return AuthorizerSpec(
        name=name,
        function_id=function_id,
        payload_format_version=str(spec.get("AuthorizerPayloadFormatVersion", "2.0")),
        simple_responses=bool(spec.get("EnableSimpleResponses", False)),
        identity_source=tuple(sources),
        ttl_seconds=int(identity.get("ReauthorizeEvery", 0) or 0) if sources else 0,
    )


# ---------------------------------------------------------------------------------------------
# DynamoDB tables
# ---------------------------------------------------------------------------------------------

_GSI_KEYS = ("IndexName", "KeySchema", "Projection")


def _table_request(name: str, props: dict[str, Any]) -> dict[str, Any]:
    billing = props.get("BillingMode", "PROVISIONED")
    request: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "BillingMode": billing,
    }
    provisioned = billing == "PROVISIONED"
    if provisioned:
        request["ProvisionedThroughput"] = props.get(
            "ProvisionedThroughput", {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5})
    for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        indexes = []
        for index in props.get(key) or []:
            item = {k: index[k] for k in _GSI_KEYS if k in index}
            if provisioned and key == "GlobalSecondaryIndexes":
                item["ProvisionedThroughput"] = index.get(
                    "ProvisionedThroughput", request["ProvisionedThroughput"])
            indexes.append(item)
        if indexes:
            request[key] = indexes
    stream = props.get("StreamSpecification")
    if stream and stream.get("StreamViewType"):
        request["StreamSpecification"] = {
            "StreamEnabled": True, "StreamViewType": stream["StreamViewType"]}
    sse = props.get("SSESpecification")
    if sse is not None:
        spec: dict[str, Any] = {"Enabled": bool(sse.get("SSEEnabled", False))}
        if sse.get("SSEType"):
            spec["SSEType"] = sse["SSEType"]
        if sse.get("KMSMasterKeyId"):
            spec["KMSMasterKeyId"] = sse["KMSMasterKeyId"]
        request["SSESpecification"] = spec
    if props.get("TableClass"):
        request["TableClass"] = props["TableClass"]
    return request


def _wait_active(client: Any, name: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    delay = 0.05
    while True:
        table = client.describe_table(TableName=name)["Table"]
        indexes = table.get("GlobalSecondaryIndexes") or []
        if table.get("TableStatus") == "ACTIVE" and all(
                i.get("IndexStatus", "ACTIVE") == "ACTIVE" for i in indexes):
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"table {name} is not ACTIVE after {timeout:.0f}s")
        time.sleep(delay)
        delay = min(delay * 2, 1.0)


def _error_code(exc: Exception) -> str:
    return getattr(exc, "response", {}).get("Error", {}).get("Code", "")


def ensure_tables(
    dynamodb_client: Any,
    template: "Template | str | os.PathLike[str]",
    names: Mapping[str, str] | None = None,
    *,
    resolver: Resolver | None = None,
) -> dict[str, str]:
    """Create every AWS::DynamoDB::Table of the template that does not exist yet.

    A new table is created with its keys, indexes, billing mode, stream and SSE, waited for until
    ACTIVE, then gets its TTL and point-in-time recovery. A table that already exists is left as
    it is. Returns logical id -> table name.
    """
    if not isinstance(template, Template):
        template = Template.load(template)
    resolver = resolver or template.resolver(names)
    result = {}
    for lid, resource in template.resources_of_type("AWS::DynamoDB::Table").items():
        props = resolver.resolve(resource.get("Properties") or {})
        name = (names or {}).get(lid) or props.get("TableName") or lid
        result[lid] = name
        try:
            dynamodb_client.describe_table(TableName=name)
            log.debug("table %s exists; left as it is", name)
            continue
        except Exception as exc:  # botocore ClientError
            if _error_code(exc) != "ResourceNotFoundException":
                raise
        request = _table_request(name, props)
        try:
            _create_table(dynamodb_client, request)
        except Exception as exc:
            if _error_code(exc) == "ResourceInUseException":  # created concurrently
                continue
            raise
        _wait_active(dynamodb_client, name)
        ttl = props.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled") and ttl.get("AttributeName"):
            _best_effort(name, "TTL", lambda: dynamodb_client.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]}))
        pitr = props.get("PointInTimeRecoverySpecification")
        if pitr and pitr.get("PointInTimeRecoveryEnabled"):
            spec = {"PointInTimeRecoveryEnabled": True}
            if pitr.get("RecoveryPeriodInDays"):
                spec["RecoveryPeriodInDays"] = pitr["RecoveryPeriodInDays"]
            _best_effort(name, "point-in-time recovery", lambda: dynamodb_client
                         .update_continuous_backups(TableName=name,
                                                    PointInTimeRecoverySpecification=spec))
        log.info("created table %s", name)
    return result


_OPTIONAL_CREATE_KEYS = ("SSESpecification", "TableClass")


def _create_table(client: Any, request: dict[str, Any]) -> None:
    """create_table; an endpoint that refuses SSE or a table class (some DynamoDB-compatible
    emulators do) gets the table without them, with a warning."""
    try:
        client.create_table(**request)
    except Exception as exc:
        dropped = [k for k in _OPTIONAL_CREATE_KEYS if k in request]
        if _error_code(exc) not in ("ValidationException", "UnknownOperationException") or \
                not dropped:
            raise
        log.warning("table %s: created without %s (%s)", request["TableName"],
                    ", ".join(dropped), exc)
        client.create_table(**{k: v for k, v in request.items() if k not in dropped})


def _best_effort(table: str, what: str, call: Callable[[], Any]) -> None:
    """TTL and PITR are not supported by every DynamoDB-compatible endpoint; warn, go on."""
    try:
        call()
    except Exception as exc:
        code = _error_code(exc)
        if code in ("UnknownOperationException", "UnrecognizedClientException",
                    "ValidationException", "ContinuousBackupsUnavailableException"):
            log.warning("table %s: %s not applied (%s)", table, what, exc)
            return
        raise


# ---------------------------------------------------------------------------------------------
# Environment and handler loading
# ---------------------------------------------------------------------------------------------

_ENV_LOCK = threading.RLock()


def apply_environment(
    env: Mapping[str, str], environ: MutableMapping[str, str] | None = None
) -> dict[str, str | None]:
    """Set env into environ; returns the previous values (None: was unset) to restore later."""
    environ = os.environ if environ is None else environ
    previous: dict[str, str | None] = {}
    with _ENV_LOCK:
        for key, value in env.items():
            previous[key] = environ.get(key)
            environ[key] = value
    return previous


def restore_environment(
    previous: Mapping[str, str | None], environ: MutableMapping[str, str] | None = None
) -> None:
    environ = os.environ if environ is None else environ
    with _ENV_LOCK:
        for key, value in previous.items():
            if value is None:
                environ.pop(key, None)
            else:
                environ[key] = value


def load_handler(
    function: FunctionSpec, environ: MutableMapping[str, str] | None = None
) -> Callable[[dict[str, Any], Any], Any]:
    """Import functions/<dir>/<module>.py by file path and return its handler.

    The function's own environment is applied while the module is imported (that is when
    Powertools reads e.g. POWERTOOLS_SERVICE_NAME), then the previous values come back. The code
    folder is appended to sys.path, as Lambda has it on the path, for helper modules next to the
    handler.
    """
    path = function.module_path
    if not path.is_file():
        raise FileNotFoundError(f"{function.logical_id}: handler module {path} does not exist")
    module_name = function.module_name
    with _ENV_LOCK:
        existing = sys.modules.get(module_name)
        if existing is not None and Path(getattr(existing, "__file__", "") or "").resolve() == \
                path.resolve():
            module = existing
        else:
            code_dir = str(function.code_uri)
            if code_dir not in sys.path:
                sys.path.append(code_dir)
            spec = importlib.util.spec_from_file_location(module_name, path)
            if spec is None or spec.loader is None:
                raise ImportError(f"cannot import {path}")
            module = importlib.util.module_from_spec(spec)
            previous = apply_environment(function.environment, environ)
            sys.modules[module_name] = module
            try:
                spec.loader.exec_module(module)
            except BaseException:
                sys.modules.pop(module_name, None)
                raise
            finally:
                restore_environment(previous, environ)
    handler = getattr(module, function.handler_name, None)
    if not callable(handler):
        raise AttributeError(f"{function.logical_id}: {module_name}.{function.handler_name} "
                             "is not a function")
    return handler


def find_project_root(start: str | os.PathLike[str] | None = None) -> Path:
    """The folder holding template.yaml: $TRACKLINE_ROOT, else the nearest one upwards from start
    (default: the working directory), else the repository this package sits in
    (layers/local/trackline_local -> three levels up)."""
    env_root = os.environ.get("TRACKLINE_ROOT")
    if env_root:
        return Path(env_root).resolve()
    base = Path(start or os.getcwd()).resolve()
    for folder in (base, *base.parents):
        if (folder / "template.yaml").is_file():
            return folder
    return Path(__file__).resolve().parents[3]


def ensure_queues(
    sqs_client: Any,
    template: "Template | str | os.PathLike[str]",
    names: Mapping[str, str] | None = None,
    *,
    resolver: Resolver | None = None,
) -> dict[str, str]:
    """Create every AWS::SQS::Queue of the template that does not exist yet, dead-letter queues
    first so that redrive policies can name them. Returns logical id -> queue URL."""
    if not isinstance(template, Template):
        template = Template.load(template)
    resolver = resolver or template.resolver(names)
    queues = template.resources_of_type("AWS::SQS::Queue")
    ordered = sorted(queues, key=lambda lid: "RedrivePolicy" in (queues[lid].get("Properties") or {}))
    urls: dict[str, str] = {}
    for lid in ordered:
        props = queues[lid].get("Properties") or {}
        attributes = {
            name: str(props[name])
            for name in ("VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds", "ReceiveMessageWaitTimeSeconds")
            if name in props
        }
        if "RedrivePolicy" in props:
            policy = resolver.resolve(props["RedrivePolicy"])
            attributes["RedrivePolicy"] = json.dumps(
                {"deadLetterTargetArn": policy["deadLetterTargetArn"], "maxReceiveCount": int(policy["maxReceiveCount"])}
            )
        name = resolver.physical_name(lid)
        try:
            urls[lid] = sqs_client.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        except Exception as exc:  # exists already, with other attributes: left as it is
            if _error_code(exc) not in ("QueueAlreadyExists", "QueueNameExists"):
                raise
            urls[lid] = sqs_client.get_queue_url(QueueName=name)["QueueUrl"]
    return urls


def ensure_secrets(
    secrets_client: Any,
    template: "Template | str | os.PathLike[str]",
    names: Mapping[str, str] | None = None,
    *,
    resolver: Resolver | None = None,
) -> list[str]:
    """Create every AWS::SecretsManager::Secret of the template that does not exist yet, with the
    template's SecretString, or a random one made as its GenerateSecretString asks (locally the
    carriers' credentials come from the environment). Returns the names of the secrets it
    created."""
    if not isinstance(template, Template):
        template = Template.load(template)
    resolver = resolver or template.resolver(names)
    created = []
    for lid, resource in template.resources_of_type("AWS::SecretsManager::Secret").items():
        name = resolver.physical_name(lid)
        try:
            secrets_client.describe_secret(SecretId=name)
        except secrets_client.exceptions.ResourceNotFoundException:
            raw = resource.get("Properties") or {}
            properties = {key: resolver.resolve(raw[key]) for key in
                          ("SecretString", "GenerateSecretString") if key in raw}
            secrets_client.create_secret(Name=name, SecretString=secret_string(properties))
            created.append(name)
    return created


def secret_arns(
    secrets_client: Any,
    template: "Template | str | os.PathLike[str]",
    names: Mapping[str, str] | None = None,
    *,
    resolver: Resolver | None = None,
) -> dict[str, str]:
    """logical id -> ARN of every AWS::SecretsManager::Secret of the template that exists: what
    `!Ref` of a secret gives in CloudFormation."""
    if not isinstance(template, Template):
        template = Template.load(template)
    resolver = resolver or template.resolver(names)
    arns = {}
    for lid in template.resources_of_type("AWS::SecretsManager::Secret"):
        try:
            arns[lid] = secrets_client.describe_secret(SecretId=resolver.physical_name(lid))["ARN"]
        except secrets_client.exceptions.ResourceNotFoundException:
            continue
    return arns
