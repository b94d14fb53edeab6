"""The template's EventBridge buses and rules, created in the embedded moto, so that PutEvents on
a bus delivers each matching event to the rules' SQS queues as EventBridge does (moto matches the
EventPattern and sends the queue the event's JSON).

Public interface:
    ensure_event_buses(events_client, template, names=None, *, resolver=None)
        -> dict[logical_id, bus_name]     every AWS::Events::EventBus whose Condition holds
    ensure_event_rules(events_client, template, names=None, *, resolver=None)
        -> dict[logical_id, rule_arn]     the buses first, then every AWS::Events::Rule with
                                          its EventPattern, State, Description and Targets

Names come from the Resolver (a Name property, else the logical id), the same names `!Ref` and
`!GetAtt` give the functions. Both are idempotent: a second run updates the rules in place.

What moto does differently, and how it is met here:
- moto delivers through a rule whatever its State, so a DISABLED rule is created without targets;
- moto fails the whole PutEvents on a target it cannot deliver to (a Lambda function, an SNS
  topic, ...), so only SQS queue and event bus targets are registered, the others are reported;
- moto ignores a target's Input and InputPath (it sends the whole event), which is reported too;
- moto's event has no "account" field (EventBridge's has); nothing here adds it.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any, Mapping

from .template import Resolver, Template, resources_to_create

log = logging.getLogger("trackline_local.event_rules")

# The target fields put_targets accepts that the template may carry.
_TARGET_FIELDS = ("Id", "Arn", "RoleArn", "Input", "InputPath", "InputTransformer",
                  "SqsParameters", "DeadLetterConfig", "RetryPolicy")


def ensure_event_buses(
    events_client: Any,
    template: "Template | str | os.PathLike[str]",
    names: Mapping[str, str] | None = None,
    *,
    resolver: Resolver | None = None,
) -> dict[str, str]:
    resolver, resources = resources_to_create(template, "AWS::Events::EventBus", names, resolver)
    buses: dict[str, str] = {}
    for lid, resource in resources.items():
        name = resolver.named(lid)
        try:
            arn = events_client.create_event_bus(Name=name)["EventBusArn"]
        except events_client.exceptions.ResourceAlreadyExistsException:
            arn = events_client.describe_event_bus(Name=name)["Arn"]
        resolver.attrs[(lid, "Arn")] = arn
        buses[lid] = name
    return buses


def ensure_event_rules(
    events_client: Any,
    template: "Template | str | os.PathLike[str]",
    names: Mapping[str, str] | None = None,
    *,
    resolver: Resolver | None = None,
) -> dict[str, str]:
    resolver, resources = resources_to_create(template, "AWS::Events::Rule", names, resolver)
    ensure_event_buses(events_client, template, names, resolver=resolver)
    rules: dict[str, str] = {}
    for lid, resource in resources.items():
        props = resolver.resolve(resource.get("Properties") or {})
        name, bus = resolver.named(lid), resolver.rule_bus_name(lid)
        state = str(props.get("State") or "ENABLED").upper()
        request: dict[str, Any] = {"Name": name, "EventBusName": bus, "State": state}
        pattern = props.get("EventPattern")
        if pattern is not None:
            request["EventPattern"] = pattern if isinstance(pattern, str) else json.dumps(pattern)
        for key in ("ScheduleExpression", "Description", "RoleArn"):
            if props.get(key):
                request[key] = props[key]
        arn = events_client.put_rule(**request)["RuleArn"]
        resolver.attrs[(lid, "Arn")] = arn
        rules[lid] = arn
        targets = _deliverable_targets(lid, props.get("Targets") or []) \
            if state == "ENABLED" else []
        _replace_targets(events_client, name, bus, targets)
    return rules


def _deliverable_targets(rule_id: str, targets: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    kept = []
    for target in targets:
        arn = str(target.get("Arn") or "")
        service = arn.split(":")[2] if arn.count(":") >= 5 else ""
        if service != "sqs" and not (service == "events" and ":event-bus/" in arn):
            log.warning("rule %s: target %s (%s) is not delivered locally; only SQS queues and "
                        "event buses are", rule_id, target.get("Id"), arn)
            continue
        if target.get("Input") is not None or target.get("InputPath") is not None:
            log.warning("rule %s: target %s gets the whole event locally (moto ignores Input "
                        "and InputPath)", rule_id, target.get("Id"))
        kept.append({key: target[key] for key in _TARGET_FIELDS if key in target})
    return kept


def _replace_targets(client: Any, rule: str, bus: str, targets: list[dict[str, Any]]) -> None:
    """The rule ends with exactly these targets (a previous run's extra ones are removed)."""
    wanted = {t["Id"] for t in targets}
    existing = client.list_targets_by_rule(Rule=rule, EventBusName=bus).get("Targets") or []
    stale = [t["Id"] for t in existing if t["Id"] not in wanted]
    if stale:
        client.remove_targets(Rule=rule, EventBusName=bus, Ids=stale)
    if targets:
        client.put_targets(Rule=rule, EventBusName=bus, Targets=targets)
