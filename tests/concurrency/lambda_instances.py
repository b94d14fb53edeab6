"""Real handlers in parallel Lambda instances: one process per instance, as in AWS.

One process each because a Lambda environment serves one event at a time, and the handlers
rely on it (Powertools keeps the current event on the resolver class). The processes are forked
from a server that has already imported the handlers' modules, so an instance starts in
milliseconds; all of them wait at one barrier and then send their event at the same moment.
"""

import gc
import json
import multiprocessing
import os
from typing import Any

import boto3

from tests.support.handlers import LambdaContext, load_handler

INSTANCE_FUNCTIONS = ("trackings_api", "poll_worker")
_context = multiprocessing.get_context("forkserver")
_context.set_forkserver_preload(["__main__", __name__])  # __main__: or every instance runs it again


def _warm() -> None:
    """What every instance would otherwise do first, once, in the fork server: the handlers'
    import (routes and their compiled patterns), botocore's service models and pydantic's
    schemas. No client or setting is kept: each instance reads its own environment."""
    from trackline.models.requests import CreateTrackingBody, UpdateTrackingBody
    from trackline.models.tracking import TrackingRecord

    for function in INSTANCE_FUNCTIONS:
        load_handler(function, f"{function}_handler")
    for service in ("dynamodb", "sqs"):
        boto3.client(service, region_name="us-east-1")
    CreateTrackingBody.model_validate({"tracking": {"tracking_number": "TLWARM0001", "slug": "aramex"}})
    UpdateTrackingBody.model_validate({"tracking": {"title": "warm"}})
    TrackingRecord.model_validate({"id": "warm", "tracking_number": "TLWARM0001", "slug": "aramex"}).model_dump(mode="json")


_warm()


def _instance(function: str, environment: dict[str, str], event: dict, barrier: Any, results: Any, index: int) -> None:
    gc.freeze()  # the fork server's objects stay shared: no collection walks (and copies) them
    os.environ.update(environment)
    try:
        handler = load_handler(function, f"{function}_handler")
        barrier.wait(timeout=60)
        results.put((index, handler(event, LambdaContext())))
    except BaseException as error:  # noqa: BLE001 - reported to the test, which fails on it
        results.put((index, {"crashed": f"{type(error).__name__}: {error}"}))


def invoke_in_parallel(invocations: list[tuple[str, dict]], environment: dict[str, str]) -> list[Any]:
    """Each (function folder, event) in its own instance, all released at once; the results in
    the order given. An HTTP result's JSON body is decoded into `body`."""
    barrier = _context.Barrier(len(invocations))
    results = _context.Queue()
    processes = [
        _context.Process(target=_instance, args=(function, environment, event, barrier, results, index), daemon=True)
        for index, (function, event) in enumerate(invocations)
    ]
    for process in processes:
        process.start()
    collected = dict(results.get(timeout=120) for _ in processes)
    for process in processes:
        process.join(timeout=30)
    ordered = [collected[index] for index in range(len(invocations))]
    for result in ordered:
        if isinstance(result, dict) and isinstance(result.get("body"), str) and result["body"].startswith("{"):
            result["body"] = json.loads(result["body"])
    return ordered
