"""API tests: one local stack for the whole suite, driven over HTTP by the official SDK 2.0.2.

The stack (embedded moto, the table from template.yaml, the real handlers, the gateway) listens
on 127.0.0.1 only. Every test builds its own tracking numbers, so tests never collide on the
shared table, and counts in the list are always scoped to a test's own trackings.

The stack changes os.environ while it runs (AWS endpoint, TABLE_NAME, ...), so it is stopped as
soon as the last API test of the session has finished, before any other suite runs.
"""

from __future__ import annotations

import json
import os
import random
import string
import uuid
from typing import Any, Callable, Iterator

# Loopback never goes through a proxy, whatever the environment says (the SDK's shared httpx
# client reads the proxy settings once, when `tracking` is imported).
for _name in ("NO_PROXY", "no_proxy"):
    os.environ[_name] = ",".join(filter(None, (os.environ.get(_name), "127.0.0.1", "localhost")))

import httpx  # noqa: E402
import pytest  # noqa: E402
import tracking  # noqa: E402
from tracking.exceptions import BadRequestError  # noqa: E402

from tests.conftest import reset_cached_clients

API_DIR = __file__.rsplit("/", 1)[0]
TRACKING_ITEMS = ("TRACKING#", "NUMBER#")  # pk prefixes of what the tests create (README table)

# The SDK uses httpx APIs that httpx 0.28 deprecates (URL.raw, data=<str>); not our concern here.
SDK_WARNINGS = (
    "ignore:URL.raw is deprecated:UserWarning",
    "ignore:Use 'content=:DeprecationWarning",
)

_running: list[Any] = []
_last_api_item: list[pytest.Item] = []


def _is_api_item(item: pytest.Item) -> bool:
    return str(item.path).startswith(API_DIR + "/")


@pytest.hookimpl(trylast=True)  # after -k / -m have deselected items
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    api_items = [item for item in items if _is_api_item(item)]
    for item in api_items:
        for sdk_warning in SDK_WARNINGS:
            item.add_marker(pytest.mark.filterwarnings(sdk_warning))
    _last_api_item[:] = api_items[-1:]


def _stop_stacks() -> None:
    while _running:
        _running.pop().stop()
        reset_cached_clients()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    try:
        return (yield)
    finally:
        if _last_api_item and item is _last_api_item[0]:
            _stop_stacks()


@pytest.fixture(scope="session")
def stack() -> Iterator[Any]:
    """The whole local stack on a free port, with an API key registered."""
    from trackline_local.stack import LocalStack

    reset_cached_clients()  # settings and clients must be read from the stack's environment
    # No poll timer or queue pump: these tests are about the API, and nothing should change
    # a tracking under them.
    # The tests fire requests faster than the contract's 10 per second per key: a limit they
    # never reach (tests/api/test_api_rate_limits.py lowers it where it is the subject).
    local = LocalStack(port=0, access_log=False, event_sources=False, parameters={"RateLimitPerSecond": "10000"})
    local.start()
    _running.append(local)
    try:
        yield local
    finally:
        _stop_stacks()


@pytest.fixture(scope="session")
def stack_dynamodb(stack: Any) -> Any:
    """A boto3 client of the stack's DynamoDB (made once: a client takes a while to build)."""
    return stack.dynamodb_client()


@pytest.fixture(autouse=True)
def _empty_table_after_each_test(request: pytest.FixtureRequest) -> Iterator[None]:
    """Removes the trackings a test made (tracking and number-key items), straight from the
    table; everything else (API keys, activated couriers) stays.

    Tests never depend on each other's data; this keeps the table small, because the embedded
    moto copies the whole table for every TransactWriteItems (each create and delete), so a
    growing table would make every later create slower.
    """
    if "stack" not in request.fixturenames:
        yield
        return
    local = request.getfixturevalue("stack")
    ddb = request.getfixturevalue("stack_dynamodb")
    yield
    if not _running:
        return
    keys = []
    for page in ddb.get_paginator("scan").paginate(TableName=local.table_name, ConsistentRead=True,
                                                  ProjectionExpression="pk, sk"):
        keys += [item for item in page["Items"] if item["pk"]["S"].startswith(TRACKING_ITEMS)]
    for start in range(0, len(keys), 25):
        requests = [{"DeleteRequest": {"Key": key}} for key in keys[start:start + 25]]
        ddb.batch_write_item(RequestItems={local.table_name: requests})


def _sdk_client(base_url: str, api_key: str) -> tracking.Client:
    """The official client as a user configures it: domain and API key (and no retry, so that a
    failure shows at once instead of being retried and hidden)."""
    configuration = tracking.Configuration(domain=base_url, api_key=api_key, max_retry=0)
    # Options left out are read from AFTERSHIP_TRACKING_SDK_* variables: none may redirect us.
    assert configuration.authentication_type == tracking.ApiKey and configuration.proxy is None
    assert configuration.domain == base_url and base_url.startswith("http://127.0.0.1:")
    return tracking.Client(configuration)


@pytest.fixture(scope="session")
def client(stack: Any) -> tracking.Client:
    return _sdk_client(stack.base_url, stack.api_key)


@pytest.fixture(scope="session")
def make_client(stack: Any) -> Callable[[str], tracking.Client]:
    """Clients of the same stack with another API key."""
    return lambda api_key: _sdk_client(stack.base_url, api_key)


@pytest.fixture(scope="session")
def http(stack: Any) -> Iterator[httpx.Client]:
    """A raw HTTP client to the stack (no API key by default; never through a proxy)."""
    with httpx.Client(base_url=stack.base_url, trust_env=False, timeout=10.0) as raw:
        yield raw


# -- tracking numbers ---------------------------------------------------------------------------


def _fresh_number() -> str:
    return "TL" + uuid.uuid4().hex[:14].upper()


def _sandbox_number() -> str:
    return "SBX" + uuid.uuid4().hex[:16].upper()


_UPS_ALPHANUMERIC = string.ascii_uppercase + string.digits


def _ups_value(char: str) -> int:
    return int(char) if char.isdigit() else (ord(char) - 3) % 10


def _ups_number() -> str:
    """1Z + 6 shipper chars + 2-digit service + 7 digits + mod-10 (weights 1, 2) check digit."""
    from trackline.couriers import FormatVerdict, check_format

    rng = random.Random(uuid.uuid4().int)
    shipper = "".join(rng.choice(_UPS_ALPHANUMERIC) for _ in range(6))
    serial = shipper + f"{rng.randrange(100):02d}" + f"{rng.randrange(10**7):07d}"
    total = sum(_ups_value(char) * (1 if index % 2 == 0 else 2) for index, char in enumerate(serial))
    number = f"1Z{serial}{(10 - total % 10) % 10}"
    assert check_format("ups", number) == FormatVerdict.VALID, number
    return number


@pytest.fixture
def new_number() -> Callable[[], str]:
    """Fresh numbers of no known courier: TL + 14 upper-case hex characters (16 in all)."""
    return _fresh_number


@pytest.fixture
def sandbox_number() -> Callable[[], str]:
    """Fresh numbers of the sandbox courier: SBX + 16 upper-case alphanumerics."""
    return _sandbox_number


@pytest.fixture
def ups_number() -> Callable[[], str]:
    """Fresh UPS numbers whose check digit is right."""
    return _ups_number


@pytest.fixture
def token() -> str:
    """A word no other test uses, to find one's own trackings with `keyword`."""
    return "KW" + uuid.uuid4().hex[:12].upper()


@pytest.fixture
def create(client: tracking.Client) -> Callable[..., tracking.models.Tracking]:
    """Create a tracking through the SDK with a dict body (tracking_number is required)."""

    def make(**fields: Any) -> tracking.models.Tracking:
        return client.tracking.create_tracking(fields)

    return make


def _check_bad_request(excinfo: pytest.ExceptionInfo, meta_code: int, status: int = 400) -> BadRequestError:
    """The SDK raised BadRequestError (meta.type BadRequest) for this meta.code and HTTP status,
    from a complete error envelope; returns it for checks of its message and SDK code."""
    error = excinfo.value
    assert type(error) is BadRequestError, error
    assert (error.meta_code, error.status_code) == (meta_code, status), error.response_body
    assert json.loads(error.response_body) == {
        "meta": {"code": meta_code, "message": error.message, "type": "BadRequest"},
        "data": {},
    }
    return error


@pytest.fixture
def bad_request() -> Callable[..., BadRequestError]:
    return _check_bad_request
