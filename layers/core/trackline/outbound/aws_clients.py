"""boto3 clients of the outbound adapters, each made on first use (never at import time)."""

from functools import cache
from typing import Any

from botocore.config import Config

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=10)


@cache
def aws_client(service: str) -> Any:
    import boto3

    return boto3.client(service, config=_CONFIG)
