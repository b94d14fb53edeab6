from collections.abc import Iterator

import pytest

from tests.fuzz.fuzzing import GatewayApp, gateway_app as in_process_gateway


@pytest.fixture(scope="module")
def gateway_app() -> Iterator[GatewayApp]:
    """The gateway, the authorizer and the API functions over moto in this process."""
    with in_process_gateway() as app:
        yield app
