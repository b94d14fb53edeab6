"""Development-only local stack for Trackline (not deployed): `python -m trackline_local`.

Modules: template (template.yaml -> tables, functions, routes), aws (embedded moto),
runtime (in-process Lambda), gateway (API Gateway HTTP API), events (schedule timers and SQS
pumps), streams (DynamoDB stream pumps) with filters (Lambda FilterCriteria), event_rules
(EventBridge buses and rules), email_identities (SES), secret_values (GenerateSecretString),
outbox (sent e-mail and SMS as files), stack (LocalStack), apikeys (`make apikey`).
"""

from typing import Any

__all__ = ["LocalStack"]


def __getattr__(name: str) -> Any:
    if name == "LocalStack":
        from .stack import LocalStack

        return LocalStack
    raise AttributeError(name)
