"""Fault drills on the API: every DynamoDB call of every kind of request, one at a time, is
throttled, fails transiently, loses its connection, or is applied with its answer lost.

The client then gets 503 in the envelope (a retry is right: the SDKs retry it) or, where the
fault did not matter, the normal answer; never any other 5xx. The tracking's items stay
consistent whatever call failed, and the retry completes the request exactly once."""

import itertools
import zlib
from dataclasses import dataclass
from typing import Any, Callable

import boto3
import pytest

from tests.conftest import TABLE_NAME, TEMPLATE, reset_cached_clients
from tests.faults.dynamodb_faults import KINDS, THROTTLING, TRANSIENT, DynamoDBFaults
from tests.support.handlers import ApiClient

_numbers = itertools.count(1)


@dataclass
class Drill:
    name: str
    request: Callable[[ApiClient, dict], Any]  # the request under test, given the tracking
    ok: int  # its status when nothing fails
    done_before: tuple[int, ...] = ()  # meta codes a retry may get when the lost answer had applied
    check: Callable[[dict | None], bool] = lambda tracking: True  # the effect, seen after the retry
    completed: bool = False  # whether the tracking is completed (inactive) beforehand
    # The tracking whose items the request writes, if not the one it is given (a create's).
    subject: Callable[[ApiClient, dict], dict] = lambda api, tracking: tracking


def _created(api: ApiClient, tracking: dict) -> dict:
    number = tracking["tracking_number"] + "N"
    reply = api.get(f"/trackings/aramex/{number}")
    return reply.data["tracking"] if reply.status == 200 else {"id": "never-created", "tracking_number": number}


def _stored(api: ApiClient, tracking: dict) -> dict | None:
    reply = api.get(f"/trackings/{tracking['id']}")
    return reply.data["tracking"] if reply.status == 200 else None


DRILLS = [
    Drill(
        "create", lambda api, t: api.post("/trackings", {"tracking": {"slug": "aramex", "tracking_number": t["tracking_number"] + "N"}}), 201,
        done_before=(4003,), subject=_created,
    ),
    Drill("get by id", lambda api, t: api.get(f"/trackings/{t['id']}"), 200),
    Drill("get by slug and number", lambda api, t: api.get(f"/trackings/aramex/{t['tracking_number']}"), 200),
    Drill("list", lambda api, t: api.get(f"/trackings?keyword={t['tracking_number']}"), 200),
    Drill("update", lambda api, t: api.put(f"/trackings/{t['id']}", {"tracking": {"title": "changed"}}), 200, check=lambda s: s["title"] == "changed"),
    Drill(
        "move to another courier", lambda api, t: api.put(f"/trackings/{t['id']}", {"tracking": {"slug": "gls"}}), 200,
        check=lambda s: s["slug"] == "gls",
    ),
    Drill("delete", lambda api, t: api.delete(f"/trackings/{t['id']}"), 200, done_before=(4004,), check=lambda s: s is None),
    Drill(
        "mark as completed", lambda api, t: api.post(f"/trackings/{t['id']}/mark-as-completed", {"reason": "LOST"}), 200,
        check=lambda s: s["active"] is False and s["subtag"] == "Exception_013",
    ),
    Drill(
        "retrack", lambda api, t: api.post(f"/trackings/{t['id']}/retrack"), 200, done_before=(4013,),
        check=lambda s: s["active"] is True, completed=True,
    ),
    Drill(
        "add receivers", lambda api, t: api.post(f"/notifications/{t['id']}/add", {"notification": {"emails": ["b@example.com"]}}), 200,
        check=lambda s: s["emails"] == ["a@example.com", "b@example.com"],
    ),
    Drill(
        "remove receivers", lambda api, t: api.post(f"/notifications/{t['id']}/remove", {"notification": {"emails": ["a@example.com"]}}), 200,
        check=lambda s: s["emails"] == [],
    ),
    Drill("last checkpoint", lambda api, t: api.get(f"/last_checkpoint/{t['id']}"), 200),
]


@pytest.fixture
def table(monkeypatch):
    """The template's table without its stream (nothing here reads it), which moto would
    otherwise copy, every record of it, with each transaction: hundreds of them per drill."""
    from moto import mock_aws

    from trackline_local.template import Template, ensure_tables

    template = Template.load(TEMPLATE)
    template.resources["TracklineTable"]["Properties"].pop("StreamSpecification", None)
    monkeypatch.setenv("TABLE_NAME", TABLE_NAME)
    with mock_aws():
        reset_cached_clients()
        ensure_tables(boto3.client("dynamodb"), template, {"TracklineTable": TABLE_NAME})
        yield TABLE_NAME
        reset_cached_clients()


@pytest.fixture
def faults(table) -> DynamoDBFaults:
    from trackline.repository.dynamodb import dynamodb_client

    injected = DynamoDBFaults().attach(dynamodb_client())
    yield injected
    injected.plan(None)


def _new_tracking(api: ApiClient, faults: DynamoDBFaults, completed: bool) -> dict:
    faults.plan(None)
    tracking = api.create(slug="aramex", tracking_number=f"TLFAULT{next(_numbers):06d}", emails=["a@example.com"])
    if completed:
        assert api.post(f"/trackings/{tracking['id']}/mark-as-completed", {"reason": "LOST"}).status == 200
    return tracking


def _items(store, pk: str) -> list[dict]:
    pages = store.get_paginator("query").paginate(
        TableName=TABLE_NAME, KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": {"S": pk}}, ConsistentRead=True
    )
    return [item for page in pages for item in page["Items"]]


def _assert_consistent(store, tracking: dict) -> None:
    """The tracking's items agree with each other, whatever happened to it."""
    numbers = {slug: _items(store, f"NUMBER#{slug}#{tracking['tracking_number']}") for slug in ("aramex", "gls")}
    items = {item["sk"]["S"]: item for item in _items(store, f"TRACKING#{tracking['id']}")}
    stored = items.get("TRACKING")
    if stored is None:
        assert "POLL" not in items, "a deleted tracking left its poll item"
        assert not any(numbers.values()), "a deleted tracking left its number key"
        return
    assert int(stored["version"]["N"]) >= 1
    zlib.decompress(stored["checkpoints_z"]["B"])
    slug = stored["slug"]["S"]
    assert [key["tracking_id"]["S"] for key in numbers[slug]] == [tracking["id"]], "its number key is missing"
    assert not [key for other, keys in numbers.items() if other != slug for key in keys], "an old number key was left taken"
    if stored["active"]["BOOL"]:
        assert "POLL" in items, "an active tracking is no longer polled"


@pytest.mark.parametrize("drill", DRILLS, ids=[drill.name for drill in DRILLS])
def test_every_fault_in_every_call_is_a_503_and_leaves_consistent_items(api, faults, drill):
    store = boto3.client("dynamodb")  # a client of its own: the faults are injected into the service's
    reference = _new_tracking(api, faults, drill.completed)
    faults.plan(None)
    assert drill.request(api, reference).status == drill.ok
    calls = len(faults.calls)
    assert calls >= 1

    outcomes = set()
    # Every call is throttled, fails transiently before DynamoDB applies it, and loses its
    # answer after; the throttling codes and the transient faults take turns from call to call
    # (each is mapped alike; the test below tries every kind on one call).
    refused = [kind for kind in TRANSIENT if kind != "answer lost"]
    faults_to_try = [
        (call, kind)
        for call in range(1, calls + 1)
        for kind in (THROTTLING[call % len(THROTTLING)], refused[call % len(refused)], "answer lost")
    ]
    for call, kind in faults_to_try:
        tracking = _new_tracking(api, faults, drill.completed)
        faults.plan(call, kind)
        reply = drill.request(api, tracking)
        faults.plan(None)
        where = f"{kind} in call {call} of {calls}"
        assert reply.status in (drill.ok, 503), f"{where}: {reply.status} {reply.body}"
        if reply.status == 503:
            assert reply.body == {"meta": {"code": 503, "message": reply.body["meta"]["message"], "type": "InternalError"}, "data": {}}
        _assert_consistent(store, drill.subject(api, tracking))

        retried = drill.request(api, tracking)
        assert retried.status == drill.ok or retried.code in drill.done_before, f"{where}, then the retry: {retried.body}"
        _assert_consistent(store, drill.subject(api, tracking))
        assert drill.check(_stored(api, tracking)), where
        outcomes.add(reply.status)
    assert 503 in outcomes, "no fault reached the client: the drill tested nothing"


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_of_fault_is_a_retryable_503_in_the_envelope(api, faults, kind):
    tracking = _new_tracking(api, faults, completed=False)
    faults.plan(1, kind)
    reply = api.get(f"/trackings/{tracking['id']}")
    assert faults.fired == kind
    assert (reply.status, reply.code, reply.body["meta"]["type"], reply.data) == (503, 503, "InternalError", {})
    assert "retry" in reply.body["meta"]["message"].lower()
